package altproto

import (
	"math/bits"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// key is the seed's `by _time, host, process, dest_ip, dest_port` after `bucket span=1h`.
type key struct {
	bucket  event.Time
	src     netip.Addr
	process string // empty for network logs; kept for host data (Sysmon EID 3)
	dst     netip.Addr
	port    uint16
}

// Transport bits of a group.
const (
	tcpBit uint8 = 1 << iota
	udpBit
	icmpBit
	otherBit
)

// group is the state of one key.
type group struct {
	n           int64
	out, in     int64 // sums of orig_bytes and resp_bytes (unset counts 0)
	first, last event.Time
	protos      uint8
	srcPorts    portSet
	sample      detect.Sample
}

// Aggregator holds one worker's groups.
type Aggregator struct {
	r      *rules
	err    error
	env    *detect.Env
	k      int
	groups map[key]*group
}

// NewAggregator returns empty state for one worker.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	r, err := compile(&d.params)
	return &Aggregator{r: r, err: err, env: env, k: env.Evidence, groups: map[key]*group{}}
}

func protoBit(p string) uint8 {
	switch p {
	case "tcp":
		return tcpBit
	case "udp":
		return udpBit
	case "icmp":
		return icmpBit
	}
	return otherBit
}

// ObserveConn counts a connection to a watched port.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	r := a.r
	if r == nil || !r.watched(c.DstPort) {
		return
	}
	if r.external && a.env.IsInternal(c.Dst) {
		return
	}
	a.observe(c.TS, c.Src, "", c.Dst, c.DstPort, c.SrcPort, protoBit(c.Proto), c.OrigBytes, c.RespBytes, c.Ref)
}

func (a *Aggregator) observe(ts event.Time, src netip.Addr, process string, dst netip.Addr, port, srcPort uint16, proto uint8, out, in int64, ref event.Ref) {
	k := key{bucket: a.r.bucket(ts), src: src, process: process, dst: dst, port: port}
	g := a.groups[k]
	if g == nil {
		k.process = strings.Clone(process)
		g = &group{first: ts, last: ts}
		a.groups[k] = g
	}
	g.n++
	g.sample.Add(a.k, detect.Item{Rank: out, TS: ts, Ref: ref}) // unset (-1) ranks last
	out, in = max(out, 0), max(in, 0)
	g.out += out
	g.in += in
	g.first = min(g.first, ts)
	g.last = max(g.last, ts)
	g.protos |= proto
	g.srcPorts.add(srcPort)
}

// Merge folds another worker's groups into a's.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o, ok := other.(*Aggregator)
	if !ok || o == nil || o == a {
		return
	}
	if a.err == nil {
		a.err = o.err
	}
	for k, og := range o.groups {
		g := a.groups[k]
		if g == nil {
			a.groups[k] = og
			continue
		}
		g.n += og.n
		g.out += og.out
		g.in += og.in
		g.first = min(g.first, og.first)
		g.last = max(g.last, og.last)
		g.protos |= og.protos
		g.srcPorts.merge(&og.srcPorts)
		g.sample.Merge(a.k, &og.sample)
	}
	o.groups = nil
}

// listMax is how many distinct ports a portSet keeps in a sorted list (2 bytes each) before
// it switches to a bitmap of all 65,536 ports (8 KiB). Most groups (one host's DNS to one
// resolver in an hour) stay small, so memory follows the number of connections.
const listMax = 4096

// portSet is an exact set of ports.
type portSet struct {
	list []uint16
	bits *[1024]uint64
}

func (s *portSet) add(p uint16) {
	if s.bits != nil {
		s.bits[p>>6] |= 1 << (p & 63)
		return
	}
	i, found := slices.BinarySearch(s.list, p)
	if found {
		return
	}
	if len(s.list) >= listMax {
		s.bits = new([1024]uint64)
		for _, q := range s.list {
			s.bits[q>>6] |= 1 << (q & 63)
		}
		s.list = nil
		s.bits[p>>6] |= 1 << (p & 63)
		return
	}
	s.list = slices.Insert(s.list, i, p)
}

func (s *portSet) merge(o *portSet) {
	if o.bits != nil {
		if s.bits == nil {
			s.bits = new([1024]uint64)
			for _, q := range s.list {
				s.bits[q>>6] |= 1 << (q & 63)
			}
			s.list = nil
		}
		for i, w := range o.bits {
			s.bits[i] |= w
		}
		return
	}
	for _, q := range o.list {
		s.add(q)
	}
}

func (s *portSet) len() int {
	if s.bits == nil {
		return len(s.list)
	}
	n := 0
	for _, w := range s.bits {
		n += bits.OnesCount64(w)
	}
	return n
}
