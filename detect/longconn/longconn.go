// Package longconn finds long sessions between two hosts: one connection, or an unbroken
// series of connections on the same destination port and transport, that stays up for hours
// (RITA's long-connection analytic), or for a large share of a short capture.
package longconn

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// ID is the detection's id in config and output.
const ID = "long-connection"

func init() { detect.Register(func() detect.Detection { return New() }) }

// Params are the detection's settings.
type Params struct {
	MinDuration      detect.Duration `yaml:"min_duration" doc:"a session lasting this long fires at low risk (RITA's first band)"`
	MediumDuration   detect.Duration `yaml:"medium_duration" doc:"a session lasting this long fires at medium risk (RITA's second band)"`
	HighDuration     detect.Duration `yaml:"high_duration" doc:"a session lasting this long fires at high risk (RITA's third band)"`
	CriticalDuration detect.Duration `yaml:"critical_duration" doc:"a session lasting this long fires at critical risk (RITA's fourth band)"`
	MaxGap           detect.Duration `yaml:"max_gap" doc:"a connection continues the session when it starts no later than this after the session so far ends (0: only overlapping connections join)"`
	MinShare         float64         `yaml:"min_share" doc:"also fire, at low risk, when a session shorter than min_duration lasts this share (0..1) of the time the logs cover (it matters for inputs shorter than 4 x min_duration); 0 turns it off"`
	MinShareDuration detect.Duration `yaml:"min_share_duration" doc:"the shortest session the min_share rule reports"`
	Measure          string          `yaml:"measure" doc:"what the bands measure: session (the longest unbroken session) or total (every connection's duration summed, RITA's measure)"`
	ExcludeSpecial   bool            `yaml:"exclude_special" doc:"ignore multicast, broadcast and unspecified destinations"`
	DataBytes        int64           `yaml:"data_bytes" doc:"bytes out at which a long session is also tagged T1048 (exfiltration), when it sent more than it received"`
}

// DefaultParams are RITA's bands (1, 4, 8, 12 hours) and a 10 s reconnection gap.
func DefaultParams() Params {
	return Params{
		MinDuration:      detect.Duration(time.Hour),
		MediumDuration:   detect.Duration(4 * time.Hour),
		HighDuration:     detect.Duration(8 * time.Hour),
		CriticalDuration: detect.Duration(12 * time.Hour),
		MaxGap:           detect.Duration(10 * time.Second),
		MinShare:         0.25,
		MinShareDuration: detect.Duration(5 * time.Minute),
		Measure:          MeasureSession,
		ExcludeSpecial:   true,
		DataBytes:        1_000_000,
	}
}

// The values of Params.Measure.
const (
	MeasureSession = "session"
	MeasureTotal   = "total"
)

func measureName(total bool) string {
	if total {
		return MeasureTotal
	}
	return MeasureSession
}

// Detection is the long-connection analytic.
type Detection struct{ p Params }

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

var info = detect.Info{
	ID:         ID,
	Title:      "Long connection or unbroken series of connections",
	Techniques: []string{"T1071", "T1571", "T1048"},
	Kinds:      []event.Kind{event.KindConn},
	Fields:     "conn: ts, duration, id.orig_h, id.resp_h, id.resp_p, proto, orig_bytes, resp_bytes",
	Source:     "seed 002 (TH-0002, session timing using RITA); RITA's long-connection analytic (1/4/8/12 h bands)",
}

// Info describes the detection.
func (d *Detection) Info() detect.Info { return info }

// Params returns the parameters, holding their defaults until the config is decoded into them.
func (d *Detection) Params() any { return &d.p }

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	return &Aggregator{
		keys:  detect.NewTable[key, state](),
		gap:   gapTicks(d.p.MaxGap),
		k:     env.Evidence,
		floor: evidenceFloor(d.p),
	}
}

// evidenceFloor is the duration from which a connection joins its key's evidence sample (each
// key also keeps its single longest connection): a fifth of the shortest session that can
// fire, 1 minute by default.
func evidenceFloor(p Params) event.Duration {
	m := min(p.MinDuration.Micros(), p.MinShareDuration.Micros())
	return event.Duration(max(1, m/5))
}

// Intervals are kept packed in a uint64: the start in ticks of 0.1 s since the Unix epoch in
// the top 36 bits (good until the year 2187), the length in ticks in the low 28 bits (at most
// 310 days; longer series saturate). Starts round down and ends round up to a tick, so a kept
// interval always covers the connection.
const (
	tick     = 100_000 // microseconds
	lenBits  = 28
	maxLen   = 1<<lenBits - 1
	maxStart = 1<<(64-lenBits) - 1
)

func pack(start, end int64) uint64 {
	start = min(max(start, 0), maxStart)
	n := min(max(end-start, 0), maxLen)
	return uint64(start)<<lenBits | uint64(n)
}

func unpack(v uint64) (start, end int64) {
	start = int64(v >> lenBits)
	return start, start + int64(v&maxLen)
}

// span returns the ticks a connection covers.
func span(ts event.Time, d event.Duration) (start, end int64) {
	t := int64(ts)
	d = min(max(d, 0), maxLen*tick) // no overflow on absurd durations; pack saturates anyway
	start = detect.FloorDiv(t, tick)
	end = -detect.FloorDiv(-(t + int64(d)), tick) // ceiling
	return start, end
}

func gapTicks(d detect.Duration) int64 { return max(0, d.Micros()/tick) }

// merge sorts intervals and joins each one that starts no later than gap ticks after the
// series so far ends. Joining is associative (a series covers [first start, last end], and so
// does the union of its members each stretched by gap), so compacting early changes nothing.
func merge(ivs []uint64, gap int64) []uint64 {
	if len(ivs) < 2 {
		return ivs
	}
	slices.Sort(ivs)
	out := ivs[:0]
	cs, ce := unpack(ivs[0])
	for _, v := range ivs[1:] {
		s, e := unpack(v)
		if s <= ce+gap {
			ce = max(ce, e)
			continue
		}
		out = append(out, pack(cs, ce))
		cs, ce = s, e
	}
	return append(out, pack(cs, ce))
}

// Transports.
const (
	protoOther uint8 = iota
	protoTCP
	protoUDP
	protoICMP
)

var protoNames = [...]string{"other", "tcp", "udp", "icmp"}

func protoCode(p string) uint8 {
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

// key is src, dst, destination port and transport; addresses in their 16-byte form (IPv4 as
// IPv4-mapped IPv6), 16 bytes each instead of a netip.Addr's 24.
type key struct {
	src, dst [16]byte
	port     uint16
	proto    uint8
}

func (k key) srcAddr() netip.Addr { return netip.AddrFrom16(k.src).Unmap() }
func (k key) dstAddr() netip.Addr { return netip.AddrFrom16(k.dst).Unmap() }

// conn is one connection kept as evidence.
type conn struct {
	dur event.Duration
	ts  event.Time
	ref event.Ref
}

func (c conn) item() detect.Item { return detect.Item{Rank: int64(c.dur), TS: c.ts, Ref: c.ref} }

// better orders connections as detect.Sample does: longer, then earlier, then lower file/line.
func (c conn) better(o conn) bool {
	if c.dur != o.dur {
		return c.dur > o.dur
	}
	if c.ts != o.ts {
		return c.ts < o.ts
	}
	return c.ref.Less(o.ref)
}

// state is one key's (88 bytes plus 8 per interval kept).
type state struct {
	ivs       []uint64 // packed intervals, compacted by merge when the list doubles
	open      uint64   // the interval the latest connections extend (when hasOpen)
	hasOpen   bool
	out, in   int64 // orig_bytes and resp_bytes summed (unset counts as 0)
	sum       event.Duration
	best      conn // the longest connection
	conns     uint32
	compactAt uint32
	ev        *detect.Sample // connections lasting >= the evidence floor; nil for most keys
}

const minCompact = 8

// Aggregator is the per-worker state.
type Aggregator struct {
	keys  *detect.Table[key, state]
	gap   int64 // max_gap in ticks
	k     int
	floor event.Duration
}

// ObserveConn adds one connection to its key.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if !c.Src.IsValid() || !c.Dst.IsValid() {
		return
	}
	k := key{src: c.Src.As16(), dst: c.Dst.As16(), port: c.DstPort, proto: protoCode(c.Proto)}
	s, fresh := a.keys.Get(k)
	if fresh {
		*s = state{compactAt: minCompact, best: conn{dur: -1}}
	}
	d := max(c.Duration, 0) // unset (one-packet connections): a point in time
	s.add(pack(span(c.TS, d)), a.gap)
	s.conns++
	s.sum += d
	if c.OrigBytes > 0 {
		s.out += c.OrigBytes
	}
	if c.RespBytes > 0 {
		s.in += c.RespBytes
	}
	cn := conn{dur: d, ts: c.TS, ref: c.Ref}
	if cn.better(s.best) {
		s.best = cn
	}
	if d >= a.floor && a.k > 0 {
		if s.ev == nil {
			s.ev = &detect.Sample{}
		}
		s.ev.Add(a.k, cn.item())
	}
}

func (s *state) add(iv uint64, gap int64) {
	// Input mostly comes in time order: a connection that continues the open interval joins
	// it at once (as merge would), so a long series costs one interval, and the common case
	// touches only the state itself.
	if !s.hasOpen {
		s.open, s.hasOpen = iv, true
		return
	}
	ls, le := unpack(s.open)
	st, e := unpack(iv)
	switch {
	case st >= ls && st <= le+gap:
		if e > le {
			s.open = pack(ls, e)
		}
	case st > le+gap: // a new series starts: the open one is closed
		s.push(s.open, gap)
		s.open = iv
	default: // an earlier connection: kept for the next compaction
		s.push(iv, gap)
	}
}

func (s *state) push(iv uint64, gap int64) {
	s.ivs = append(s.ivs, iv)
	if uint32(len(s.ivs)) >= s.compactAt {
		s.compact(gap)
	}
}

// flush moves the open interval into ivs.
func (s *state) flush() {
	if s.hasOpen {
		s.ivs = append(s.ivs, s.open)
		s.hasOpen = false
	}
}

func (s *state) compact(gap int64) {
	s.ivs = merge(s.ivs, gap)
	s.compactAt = max(minCompact, 2*uint32(len(s.ivs)))
	if cap(s.ivs) > 4*len(s.ivs) && cap(s.ivs) > 64 {
		s.ivs = slices.Clip(slices.Clone(s.ivs))
	}
}

// MergeDisjoint joins the aggregators of the engine's other partitions: every key holds the
// source address, so they share no key.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	for _, o := range others {
		a.keys.Absorb(o.(*Aggregator).keys)
	}
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for k, os := range o.keys.All() { // any order: merging keys commutes
		s, fresh := a.keys.Get(k)
		if fresh {
			*s = *os
			continue
		}
		s.flush()
		os.flush()
		s.ivs = append(s.ivs, os.ivs...)
		if uint32(len(s.ivs)) >= s.compactAt {
			s.compact(a.gap)
		}
		s.out += os.out
		s.in += os.in
		s.sum += os.sum
		s.conns += os.conns
		if os.best.better(s.best) {
			s.best = os.best
		}
		if os.ev != nil {
			if s.ev == nil {
				s.ev = &detect.Sample{}
			}
			s.ev.Merge(a.k, os.ev)
		}
	}
	o.keys = nil
}

// Risk scores.
const (
	riskMin      = 30 // >= min_duration (1 h)
	riskMedium   = 50 // >= medium_duration (4 h)
	riskHigh     = 70 // >= high_duration (8 h)
	riskCritical = 85 // >= critical_duration (12 h)
	riskShare    = 20 // shorter than min_duration, but a large share of what the logs cover
	riskExternal = 10 // the destination is outside the internal networks
)

// Score merges each key's intervals into sessions and reports the keys whose longest session
// reaches a band or a large share of the time the logs cover.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	p := d.p
	if p.Measure != MeasureSession && p.Measure != MeasureTotal {
		return nil, fmt.Errorf("measure: %q is neither %q nor %q", p.Measure, MeasureSession, MeasureTotal)
	}
	window := env.Window.Span()
	var out []finding.Finding
	for k, s := range a.keys.All() { // any order: findings are sorted at the end
		dst := k.dstAddr()
		if p.ExcludeSpecial && netset.IsSpecial(dst) {
			continue
		}
		s.flush()
		s.ivs = merge(s.ivs, a.gap)
		if len(s.ivs) == 0 {
			continue
		}
		var ss session
		if p.Measure == MeasureTotal {
			ss = s.total()
		} else {
			ss = s.longest()
		}
		b := d.band(ss.dur, window)
		if b.risk == 0 {
			continue
		}
		if !ss.total {
			// how many sessions of the key reach the band that fired
			for _, v := range s.ivs {
				st, en := unpack(v)
				if event.Duration((en-st)*tick) >= b.min {
					ss.n++
				}
			}
		}
		out = append(out, d.finding(env, a, k, s, ss, b))
	}
	finding.Sort(out)
	return out, nil
}

// session is what a key is judged by: its longest unbroken session, or (measure: total) all
// its connections' durations summed.
type session struct {
	iv     uint64         // the time it covers
	dur    event.Duration // how long it lasted
	single bool           // one connection (or copies of it)
	total  bool           // dur is the summed duration
	n      int            // sessions of the key that reach the band
}

// longest returns the key's longest session (the earliest of equals); s.ivs is merged.
func (s *state) longest() session {
	var ss session
	var best int64 = -1
	for _, v := range s.ivs {
		st, en := unpack(v)
		if en-st > best {
			ss.iv, best = v, en-st
		}
	}
	ss.dur = event.Duration(best * tick)
	// one connection when the longest connection covers the whole session: then its exact
	// duration and times are known
	if pack(span(s.best.ts, s.best.dur)) == ss.iv {
		ss.single, ss.dur = true, s.best.dur
	}
	return ss
}

// total returns RITA's measure: every connection's duration summed, over the key's whole span.
func (s *state) total() session {
	st, _ := unpack(s.ivs[0])
	var en int64
	for _, v := range s.ivs {
		_, e := unpack(v)
		en = max(en, e)
	}
	ss := session{iv: pack(st, en), dur: s.sum, total: true, single: s.conns == 1}
	if ss.single {
		ss.iv = pack(span(s.best.ts, s.best.dur))
	}
	return ss
}

// band is how a session fired.
type band struct {
	risk  int
	name  string         // "1h0m0s", or "share" for the short-input rule
	min   event.Duration // the threshold it passed
	share bool
}

func (d *Detection) band(dur event.Duration, window event.Duration) band {
	p := d.p
	bands := []struct {
		at   detect.Duration
		risk int
	}{
		{p.CriticalDuration, riskCritical},
		{p.HighDuration, riskHigh},
		{p.MediumDuration, riskMedium},
		{p.MinDuration, riskMin},
	}
	for _, b := range bands {
		if b.at > 0 && int64(dur) >= b.at.Micros() {
			return band{risk: b.risk, name: b.at.String(), min: event.Duration(b.at.Micros())}
		}
	}
	if window > 0 && p.MinShare > 0 && int64(dur) >= p.MinShareDuration.Micros() &&
		float64(dur) >= p.MinShare*float64(window) {
		m := event.Duration(max(p.MinShareDuration.Micros(), int64(math.Ceil(p.MinShare*float64(window)))))
		return band{risk: riskShare, name: "share", min: m, share: true}
	}
	return band{}
}

func (d *Detection) finding(env *detect.Env, a *Aggregator, k key, s *state, ss session, b band) finding.Finding {
	p := d.p
	src, dst := k.srcAddr(), k.dstAddr()
	external := !env.IsInternal(dst)
	risk := b.risk
	if external {
		risk += riskExternal
	}
	f := detect.Base(info, risk)
	f.Techniques = []string{"T1071", "T1571"}
	if p.DataBytes > 0 && s.out >= p.DataBytes && s.out > s.in {
		f.Techniques = append(f.Techniques, "T1048")
	}
	proto := protoNames[k.proto]
	f.Entities = finding.Entities{Src: src.String(), Dst: dst.String(), DstPort: int(k.port), Proto: proto}
	st, en := unpack(ss.iv)
	if ss.single {
		f.First, f.Last = s.best.ts, s.best.ts+event.Time(s.best.dur)
	} else {
		f.First, f.Last = event.Time(st*tick), event.Time(en*tick)
	}
	dur := ss.dur

	window := env.Window.Span()
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s -> %s/%s ", src, netip.AddrPortFrom(dst, k.port), proto)
	switch {
	case ss.single:
		fmt.Fprintf(&sb, "stayed connected for %s in one connection", human(dur))
	case ss.total:
		fmt.Fprintf(&sb, "was connected for %s summed over its connections", human(dur))
	default:
		fmt.Fprintf(&sb, "stayed connected for %s in an unbroken series of connections", human(dur))
	}
	if b.share {
		sb.WriteString(", " + shareText(dur, window))
	} else {
		fmt.Fprintf(&sb, " (%s band)", human(b.min))
	}
	if ss.n > 1 {
		fmt.Fprintf(&sb, ", %d such sessions", ss.n)
	}
	fmt.Fprintf(&sb, "; %s in all, %s B out, %s B in", finding.Plural(int64(s.conns), "connection"), finding.Commas(s.out), finding.Commas(s.in))
	f.Summary = sb.String()

	share := 0.0
	if window > 0 {
		share = round1(100 * float64(dur) / float64(window))
	}
	bandName := b.name
	if b.share {
		bandName = "share of window"
	}
	f.Figures = []finding.Figure{
		finding.Fig("duration", seconds(dur), finding.Seconds),
		finding.Fig("band", bandName, finding.Text),
		finding.Fig("band_min", seconds(b.min), finding.Seconds),
		finding.Fig("measure", measureName(ss.total), finding.Text),
		finding.Fig("single_connection", ss.single, finding.Text),
		finding.Fig("sessions", ss.n, finding.Count),
		finding.Fig("window_share", share, finding.Percent),
		finding.Fig("window", seconds(window), finding.Seconds),
		finding.Fig("connections", int64(s.conns), finding.Count),
		finding.Fig("total_duration", seconds(s.sum), finding.Seconds),
		finding.Fig("bytes_out", s.out, finding.Bytes),
		finding.Fig("bytes_in", s.in, finding.Bytes),
		finding.Fig("min_duration", seconds(event.Duration(p.MinDuration.Micros())), finding.Seconds),
		finding.Fig("max_gap", seconds(event.Duration(p.MaxGap.Micros())), finding.Seconds),
		finding.Fig("min_share", p.MinShare, finding.Ratio),
		finding.Fig("min_share_duration", seconds(event.Duration(p.MinShareDuration.Micros())), finding.Seconds),
	}

	// Evidence: the longest connections that fall inside the session.
	lo, hi := event.Time(st*tick), event.Time(en*tick)
	in := func(c conn) bool { return c.ts >= lo && c.ts <= hi }
	var ev detect.Sample
	if s.ev != nil {
		for _, it := range s.ev.Items() {
			if it.TS >= lo && it.TS <= hi {
				ev.Add(a.k, it)
			}
		}
	}
	if s.best.dur >= 0 && s.best.dur < a.floor && in(s.best) {
		ev.Add(a.k, s.best.item())
	}
	f.Evidence = ev.Evidence(func(it detect.Item) string { return "connection lasting " + human(event.Duration(it.Rank)) })
	return f
}

func seconds(d event.Duration) float64 { return round1(d.Seconds()) }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// human writes a duration the way a hunter reads it: 45s, 11m45s, 4h12m.
func human(d event.Duration) string {
	s := int64(math.Round(d.Seconds()))
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}

// coverText writes the time the logs cover: "38 min", "24 h".
func coverText(w event.Duration) string {
	m := w.Seconds() / 60
	if m < 120 {
		return strconv.FormatInt(int64(math.Round(m)), 10) + " min"
	}
	return strconv.FormatFloat(math.Round(m/6)/10, 'f', -1, 64) + " h"
}

// shareText says how much of the logged time a session covered: "31% of the 38 min the logs
// cover".
func shareText(d, w event.Duration) string {
	pc := math.Round(100 * float64(d) / float64(w))
	if pc > 100 {
		return "outlasting the " + coverText(w) + " the logs cover"
	}
	return strconv.FormatInt(int64(pc), 10) + "% of the " + coverText(w) + " the logs cover"
}
