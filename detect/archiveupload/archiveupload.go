// Package archiveupload finds archives sent out over HTTP: seed 000 ("Multiple Archive Files
// Http Post Traffic": more than 20 identical POSTs whose body starts with 7z, PK or Rar!) to the
// letter, and beyond it archives recognised by their magic bytes whatever the file is called
// (renamed archives), more formats, archives inside multipart forms, Zeek's MIME types from
// http.log and files.log when no body was captured, other methods (WebDAV PUT), and a single
// large archive upload.
package archiveupload

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/filetype"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's id in config and output.
const ID = "archive-http-upload"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	SeedMinCount int64 `yaml:"seed_min_count" doc:"the seed's rule fires when a group of identical archive POSTs (method, user agent, uri path, url, bytes in, bytes out, first 2 and 4 body bytes) counts more than this"`
	MinCount     int64 `yaml:"min_count" doc:"beyond the seed: a source/destination pair fires when it sent more than this many archives, however they differ"`
	MinBytes     int64 `yaml:"min_bytes" doc:"a pair fires when the archives it sent add up to at least this many bytes (one large archive is enough); 0 turns the rule off"`
	LargeBytes   int64 `yaml:"large_bytes" doc:"archives adding up to this many bytes raise the risk"`
	SeedRisk     int   `yaml:"seed_risk" doc:"risk of the count rules (the seed's risk score: impact 50 x confidence 50 = 25)"`
	BytesRisk    int   `yaml:"bytes_risk" doc:"risk of the size rule"`
	RenamedRisk  int   `yaml:"renamed_risk" doc:"risk when an archive travels under a name that hides it (a .jpg that is a zip)"`
	ExternalRisk int   `yaml:"external_risk" doc:"risk added when the destination is outside internal_networks"`
	LargeRisk    int   `yaml:"large_risk" doc:"risk added at large_bytes"`
}

// DefaultParams reproduce the seed (> 20) and set the extensions' bars.
func DefaultParams() Params {
	return Params{
		SeedMinCount: 20, MinCount: 20, MinBytes: 1_000_000, LargeBytes: 100_000_000,
		SeedRisk: 25, BytesRisk: 40, RenamedRisk: 50, ExternalRisk: 10, LargeRisk: 10,
	}
}

// Detection is the archive-http-upload analytic.
type Detection struct{ p Params }

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Archives uploaded over HTTP",
	Techniques: []string{"T1048.003", "T1048", "T1560.001", "T1041"},
	Kinds:      []event.Kind{event.KindHTTP, event.KindFile},
	Fields:     "http: method, user agent, uri, url, request body (Splunk Stream form_data), bytes in/out, request_body_len, status_code, orig_fuids, orig_filenames, orig_mime_types; files: fuid, tx_hosts, rx_hosts, source, is_orig, mime_type, filename, seen_bytes",
	Source:     "seed 000 (Splunk \"Multiple Archive Files Http Post Traffic\"); Sigma zeek_http_webdav_put_request (WebDAV PUT); analytics catalogue",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{
		pairs:   detect.NewTable[pairKey, pair](),
		seed:    detect.NewTable[seedKey, seedGroup](),
		files:   map[string]fileRec{},
		claimed: map[string]struct{}{},
		pending: map[string]upload{},
		k:       env.Evidence,
	}
}

// pairKey is a source, a destination address and the host name asked for.
type pairKey struct {
	src, dst [16]byte
	host     string
}

// seedKey is the seed's stats ... by clause.
type seedKey struct {
	method, ua, path, url string
	bytesIn, bytesOut     int64
	hdr1, hdr2            string
}

const maxSeedPairs = 64

type seedGroup struct {
	count int64
	pairs []pairKey // the pairs the group's requests came from (up to maxSeedPairs)
	ev    detect.Sample
}

const maxList = 4

// maxSeen bounds the distinct archives a pair remembers; past it every upload counts as new.
const maxSeen = 256

// fileSig tells one archive from another: its path, name and format (hashed) and its size.
type fileSig struct {
	hash uint64
	size int64
}

// pair is what one source sent to one destination.
type pair struct {
	uploads     int64 // requests that carried an archive (a retry counts again)
	bytes       int64 // their bytes
	distinct    int64 // distinct archives (path, name, format, size)
	unique      int64 // their bytes: what left, counting each archive once
	seen        []fileSig
	renamed     int64
	accepted    int64 // uploads the server answered with 2xx
	port        uint16
	first, last event.Time
	types       []string // archive formats seen, sorted
	methods     []string
	paths       []string // first few uri paths, sorted
	names       []string // file names seen, sorted (renamed ones first)
	agents      []string
	statuses    []int64
	ev          detect.Sample
}

// upload is one archive sent.
type upload struct {
	key     pairKey
	port    uint16
	ts      event.Time
	ref     event.Ref
	size    int64
	typ     string
	name    string
	renamed bool
	method  string
	path    string
	ua      string
	status  int64
}

// fileRec is an archive files.log saw the originator send over HTTP.
type fileRec struct {
	mime     string
	src, dst netip.Addr
	ts       event.Time
	ref      event.Ref
	size     int64
	typ      string
	name     string
	renamed  bool
}

// Aggregator is the per-worker state.
type Aggregator struct {
	pairs   *detect.Table[pairKey, pair]
	seed    *detect.Table[seedKey, seedGroup]
	files   map[string]fileRec  // by fuid
	claimed map[string]struct{} // fuids whose request is already counted
	pending map[string]upload   // by fuid: requests that sent files but whose log has no MIME types (files.log decides)
	k       int
}

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// ObserveHTTP looks at one request for archives.
func (a *Aggregator) ObserveHTTP(h *event.HTTP) {
	if h.Method == "" || !h.Src.IsValid() {
		return
	}
	key := pairKey{src: h.Src.As16(), dst: h.Dst.As16(), host: detect.HTTPHost(h)}
	up := upload{key: key, port: h.DstPort, ts: h.TS, ref: h.Ref, method: h.Method, path: detect.URIPath(h.URI), ua: h.UserAgent, status: h.StatusCode}
	up.size = h.RequestBodyLen
	if up.size < 0 {
		up.size = h.ReqBytes
	}
	if h.Body != "" {
		if up.size < 0 {
			up.size = int64(len(h.Body))
		}
		a.seedRule(h, key)
		a.sniffBody(h, &up)
		return
	}
	// Zeek: the MIME types its file analysis found in the request body
	if h.OrigMimeTypes == nil && len(h.OrigFUIDs) > 0 {
		for _, fuid := range h.OrigFUIDs {
			p := up
			p.key.host = strings.Clone(p.key.host)
			p.method, p.path, p.ua = strings.Clone(p.method), strings.Clone(p.path), strings.Clone(p.ua)
			a.pending[strings.Clone(fuid)] = p
		}
		return
	}
	for i, mime := range h.OrigMimeTypes {
		t, ok := filetype.FromMIME(mime)
		if !ok || !t.Archive {
			continue
		}
		if i < len(h.OrigFilenames) {
			up.name = h.OrigFilenames[i]
		}
		fromURI := up.name == ""
		if fromURI {
			up.name = lastSegment(up.path)
		}
		up.typ = t.Name
		up.renamed = renamed(up.name, fromURI, t)
		if i < len(h.OrigFUIDs) {
			a.claimed[strings.Clone(h.OrigFUIDs[i])] = struct{}{}
		}
		a.add(up)
		return // one request is one upload
	}
}

// renamed tells whether an archive travels under a name that hides it. A name the request gave
// (a form's filename, Zeek's orig_filenames, files.log) counts whatever its extension; a name
// taken from the URI only when its extension is a known file type's (PUT /photo.jpg), since a
// script's path (/upload.php) names no file.
func renamed(name string, fromURI bool, t filetype.Type) bool {
	if fromURI {
		if _, known := filetype.FromName(name); !known {
			return false
		}
	}
	return filetype.Renamed(name, t)
}

// lastSegment is the file name a URI path ends with ("" for a folder).
func lastSegment(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// seedRule counts the request in the seed's group when its body starts like an archive.
func (a *Aggregator) seedRule(h *event.HTTP, pk pairKey) {
	if h.Method != "POST" {
		return
	}
	hdr1, hdr2 := prefix(h.Body, 2), prefix(h.Body, 4)
	if hdr1 != "7z" && hdr1 != "PK" && hdr2 != "Rar!" {
		return
	}
	k := seedKey{method: h.Method, ua: h.UserAgent, path: detect.URIPath(h.URI), url: h.URL, bytesIn: h.ReqBytes, bytesOut: h.RespBytes, hdr1: hdr1, hdr2: hdr2}
	g := a.seed.Lookup(k)
	if g == nil {
		k.method, k.ua, k.path, k.url = strings.Clone(k.method), strings.Clone(k.ua), strings.Clone(k.path), strings.Clone(k.url)
		k.hdr1, k.hdr2 = strings.Clone(k.hdr1), strings.Clone(k.hdr2)
		g, _ = a.seed.Get(k)
	}
	g.count++
	g.addPair(pk)
	g.ev.Add(a.k, detect.Item{Rank: h.ReqBytes, TS: h.TS, Ref: h.Ref, SrcPort: h.SrcPort})
}

func (g *seedGroup) addPair(pk pairKey) {
	for _, p := range g.pairs {
		if p.src == pk.src && p.dst == pk.dst && p.host == pk.host {
			return
		}
	}
	if len(g.pairs) < maxSeedPairs {
		pk.host = strings.Clone(pk.host)
		g.pairs = append(g.pairs, pk)
	}
}

// sniffBody finds archives in a captured body (the whole body, or the parts of a form).
func (a *Aggregator) sniffBody(h *event.HTTP, up *upload) {
	for _, part := range filetype.Parts(h.Body, h.ContentType) {
		t, ok := filetype.Sniff(part.Head)
		if !ok || !t.Archive {
			continue
		}
		up.typ = t.Name
		if t.Encoding != "" {
			up.typ += " (" + t.Encoding + ")"
		}
		up.name = part.Filename
		fromURI := up.name == ""
		if fromURI {
			up.name = lastSegment(up.path)
		}
		up.renamed = renamed(up.name, fromURI, t)
		a.add(*up)
		return
	}
}

// add counts one archive upload in its pair.
func (a *Aggregator) add(up upload) {
	p := a.pairs.Lookup(up.key)
	if p == nil {
		k := up.key
		k.host = strings.Clone(k.host)
		p, _ = a.pairs.Get(k)
		p.first, p.last, p.port = up.ts, up.ts, up.port
	}
	p.uploads++
	p.bytes += max(up.size, 0)
	p.addSig(fileSig{maphash.String(sigSeed, up.path+"\x00"+up.name+"\x00"+up.typ), up.size})
	if up.renamed {
		p.renamed++
	}
	if up.status >= 200 && up.status < 300 {
		p.accepted++
	}
	p.first = min(p.first, up.ts)
	p.last = max(p.last, up.ts)
	p.types = addSorted(p.types, up.typ, maxList)
	p.methods = addSorted(p.methods, up.method, maxList)
	p.paths = addSorted(p.paths, up.path, maxList)
	name := up.name
	if up.renamed {
		name = "!" + name // sorts first; shown as renamed
	}
	p.names = addSorted(p.names, name, maxList)
	p.agents = addSorted(p.agents, up.ua, 2)
	if up.status >= 0 && !slices.Contains(p.statuses, up.status) && len(p.statuses) < maxList {
		p.statuses = append(p.statuses, up.status)
		slices.Sort(p.statuses)
	}
	p.ev.Add(a.k, detect.Item{Rank: up.size, TS: up.ts, Ref: up.ref})
}

var sigSeed = maphash.MakeSeed()

// addSig counts an archive once, however many times it was sent.
func (p *pair) addSig(sig fileSig) {
	if slices.Contains(p.seen, sig) {
		return
	}
	p.distinct++
	p.unique += max(sig.size, 0)
	if len(p.seen) < maxSeen {
		p.seen = append(p.seen, sig)
	}
}

// addSorted inserts s into a sorted list of at most n, keeping the n smallest; s is cloned.
func addSorted(list []string, s string, n int) []string {
	i, found := slices.BinarySearch(list, s)
	if found || i >= n {
		return list
	}
	list = slices.Insert(list, i, strings.Clone(s))
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// ObserveFile keeps the archives files.log saw a client send over HTTP.
func (a *Aggregator) ObserveFile(f *event.File) {
	if f.IsOrig != 1 || !strings.Contains(f.Source, "HTTP") || f.FUID == "" {
		return
	}
	t, ok := filetype.FromMIME(f.MimeType)
	if !ok || !t.Archive {
		return
	}
	r := fileRec{mime: strings.Clone(f.MimeType), src: f.Src, dst: f.Dst, ts: f.TS, ref: f.Ref, size: f.SeenBytes, typ: t.Name, name: strings.Clone(f.Filename)}
	if f.TotalBytes > r.size {
		r.size = f.TotalBytes
	}
	if !r.src.IsValid() && len(f.TxHosts) > 0 {
		r.src, _ = netip.ParseAddr(f.TxHosts[0])
	}
	if !r.dst.IsValid() && len(f.RxHosts) > 0 {
		r.dst, _ = netip.ParseAddr(f.RxHosts[0])
	}
	r.renamed = r.name != "" && filetype.Renamed(r.name, t)
	a.files[strings.Clone(f.FUID)] = r
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
		p.uploads += op.uploads
		p.bytes += op.bytes
		// the other side's archives past its memory count as new; the remembered ones once
		var sum int64
		for _, sig := range op.seen {
			sum += max(sig.size, 0)
			p.addSig(sig)
		}
		p.distinct += op.distinct - int64(len(op.seen))
		p.unique += op.unique - sum
		p.renamed += op.renamed
		p.accepted += op.accepted
		if op.first < p.first || op.first == p.first && op.port < p.port {
			p.port = op.port
		}
		p.first = min(p.first, op.first)
		p.last = max(p.last, op.last)
		for _, s := range op.types {
			p.types = addSorted(p.types, s, maxList)
		}
		for _, s := range op.methods {
			p.methods = addSorted(p.methods, s, maxList)
		}
		for _, s := range op.paths {
			p.paths = addSorted(p.paths, s, maxList)
		}
		for _, s := range op.names {
			p.names = addSorted(p.names, s, maxList)
		}
		for _, s := range op.agents {
			p.agents = addSorted(p.agents, s, 2)
		}
		for _, s := range op.statuses {
			if !slices.Contains(p.statuses, s) && len(p.statuses) < maxList {
				p.statuses = append(p.statuses, s)
			}
		}
		slices.Sort(p.statuses)
		p.ev.Merge(a.k, &op.ev)
	}
	for k, og := range o.seed.All() {
		g, _ := a.seed.Get(k)
		g.count += og.count
		for _, pk := range og.pairs {
			g.addPair(pk)
		}
		g.ev.Merge(a.k, &og.ev)
	}
	for k, v := range o.files {
		if w, ok := a.files[k]; !ok || v.ref.Less(w.ref) {
			a.files[k] = v
		}
	}
	for k := range o.claimed {
		a.claimed[k] = struct{}{}
	}
	for k, v := range o.pending {
		if w, ok := a.pending[k]; !ok || v.ref.Less(w.ref) {
			a.pending[k] = v
		}
	}
}

// resolveFiles joins files.log's archives with their requests: a file already counted through
// its request's MIME types is skipped, a request logged without MIME types takes its file's
// type, and a file whose request is not in the input counts on its own.
func (a *Aggregator) resolveFiles() {
	fuids := make([]string, 0, len(a.files))
	for k := range a.files {
		fuids = append(fuids, k)
	}
	slices.Sort(fuids)
	for _, fuid := range fuids {
		f := a.files[fuid]
		if _, ok := a.claimed[fuid]; ok {
			continue
		}
		a.claimed[fuid] = struct{}{}
		if up, ok := a.pending[fuid]; ok {
			up.typ, up.renamed = f.typ, f.renamed
			up.name = f.name
			if up.name == "" {
				up.name = lastSegment(up.path)
				if t, ok := filetype.FromMIME(f.mime); ok {
					up.renamed = renamed(up.name, true, t)
				}
			}
			if up.size < 0 {
				up.size = f.size
			}
			a.add(up)
			continue
		}
		if !f.src.IsValid() {
			continue
		}
		a.add(upload{key: pairKey{src: f.src.As16(), dst: f.dst.As16(), host: addrString(f.dst)}, ts: f.ts, ref: f.ref,
			size: f.size, typ: f.typ, name: f.name, renamed: f.renamed, status: event.Unset})
	}
	clear(a.files)
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Score applies the seed's rule and the extensions to every pair.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	a.resolveFiles()
	// the seed's groups that fire, by the pairs they came from
	seedHits := map[pairKey][]seedHit{}
	for k, g := range a.seed.All() {
		if g.count <= d.p.SeedMinCount {
			continue
		}
		for _, pk := range g.pairs {
			seedHits[pk] = append(seedHits[pk], seedHit{k, g.count, &g.ev})
		}
	}
	// a seed group whose requests were not archives by the extension's sniffing (a zip-based
	// document) still fires: give it a pair
	for pk := range seedHits {
		if a.pairs.Lookup(pk) == nil {
			p, _ := a.pairs.Get(pk)
			*p = pair{}
		}
	}
	var out []finding.Finding
	for k, p := range a.pairs.All() {
		if f, ok := d.judge(k, p, seedHits[k], env); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

type seedHit struct {
	key   seedKey
	count int64
	ev    *detect.Sample
}

func (d *Detection) judge(k pairKey, p *pair, hits []seedHit, env *detect.Env) (finding.Finding, bool) {
	risk := 0
	var rules []string
	slices.SortFunc(hits, func(x, y seedHit) int { return cmp.Compare(y.count, x.count) })
	for _, h := range hits {
		p.ev.Merge(env.Evidence, h.ev)
	}
	if len(hits) > 0 {
		risk = max(risk, d.p.SeedRisk)
		h := hits[0]
		rules = append(rules, fmt.Sprintf("seed 000: %d identical %s %s POSTs with a %q header", h.count, h.key.path, h.key.url, strings.TrimRight(h.key.hdr2, "\x00")))
	}
	if p.uploads > d.p.MinCount {
		risk = max(risk, d.p.SeedRisk)
		rules = append(rules, fmt.Sprintf("more than %d archives", d.p.MinCount))
	}
	if d.p.MinBytes > 0 && p.unique >= d.p.MinBytes {
		risk = max(risk, d.p.BytesRisk)
		rules = append(rules, fmt.Sprintf("at least %s B of archives", finding.Commas(d.p.MinBytes)))
	}
	if p.renamed > 0 {
		risk = max(risk, d.p.RenamedRisk)
		rules = append(rules, "archive under another file type's name")
	}
	if len(rules) == 0 {
		return finding.Finding{}, false
	}
	src, dst := netip.AddrFrom16(k.src).Unmap(), netip.AddrFrom16(k.dst).Unmap()
	if k.dst != ([16]byte{}) && !env.IsInternal(dst) {
		risk += d.p.ExternalRisk
	}
	if d.p.LargeBytes > 0 && p.unique >= d.p.LargeBytes {
		risk += d.p.LargeRisk
	}
	f := detect.Base(info, risk)
	f.Entities = finding.Entities{Src: src.String(), DstHost: k.host, App: "http", DstPort: int(p.port)}
	if k.dst != ([16]byte{}) {
		f.Entities.Dst = dst.String()
		if f.Entities.Dst == k.host {
			f.Entities.DstHost = ""
		}
	}
	if len(p.agents) == 1 {
		f.Entities.UserAgent = p.agents[0]
	}
	f.First, f.Last = p.first, p.last
	var names []string
	for _, n := range p.names {
		if strings.HasPrefix(n, "!") {
			n = n[1:] + " (renamed)"
		}
		if n != "" {
			names = append(names, n)
		}
	}
	var codes []string
	for _, s := range p.statuses {
		codes = append(codes, fmt.Sprint(s))
	}
	types := strings.Join(p.types, ", ")
	if p.uploads == 0 { // only the seed's header test fired (a zip-based document, say)
		h := hits[0]
		f.Summary = fmt.Sprintf("%s sent %s POSTs to %s whose body starts %q", src, finding.Commas(h.count), h.key.path, h.key.hdr2)
	} else {
		f.Summary = fmt.Sprintf("%s sent %s (%s, %s B) with %s %s", src, finding.Plural(p.distinct, "archive"), types, finding.Commas(p.unique),
			strings.Join(p.methods, "/"), strings.Join(p.paths, ", "))
		if p.uploads > p.distinct {
			f.Summary += fmt.Sprintf(" in %s", finding.Plural(p.uploads, "upload"))
		}
	}
	if len(codes) > 0 {
		f.Summary += fmt.Sprintf("; %d accepted (status %s)", p.accepted, strings.Join(codes, ", "))
	}
	f.Summary += "; " + strings.Join(rules, "; ")
	f.Figures = []finding.Figure{
		finding.Fig("archives", p.distinct, finding.Count),
		finding.Fig("bytes", p.unique, finding.Bytes),
		finding.Fig("uploads", p.uploads, finding.Count),
		finding.Fig("bytes_sent", p.bytes, finding.Bytes),
		finding.Fig("types", types, finding.Text),
		finding.Fig("renamed", p.renamed, finding.Count),
		finding.Fig("accepted", p.accepted, finding.Count),
		finding.Fig("files", strings.Join(names, ", "), finding.Text),
		finding.Fig("methods", strings.Join(p.methods, ","), finding.Text),
		finding.Fig("rules", strings.Join(rules, "; "), finding.Text),
	}
	if len(hits) > 0 {
		f.Figures = append(f.Figures, finding.Fig("seed_group_count", hits[0].count, finding.Count))
	}
	f.Evidence = p.ev.Evidence(func(it detect.Item) string {
		if it.Rank < 0 {
			return ""
		}
		return finding.Commas(it.Rank) + " B"
	})
	return f, true
}
