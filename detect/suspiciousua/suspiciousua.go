// Package suspiciousua finds HTTP clients whose user agent gives them away: known malicious and
// attack-simulation strings, exploit payloads, scanners, bulk-transfer tools, scripting clients
// (PowerShell, curl, python ...) talking to outside hosts, encoded or odd strings, and requests
// without a user agent or from long-dead browsers when they go to an outside host that few
// sources ever visit.
package suspiciousua

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/useragent"
)

// ID is the detection's id in config and output.
const ID = "suspicious-user-agent"

func init() { detect.Register(func() detect.Detection { return New() }) }

// ClassRisk is the base risk of each class of user agent.
type ClassRisk struct {
	Malicious int `yaml:"malicious" doc:"known malicious and attack-simulation user agents (reported to any destination)"`
	Exploit   int `yaml:"exploit" doc:"exploit payloads in the header: Log4Shell, Shellshock (any destination)"`
	Encoded   int `yaml:"encoded" doc:"one long base64- or hex-looking token (any destination)"`
	Scanner   int `yaml:"scanner" doc:"vulnerability and port scanners (any destination)"`
	Odd       int `yaml:"odd" doc:"control or shell characters, too short, no letters (any destination)"`
	Transfer  int `yaml:"transfer" doc:"bulk-transfer tools and abused system downloaders: rclone, BITS, certutil (external destinations)"`
	Script    int `yaml:"script" doc:"scripting clients: PowerShell, curl, wget, python, Go ... (external destinations)"`
	Outdated  int `yaml:"outdated" doc:"browsers and systems long out of support (rare external destinations only)"`
	Empty     int `yaml:"empty" doc:"no user agent at all, in logs that record user agents (rare external destinations only)"`
}

// Params are the detection's settings.
type Params struct {
	RareSources     int       `yaml:"rare_sources" doc:"a destination host that at most this many sources visit (over all HTTP records of the input) is rare"`
	RareBonus       int       `yaml:"rare_bonus" doc:"risk added when the user agent talks to a rare external host"`
	IncludeInternal bool      `yaml:"include_internal" doc:"report script and transfer user agents talking only to internal destinations too"`
	TrustedDomains  []string  `yaml:"trusted_domains" doc:"hosts under these domains do not count for the script, transfer, outdated and empty classes (the operating system's own downloaders and connectivity checks); the other classes are reported whatever the host"`
	AgentsFile      string    `yaml:"agents_file" doc:"a YAML file of your own user-agent entries (the format of the built-in list, see the README), matched before the built-in ones"`
	ClassRisk       ClassRisk `yaml:"class_risk"`
}

// DefaultParams are the documented defaults.
func DefaultParams() Params {
	return Params{
		RareSources: 3,
		RareBonus:   20,
		TrustedDomains: []string{"windowsupdate.com", "update.microsoft.com", "delivery.mp.microsoft.com",
			"download.microsoft.com", "msftconnecttest.com", "msftncsi.com"},
		ClassRisk: ClassRisk{
			Malicious: 60, Exploit: 60, Encoded: 45, Scanner: 35, Odd: 35,
			Transfer: 30, Script: 25, Outdated: 20, Empty: 15,
		},
	}
}

// Detection is the suspicious-user-agent analytic.
type Detection struct {
	p          Params
	classifier *useragent.Classifier
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Malicious, scripted or odd HTTP user agents",
	Techniques: []string{"T1071.001", "T1105", "T1048.003"},
	Kinds:      []event.Kind{event.KindHTTP},
	Fields:     "http: id.orig_h, id.resp_h, host, user_agent, method, uri, status_code (Zeek http.log, Splunk Stream, proxy logs)",
	Source:     "seed 002 (TH-0002, HTTP user agents; Atomic Red Team T1071.001 malicious user agents); analytics catalogue (empty, PowerShell, base64-looking, framework user agents)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// Prepare reads the user's agents file, when one is named.
func (d *Detection) Prepare() error {
	d.classifier = nil
	if d.p.AgentsFile == "" {
		d.classifier = useragent.Default()
		return nil
	}
	own, err := useragent.Load(d.p.AgentsFile)
	if err != nil {
		return fmt.Errorf("agents_file: %w", err)
	}
	c, err := useragent.New(own, useragent.DefaultRules())
	if err != nil {
		return fmt.Errorf("agents_file %s: %w", d.p.AgentsFile, err)
	}
	d.classifier = c
	return nil
}

func (d *Detection) risk(c useragent.Class) int {
	r := d.p.ClassRisk
	switch c {
	case useragent.Malicious:
		return r.Malicious
	case useragent.Exploit:
		return r.Exploit
	case useragent.Encoded:
		return r.Encoded
	case useragent.Scanner:
		return r.Scanner
	case useragent.Odd:
		return r.Odd
	case useragent.Transfer:
		return r.Transfer
	case useragent.Script:
		return r.Script
	case useragent.Outdated:
		return r.Outdated
	case useragent.Empty:
		return r.Empty
	}
	return 0
}

// reach says which destinations make a class worth reporting.
type reach int

const (
	anyDst reach = iota
	externalDst
	rareExternalDst
)

func reachOf(c useragent.Class) reach {
	switch c {
	case useragent.Transfer, useragent.Script:
		return externalDst
	case useragent.Outdated, useragent.Empty:
		return rareExternalDst
	}
	return anyDst
}

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	c := d.classifier
	if c == nil {
		c = useragent.Default()
	}
	return &Aggregator{
		cache:  useragent.NewCache(c),
		hosts:  detect.NewTable[string, detect.Sources](),
		agents: detect.NewTable[agentKey, agentHost](),
		files:  map[uint32]bool{},
		cap:    d.p.RareSources + 1,
		k:      env.Evidence,
	}
}

// agentKey is one source's use of one user agent towards one host. file is set only for the
// empty user agent: whether a log records user agents at all is a property of its file.
type agentKey struct {
	src  [16]byte
	ua   string
	host string
	file uint32
}

// agentHost is what one source did with one user agent to one host.
type agentHost struct {
	requests    int64
	first, last event.Time
	dst         detect.EarliestAddr
	methods     []string
	statuses    []int64
	ev          detect.Sample
}

// Aggregator is the per-worker state.
type Aggregator struct {
	cache *useragent.Cache
	// hosts counts the distinct sources of every host, up to cap: how rare a destination is.
	hosts *detect.Table[string, detect.Sources]
	// agents holds the requests of the user agents worth a look, by source, agent and host.
	agents *detect.Table[agentKey, agentHost]
	// files records, per input file, whether it logged a user agent at least once.
	files map[uint32]bool
	cap   int
	k     int
}

// ObserveHTTP adds one request.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if !h.Src.IsValid() {
		return
	}
	host := detect.HTTPHost(h)
	src := h.Src.As16()
	if host != "" {
		s := a.hosts.Lookup(host)
		if s == nil {
			s, _ = a.hosts.Get(strings.Clone(host))
		}
		s.Add(a.cap, src)
	}
	if h.UserAgent != "" && !a.files[h.Ref.File] {
		a.files[h.Ref.File] = true
	}
	if h.UserAgent == "" && h.Method == "" {
		return // no request seen (a response or a timeout alone): no user agent to judge
	}
	m := a.cache.Classify(h.UserAgent)
	if m.Class == useragent.Ordinary {
		return
	}
	key := agentKey{src: src, ua: h.UserAgent, host: host}
	if h.UserAgent == "" {
		key.file = h.Ref.File
	}
	ah := a.agents.Lookup(key)
	if ah == nil {
		key.ua, key.host = strings.Clone(key.ua), strings.Clone(key.host)
		ah, _ = a.agents.Get(key)
		ah.first, ah.last = h.TS, h.TS
	}
	ah.requests++
	ah.first = min(ah.first, h.TS)
	ah.last = max(ah.last, h.TS)
	ah.dst.Offer(h.TS, h.Dst)
	if h.Method != "" && len(ah.methods) < 4 && !slices.Contains(ah.methods, h.Method) {
		ah.methods = append(ah.methods, strings.Clone(h.Method))
	}
	if h.StatusCode >= 0 && len(ah.statuses) < 4 && !slices.Contains(ah.statuses, h.StatusCode) {
		ah.statuses = append(ah.statuses, h.StatusCode)
	}
	ah.ev.Add(a.k, detect.Item{Rank: 0, TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort})
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for host, os := range o.hosts.All() {
		s, _ := a.hosts.Get(host)
		s.Merge(a.cap, os)
	}
	for key, oh := range o.agents.All() {
		ah, fresh := a.agents.Get(key)
		if fresh {
			*ah = *oh
			continue
		}
		ah.requests += oh.requests
		ah.first = min(ah.first, oh.first)
		ah.last = max(ah.last, oh.last)
		ah.dst.Offer(oh.dst.TS, oh.dst.Addr)
		for _, m := range oh.methods {
			if len(ah.methods) < 4 && !slices.Contains(ah.methods, m) {
				ah.methods = append(ah.methods, m)
			}
		}
		for _, st := range oh.statuses {
			if len(ah.statuses) < 4 && !slices.Contains(ah.statuses, st) {
				ah.statuses = append(ah.statuses, st)
			}
		}
		ah.ev.Merge(a.k, &oh.ev)
	}
	for f, ok := range o.files {
		a.files[f] = a.files[f] || ok
	}
}

// hostUse is one destination host of a finding.
type hostUse struct {
	host     string
	dst      netip.Addr
	requests int64
	sources  int // distinct sources of the host (capped)
	external bool
	rare     bool
}

// group is one source's use of one user agent, over all its hosts.
type group struct {
	src   [16]byte
	ua    string
	hosts []hostUse
	recs  []*agentHost
}

// Score turns the merged aggregate into findings: one per source and user agent.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	type gk struct {
		src  [16]byte
		ua   string
		file uint32
	}
	groups := map[gk]*group{}
	var order []gk
	for key, ah := range a.agents.All() {
		if key.ua == "" && !a.files[key.file] {
			continue // this log does not record user agents: no user agent means nothing
		}
		k := gk{key.src, key.ua, key.file}
		g := groups[k]
		if g == nil {
			g = &group{src: key.src, ua: key.ua}
			groups[k] = g
			order = append(order, k)
		}
		hu := hostUse{host: key.host, dst: ah.dst.Addr, requests: ah.requests}
		if s := a.hosts.Lookup(key.host); s != nil {
			hu.sources = s.Len()
		}
		hu.external = external(env, key.host, ah.dst.Addr)
		hu.rare = hu.external && hu.sources <= d.p.RareSources
		g.hosts = append(g.hosts, hu)
		g.recs = append(g.recs, ah)
	}
	var out []finding.Finding
	for _, k := range order {
		g := groups[k]
		m := a.cache.Classify(g.ua)
		if reachOf(m.Class) != anyDst {
			g.dropTrusted(d.p.TrustedDomains)
			if len(g.hosts) == 0 {
				continue
			}
		}
		if f, ok := d.judge(g, m, env); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// dropTrusted removes the hosts under the trusted domains.
func (g *group) dropTrusted(domains []string) {
	j := 0
	for i, h := range g.hosts {
		if slices.ContainsFunc(domains, func(d string) bool { return finding.InDomain(h.host, d) }) {
			continue
		}
		g.hosts[j], g.recs[j] = h, g.recs[i]
		j++
	}
	g.hosts, g.recs = g.hosts[:j], g.recs[:j]
}

// external tells whether a destination is outside: by its address when known, else by the host
// when it is an address literal; a name with no address (a proxy log) counts as outside.
func external(env *detect.Env, host string, dst netip.Addr) bool {
	if dst.IsValid() {
		return !env.IsInternal(dst)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return !env.IsInternal(a)
	}
	return true
}

func (d *Detection) judge(g *group, m useragent.Match, env *detect.Env) (finding.Finding, bool) {
	// hosts: rare external first, then external, then by requests
	idx := make([]int, len(g.hosts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		x, y := g.hosts[i], g.hosts[j]
		if x.rare != y.rare {
			if x.rare {
				return -1
			}
			return 1
		}
		if x.external != y.external {
			if x.external {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(y.requests, x.requests); c != 0 {
			return c
		}
		return strings.Compare(x.host, y.host)
	})
	var requests int64
	var nExt, nRare int
	var first, last event.Time
	var ev detect.Sample
	var methods []string
	for n, i := range idx {
		h := g.hosts[i]
		r := g.recs[i]
		requests += h.requests
		if h.external {
			nExt++
		}
		if h.rare {
			nRare++
		}
		if n == 0 || r.first < first {
			first = r.first
		}
		last = max(last, r.last)
		ev.Merge(env.Evidence, &r.ev)
		for _, mt := range r.methods {
			if !slices.Contains(methods, mt) {
				methods = append(methods, mt)
			}
		}
	}
	switch reachOf(m.Class) {
	case externalDst:
		if nExt == 0 && !d.p.IncludeInternal {
			return finding.Finding{}, false
		}
	case rareExternalDst:
		if nRare == 0 {
			return finding.Finding{}, false
		}
	}
	risk := d.risk(m.Class)
	if nRare > 0 {
		risk += d.p.RareBonus
	}
	top := g.hosts[idx[0]]
	f := detect.Base(info, risk)
	src := netip.AddrFrom16(g.src).Unmap()
	f.Entities = finding.Entities{Src: src.String(), DstHost: top.host, UserAgent: g.ua, App: "http"}
	if top.dst.IsValid() {
		f.Entities.Dst = top.dst.String()
		if top.dst.String() == top.host {
			f.Entities.DstHost = ""
		}
	}
	f.First, f.Last = first, last
	slices.Sort(methods)
	var list []string
	for _, i := range idx[:min(len(idx), 5)] {
		h := g.hosts[i]
		where := "internal"
		if h.external {
			where = "external"
		}
		if h.rare {
			where = "rare external"
		}
		srcs := finding.Plural(int64(h.sources), "source")
		if h.sources > d.p.RareSources {
			srcs = fmt.Sprintf("more than %d sources", d.p.RareSources)
		}
		list = append(list, fmt.Sprintf("%s (%s, %s, %s)", h.host, where, finding.Plural(h.requests, "request"), srcs))
	}
	if len(idx) > 5 {
		list = append(list, fmt.Sprintf("... %d more", len(idx)-5))
	}
	what := m.Family
	if m.Class == useragent.Empty {
		what = "No user agent"
	} else {
		what = fmt.Sprintf("%s user agent %q", m.Family, finding.Clip(g.ua, 80))
	}
	f.Summary = fmt.Sprintf("%s (%s): %s to %s, %d rare external; top: %s",
		what, m.Class, finding.Plural(requests, "request"), finding.Plural(int64(len(idx)), "host"), nRare, list[0])
	f.Figures = []finding.Figure{
		finding.Fig("class", m.Class.String(), finding.Text),
		finding.Fig("family", m.Family, finding.Text),
		finding.Fig("requests", requests, finding.Count),
		finding.Fig("hosts", len(idx), finding.Count),
		finding.Fig("external_hosts", nExt, finding.Count),
		finding.Fig("rare_external_hosts", nRare, finding.Count),
		finding.Fig("methods", strings.Join(methods, ","), finding.Text),
		finding.Fig("destinations", strings.Join(list, "; "), finding.Text),
	}
	f.Evidence = ev.Evidence(nil)
	return f, true
}
