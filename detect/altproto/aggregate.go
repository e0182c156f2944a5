package altproto

import (
	"math"
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
	g.sample.Add(a.k, detect.Item{Rank: out, TS: ts, Ref: ref, SrcPort: srcPort}) // unset (-1) ranks last
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

// listMax is how many distinct ports a portSet keeps exactly (a sorted list, 2 bytes each);
// past that it keeps a HyperLogLog sketch of 256 one-byte registers (about 6.5 % error) and
// estimates. A host's DNS to its resolver uses thousands of source ports an hour, so an exact
// set per group would cost kilobytes for a figure that only helps triage.
const listMax = 64

const hllRegisters = 256

// portSet counts distinct ports: exactly up to listMax, estimated beyond. What it holds
// depends only on the set of ports added, not on their order or on how merges split them.
type portSet struct {
	list   []uint16
	sketch *[hllRegisters]uint8
}

func (s *portSet) mark(p uint16) {
	// splitmix64 finalizer: a well-mixed 64-bit hash of the port
	h := uint64(p) + 0x9e3779b97f4a7c15
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
	h = (h ^ (h >> 27)) * 0x94d049bb133111eb
	h ^= h >> 31
	reg := h & (hllRegisters - 1)
	rank := uint8(bits.LeadingZeros64(h|(hllRegisters-1)) + 1)
	if rank > s.sketch[reg] {
		s.sketch[reg] = rank
	}
}

func (s *portSet) add(p uint16) {
	if s.sketch != nil {
		s.mark(p)
		return
	}
	i, found := slices.BinarySearch(s.list, p)
	if found {
		return
	}
	if len(s.list) >= listMax {
		s.toSketch()
		s.mark(p)
		return
	}
	s.list = slices.Insert(s.list, i, p)
}

func (s *portSet) toSketch() {
	s.sketch = new([hllRegisters]uint8)
	for _, q := range s.list {
		s.mark(q)
	}
	s.list = nil
}

func (s *portSet) merge(o *portSet) {
	if o.sketch != nil {
		if s.sketch == nil {
			s.toSketch()
		}
		for i, r := range o.sketch {
			s.sketch[i] = max(s.sketch[i], r)
		}
		return
	}
	for _, q := range o.list {
		s.add(q)
	}
}

// len returns the number of distinct ports, estimated past listMax; exact tells which.
func (s *portSet) len() (n int, exact bool) {
	if s.sketch == nil {
		return len(s.list), true
	}
	const m = float64(hllRegisters)
	sum, zero := 0.0, 0
	for _, r := range s.sketch {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zero++
		}
	}
	est := 0.7182 * m * m / sum // alpha for m = 256
	if est <= 2.5*m && zero > 0 {
		est = m * math.Log(m/float64(zero)) // small-range correction
	}
	return max(listMax+1, int(math.Round(est))), false
}
