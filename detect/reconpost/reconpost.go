// Package reconpost finds HTTP POST bodies that carry the output of host reconnaissance in the
// clear: process lists, system information, ipconfig and net view output, the form fields
// TrickBot-style implants post (Splunk's "Plain HTTP POST Exfiltrated Data", the companion of
// seed 000). It needs the request body: Splunk Stream's form_data, or a packet capture.
package reconpost

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's id in config and output.
const ID = "recon-http-post"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	Keywords []string `yaml:"keywords" doc:"strings whose presence in a request body fires (case-insensitive, anywhere in the captured body): Splunk's list"`
	Methods  []string `yaml:"methods" doc:"request methods looked at (Splunk's search: POST)"`
	Risk     int      `yaml:"risk" doc:"risk of a finding (Splunk's risk score: impact 70 x confidence 90 = 63)"`
}

// DefaultParams reproduce Splunk's search.
func DefaultParams() Params {
	return Params{
		Keywords: []string{"wermgr.exe", "svchost.exe", `name="proclist"`, "ipconfig", `name="sysinfo"`, "net view"},
		Methods:  []string{"POST"},
		Risk:     63,
	}
}

// Detection is the recon-http-post analytic.
type Detection struct {
	p     Params
	lower []string
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Reconnaissance output posted over plain HTTP",
	Techniques: []string{"T1048.003", "T1041", "T1071.001"},
	Kinds:      []event.Kind{event.KindHTTP},
	Fields:     "http: method, request body (Splunk Stream form_data), user agent, uri path, url, bytes in/out, src and dest addresses",
	Source:     "Splunk security_content \"Plain HTTP POST Exfiltrated Data\" (companion of seed 000): form_data IN (*wermgr.exe*, *svchost.exe*, *name=\"proclist\"*, *ipconfig*, *name=\"sysinfo\"*, *net view*)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// Prepare lower-cases the keywords once.
func (d *Detection) Prepare() error {
	d.lower = d.lower[:0]
	for _, k := range d.p.Keywords {
		if k == "" {
			return fmt.Errorf("keywords: an empty keyword would match every body")
		}
		d.lower = append(d.lower, strings.ToLower(k))
	}
	return nil
}

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	if d.lower == nil {
		d.Prepare()
	}
	return &Aggregator{d: d, groups: detect.NewTable[groupKey, group](), k: env.Evidence}
}

// groupKey is Splunk's grouping (method, user agent, uri path, url, bytes in, bytes out) with
// the two ends added, so that a finding names who posted to where.
type groupKey struct {
	src, dst          [16]byte
	host, method, ua  string
	path, url         string
	bytesIn, bytesOut int64
}

type group struct {
	count       int64
	keywords    uint64 // bit i: keyword i matched
	first, last event.Time
	body        string // the first body seen (clipped), as Splunk's values(form_data) shows
	ev          detect.Sample
}

// Aggregator is the per-worker state.
type Aggregator struct {
	d      *Detection
	groups *detect.Table[groupKey, group]
	k      int
}

// match returns the keywords found in body as bits.
func (d *Detection) match(body string) uint64 {
	var bits uint64
	lower := strings.ToLower(body)
	for i, k := range d.lower {
		if i >= 64 {
			break
		}
		if strings.Contains(lower, k) {
			bits |= 1 << i
		}
	}
	return bits
}

// ObserveHTTP adds one request.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if h.Body == "" || !slices.Contains(a.d.p.Methods, h.Method) {
		return
	}
	bits := a.d.match(h.Body)
	if bits == 0 {
		return
	}
	path := detect.URIPath(h.URI)
	key := groupKey{
		src: h.Src.As16(), dst: h.Dst.As16(), host: detect.HTTPHost(h), method: h.Method, ua: h.UserAgent,
		path: path, url: h.URL, bytesIn: h.ReqBytes, bytesOut: h.RespBytes,
	}
	g := a.groups.Lookup(key)
	if g == nil {
		key.host, key.method, key.ua = strings.Clone(key.host), strings.Clone(key.method), strings.Clone(key.ua)
		key.path, key.url = strings.Clone(key.path), strings.Clone(key.url)
		g, _ = a.groups.Get(key)
		g.first, g.last = h.TS, h.TS
		g.body = strings.Clone(finding.Clip(h.Body, 300))
	}
	g.count++
	g.keywords |= bits
	g.first = min(g.first, h.TS)
	g.last = max(g.last, h.TS)
	g.ev.Add(a.k, detect.Item{Rank: h.ReqBytes, TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort})
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, og := range o.groups.All() {
		g, fresh := a.groups.Get(k)
		if fresh {
			*g = *og
			continue
		}
		g.count += og.count
		g.keywords |= og.keywords
		if og.first < g.first || og.first == g.first && og.body < g.body {
			g.body = og.body
		}
		g.first = min(g.first, og.first)
		g.last = max(g.last, og.last)
		g.ev.Merge(a.k, &og.ev)
	}
}

// Score reports every group: Splunk's search has no count threshold.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	var out []finding.Finding
	for k, g := range a.groups.All() {
		f := detect.Base(info, d.p.Risk)
		src, dst := netip.AddrFrom16(k.src).Unmap(), netip.AddrFrom16(k.dst).Unmap()
		f.Entities = finding.Entities{App: "http", DstHost: k.host, UserAgent: k.ua}
		if k.src != ([16]byte{}) {
			f.Entities.Src = src.String()
		}
		if k.dst != ([16]byte{}) {
			f.Entities.Dst = dst.String()
			if f.Entities.Dst == k.host {
				f.Entities.DstHost = ""
			}
		}
		f.First, f.Last = g.first, g.last
		var kws []string
		for i, kw := range d.p.Keywords {
			if i < 64 && g.keywords&(1<<i) != 0 {
				kws = append(kws, kw)
			}
		}
		f.Summary = fmt.Sprintf("%s %s%s carrying %s: %s", k.method, k.host, k.path, strings.Join(kws, ", "), finding.Plural(g.count, "request"))
		f.Figures = []finding.Figure{
			finding.Fig("requests", g.count, finding.Count),
			finding.Fig("keywords", strings.Join(kws, ", "), finding.Text),
			finding.Fig("method", k.method, finding.Text),
			finding.Fig("uri_path", k.path, finding.Text),
			finding.Fig("url", k.url, finding.Text),
			finding.Fig("bytes_in", k.bytesIn, finding.Bytes),
			finding.Fig("bytes_out", k.bytesOut, finding.Bytes),
			finding.Fig("body", g.body, finding.Text),
		}
		f.Evidence = g.ev.Evidence(nil)
		out = append(out, f)
	}
	return out, nil
}
