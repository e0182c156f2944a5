// Package dnstunnel finds data and commands carried in DNS query names: tunnels (iodine,
// dnscat2, dns2tcp), DNS C2 (Cobalt Strike's DNS beacon) and exfiltration by lookups. It joins
// four analytics into one finding per client and registered domain: unique subdomains (RITA's
// C2-over-DNS bands, Sigma's 15-minute rate), long and encoded names (Sigma's lengths, base32,
// base64, hex and raw bytes, Elastic's chunk indexes, Splunk's length outliers), volume (queries,
// question bytes, TXT/NULL/ANY queries a minute, NXDOMAIN, long TXT answers) and the names of
// known tools (dnssig). Recursive resolvers are told apart from the clients they ask for.
// Regular DNS lookups (a heartbeat) are the beacon detection's.
package dnstunnel

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/dnssig"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// ID is the detection's id in config and output.
const ID = "dns-tunnel"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	PrivateSuffixes bool `yaml:"private_suffixes" doc:"count the private part of the public suffix list (duckdns.org, ngrok-free.app, cloudfront.net, s3.amazonaws.com) as suffixes: each customer name is its own domain (evil.duckdns.org); false puts every customer under the provider (duckdns.org)"`

	// 1. Unique subdomains.
	SubdomainBands []int           `yaml:"subdomain_bands" doc:"unique names under one registered domain that make a low, medium, high and critical finding (RITA's C2-over-DNS bands: 100, 500, 800, 1000 in the window); a client's own names count, and the domain's from all clients when it has few_clients or fewer"`
	FewClients     int             `yaml:"few_clients" doc:"a domain asked by at most this many clients (resolvers left out) lends each of them its unique-name count from all clients"`
	BurstWindow    detect.Duration `yaml:"burst_window" doc:"the window of the per-client rate of new names (Sigma: 15 minutes)"`
	BurstNames     int             `yaml:"burst_names" doc:"more new names than this from one client under one domain within burst_window fire (Sigma: 200)"`

	// 2. Long and encoded names.
	MaxName       int     `yaml:"max_name" doc:"a name longer than this (bytes, without the trailing dot) is long (Sigma: 70)"`
	MaxLabel      int     `yaml:"max_label" doc:"a label longer than this is long (52)"`
	MinPayload    int     `yaml:"min_payload" doc:"fewest characters of a name's data labels for its encoding (hex, base32, base64, raw) to be judged"`
	MinFlagged    int     `yaml:"min_flagged" doc:"distinct long or encoded names one client must send under a domain to fire"`
	FlaggedShare  float64 `yaml:"flagged_share" doc:"and the share of the client's names under the domain they must be (a CDN with a few hashed names among many is not a tunnel), unless they are ten times min_flagged"`
	MinChunks     int     `yaml:"min_chunks" doc:"distinct names with a chunk index label (<n>-<payload>, Elastic: 30) that fire"`
	OutlierSigmas float64 `yaml:"outlier_sigmas" doc:"a name longer than the mean length of all queries plus this many standard deviations is an outlier (Splunk: 2; PTR names and TLDs over 24 characters left out of the mean)"`
	MinOutliers   int     `yaml:"min_outliers" doc:"distinct outlier names from one client under one domain that make an (info) finding on their own"`

	// 3. Volume.
	QueriesPerMinute int             `yaml:"queries_per_minute" doc:"more queries than this from one client in one minute fire (Sigma: 1000)"`
	BytesPerMinute   int64           `yaml:"bytes_per_minute" doc:"more bytes of question names than this from one client in one minute fire (Sigma: 300 kB)"`
	TXTPerMinute     int             `yaml:"txt_per_minute" doc:"more TXT, NULL and ANY queries than this from one client in one minute fire (50)"`
	NXDomains        int             `yaml:"nxdomains" doc:"more NXDOMAIN answers than this to one client within nxdomain_window fire (50), the input's top_domains left out"`
	NXDomainWindow   detect.Duration `yaml:"nxdomain_window" doc:"the window of the NXDOMAIN count"`
	TopDomains       int             `yaml:"top_domains" doc:"the domains most clients ask for (the input's own: the company's domain, search-suffix misses) whose NXDOMAIN answers do not count"`
	LongTXT          int             `yaml:"long_txt" doc:"a TXT answer longer than this (characters) is long (100)"`
	MinLongTXT       int             `yaml:"min_long_txt" doc:"distinct long TXT answers to one client under one domain that fire"`

	// 4. Signatures.
	SignaturesFile string `yaml:"signatures_file" doc:"a YAML file of tool signatures added to the built-in ones (same name: replaces it; empty pattern: disables it); see dnssig/signatures.yaml"`

	// Resolvers and scope.
	Resolvers        []string `yaml:"resolvers" doc:"addresses or networks of recursive resolvers and DNS forwarders: their queries are asked for others"`
	ResolverClients  int      `yaml:"resolver_clients" doc:"a host that this many internal clients send DNS queries to, and that queries itself, is a resolver; 0 turns it off"`
	ResolverDomains  int      `yaml:"resolver_domains" doc:"a client that asks for names under at least this many registered domains queries on behalf of others (a resolver or NAT the sensor sees only from outside); 0 turns it off"`
	IgnoreDomains    []string `yaml:"ignore_domains" doc:"names under these are left out: services that carry data in names by design (DNS block lists, antivirus reputation lookups)"`
	SkipPorts        []int    `yaml:"skip_ports" doc:"server ports whose queries are not DNS proper: NetBIOS (137), multicast DNS (5353), LLMNR (5355)"`
	FleetClients     int      `yaml:"fleet_clients" doc:"when at least this many clients fire on one domain by names or unique subdomains alone (no signature, no volume), they are one finding for the domain, 30 lower: a service that carries data in names, or one implant on many hosts; 0 reports every client"`
	CheckConnections bool     `yaml:"check_connections" doc:"with conn.log, note when no host ever connected to an address the domain's names resolved to (RITA's C2-over-DNS modifier)"`
	MaxFindings      int      `yaml:"max_findings" doc:"report at most this many findings, highest risk first; 0 for all"`
}

// DefaultParams are the documented defaults.
func DefaultParams() Params {
	return Params{
		PrivateSuffixes:  true,
		SubdomainBands:   []int{100, 500, 800, 1000},
		FewClients:       3,
		BurstWindow:      detect.Duration(15 * time.Minute),
		BurstNames:       200,
		MaxName:          70,
		MaxLabel:         52,
		MinPayload:       24,
		MinFlagged:       30,
		FlaggedShare:     0.5,
		MinChunks:        30,
		OutlierSigmas:    2,
		MinOutliers:      20,
		QueriesPerMinute: 1000,
		BytesPerMinute:   300_000,
		TXTPerMinute:     50,
		NXDomains:        50,
		NXDomainWindow:   detect.Duration(time.Hour),
		TopDomains:       20,
		LongTXT:          100,
		MinLongTXT:       10,
		ResolverClients:  10,
		ResolverDomains:  2000,
		IgnoreDomains: []string{
			// DNS block lists: a mail server looks up every client address and domain it sees.
			"spamhaus.org", "spamcop.net", "sorbs.net", "barracudacentral.org", "surbl.org", "uribl.com",
			"dnswl.org", "mailspike.net", "senderscore.com", "abuseat.org", "spameatingmonkey.net",
			// Antivirus and web-reputation lookups: file hashes and URLs encoded in names.
			"avqs.mcafee.com", "avts.mcafee.com", "sophosxl.net", "e5.sk", "trendmicro.com",
			"webroot.com", "cymru.com",
		},
		SkipPorts:        []int{137, 5353, 5355},
		FleetClients:     10,
		CheckConnections: true,
		MaxFindings:      200,
	}
}

// Detection is the dns-tunnel analytic.
type Detection struct {
	p         Params
	sigs      *dnssig.Set
	sigList   []dnssig.Signature // sigs.All(), indexed by nameBits.sig()-1
	sigIndex  map[string]int
	resolvers *netset.Set
	limits    dnsname.Limits
	ignore    map[string]bool // IgnoreDomains, canonical
	cache     *dnsname.Cache[*verdict]
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "DNS tunnel or DNS C2: data in query names",
	Techniques: []string{"T1071.004", "T1048.003", "T1572"},
	Kinds:      []event.Kind{event.KindDNS, event.KindConn},
	Fields: "dns: ts, id.orig_h, id.resp_h, id.resp_p, query, qtype, rcode, answers; " +
		"conn: id.resp_h (only to tell whether resolved addresses were ever connected to)",
	Source: "seed 001 (DNS_Tunnel), seed 003 (port 53), seed 002 (T1071.004 atomics); RITA C2 over DNS, SigmaHQ, Elastic, Splunk (catalogue: DNS)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// Prepare checks the parameters and loads the signatures.
func (d *Detection) Prepare() error {
	p := &d.p
	if len(p.SubdomainBands) != 4 || !slices.IsSorted(p.SubdomainBands) || p.SubdomainBands[0] < 1 {
		return fmt.Errorf("subdomain_bands: want 4 increasing counts (low, medium, high, critical), got %v", p.SubdomainBands)
	}
	if p.MaxName < 1 || p.MaxLabel < 1 || p.MinPayload < 1 || p.MinFlagged < 1 || p.BurstNames < 1 || p.BurstWindow <= 0 || p.NXDomainWindow <= 0 {
		return fmt.Errorf("max_name, max_label, min_payload, min_flagged, burst_names, burst_window and nxdomain_window must be positive")
	}
	lists := [][]dnssig.Signature{dnssig.Default().All()}
	if p.SignaturesFile != "" {
		extra, err := dnssig.Load(p.SignaturesFile)
		if err != nil {
			return err
		}
		lists = append(lists, extra)
	}
	sigs, err := dnssig.New(lists...)
	if err != nil {
		return err
	}
	d.sigs = sigs
	d.sigList = sigs.All()
	d.sigIndex = map[string]int{}
	for i, s := range d.sigList {
		d.sigIndex[s.Name] = i
	}
	if len(d.sigList) > 1<<(32-sigShift)-2 {
		return fmt.Errorf("too many DNS signatures (%d)", len(d.sigList))
	}
	res, err := netset.Parse(p.Resolvers)
	if err != nil {
		return fmt.Errorf("resolvers: %w", err)
	}
	d.resolvers = res
	d.cache = dnsname.NewCache[*verdict]()
	d.ignore = map[string]bool{}
	for _, dom := range p.IgnoreDomains {
		if dom = dnsname.Canonical(strings.Trim(dom, ".")); dom != "" {
			d.ignore[dom] = true
		}
	}
	d.limits = dnsname.Limits{MaxName: p.MaxName, MaxLabel: p.MaxLabel, MinPayload: p.MinPayload, PrivateSuffixes: p.PrivateSuffixes}
	return nil
}
