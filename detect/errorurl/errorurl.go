// Package errorurl lists the URLs that only ever answered with errors: the seed's "high counts
// of HTTP errors by status code" hunt, left TODO there ("list the URLs that only have HTTP
// errors"). An implant whose server is gone, a C2 path a proxy blocks, or a tool retrying a
// dead upload endpoint keep asking for the same URL and never get a success.
package errorurl

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's id in config and output.
const ID = "error-only-url"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	MinErrors   int64    `yaml:"min_errors" doc:"error responses (4xx/5xx) a URL must have, with no success, to be reported"`
	IgnorePaths []string `yaml:"ignore_paths" doc:"paths that fail everywhere and mean nothing (browsers' icon probes, proxy auto-discovery); exact, or a prefix when ending in *"`
	MaxFindings int      `yaml:"max_findings" doc:"report at most this many URLs, highest risk and most errors first; 0 for all"`
}

// DefaultParams are the documented defaults.
func DefaultParams() Params {
	return Params{
		MinErrors:   10,
		IgnorePaths: []string{"/favicon.ico", "/robots.txt", "/apple-touch-icon*", "/wpad.dat", "/.well-known/*"},
		MaxFindings: 100,
	}
}

// Detection is the error-only-url analytic.
type Detection struct{ p Params }

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "URLs that only ever answered with HTTP errors",
	Techniques: []string{"T1071.001", "T1102"},
	Kinds:      []event.Kind{event.KindHTTP},
	Fields:     "http: id.orig_h, id.resp_h, host, uri, method, status_code (Zeek http.log, Splunk Stream, proxy logs: status and the proxy's action)",
	Source:     "seed 002 (TH-0002, high counts of HTTP errors by status code: the URLs that only have HTTP errors)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{urls: detect.NewTable[urlKey, url](), k: env.Evidence, ignore: d.p.IgnorePaths}
}

type urlKey struct {
	host, path string
}

// srcCap is how many distinct sources a URL keeps: enough to name a few and to tell one from many.
const srcCap = 4

// url is the state of one host and path. Once a success is seen only ok matters: the rest is
// dropped.
type url struct {
	ok          bool
	requests    int64
	errors      int64
	noReply     int64 // requests that got no response (timeouts, aborts)
	denied      int64 // errors the proxy itself gave (TCP_DENIED ...)
	first, last event.Time
	statuses    []statusCount
	sources     detect.Sources
	dst         detect.EarliestAddr
	example     string // one full URI, query included
	ev          detect.Sample
}

type statusCount struct {
	code int64
	n    int64
}

const maxStatuses = 6

// Aggregator is the per-worker state.
type Aggregator struct {
	urls   *detect.Table[urlKey, url]
	k      int
	ignore []string
}

func ignored(path string, ignore []string) bool {
	for _, p := range ignore {
		if strings.HasSuffix(p, "*") {
			if strings.HasPrefix(path, p[:len(p)-1]) {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

// ObserveHTTP adds one request.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if h.Method == "" || h.Method == "CONNECT" {
		return // no request seen, or a tunnel whose URLs are inside it
	}
	host := detect.HTTPHost(h)
	path := detect.URIPath(h.URI)
	if host == "" || ignored(path, a.ignore) {
		return
	}
	key := urlKey{host, path}
	u := a.urls.Lookup(key)
	if u == nil {
		key.host, key.path = strings.Clone(host), strings.Clone(path)
		u, _ = a.urls.Get(key)
		u.first, u.last = h.TS, h.TS
	}
	if u.ok {
		return
	}
	code := h.StatusCode
	if code >= 100 && code < 400 {
		*u = url{ok: true}
		return
	}
	u.requests++
	u.first = min(u.first, h.TS)
	u.last = max(u.last, h.TS)
	u.sources.Add(srcCap, h.Src.As16())
	u.dst.Offer(h.TS, h.Dst)
	// the shortest URI, then the first in byte order (as Merge keeps): the same whatever the
	// order the records come in
	if c := finding.Clip(h.URI, 200); u.example == "" || len(c) < len(u.example) || len(c) == len(u.example) && c < u.example {
		u.example = strings.Clone(c)
	}
	if code < 100 { // unset or 000: no reply
		u.noReply++
		return
	}
	u.errors++
	if strings.HasSuffix(h.Action, "_DENIED") {
		u.denied++
	}
	u.addStatus(code, 1)
	u.ev.Add(a.k, detect.Item{TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort})
}

func (u *url) addStatus(code, n int64) {
	for i := range u.statuses {
		if u.statuses[i].code == code {
			u.statuses[i].n += n
			return
		}
	}
	if len(u.statuses) < maxStatuses {
		u.statuses = append(u.statuses, statusCount{code, n})
	}
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, ou := range o.urls.All() {
		u, fresh := a.urls.Get(k)
		if fresh {
			*u = *ou
			continue
		}
		if u.ok {
			continue
		}
		if ou.ok {
			*u = url{ok: true}
			continue
		}
		u.requests += ou.requests
		u.errors += ou.errors
		u.noReply += ou.noReply
		u.denied += ou.denied
		u.first = min(u.first, ou.first)
		u.last = max(u.last, ou.last)
		// keep the most frequent codes whatever the merge order: merge all, sort, cut
		for _, s := range ou.statuses {
			found := false
			for i := range u.statuses {
				if u.statuses[i].code == s.code {
					u.statuses[i].n += s.n
					found = true
				}
			}
			if !found {
				u.statuses = append(u.statuses, s)
			}
		}
		u.sources.Merge(srcCap, &ou.sources)
		u.dst.Offer(ou.dst.TS, ou.dst.Addr)
		if ou.example != "" && (u.example == "" || len(ou.example) < len(u.example) || len(ou.example) == len(u.example) && ou.example < u.example) {
			u.example = ou.example
		}
		u.ev.Merge(a.k, &ou.ev)
	}
}

// Score reports the URLs with enough errors and no success.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	var out []finding.Finding
	for k, u := range a.urls.All() {
		if u.ok || u.errors < d.p.MinErrors {
			continue
		}
		out = append(out, d.finding(k, u, env))
	}
	slices.SortFunc(out, func(x, y finding.Finding) int {
		if c := cmp.Compare(y.Risk, x.Risk); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Figure("errors").(int64), x.Figure("errors").(int64)); c != 0 {
			return c
		}
		return cmp.Compare(x.Summary, y.Summary)
	})
	if d.p.MaxFindings > 0 && len(out) > d.p.MaxFindings {
		out = out[:d.p.MaxFindings]
	}
	return out, nil
}

func (d *Detection) finding(k urlKey, u *url, env *detect.Env) finding.Finding {
	slices.SortFunc(u.statuses, func(x, y statusCount) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return cmp.Compare(x.code, y.code)
	})
	if len(u.statuses) > maxStatuses {
		u.statuses = u.statuses[:maxStatuses]
	}
	srcs := u.sources.Addrs()
	risk := 15
	var why []string
	if len(srcs) == 1 {
		risk += 20
		why = append(why, "one source keeps asking")
	}
	if u.errors >= 10*d.p.MinErrors {
		risk += 10
		why = append(why, "many errors")
	}
	if u.denied == u.errors {
		risk += 15
		why = append(why, "every request denied by the proxy")
	}
	f := detect.Base(info, risk)
	f.Entities = finding.Entities{DstHost: k.host, App: "http"}
	if len(srcs) == 1 {
		f.Entities.Src = srcs[0].String()
	}
	if u.dst.Addr.IsValid() {
		f.Entities.Dst = u.dst.Addr.String()
		if f.Entities.Dst == k.host {
			f.Entities.DstHost = ""
		}
	}
	f.First, f.Last = u.first, u.last
	var codes []string
	for _, s := range u.statuses {
		codes = append(codes, strconv.FormatInt(s.code, 10)+"×"+finding.Commas(s.n))
	}
	var names []string
	for _, s := range srcs {
		names = append(names, s.String())
	}
	who := finding.Plural(int64(len(srcs)), "source") + " (" + strings.Join(names, ", ") + ")"
	if len(srcs) >= srcCap {
		who = fmt.Sprintf("%d or more sources (%s, ...)", srcCap, strings.Join(names, ", "))
	}
	f.Summary = fmt.Sprintf("%s%s never answered with a success: %s, status %s, from %s",
		k.host, k.path, finding.Plural(u.errors, "error"), strings.Join(codes, " "), who)
	if len(why) > 0 {
		f.Summary += "; " + strings.Join(why, ", ")
	}
	f.Figures = []finding.Figure{
		finding.Fig("errors", u.errors, finding.Count),
		finding.Fig("no_reply", u.noReply, finding.Count),
		finding.Fig("proxy_denied", u.denied, finding.Count),
		finding.Fig("statuses", strings.Join(codes, " "), finding.Text),
		finding.Fig("sources", len(srcs), finding.Count),
		finding.Fig("example", u.example, finding.Text),
	}
	f.Evidence = u.ev.Evidence(func(detect.Item) string { return "" })
	return f
}
