// Package unencrypted classifies host process starts and network connections as exfiltration
// over an unencrypted protocol: Splunk's "Detect Exfiltration Over Unencrypted Non-C2 Protocol"
// (T1048.003) search over Sysmon events 1 and 3, reproduced to the letter (its regexes, its
// ports, its browser exclusion, its SuspicionScore and output columns), then grouped into one
// finding per host, method, image and destination. See README.md.
package unencrypted

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's stable id.
const ID = "unencrypted-exfil"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Risk holds the risk scores.
type Risk struct {
	Tool      int `yaml:"tool" doc:"risk of a process matched by one of the tool classifiers (SuspicionScore 1; the seed's high severity)"`
	PerSignal int `yaml:"per_signal" doc:"added per further classifier that matched (SuspicionScore above 1)"`
	Plaintext int `yaml:"plaintext" doc:"risk of a Plaintext_Network connection (SuspicionScore 0)"`
	External  int `yaml:"external" doc:"added when the connection's destination is external (the seed's IsExternalDest)"`
	Renamed   int `yaml:"renamed" doc:"added when the image was renamed (its file name differs from the PE's OriginalFileName)"`
}

// Params are the detection's parameters; the defaults are the seed's.
type Params struct {
	FTPImage     string   `yaml:"ftp_image" doc:"IsFtpExfil: regex on Image"`
	FTPCommand   string   `yaml:"ftp_command" doc:"IsFtpExfil: regex on CommandLine (either matches)"`
	HTTPImage    string   `yaml:"http_image" doc:"IsHttpExfil: regex on Image (all three must match)"`
	HTTPCommand  string   `yaml:"http_command" doc:"IsHttpExfil: regex on CommandLine: an upload option"`
	HTTPURL      string   `yaml:"http_url" doc:"IsHttpExfil: regex on CommandLine: a plaintext URL (case-sensitive in the seed)"`
	DNSImage     string   `yaml:"dns_image" doc:"IsDnsExfil: regex on Image"`
	DNSCommand   string   `yaml:"dns_command" doc:"IsDnsExfil: regex on CommandLine (either matches)"`
	SMTPImage    string   `yaml:"smtp_image" doc:"IsSmtpExfil: regex on Image, or both SMTP command regexes"`
	SMTPCommand  string   `yaml:"smtp_command" doc:"IsSmtpExfil: regex on CommandLine: a mailer"`
	SMTPArgs     string   `yaml:"smtp_args" doc:"IsSmtpExfil: regex on CommandLine: an attachment or recipient option"`
	Ports        []uint16 `yaml:"plaintext_ports" doc:"Plaintext_Network: destination ports of plaintext protocols (network connections only)"`
	Browsers     string   `yaml:"browsers" doc:"Plaintext_Network is not reported for images matching this regex (the seed's browsers and Windows services)"`
	OriginalName bool     `yaml:"original_file_name" doc:"also match the image regexes against Sysmon's OriginalFileName, so that a renamed ftp.exe is still FTP (not in the seed)"`
	Risk         Risk     `yaml:"risk"`
}

// DefaultParams returns the seed's regexes and ports.
func DefaultParams() Params {
	return Params{
		FTPImage:     `(?i)(ftp\.exe|winscp\.exe|filezilla\.exe|ncftp|lftp)`,
		FTPCommand:   `(?i)(ftp://|--ftp-upload|--upload-file|-T ftp|STOR )`,
		HTTPImage:    `(?i)(curl\.exe|wget\.exe)`,
		HTTPCommand:  `(?i)(--upload-file|-T http://|--data-binary|--data @|-d @|--form|-F file=|multipart)`,
		HTTPURL:      `http://`,
		DNSImage:     `(?i)(nslookup\.exe|dnscat|iodine|dns2tcp|dnstunnel)`,
		DNSCommand:   `(?i)(dnscat|iodine|dns2tcp)`,
		SMTPImage:    `(?i)(blat\.exe|swaks|sendmail|msmtp)`,
		SMTPCommand:  `(?i)(smtp|Send-MailMessage|sendmail)`,
		SMTPArgs:     `(?i)(-attach|--attach|-to |--to |-server)`,
		Ports:        []uint16{21, 25, 69, 80, 110, 143, 8080, 8000, 8888, 2121},
		Browsers:     `(?i)(chrome\.exe|firefox\.exe|msedge\.exe|iexplore\.exe|svchost\.exe|services\.exe)`,
		OriginalName: true,
		Risk:         Risk{Tool: 60, PerSignal: 10, Plaintext: 40, External: 10, Renamed: 10},
	}
}

// Detection is the seed's classifier.
type Detection struct {
	p Params
	r *rules
}

// New returns the detection with the seed's parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Exfiltration tool or plaintext connection from a host process",
		Techniques: []string{"T1048", "T1048.003"},
		Kinds:      []event.Kind{event.KindHost},
		Fields:     "Sysmon 1 / Security 4688 / auditd execve: Image, CommandLine, OriginalFileName, User, ParentImage, ParentCommandLine; Sysmon 3 / auditd connect: Image, DestinationIp, DestinationPort",
		Source:     "Splunk, \"Detect Exfiltration Over Unencrypted Non-C2 Protocol\" (T1048.003; seed 001)",
	}
}

type rules struct {
	ftpImage, ftpCmd, httpImage, httpCmd, httpURL, dnsImage, dnsCmd, smtpImage, smtpCmd, smtpArgs, browsers *regexp.Regexp
	ports                                                                                                   map[uint16]bool
}

// Prepare compiles the regexes.
func (d *Detection) Prepare() error {
	r := &rules{ports: map[uint16]bool{}}
	for _, x := range []struct {
		name string
		src  string
		dst  **regexp.Regexp
	}{
		{"ftp_image", d.p.FTPImage, &r.ftpImage}, {"ftp_command", d.p.FTPCommand, &r.ftpCmd},
		{"http_image", d.p.HTTPImage, &r.httpImage}, {"http_command", d.p.HTTPCommand, &r.httpCmd}, {"http_url", d.p.HTTPURL, &r.httpURL},
		{"dns_image", d.p.DNSImage, &r.dnsImage}, {"dns_command", d.p.DNSCommand, &r.dnsCmd},
		{"smtp_image", d.p.SMTPImage, &r.smtpImage}, {"smtp_command", d.p.SMTPCommand, &r.smtpCmd}, {"smtp_args", d.p.SMTPArgs, &r.smtpArgs},
		{"browsers", d.p.Browsers, &r.browsers},
	} {
		re, err := regexp.Compile(x.src)
		if err != nil {
			return fmt.Errorf("%s: %w", x.name, err)
		}
		*x.dst = re
	}
	for _, p := range d.p.Ports {
		r.ports[p] = true
	}
	d.r = r
	return nil
}

// The methods, in the seed's case() order.
const (
	FTP       = "FTP"
	HTTP      = "HTTP_Upload"
	DNS       = "DNS_Tunnel"
	SMTP      = "SMTP"
	Plaintext = "Plaintext_Network"
)

// Verdict is the seed's evaluation of one event.
type Verdict struct {
	FTP, HTTP, DNS, SMTP bool
	Method               string // "" is the seed's "Unknown"
	SuspicionScore       int
	IsExternalDest       bool
	// Renamed is set when an image regex matched only the OriginalFileName.
	Renamed bool
}

// Keep is the seed's final where: a classifier matched, or a plaintext connection from a
// process that is not a browser or service.
func (v Verdict) Keep() bool { return v.FTP || v.HTTP || v.DNS || v.SMTP || v.Method == Plaintext }

// Classify evaluates the seed's expressions on one host event. internal tells which
// destinations are private (the seed's RFC 1918 regex, or the run's internal networks).
func (d *Detection) Classify(e *event.Host, internal func(netip.Addr) bool) Verdict {
	r := d.r
	var v Verdict
	image, cmd := e.Proc.Image, e.Proc.CommandLine
	img := func(re *regexp.Regexp) bool {
		if re.MatchString(image) {
			return true
		}
		if d.p.OriginalName && e.OriginalFileName != "" && re.MatchString(e.OriginalFileName) {
			v.Renamed = true
			return true
		}
		return false
	}
	v.FTP = img(r.ftpImage) || r.ftpCmd.MatchString(cmd)
	v.HTTP = r.httpImage.MatchString(image) && r.httpCmd.MatchString(cmd) && r.httpURL.MatchString(cmd)
	if !v.HTTP && d.p.OriginalName && e.OriginalFileName != "" && r.httpImage.MatchString(e.OriginalFileName) &&
		r.httpCmd.MatchString(cmd) && r.httpURL.MatchString(cmd) {
		v.HTTP, v.Renamed = true, true
	}
	v.DNS = img(r.dnsImage) || r.dnsCmd.MatchString(cmd)
	v.SMTP = img(r.smtpImage) || r.smtpCmd.MatchString(cmd) && r.smtpArgs.MatchString(cmd)
	conn := e.Op == event.OpConnect
	external := conn && e.Dst.IsValid() && !internal(e.Dst)
	switch {
	case v.FTP:
		v.Method = FTP
	case v.HTTP:
		v.Method = HTTP
	case v.DNS:
		v.Method = DNS
	case v.SMTP:
		v.Method = SMTP
	case conn && r.ports[e.DstPort] && external:
		v.Method = Plaintext
	}
	for _, b := range []bool{v.FTP, v.HTTP, v.DNS, v.SMTP} {
		if b {
			v.SuspicionScore++
		}
	}
	v.IsExternalDest = external
	if v.Method == Plaintext && !(v.FTP || v.HTTP || v.DNS || v.SMTP) && r.browsers.MatchString(image) {
		v.Method = ""
	}
	if !(v.FTP || v.HTTP || v.DNS || v.SMTP) {
		v.Renamed = false
	}
	return v
}

// key groups rows: one finding per host, method, image and destination.
type key struct {
	host, method, image string
	dst                 netip.Addr
	port                uint16
}

// row is the first row of a group (the seed's table columns) and what the group adds up.
type row struct {
	ts                event.Time
	ref               event.Ref
	host              string
	user, image, cmd  string
	pimage, pcmd      string
	guid              string
	pid               int64
	src               netip.Addr
	proto             string
	score             int
	external, renamed bool
	count             int64
	first, last       event.Time
	ev                detect.Sample
	methods           [4]bool
	originalName      string
	connect           bool
}

// Aggregator holds one partition's rows.
type Aggregator struct {
	d      *Detection
	env    *detect.Env
	k      int
	groups map[key]*row
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{d: d, env: env, k: env.Evidence, groups: map[key]*row{}}
}

// ObserveHost classifies process starts and connections.
func (a *Aggregator) ObserveHost(e *event.Host) {
	if e.Op != event.OpProcess && e.Op != event.OpConnect {
		return
	}
	v := a.d.Classify(e, a.env.IsInternal)
	if !v.Keep() {
		return
	}
	k := key{host: strings.ToLower(e.Computer), method: v.Method, image: strings.ToLower(e.Proc.Image)}
	if e.Op == event.OpConnect {
		k.dst, k.port = e.Dst, e.DstPort
	}
	g := a.groups[k]
	if g == nil {
		k.host, k.image = strings.Clone(k.host), strings.Clone(k.image)
		g = &row{first: e.TS, last: e.TS, ts: e.TS}
		a.groups[k] = g
		g.fill(e, v)
	} else if e.TS < g.ts || e.TS == g.ts && e.Ref.Less(g.ref) {
		g.fill(e, v)
	}
	g.count++
	g.first, g.last = min(g.first, e.TS), max(g.last, e.TS)
	g.score = max(g.score, v.SuspicionScore)
	g.external = g.external || v.IsExternalDest
	g.renamed = g.renamed || v.Renamed
	for i, b := range []bool{v.FTP, v.HTTP, v.DNS, v.SMTP} {
		g.methods[i] = g.methods[i] || b
	}
	g.ev.Add(a.k, detect.Item{TS: e.TS, Ref: e.Ref, SrcPort: e.SrcPort})
}

// fill sets the row's columns from the group's earliest event.
func (g *row) fill(e *event.Host, v Verdict) {
	g.ts, g.ref, g.host = e.TS, e.Ref, strings.Clone(e.Computer)
	g.user, g.image, g.cmd = strings.Clone(e.Proc.User), strings.Clone(e.Proc.Image), strings.Clone(e.Proc.CommandLine)
	g.pimage, g.pcmd = strings.Clone(e.Parent.Image), strings.Clone(e.Parent.CommandLine)
	g.guid, g.pid, g.src, g.proto = strings.Clone(e.Proc.GUID), e.Proc.PID, e.Src, strings.Clone(e.Proto)
	g.originalName = strings.Clone(e.OriginalFileName)
	g.connect = e.Op == event.OpConnect
	if e.Op == event.OpConnect && e.Initiated == 0 {
		g.src = netip.Addr{}
	}
}

// Merge folds another partition's rows in.
func (a *Aggregator) Merge(other detect.Aggregator) {
	for k, o := range other.(*Aggregator).groups {
		g := a.groups[k]
		if g == nil {
			a.groups[k] = o
			continue
		}
		if o.ts < g.ts || o.ts == g.ts && o.ref.Less(g.ref) {
			g.ts, g.ref, g.host, g.user, g.image, g.cmd, g.pimage, g.pcmd = o.ts, o.ref, o.host, o.user, o.image, o.cmd, o.pimage, o.pcmd
			g.guid, g.pid, g.src, g.proto, g.originalName, g.connect = o.guid, o.pid, o.src, o.proto, o.originalName, o.connect
		}
		g.count += o.count
		g.first, g.last = min(g.first, o.first), max(g.last, o.last)
		g.score = max(g.score, o.score)
		g.external = g.external || o.external
		g.renamed = g.renamed || o.renamed
		for i := range g.methods {
			g.methods[i] = g.methods[i] || o.methods[i]
		}
		g.ev.Merge(a.k, &o.ev)
	}
}

// Score turns each group into a finding.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	keys := make([]key, 0, len(a.groups))
	for k := range a.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		return cmp.Or(strings.Compare(x.host, y.host), strings.Compare(x.method, y.method), strings.Compare(x.image, y.image),
			x.dst.Compare(y.dst), cmp.Compare(x.port, y.port))
	})
	var out []finding.Finding
	for _, k := range keys {
		out = append(out, d.finding(k, a.groups[k], env))
	}
	finding.Sort(out)
	return out, nil
}

func (d *Detection) finding(k key, g *row, env *detect.Env) finding.Finding {
	risk := d.p.Risk.Plaintext
	if g.score > 0 {
		risk = d.p.Risk.Tool + d.p.Risk.PerSignal*(g.score-1)
	}
	if g.external {
		risk += d.p.Risk.External
	}
	if g.renamed {
		risk += d.p.Risk.Renamed
	}
	f := detect.Base(d.Info(), risk)
	name := attrib.ImageName(g.image)
	host := g.host
	p := finding.Process{Host: host, Image: g.image, CommandLine: g.cmd, PID: max(g.pid, 0), User: g.user,
		ParentImage: g.pimage, ParentCommandLine: g.pcmd, Records: int(g.count), Of: int(g.count), By: "host"}
	if g.connect {
		// a connection names no command line: the process start does (shown, not matched on)
		if s, ok := env.Hosts.Start(host, g.guid, g.pid, g.ts); ok {
			p.CommandLine, p.ParentImage, p.ParentCommandLine = s.CommandLine, s.ParentImage, s.ParentCommandLine
			if p.User == "" {
				p.User = s.User
			}
		}
	}
	f.Processes = []finding.Process{p}
	f.Entities = finding.Entities{Host: host, User: p.User, Process: name, App: appOf(k.method)}
	if g.src.IsValid() {
		f.Entities.Src = g.src.String()
	} else if addrs := env.Hosts.Addrs(host); len(addrs) == 1 {
		f.Entities.Src = addrs[0].String()
	}
	if k.dst.IsValid() {
		f.Entities.Dst, f.Entities.DstPort, f.Entities.Proto = k.dst.String(), int(k.port), g.proto
	}
	f.First, f.Last = g.first, g.last
	what := "ran"
	if g.connect {
		what = fmt.Sprintf("connected to %s:%d", k.dst, k.port)
	}
	times := ""
	if g.count > 1 {
		times = fmt.Sprintf(" (%s times)", finding.Commas(g.count))
	}
	renamed := ""
	if g.renamed {
		renamed = fmt.Sprintf(" (renamed %s)", g.originalName)
	}
	f.Summary = fmt.Sprintf("%s%s on %s %s%s: %s, SuspicionScore %d", name, renamed, host, what, times, k.method, g.score)
	if g.cmd != "" {
		f.Summary += fmt.Sprintf(": %s", finding.Clip(g.cmd, 160))
	}
	f.Figures = []finding.Figure{
		finding.Fig("exfil_method", k.method, finding.Text),
		finding.Fig("suspicion_score", g.score, finding.Count),
		finding.Fig("events", g.count, finding.Count),
	}
	var matched []string
	for i, n := range []string{"IsFtpExfil", "IsHttpExfil", "IsDnsExfil", "IsSmtpExfil"} {
		if g.methods[i] {
			matched = append(matched, n)
		}
	}
	if len(matched) > 0 {
		f.Figures = append(f.Figures, finding.Fig("classifiers", strings.Join(matched, ", "), finding.Text))
	}
	if g.connect {
		f.Figures = append(f.Figures, finding.Fig("is_external_dest", boolInt(g.external), finding.Count),
			finding.Fig("destination", fmt.Sprintf("%s:%d", k.dst, k.port), finding.Text))
	}
	if g.renamed {
		f.Figures = append(f.Figures, finding.Fig("original_file_name", g.originalName, finding.Text))
	}
	f.Evidence = g.ev.Evidence(nil)
	return f
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appOf names the application protocol of a method.
func appOf(method string) string {
	switch method {
	case FTP:
		return "ftp"
	case HTTP:
		return "http"
	case DNS:
		return "dns"
	case SMTP:
		return "smtp"
	}
	return ""
}
