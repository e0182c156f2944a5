// Package rareua lists the HTTP user agents seen from few hosts: the seed's "least frequency of
// occurrence" hunt (zeek-cut user_agent | sort | uniq -c | sort -n), ranked, with who used them,
// where to and how often. With a saved baseline of user agents (`sluice baseline save`), it
// reports only those not in it: the seed's hunt output, "alert on newly observed user agents".
package rareua

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's id in config and output.
const ID = "rare-user-agent"

// Section is the baseline section this detection writes and reads.
const Section = "user_agents"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	MaxSources    int `yaml:"max_sources" doc:"a user agent seen from at most this many source hosts is rare"`
	MinPopulation int `yaml:"min_population" doc:"report only when the input has at least this many sources with a user agent (in a handful of hosts every user agent is rare); 0 reports always"`
	MaxFindings   int `yaml:"max_findings" doc:"report at most this many rare user agents, rarest first; 0 for all"`
	NewBonus      int `yaml:"new_bonus" doc:"risk added to a user agent that is not in the baseline (when the run has one): rare agents are info (15), new rare agents low"`
}

// DefaultParams are the documented defaults.
func DefaultParams() Params {
	return Params{MaxSources: 2, MinPopulation: 10, MaxFindings: 50, NewBonus: 10}
}

// Detection is the rare-user-agent analytic.
type Detection struct{ p Params }

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Rare HTTP user agents (least frequency of occurrence)",
	Techniques: []string{"T1071.001"},
	Kinds:      []event.Kind{event.KindHTTP},
	Fields:     "http: id.orig_h, host, user_agent (Zeek http.log, Splunk Stream, proxy logs that record the user agent)",
	Source:     "seed 002 (TH-0002, HTTP/S user agents, least frequency of occurrence; hunt output: a baseline of user agents)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// BaselineSection names the baseline section of user agents.
func (d *Detection) BaselineSection() string { return Section }

// Baseline returns every user agent the aggregate saw.
func (d *Detection) Baseline(agg detect.Aggregator) []string {
	a := agg.(*Aggregator)
	var out []string
	for k := range a.uses.All() {
		out = append(out, k.ua)
	}
	return out
}

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{
		uses:    detect.NewTable[useKey, use](),
		sources: detect.NewTable[[16]byte, struct{}](),
		k:       env.Evidence,
	}
}

type useKey struct {
	ua  string
	src [16]byte
}

// use is one source's requests with one user agent.
type use struct {
	requests    int64
	first, last event.Time
	hosts       []string // the first few distinct hosts, in order of first sight per worker
	ev          detect.Sample
}

const maxHosts = 4

// Aggregator is the per-worker state.
type Aggregator struct {
	uses    *detect.Table[useKey, use]
	sources *detect.Table[[16]byte, struct{}] // every source that sent a user agent
	k       int
}

// ObserveHTTP adds one request.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if h.UserAgent == "" || !h.Src.IsValid() { // the seed: where useragent is not null
		return
	}
	key := useKey{ua: h.UserAgent, src: h.Src.As16()}
	u := a.uses.Lookup(key)
	if u == nil {
		key.ua = strings.Clone(key.ua)
		u, _ = a.uses.Get(key)
		u.first, u.last = h.TS, h.TS
		a.sources.Get(key.src)
	}
	u.requests++
	u.first = min(u.first, h.TS)
	u.last = max(u.last, h.TS)
	if len(u.hosts) < maxHosts {
		if host := detect.HTTPHost(h); host != "" && !slices.Contains(u.hosts, host) {
			u.hosts = append(u.hosts, strings.Clone(host))
		}
	}
	u.ev.Add(a.k, detect.Item{TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort})
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k := range o.sources.All() {
		a.sources.Get(k)
	}
	for k, ou := range o.uses.All() {
		u, fresh := a.uses.Get(k)
		if fresh {
			*u = *ou
			continue
		}
		u.requests += ou.requests
		u.first = min(u.first, ou.first)
		u.last = max(u.last, ou.last)
		u.hosts = mergeHosts(u.hosts, ou.hosts)
		u.ev.Merge(a.k, &ou.ev)
	}
}

// mergeHosts unions two host lists and keeps the first maxHosts in name order, so that the
// result does not depend on the order of merges.
func mergeHosts(a, b []string) []string {
	for _, h := range b {
		if !slices.Contains(a, h) {
			a = append(a, h)
		}
	}
	slices.Sort(a)
	if len(a) > maxHosts {
		a = a[:maxHosts]
	}
	return a
}

// agent is one user agent over all its sources.
type agent struct {
	ua          string
	sources     []netip.Addr
	requests    int64
	hosts       []string
	moreHosts   bool
	first, last event.Time
	ev          detect.Sample
}

// Score ranks the rare user agents.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	population := a.sources.Len()
	if population < d.p.MinPopulation {
		return nil, nil
	}
	useBaseline := env.Baseline.Len(Section) > 0
	byUA := map[string]*agent{}
	for k, u := range a.uses.All() {
		if useBaseline && env.Baseline.Has(Section, k.ua) {
			continue
		}
		ag := byUA[k.ua]
		if ag == nil {
			ag = &agent{ua: k.ua, first: u.first, last: u.last}
			byUA[k.ua] = ag
		}
		ag.sources = append(ag.sources, netip.AddrFrom16(k.src).Unmap())
		ag.requests += u.requests
		ag.first = min(ag.first, u.first)
		ag.last = max(ag.last, u.last)
		ag.moreHosts = ag.moreHosts || len(u.hosts) >= maxHosts
		ag.hosts = mergeHosts(ag.hosts, u.hosts)
		ag.ev.Merge(env.Evidence, &u.ev)
	}
	var rare []*agent
	for _, ag := range byUA {
		if len(ag.sources) <= d.p.MaxSources {
			rare = append(rare, ag)
		}
	}
	// rarest first: fewest sources, then fewest requests, then the string
	slices.SortFunc(rare, func(x, y *agent) int {
		if c := cmp.Compare(len(x.sources), len(y.sources)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.requests, y.requests); c != 0 {
			return c
		}
		return strings.Compare(x.ua, y.ua)
	})
	if d.p.MaxFindings > 0 && len(rare) > d.p.MaxFindings {
		rare = rare[:d.p.MaxFindings]
	}
	var out []finding.Finding
	for rank, ag := range rare {
		slices.SortFunc(ag.sources, func(x, y netip.Addr) int { return x.Compare(y) })
		// a list to look through, not an alert: info, unless the agent is new since the baseline
		risk := 15
		oneToOne := len(ag.sources) == 1 && len(ag.hosts) == 1 && !ag.moreHosts
		if useBaseline {
			risk += d.p.NewBonus
		}
		f := detect.Base(info, risk)
		f.Entities = finding.Entities{UserAgent: ag.ua, App: "http"}
		if len(ag.sources) == 1 {
			f.Entities.Src = ag.sources[0].String()
		}
		if len(ag.hosts) == 1 && !ag.moreHosts {
			f.Entities.DstHost = ag.hosts[0]
		}
		f.First, f.Last = ag.first, ag.last
		var srcs []string
		for _, s := range ag.sources {
			srcs = append(srcs, s.String())
		}
		hosts := strings.Join(ag.hosts, ", ")
		if ag.moreHosts {
			hosts += ", ..."
		}
		newness := ""
		if useBaseline {
			newness = ", not in the baseline"
		}
		f.Summary = fmt.Sprintf("User agent %q seen from %d of %d sources (%s), %s, to %s%s",
			finding.Clip(ag.ua, 100), len(ag.sources), population, strings.Join(srcs, ", "),
			finding.Plural(ag.requests, "request"), hosts, newness)
		f.Figures = []finding.Figure{
			finding.Fig("rarity_rank", rank+1, finding.Count),
			finding.Fig("sources", len(ag.sources), finding.Count),
			finding.Fig("population", population, finding.Count),
			finding.Fig("requests", ag.requests, finding.Count),
			finding.Fig("hosts", hosts, finding.Text),
			finding.Fig("one_source_one_host", oneToOne, finding.Text),
			finding.Fig("new_since_baseline", useBaseline, finding.Text),
		}
		f.Evidence = ag.ev.Evidence(nil)
		out = append(out, f)
	}
	return out, nil
}
