package postc2

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// pairKey is a source and the site it talked to: the Host header (lower case, no port), else
// the destination address.
type pairKey struct {
	src  [16]byte
	host string
}

// pair is the state of one source and site. Most pairs never POST: they keep two counts and a
// nil pointer.
type pair struct {
	others int64      // requests with another method (GET, HEAD ...): the source fetched from the site
	post   *postState // nil until a POST that is not excluded
}

// postState is what a pair's POSTs add up to.
type postState struct {
	posts       int64
	first, last event.Time
	bodyBytes   int64    // sum of the request bodies' lengths the log gave
	best        postRec  // the POST with the most request signals (then earliest)
	paths       []string // up to maxPaths distinct paths, lowest first
	morePaths   bool     // some paths were left out of paths
	ev          notes    // evidence records
}

// maxPaths is how many distinct paths a finding names.
const maxPaths = 5

// postRec is one POST, as a finding shows it.
type postRec struct {
	score   int    // weight of its request signals
	j       judged // its request signals
	ts      event.Time
	ref     event.Ref
	srcPort uint16
	dst     netip.Addr
	dstPort uint16
	proxied bool // an absolute URI: the request went to a proxy
	uri     string
	ua      string
	ctype   string
	body    string // the first bytes of the body, clipped
	bodyLen int64  // request_body_len; event.Unset when the log did not say
}

// better orders POSTs: more request signals, then earlier, then lower file and line.
func (r *postRec) better(o *postRec) bool {
	if r.score != o.score {
		return r.score > o.score
	}
	if r.ts != o.ts {
		return r.ts < o.ts
	}
	return r.ref.Less(o.ref)
}

// Aggregator is the per-worker state.
type Aggregator struct {
	d     *Detection
	pairs *detect.Table[pairKey, pair]
	k     int
	hosts map[string]string // interned host names
}

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	if d.c == nil {
		if err := d.Prepare(); err != nil {
			// The engine calls Prepare first and stops on its error; a caller that did not
			// gets a detection that scores with the defaults.
			d.p = DefaultParams()
			_ = d.Prepare()
		}
	}
	return &Aggregator{d: d, pairs: detect.NewTable[pairKey, pair](), k: env.Evidence, hosts: map[string]string{}}
}

func (a *Aggregator) intern(s string) string {
	if v, ok := a.hosts[s]; ok {
		return v
	}
	v := strings.Clone(s)
	a.hosts[v] = v
	return v
}

// ObserveHTTP adds one request to its pair.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if h.Method == "" || h.Method == "-" || !h.Src.IsValid() {
		return // a response or a timeout without its request
	}
	host := detect.HTTPHost(h)
	if host == "" {
		return
	}
	c := a.d.c
	isPost := slices.Contains(c.methods, h.Method)
	if !isPost {
		key := pairKey{h.Src.As16(), host}
		p := a.pairs.Lookup(key)
		if p == nil {
			key.host = a.intern(host)
			p, _ = a.pairs.Get(key)
		}
		p.others++
		return
	}
	dynamic := c.dynamicDomain(host) != ""
	if c.excluded(h, host, dynamic) {
		return
	}
	key := pairKey{h.Src.As16(), host}
	p := a.pairs.Lookup(key)
	if p == nil {
		key.host = a.intern(host)
		p, _ = a.pairs.Get(key)
	}
	j := c.judge(&a.d.p, h)
	r := postRec{
		score: a.d.p.Risk.score(j.flags), j: j, ts: h.TS, ref: h.Ref, srcPort: h.SrcPort,
		dst: h.Dst, dstPort: h.DstPort, bodyLen: h.RequestBodyLen,
		proxied: strings.HasPrefix(h.URI, "http://") || strings.HasPrefix(h.URI, "https://"),
	}
	s := p.post
	if s == nil {
		s = &postState{first: h.TS, last: h.TS}
		p.post = s
	}
	s.posts++
	s.first = min(s.first, h.TS)
	s.last = max(s.last, h.TS)
	if h.RequestBodyLen > 0 {
		s.bodyBytes += h.RequestBodyLen
	}
	if s.posts == 1 || r.better(&s.best) {
		r.uri = strings.Clone(h.URI)
		r.ua = strings.Clone(h.UserAgent)
		r.ctype = strings.Clone(h.ContentType)
		r.body = strings.Clone(finding.Clip(h.Body, maxNoteBody))
		s.best = r
	}
	s.addPath(detect.URIPath(h.URI))
	if it := (detect.Item{Rank: int64(r.score), TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort}); s.ev.wouldKeep(a.k, it) {
		s.ev.add(a.k, note{it: it, text: postNote(h, &j)})
	}
}

// addPath keeps the lowest maxPaths distinct paths.
func (s *postState) addPath(path string) {
	i, found := slices.BinarySearch(s.paths, path)
	if found {
		return
	}
	if len(s.paths) == maxPaths {
		s.morePaths = true
		if i == maxPaths {
			return
		}
		s.paths = s.paths[:maxPaths-1]
	}
	s.paths = slices.Insert(s.paths, i, strings.Clone(path))
}

// merge folds o into s.
func (s *postState) merge(k int, o *postState) {
	s.posts += o.posts
	s.first = min(s.first, o.first)
	s.last = max(s.last, o.last)
	s.bodyBytes += o.bodyBytes
	if o.best.better(&s.best) {
		s.best = o.best
	}
	for _, p := range o.paths {
		s.addPath(p)
	}
	s.morePaths = s.morePaths || o.morePaths
	s.ev.merge(k, &o.ev)
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, op := range o.pairs.All() {
		p, fresh := a.pairs.Get(k)
		if fresh {
			*p = *op
			continue
		}
		p.others += op.others
		switch {
		case op.post == nil:
		case p.post == nil:
			p.post = op.post
		default:
			p.post.merge(a.k, op.post)
		}
	}
	o.pairs = nil
}

// MergeDisjoint joins the aggregators of the engine's other partitions: every key holds the
// source address, so they share no pair.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	for _, o := range others {
		a.pairs.Absorb(o.(*Aggregator).pairs)
	}
}

// maxNoteBody is how much of a body a finding and its evidence notes quote.
const maxNoteBody = 120

// postNote describes one POST for its evidence record.
func postNote(h *event.HTTP, j *judged) string {
	var b strings.Builder
	b.WriteString(h.Method)
	b.WriteByte(' ')
	b.WriteString(finding.Clip(h.URI, 100))
	if h.RequestBodyLen > 0 {
		b.WriteString(", ")
		b.WriteString(finding.Commas(h.RequestBodyLen))
		b.WriteString(" B body")
	}
	if j.flags&sigNoReferrer != 0 {
		b.WriteString(", no Referer or Origin")
	} else if h.Referrer != "" {
		b.WriteString(", Referer ")
		b.WriteString(finding.Clip(h.Referrer, 60))
	}
	if j.body != "" {
		b.WriteString(", encoded body (")
		b.WriteString(j.body)
		b.WriteByte(')')
	}
	if h.Body != "" {
		b.WriteString(": ")
		b.WriteString(printable(h.Body, 80))
	}
	return b.String()
}

// note is an evidence record and what it shows.
type note struct {
	it   detect.Item
	text string
}

func betterItem(a, b detect.Item) bool {
	if a.Rank != b.Rank {
		return a.Rank > b.Rank
	}
	if a.TS != b.TS {
		return a.TS < b.TS
	}
	return a.Ref.Less(b.Ref)
}

// notes keeps the k best evidence records of a pair, as detect.Sample does, with their notes:
// most request signals, then earliest, then lowest file and line, whatever the order of adds.
type notes struct {
	l []note
}

// wouldKeep reports whether add would keep a record (so that its note is only written then).
func (n *notes) wouldKeep(k int, it detect.Item) bool {
	return k > 0 && (len(n.l) < k || betterItem(it, n.l[k-1].it))
}

func (n *notes) add(k int, x note) {
	if k <= 0 {
		return
	}
	for _, y := range n.l {
		if y.it.Ref == x.it.Ref && y.it.TS == x.it.TS {
			return
		}
	}
	if len(n.l) == k {
		if !betterItem(x.it, n.l[k-1].it) {
			return
		}
		n.l = n.l[:k-1]
	}
	i := len(n.l)
	for i > 0 && betterItem(x.it, n.l[i-1].it) {
		i--
	}
	n.l = slices.Insert(n.l, i, x)
}

func (n *notes) merge(k int, o *notes) {
	for _, x := range o.l {
		n.add(k, x)
	}
}

// evidence returns the records in time order.
func (n *notes) evidence() []finding.Evidence {
	l := slices.Clone(n.l)
	slices.SortFunc(l, func(a, b note) int {
		switch {
		case a.it.TS != b.it.TS:
			if a.it.TS < b.it.TS {
				return -1
			}
			return 1
		case a.it.Ref.Less(b.it.Ref):
			return -1
		case b.it.Ref.Less(a.it.Ref):
			return 1
		}
		return 0
	})
	out := make([]finding.Evidence, len(l))
	for i, x := range l {
		out[i] = finding.Evidence{Ref: x.it.Ref, TS: x.it.TS, SrcPort: x.it.SrcPort, Note: x.text}
	}
	return out
}
