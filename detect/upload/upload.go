// Package upload finds source/destination pairs that move much data from the source to the
// destination: the seed's "data uploaded per source/destination pair" hunt (the top uploaders
// by bytes out) and pairs whose traffic runs strongly one way, outbound (many bytes out, few
// back), the asymmetry MITRE ATT&CK names for T1048.
package upload

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// ID is the detection's id in config and output.
const ID = "upload-volume"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	TopN            int     `yaml:"top_n" doc:"how many pairs the top-uploaders list reports, by bytes out over the whole input (the seed's head -10); 0 turns the list off"`
	MinBytes        int64   `yaml:"min_bytes" doc:"bytes out a pair must send in all (sum of orig_bytes) to be called asymmetric"`
	MinRatio        float64 `yaml:"min_ratio" doc:"bytes out / bytes in (orig_bytes / resp_bytes summed) at or above which a pair is asymmetric; no bytes in counts as an infinite ratio"`
	ExcludeInternal bool    `yaml:"exclude_internal" doc:"leave pairs whose both ends are in internal_networks out of the asymmetry signal (they still count for the top uploaders)"`
}

// DefaultParams reproduce the seed (top 10) and set the asymmetry bar at 1 MB out, 10:1.
func DefaultParams() Params {
	return Params{TopN: 10, MinBytes: 1_000_000, MinRatio: 10, ExcludeInternal: true}
}

// Detection is the upload-volume analytic.
type Detection struct{ p Params }

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Large or one-way uploads per source/destination pair",
	Techniques: []string{"T1048", "T1041", "T1567"},
	Kinds:      []event.Kind{event.KindConn},
	Fields:     "conn: id.orig_h, id.resp_h, id.resp_p, proto, orig_bytes, resp_bytes, ts, duration",
	Source:     "seed 002 (TH-0002, data uploaded per source/destination pair); ATT&CK T1048 detection text (a client sending much more than it receives)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{
		pairs: detect.NewTable[pairKey, pair](),
		k:     env.Evidence,
		floor: evidenceFloor(d.p.MinBytes),
	}
}

// evidenceFloor is the bytes out from which a connection is kept as evidence beyond each
// pair's single largest one: a tenth of min_bytes, so that an asymmetric pair, which sent at
// least min_bytes, shows its big connections while the million small pairs keep no list.
func evidenceFloor(minBytes int64) int64 { return max(1, minBytes/10) }

// pairKey is a source/destination pair; addresses are kept in their 16-byte form (IPv4 as
// IPv4-mapped IPv6), which costs 16 bytes each instead of the 24 of a netip.Addr.
type pairKey struct{ src, dst [16]byte }

func (k pairKey) srcAddr() netip.Addr { return netip.AddrFrom16(k.src).Unmap() }
func (k pairKey) dstAddr() netip.Addr { return netip.AddrFrom16(k.dst).Unmap() }

func comparePairKeys(a, b pairKey) int {
	if c := bytes.Compare(a.src[:], b.src[:]); c != 0 {
		return c
	}
	return bytes.Compare(a.dst[:], b.dst[:])
}

// record is one connection kept as evidence: its bytes out, time and place.
type record struct {
	bytes int64
	ts    event.Time
	ref   event.Ref
}

func (r record) item() detect.Item { return detect.Item{Rank: r.bytes, TS: r.ts, Ref: r.ref} }

// better orders records as detect.Sample does: more bytes, then earlier, then lower file/line.
func (r record) better(o record) bool {
	if r.bytes != o.bytes {
		return r.bytes > o.bytes
	}
	if r.ts != o.ts {
		return r.ts < o.ts
	}
	return r.ref.Less(o.ref)
}

// Transport bits of pair.protos.
const (
	protoTCP uint8 = 1 << iota
	protoUDP
	protoICMP
	protoOther
)

func protoBit(p string) uint8 {
	switch p {
	case "tcp":
		return protoTCP
	case "udp":
		return protoUDP
	case "icmp":
		return protoICMP
	}
	return protoOther
}

func protoName(bits uint8) string {
	switch bits {
	case protoTCP:
		return "tcp"
	case protoUDP:
		return "udp"
	case protoICMP:
		return "icmp"
	}
	return ""
}

// pair is the state of one source/destination pair (72 bytes).
type pair struct {
	out, in     int64 // orig_bytes and resp_bytes summed over the records that set them
	first, last event.Time
	best        record // the connection that sent the most (the first record sets it)
	conns       uint32
	port        uint16 // lowest destination port seen; the others are in ext.ports
	protos      uint8
	ext         *pairExt // nil for most pairs
}

// pairExt is what few pairs need: more destination ports, connections big enough to keep.
type pairExt struct {
	ports []uint16 // sorted, distinct, all above pair.port
	ev    detect.Sample
}

// Aggregator is the per-worker state: one pair struct per source/destination pair.
type Aggregator struct {
	pairs *detect.Table[pairKey, pair]
	k     int   // evidence records kept per pair
	floor int64 // bytes out from which a connection joins the pair's evidence sample
}

func (a *Aggregator) get(k pairKey) *pair {
	p, _ := a.pairs.Get(k)
	return p
}

// ObserveConn adds one connection to its pair.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if !c.Src.IsValid() || !c.Dst.IsValid() {
		return
	}
	p := a.get(pairKey{c.Src.As16(), c.Dst.As16()})
	end := c.TS
	if c.Duration > 0 {
		end += event.Time(c.Duration)
	}
	if p.conns == 0 {
		p.first, p.last, p.port = c.TS, end, c.DstPort
		p.best = record{bytes: -1}
	} else {
		p.first = min(p.first, c.TS)
		p.last = max(p.last, end)
		p.addPort(c.DstPort)
	}
	p.conns++
	p.protos |= protoBit(c.Proto)
	if c.RespBytes > 0 {
		p.in += c.RespBytes
	}
	if c.OrigBytes < 0 { // unset: the seed drops the record
		return
	}
	p.out += c.OrigBytes
	r := record{bytes: c.OrigBytes, ts: c.TS, ref: c.Ref}
	if r.better(p.best) {
		p.best = r
	}
	if c.OrigBytes >= a.floor && a.k > 0 {
		if p.ext == nil {
			p.ext = &pairExt{}
		}
		p.ext.ev.Add(a.k, r.item())
	}
}

// addPort adds a destination port to a pair that already has one.
func (p *pair) addPort(port uint16) {
	if port == p.port {
		return
	}
	if port < p.port {
		port, p.port = p.port, port
	}
	if p.ext == nil {
		p.ext = &pairExt{}
	}
	if i, found := slices.BinarySearch(p.ext.ports, port); !found {
		p.ext.ports = slices.Insert(p.ext.ports, i, port)
	}
}

func (p *pair) numPorts() int {
	if p.ext == nil {
		return 1
	}
	return 1 + len(p.ext.ports)
}

// MergeDisjoint joins the aggregators of the engine's other partitions: every key holds the
// source address, so they share no pair.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	for _, o := range others {
		a.pairs.Absorb(o.(*Aggregator).pairs)
	}
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, op := range o.pairs.All() { // any order: merging pairs commutes
		p, fresh := a.pairs.Get(k)
		if fresh {
			*p = *op
			continue
		}
		p.out += op.out
		p.in += op.in
		p.first = min(p.first, op.first)
		p.last = max(p.last, op.last)
		p.conns += op.conns
		p.protos |= op.protos
		if op.best.better(p.best) {
			p.best = op.best
		}
		p.addPort(op.port)
		if op.ext != nil {
			for _, port := range op.ext.ports {
				p.addPort(port)
			}
			if op.ext.ev.Len() > 0 {
				if p.ext == nil {
					p.ext = &pairExt{}
				}
				p.ext.ev.Merge(a.k, &op.ext.ev)
			}
		}
	}
	o.pairs = nil
}

// Score ranks every pair by bytes out and reports the top uploaders and the asymmetric pairs,
// one finding per pair.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	p := d.p
	// Rank the pairs that sent something, as `sort -k 3 -rn` does, ties by address. Only the
	// top N and the asymmetric pairs are reported, so the ranking sorts bytes alone and ranks
	// just those pairs, rather than sorting every pair of a day.
	type entry struct {
		k pairKey
		p *pair
	}
	before := func(x, y entry) bool { // x ranks ahead of y
		if ox, oy := x.p.out, y.p.out; ox != oy {
			return ox > oy
		}
		return comparePairKeys(x.k, y.k) < 0
	}
	outs := make([]int64, 0, a.pairs.Len())
	top := make([]entry, 0, p.TopN+1) // the best TopN so far, worst first
	var asym []entry
	for k, s := range a.pairs.All() {
		if s.out <= 0 {
			continue
		}
		outs = append(outs, s.out)
		e := entry{k, s}
		if p.TopN > 0 && (len(top) < p.TopN || before(e, top[0])) {
			j, _ := slices.BinarySearchFunc(top, e, func(x, y entry) int {
				if before(x, y) {
					return 1
				}
				return -1
			})
			top = slices.Insert(top, j, e)
			if len(top) > p.TopN {
				top = top[1:]
			}
		}
		if s.out >= p.MinBytes && ratioAtLeast(s.out, s.in, p.MinRatio) {
			if !(p.ExcludeInternal && env.IsInternal(k.srcAddr()) && env.IsInternal(k.dstAddr())) {
				asym = append(asym, e)
			}
		}
	}
	slices.Sort(outs)
	inTop := map[pairKey]bool{}
	for _, e := range top {
		inTop[e.k] = true
	}
	cands := slices.Clone(top)
	isAsym := map[pairKey]bool{}
	for _, e := range asym {
		isAsym[e.k] = true
		if !inTop[e.k] {
			cands = append(cands, e)
		}
	}
	// rank = pairs sending more + pairs sending as much with a lower address + 1
	ties := map[int64][]pairKey{}
	rankOf := func(e entry) int {
		x := e.p.out
		lo, _ := slices.BinarySearch(outs, x)
		hi, _ := slices.BinarySearch(outs, x+1)
		r := len(outs) - hi + 1
		if hi-lo > 1 {
			keys, ok := ties[x]
			if !ok {
				for k, s := range a.pairs.All() {
					if s.out == x {
						keys = append(keys, k)
					}
				}
				ties[x] = keys
			}
			for _, k := range keys {
				if comparePairKeys(k, e.k) < 0 {
					r++
				}
			}
		}
		return r
	}
	var out []finding.Finding
	for _, e := range cands {
		out = append(out, d.finding(env, a, e.k, e.p, rankOf(e), len(outs), inTop[e.k], isAsym[e.k]))
	}
	finding.Sort(out)
	return out, nil
}

// ratioAtLeast reports whether out/in >= min, no bytes in counting as infinite.
func ratioAtLeast(out, in int64, minRatio float64) bool {
	if in <= 0 {
		return true
	}
	return float64(out) >= minRatio*float64(in)
}

// Risk scores.
const (
	riskTop         = 10 // a top uploader: a lead to look at, no more
	riskTopExternal = 5  // ... to a destination outside the internal networks
	riskAsym        = 40 // asymmetric at min_bytes
	riskPerTenfold  = 10 // per tenfold of bytes out above min_bytes
	riskHighRatio   = 10 // ratio >= 100 (or nothing back)
	riskInbound     = -10
	riskAsymCap     = 80
	highRatio       = 100
)

// asymRisk is the risk of an asymmetric pair.
func asymRisk(out, in, minBytes int64, srcInternal bool) int {
	risk := riskAsym + riskPerTenfold*tenfolds(out, minBytes)
	if in <= 0 || float64(out) >= highRatio*float64(in) {
		risk += riskHighRatio
	}
	if !srcInternal {
		risk += riskInbound
	}
	return min(risk, riskAsymCap)
}

// tenfolds counts how many times bytes out reaches ten times more than base.
func tenfolds(out, base int64) int {
	if base <= 0 {
		return 0
	}
	n := 0
	for t := base; t <= out/10; t *= 10 {
		n++
	}
	return n
}

func (d *Detection) finding(env *detect.Env, a *Aggregator, k pairKey, s *pair, rank, ranked int, top, asym bool) finding.Finding {
	p := d.p
	src, dst := k.srcAddr(), k.dstAddr()
	srcIn, dstIn := env.IsInternal(src), env.IsInternal(dst)
	risk := 0
	if top {
		risk = riskTop
		if !dstIn {
			risk += riskTopExternal
		}
	}
	if asym {
		risk = max(risk, asymRisk(s.out, s.in, p.MinBytes, srcIn))
	}
	f := detect.Base(info, risk)
	f.Techniques = []string{"T1048", "T1041"}
	if !dstIn && s.webOnly() {
		f.Techniques = append(f.Techniques, "T1567")
	}
	f.Entities = finding.Entities{Src: src.String(), Dst: dst.String()}
	if s.numPorts() == 1 {
		f.Entities.DstPort = int(s.port)
	}
	f.Entities.Proto = protoName(s.protos)
	f.First, f.Last = s.first, s.last

	ports := "to port " + strconv.Itoa(int(s.port))
	if n := s.numPorts(); n > 1 {
		ports = "to " + strconv.Itoa(n) + " ports"
	}
	conns := finding.Plural(int64(s.conns), "connection")
	var b strings.Builder
	var signal string
	switch {
	case asym:
		signal = "asymmetric"
		fmt.Fprintf(&b, "%s sent %s B to %s and got %s back (%s) over %s %s",
			src, finding.Commas(s.out), dst, received(s.in), ratioText(s.out, s.in), conns, ports)
		if top {
			signal = "top uploader, asymmetric"
			fmt.Fprintf(&b, "; #%d of %d pairs by bytes out", rank, ranked)
		} else {
			fmt.Fprintf(&b, "; #%d by bytes out", rank)
		}
	default:
		signal = "top uploader"
		fmt.Fprintf(&b, "#%d of %d pairs by bytes out: %s sent %s B to %s (got %s back) over %s %s",
			rank, ranked, src, finding.Commas(s.out), dst, received(s.in), conns, ports)
	}
	f.Summary = b.String()

	var ratio any = "inf"
	if s.in > 0 {
		ratio = round2(float64(s.out) / float64(s.in))
	}
	f.Figures = []finding.Figure{
		finding.Fig("signal", signal, finding.Text),
		finding.Fig("bytes_out", s.out, finding.Bytes),
		finding.Fig("bytes_in", s.in, finding.Bytes),
		finding.Fig("out_in_ratio", ratio, finding.Ratio),
		finding.Fig("connections", int64(s.conns), finding.Count),
		finding.Fig("dst_ports", s.numPorts(), finding.Count),
		finding.Fig("rank", rank, finding.Count),
		finding.Fig("ranked_pairs", ranked, finding.Count),
		finding.Fig("top_n", p.TopN, finding.Count),
		finding.Fig("min_bytes", p.MinBytes, finding.Bytes),
		finding.Fig("min_ratio", p.MinRatio, finding.Ratio),
	}

	// Evidence: the pair's largest connections by bytes out.
	var ev detect.Sample
	if s.ext != nil {
		ev.Merge(a.k, &s.ext.ev)
	}
	if s.best.bytes >= 0 && s.best.bytes < a.floor {
		ev.Add(a.k, s.best.item())
	}
	f.Evidence = ev.Evidence(func(it detect.Item) string { return finding.Commas(it.Rank) + " B sent" })
	return f
}

// webOnly reports whether every destination port of the pair is a web port.
func (p *pair) webOnly() bool {
	if !isWebPort(p.port) {
		return false
	}
	if p.ext != nil {
		for _, port := range p.ext.ports {
			if !isWebPort(port) {
				return false
			}
		}
	}
	return true
}

func isWebPort(p uint16) bool { return p == 80 || p == 443 || p == 8080 || p == 8443 }

func received(in int64) string {
	if in <= 0 {
		return "nothing"
	}
	return finding.Commas(in) + " B"
}

func ratioText(out, in int64) string {
	if in <= 0 {
		return "all one way"
	}
	r := float64(out) / float64(in)
	if r >= 100 {
		return finding.Commas(int64(r+0.5)) + ":1"
	}
	return strconv.FormatFloat(round2(r), 'f', -1, 64) + ":1"
}

func round2(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 2, 64), 64)
	return v
}
