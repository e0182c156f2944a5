// Package postc2 finds HTTP POSTs that look like an implant checking in with, or handing stolen
// data to, a script "gate": the way infostealers (AgentTesla, Lokibot, Pony, FormBook) and many
// RATs talk to their panels. A browser posts a form after it fetched the page, with a Referer and
// an Origin; a gate is posted to out of nowhere.
//
// Per source and site (the Host header, else the destination address) it counts the POSTs and
// the other requests, and scores the pairs that POST on signals: the source never fetched
// anything else from the site; a browser-claiming user agent with neither Referer nor Origin; a
// script or known gate path; a host under a dynamic-DNS provider or a bare external address; an
// external destination; and, when the source captured it, a body whose values look encoded or
// encrypted and a form or octet-stream content type. Known benign POST shapes (OCSP,
// time-stamping, Windows update and telemetry clients) are left out. Regular POSTs at steady
// intervals are the beacon detection's. See README.md.
//
// Fields read (event.HTTP): Src, Dst, DstPort, SrcPort, TS, Ref, Method, Host, URI, Referrer,
// Origin, UserAgent, RequestBodyLen, and, when the source has them, Body (Splunk Stream's
// form_data, a packet capture's first request bytes), ContentType (Stream's cs_content_type,
// a capture's Content-Type header) and OrigMimeTypes (Zeek's type of the request body).
package postc2

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// ID is the detection's id in config and output.
const ID = "http-post-c2"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Risk holds the weight of each signal; a pair's risk is the sum of its signals' weights, at
// most 100.
type Risk struct {
	PostOnly     int `yaml:"post_only" doc:"the source sent no request but POSTs to the site (never fetched a page, an image, anything) in the whole input"`
	NoReferrer   int `yaml:"no_referrer" doc:"a POST with a browser-claiming user agent and neither Referer nor Origin (browsers send Origin on every POST since Firefox 70 and Chromium Edge 79, and Referer by default)"`
	ScriptPath   int `yaml:"script_path" doc:"the POST's path ends in a server-script extension (script_extensions)"`
	GatePath     int `yaml:"gate_path" doc:"the POST's path holds a known gate name (gate_paths) or the script's name is a long hex string (hex_script_name)"`
	DynamicDNS   int `yaml:"dynamic_dns" doc:"the host is a name under a dynamic-DNS provider's domain (dynamic_dns)"`
	IPHost       int `yaml:"ip_host" doc:"the site is named by an external IP address (Host header an address literal, or no Host header)"`
	External     int `yaml:"external" doc:"the destination is outside internal_networks (through a proxy: the requested host is a name, or an external address)"`
	EncodedBody  int `yaml:"encoded_body" doc:"the captured body (only when the source has bodies) holds a long base64 or hex run of high entropy after URL decoding, or is binary of high entropy"`
	FormBodyType int `yaml:"form_content_type" doc:"the request's Content-Type (only when the source logs it) is one of form_content_types"`
}

// Params are the detection's settings.
type Params struct {
	Methods []string `yaml:"methods" doc:"request methods scored as posts; every other method counts as a fetch from the site"`
	MinRisk int      `yaml:"min_risk" doc:"pairs with a lower risk are not reported"`
	Risk    Risk     `yaml:"risk"`

	BrowserTokens    []string `yaml:"browser_tokens" doc:"a user agent that starts with Mozilla/ or Opera/ and contains one of these (case-sensitive) claims to be a browser"`
	ScriptExtensions []string `yaml:"script_extensions" doc:"extensions of server scripts (case-insensitive) that earn risk.script_path"`
	GatePaths        []string `yaml:"gate_paths" doc:"substrings of a path (case-insensitive) that name a known panel gate and earn risk.gate_path"`
	HexScriptName    int      `yaml:"hex_script_name" doc:"a script whose file name before the extension is at least this many hex digits, with letters and digits both (AgentTesla's /inc/10a5031d37bc79.php), earns risk.gate_path; 0 turns it off"`

	DynamicDNS     []string `yaml:"dynamic_dns" doc:"domains of dynamic-DNS providers (and tunnelling services that hand out names the same way): a name strictly under one earns risk.dynamic_dns; README.md cites each provider's list"`
	DynamicDNSFile string   `yaml:"dynamic_dns_file" doc:"a file of more such domains, one a line (the first word of the line; # starts a comment), e.g. a published dynamic-DNS domain list"`

	FormContentTypes []string `yaml:"form_content_types" doc:"request content types (before any ;parameter, case-insensitive) that earn risk.form_content_type"`
	BodyContentTypes []string `yaml:"body_content_types" doc:"a body is judged for encoding only when the request has no Content-Type or one of these: a form, raw bytes, text; JSON and XML APIs and multipart uploads carry base64 and binary by design"`
	MinEncodedRun    int      `yaml:"min_encoded_run" doc:"shortest run of base64 or hex characters in the URL-decoded body that is judged for encoding"`
	Base64Entropy    float64  `yaml:"base64_entropy" doc:"bits per character at or above which a base64 run (upper, lower case and digits all present) is encoded data (random base64: about 5.5 to 6 for 64 to 500 characters; English words: 4 to 4.3)"`
	HexEntropy       float64  `yaml:"hex_entropy" doc:"bits per character at or above which a run of hex digits is encoded data (random hex: close to 4)"`
	BinaryShare      float64  `yaml:"binary_share" doc:"share of control and high bytes from which a URL-decoded body of 128 bytes or more is binary; it is encoded data when its entropy is at least 85% of the most its length allows"`

	ExcludeContentTypes []string `yaml:"exclude_content_types" doc:"POSTs whose Content-Type or Zeek orig_mime_types is one of these are left out (certificate status and time-stamp queries)"`
	ExcludeUserAgents   []string `yaml:"exclude_user_agents" doc:"POSTs whose user agent starts with one of these (case-insensitive) are left out: Windows' certificate, update, delivery-optimization and device-metadata clients"`
	ExcludeHostLabels   []string `yaml:"exclude_host_labels" doc:"POSTs to a host whose first label contains one of these (case-insensitive) are left out: OCSP responders, CRL and time-stamp servers (ocsp.digicert.com, oneocsp.microsoft.com, timestamp.sectigo.com)"`
	ExcludeDomains      []string `yaml:"exclude_domains" doc:"POSTs to these hosts or names under them are left out"`
}

// DefaultParams are the documented defaults (README.md explains each).
func DefaultParams() Params {
	return Params{
		Methods: []string{"POST"},
		MinRisk: 50,
		Risk: Risk{
			PostOnly: 20, NoReferrer: 25, ScriptPath: 10, GatePath: 15, DynamicDNS: 20, IPHost: 10,
			External: 10, EncodedBody: 20, FormBodyType: 5,
		},
		BrowserTokens:    []string{"Gecko/", "AppleWebKit/", "Trident/", "MSIE ", "Presto/"},
		ScriptExtensions: []string{".php", ".php5", ".phtml", ".asp", ".aspx", ".ashx", ".jsp", ".cgi", ".pl"},
		GatePaths:        []string{"gate.php", "fre.php", "/panel/", "/inc/", "/gate/", "/webpanel"},
		HexScriptName:    8,
		DynamicDNS:       DefaultDynamicDNS(),
		FormContentTypes: []string{"application/x-www-form-urlencoded", "application/octet-stream"},
		BodyContentTypes: []string{"application/x-www-form-urlencoded", "application/octet-stream", "text/plain"},
		MinEncodedRun:    100,
		Base64Entropy:    4.5,
		HexEntropy:       3.5,
		BinaryShare:      0.25,
		ExcludeContentTypes: []string{
			"application/ocsp-request", "application/timestamp-query",
		},
		ExcludeUserAgents: []string{
			"Microsoft-CryptoAPI/", "Windows-Update-Agent", "Microsoft-Delivery-Optimization/",
			"MICROSOFT_DEVICE_METADATA_RETRIEVAL_CLIENT",
		},
		ExcludeHostLabels: []string{"ocsp", "crl", "timestamp"},
		ExcludeDomains: []string{
			"windowsupdate.com", "update.microsoft.com", "o.lencr.org",
		},
	}
}

// DefaultDynamicDNS is the default list of dynamic-DNS provider domains: the free domains of the
// most used providers (README.md cites each provider's list).
func DefaultDynamicDNS() []string {
	return []string{
		// No-IP: the free and enhanced domains of its FAQ, and the legacy no-ip ones.
		"ddns.net", "ddnsking.com", "3utilities.com", "bounceme.net", "freedynamicdns.net",
		"freedynamicdns.org", "gotdns.ch", "hopto.org", "myddns.me", "myftp.biz", "myftp.org",
		"myvnc.com", "onthewifi.com", "redirectme.net", "servebeer.com", "serveblog.net",
		"servecounterstrike.com", "serveftp.com", "servegame.com", "servehalflife.com",
		"servehttp.com", "serveirc.com", "serveminecraft.net", "servemp3.com", "servepics.com",
		"servequake.com", "sytes.net", "viewdns.net", "webhop.me", "zapto.org", "hopto.me",
		"ddns.me", "no-ip.org", "no-ip.biz", "no-ip.info",
		// Duck DNS, YDNS, deSEC, dynv6, FreeMyIP, nsupdate.info.
		"duckdns.org", "ydns.eu", "dedyn.io", "dynv6.net", "dns.army", "dns.navy", "v6.army",
		"v6.navy", "freemyip.com", "nsupdate.info",
		// Dynu.
		"dynu.net", "freeddns.org", "ddnsfree.com", "ddnsgeek.com", "giize.com", "gleeze.com",
		"kozow.com", "loseyourip.com", "mywire.org", "ooguy.com", "theworkpc.com",
		"webredirect.org", "accesscam.org", "camdvr.org", "casacam.net", "dynuddns.com",
		"dynuddns.net",
		// Dyn (DynDNS) legacy host domains.
		"dyndns.org", "dyndns.info", "dyndns.biz", "dyndns.tv", "dyndns.ws", "homeip.net",
		"dnsalias.com", "dnsalias.net", "dnsalias.org", "dynalias.com", "dynalias.net",
		"dynalias.org", "homelinux.com", "homelinux.net", "homelinux.org", "homeunix.com",
		"homeunix.net", "homeunix.org", "selfip.com", "mine.nu", "is-a-geek.com", "is-a-geek.net",
		"is-a-geek.org", "gotdns.com", "gotdns.org", "blogdns.com", "dyndns-ip.com",
		// FreeDNS (afraid.org): its most used shared domains.
		"mooo.com", "chickenkiller.com", "us.to", "strangled.net", "ignorelist.com", "uk.to",
		"crabdance.com", "jumpingcrab.com", "twilightparadox.com", "my.to", "privatedns.org",
		"ftp.sh",
		// ChangeIP.
		"changeip.net", "changeip.org", "changeip.us", "changeip.biz", "dynamic-dns.net",
		"2waky.com", "zzux.com", "dns04.com", "dns05.com", "zyns.com", "my03.com", "itemdb.com",
		"xxuz.com", "jkub.com", "qpoe.com", "qhigh.com", "mrface.com", "mefound.com",
		"dumb1.com", "onedumb.com", "youdontcare.com", "yourtrap.com", "x24hr.com", "ddns.info",
		"ns01.info", "ns02.info", "myftp.info", "freeddns.com", "myddns.com", "dynamicdns.biz",
		"ns01.biz", "ns02.biz", "dns1.us", "dns2.us", "ns01.us", "ns02.us", "ddns.us", "ddns.ms",
		"ddns.mobi", "proxydns.com", "otzo.com", "instanthq.com", "faqserv.com", "jetos.com",
		"vizvaz.com", "isasecret.com", "trickip.net", "trickip.org", "acmetoy.com", "dnset.com",
		// DuiaDNS, Pubyun (3322).
		"duiadns.net", "duia.eu", "duia.ro", "duia.us", "3322.org", "x3322.org", "x3322.net",
		"8866.org", "9966.org", "8800.org", "2288.org", "6600.org", "7766.org",
		// Tunnelling services that hand out names the same way (abused by RATs).
		"ngrok.io", "ngrok-free.app", "ngrok.app", "trycloudflare.com", "portmap.io", "portmap.host",
	}
}

// Detection is the http-post-c2 analytic.
type Detection struct {
	p Params
	c *compiled
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "HTTP POST to a script gate, as implants and infostealers check in",
	Techniques: []string{"T1071.001", "T1041", "T1132.001"},
	Kinds:      []event.Kind{event.KindHTTP},
	Fields:     "http: id.orig_h, id.resp_h, id.resp_p, method, host, uri, referrer, origin, user_agent, request_body_len, orig_mime_types; request body (Splunk Stream form_data, packet capture) and request Content-Type when the source has them",
	Source:     "infostealer and RAT panel check-ins (AgentTesla, Lokibot, Pony, FormBook): Emerging Threats' POST-without-Referer checkin rules, Corelight's AgentTesla detector, the Fetch standard's Origin header",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// compiled is the parameters made ready for the hot path.
type compiled struct {
	methods     []string
	browser     []string
	scriptExt   []string // lower case
	gates       []string // lower case
	dyn         map[string]bool
	formTypes   []string // lower case
	bodyTypes   []string // lower case
	exclTypes   []string // lower case
	exclUA      []string // lower case
	exclLabels  []string // lower case
	exclDomains []string // lower case, no dots at the ends
}

// Prepare checks the parameters and compiles them.
func (d *Detection) Prepare() error {
	p := &d.p
	if p.MinRisk < 0 || p.MinRisk > 100 {
		return fmt.Errorf("%s: min_risk: %d is not in 0..100", ID, p.MinRisk)
	}
	if len(p.Methods) == 0 {
		return fmt.Errorf("%s: methods: empty, nothing would be scored", ID)
	}
	if p.MinEncodedRun < 16 {
		return fmt.Errorf("%s: min_encoded_run: %d is too short to judge (at least 16)", ID, p.MinEncodedRun)
	}
	if p.Base64Entropy <= 0 || p.HexEntropy <= 0 || p.BinaryShare <= 0 || p.BinaryShare > 1 {
		return fmt.Errorf("%s: base64_entropy, hex_entropy must be positive and binary_share in (0, 1]", ID)
	}
	for _, l := range [][]string{p.BrowserTokens, p.ScriptExtensions, p.GatePaths, p.ExcludeUserAgents, p.ExcludeHostLabels, p.ExcludeDomains, p.ExcludeContentTypes, p.FormContentTypes, p.BodyContentTypes} {
		if slices.Contains(l, "") {
			return fmt.Errorf("%s: an empty string in a list would match everything", ID)
		}
	}
	c := &compiled{
		methods:     slices.Clone(p.Methods),
		browser:     slices.Clone(p.BrowserTokens),
		scriptExt:   lowerAll(p.ScriptExtensions),
		gates:       lowerAll(p.GatePaths),
		formTypes:   lowerAll(p.FormContentTypes),
		bodyTypes:   lowerAll(p.BodyContentTypes),
		exclTypes:   lowerAll(p.ExcludeContentTypes),
		exclUA:      lowerAll(p.ExcludeUserAgents),
		exclLabels:  lowerAll(p.ExcludeHostLabels),
		exclDomains: trimDots(lowerAll(p.ExcludeDomains)),
		dyn:         map[string]bool{},
	}
	for _, s := range trimDots(lowerAll(p.DynamicDNS)) {
		if s != "" {
			c.dyn[s] = true
		}
	}
	if p.DynamicDNSFile != "" {
		if err := readDomains(p.DynamicDNSFile, c.dyn); err != nil {
			return fmt.Errorf("%s: dynamic_dns_file: %w", ID, err)
		}
	}
	d.c = c
	return nil
}

// readDomains adds the domains of a list file (first word of each line, # comments) to set.
func readDomains(path string, set map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ';' })
		if len(fields) == 0 {
			continue
		}
		d := strings.Trim(strings.ToLower(fields[0]), ".")
		d = strings.TrimPrefix(d, "*.")
		if d != "" && strings.Contains(d, ".") {
			set[d] = true
		}
	}
	return sc.Err()
}

func lowerAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	return out
}

func trimDots(l []string) []string {
	for i, s := range l {
		l[i] = strings.Trim(s, ".")
	}
	return l
}
