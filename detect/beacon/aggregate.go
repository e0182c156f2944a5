package beacon

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// tick is the resolution of stored times: 10 ms.
const tick = 10_000 // microseconds

// series is the calls of one key: each call packed in 8 bytes (its time as an offset from
// the tick-aligned first call seen, in ticks, and the bytes it sent), the first one inline so
// that a key called once allocates nothing, plus the earliest and latest call as evidence.
// 80 bytes a key and 8 a call past the first, one pointer.
type series struct {
	base        event.Time
	p0          uint64   // the first call kept
	pts         []uint64 // the others: offset (int32, ticks) << 32 | size (uint32)
	n           int32    // calls seen, also past MaxPoints
	dropped     int32    // calls too far from base for an int32 of ticks (248 days)
	sized       bool     // some call carried a byte count
	first, last call
}

// call is a call kept as evidence.
type call struct {
	ts  event.Time
	ref event.Ref
}

// kept is how many calls the series holds points for.
func (s *series) kept() int {
	if s.n == 0 {
		return 0
	}
	return 1 + len(s.pts)
}

func pack(off int64, size int64) uint64 {
	return uint64(uint32(int32(off)))<<32 | uint64(uint32(min(max(size, 0), 1<<32-1)))
}

func unpackOff(v uint64) int64   { return int64(int32(uint32(v >> 32))) }
func unpackSize(v uint64) uint32 { return uint32(v) }

func (s *series) add(ts event.Time, size int64, sized bool, maxPoints int, ref event.Ref) {
	it := call{ts, ref}
	if sized {
		s.sized = true
	}
	if s.n == 0 {
		s.base = event.Time(detect.FloorDiv(int64(ts), tick) * tick) // tick-aligned: merges shift offsets exactly
		s.first, s.last = it, it
		s.p0 = pack(detect.FloorDiv(int64(ts)-int64(s.base), tick), size)
		s.n = 1
		return
	}
	if earlier(it, s.first) {
		s.first = it
	}
	if earlier(s.last, it) {
		s.last = it
	}
	s.n++
	if s.kept() >= maxPoints {
		return
	}
	off := detect.FloorDiv(int64(ts)-int64(s.base), tick)
	if off > 1<<31-1 || off < -(1<<31) {
		s.dropped++
		return
	}
	s.pts = append(s.pts, pack(off, size))
}

// earlier orders calls by time, then file and line.
func earlier(a, b call) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	return a.ref.Less(b.ref)
}

// merge folds o into s.
func (s *series) merge(o *series, maxPoints int) {
	if o == nil || o.n == 0 {
		return
	}
	if s.n == 0 {
		*s = *o
		return
	}
	shift := (int64(o.base) - int64(s.base)) / tick // both tick-aligned: exact
	for i := -1; i < len(o.pts); i++ {
		v := o.p0
		if i >= 0 {
			v = o.pts[i]
		}
		if s.kept() >= maxPoints {
			break
		}
		off := unpackOff(v) + shift
		if off > 1<<31-1 || off < -(1<<31) {
			s.dropped++
			continue
		}
		s.pts = append(s.pts, pack(off, int64(unpackSize(v))))
	}
	s.n += o.n
	s.dropped += o.dropped
	s.sized = s.sized || o.sized
	if earlier(o.first, s.first) {
		s.first = o.first
	}
	if earlier(s.last, o.last) {
		s.last = o.last
	}
}

// calls returns the calls' times in microseconds, sorted, and their sizes, into the buffers
// given (reused from series to series).
func (s *series) calls(times []int64, sizes []uint32) ([]int64, []uint32) {
	times, sizes = times[:0], sizes[:0]
	if s.n == 0 {
		return times, sizes
	}
	for i := -1; i < len(s.pts); i++ {
		v := s.p0
		if i >= 0 {
			v = s.pts[i]
		}
		times = append(times, int64(s.base)+unpackOff(v)*tick)
		sizes = append(sizes, unpackSize(v))
	}
	slices.Sort(times)
	return times, sizes
}

// evidence is the earliest and the latest call.
func (s *series) evidence() []call {
	if s.n == 0 {
		return nil
	}
	if s.first == s.last {
		return []call{s.first}
	}
	return []call{s.first, s.last}
}

// ipKey is a source, a destination address and port (a beacon speaks one service; a host
// talking to a server on many ports is many series).
type ipKey struct {
	src, dst [16]byte
	port     uint16
}

// ipPair is an address series: completed calls, and (rarely) calls that never completed.
type ipPair struct {
	ok     series
	failed *series
}

// nameKey is a source and a destination name (SNI, Host, a name through a proxy).
type nameKey struct {
	src  [16]byte
	name string
}

// How a name was seen (namePair.via bits).
const (
	viaTLS uint8 = 1 << iota
	viaHTTP
	viaProxy
	viaDNS
	viaQuery // DNS lookups of names under one registered domain
	viaHost  // connections a host logged (Sysmon 3, auditd connect)
)

// namePair is a name series, with the ports and addresses it was called on.
type namePair struct {
	ok     series
	failed *series
	ports  portSet
	dsts   []netip.Addr // the lowest maxDsts addresses called
	via    uint8
	ttl    uint32 // DNS lookups: the longest time (s) an answer may be cached (its shortest TTL)
}

// maxDsts is how many addresses a name series remembers (the lowest), to tell which address
// pairs its finding speaks for.
const maxDsts = 64

// addDst keeps the maxDsts lowest addresses called: which ones does not depend on the order
// calls arrive in.
func (p *namePair) addDst(a netip.Addr) {
	i, found := slices.BinarySearchFunc(p.dsts, a, netip.Addr.Compare)
	if found || i >= maxDsts {
		return
	}
	p.dsts = slices.Insert(p.dsts, i, a)
	if len(p.dsts) > maxDsts {
		p.dsts = p.dsts[:maxDsts]
	}
}

func (p *namePair) merge(o *namePair, maxPoints int) {
	p.ok.merge(&o.ok, maxPoints)
	if o.failed != nil {
		if p.failed == nil {
			p.failed = &series{}
		}
		p.failed.merge(o.failed, maxPoints)
	}
	p.ports.merge(&o.ports)
	for _, a := range o.dsts {
		p.addDst(a)
	}
	p.via |= o.via
	p.ttl = max(p.ttl, o.ttl)
}

func (p *ipPair) merge(o *ipPair, maxPoints int) {
	p.ok.merge(&o.ok, maxPoints)
	if o.failed != nil {
		if p.failed == nil {
			p.failed = &series{}
		}
		p.failed.merge(o.failed, maxPoints)
	}
}

// portSet keeps the lowest few destination ports, whatever the order they arrive in.
type portSet struct {
	ports []uint16
}

const maxPorts = 4

func (p *portSet) add(port uint16) {
	i, found := slices.BinarySearch(p.ports, port)
	if found || i >= maxPorts {
		return
	}
	p.ports = slices.Insert(p.ports, i, port)
	if len(p.ports) > maxPorts {
		p.ports = p.ports[:maxPorts]
	}
}

func (p *portSet) merge(o *portSet) {
	for _, x := range o.ports {
		p.add(x)
	}
}

// Aggregator is one partition's state.
type Aggregator struct {
	p       *Params
	failed  map[string]bool
	ips     *detect.Table[ipKey, ipPair]
	names   *detect.Table[nameKey, namePair]
	proxied *detect.Table[nameKey, namePair] // keyed on the real client, not the event's source
	dns     *detect.Table[ipKey, string]     // (client, answer address, 0) -> the smallest name
	queries *detect.Table[nameKey, namePair] // (client, registered domain): its DNS lookups
	sources *detect.Table[[16]byte, struct{}]
	hosts   *detect.Table[ipKey, ipPair] // connections host logs saw (no byte counts)
	skipDNS map[uint16]bool
	domains *dnsname.Cache[string]
}

// NewAggregator returns empty state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	failed := map[string]bool{}
	for _, s := range d.p.FailedStates {
		failed[s] = true
	}
	skip := map[uint16]bool{}
	for _, p := range d.p.DNSSkipPorts {
		skip[uint16(p)] = true
	}
	return &Aggregator{
		p: &d.p, failed: failed, skipDNS: skip, domains: d.domains,
		queries: detect.NewTable[nameKey, namePair](),
		ips:     detect.NewTable[ipKey, ipPair](),
		names:   detect.NewTable[nameKey, namePair](),
		proxied: detect.NewTable[nameKey, namePair](),
		dns:     detect.NewTable[ipKey, string](),
		sources: detect.NewTable[[16]byte, struct{}](),
		hosts:   detect.NewTable[ipKey, ipPair](),
	}
}

// ObserveHost adds an outbound connection a host logged to its address series of host
// connections: scored only where no network log saw the pair (a host's logs without a sensor,
// or a sensor that misses the segment).
func (a *Aggregator) ObserveHost(e *event.Host) {
	if e.Op != event.OpConnect || e.Initiated == 0 || !e.Src.IsValid() || !e.Dst.IsValid() ||
		a.p.ExcludeSpecial && netset.IsSpecial(e.Dst) {
		return
	}
	p, _ := a.hosts.Get(ipKey{e.Src.As16(), e.Dst.As16(), e.DstPort})
	p.ok.add(e.TS, 0, false, a.p.MaxPoints, e.Ref)
}

// ObserveConn adds a connection to its address series.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if !c.Src.IsValid() || !c.Dst.IsValid() || a.p.ExcludeSpecial && netset.IsSpecial(c.Dst) {
		return
	}
	a.sources.Get(c.Src.As16())
	p, _ := a.ips.Get(ipKey{c.Src.As16(), c.Dst.As16(), c.DstPort})
	size, sized := c.OrigIPBytes, c.OrigIPBytes >= 0
	if !sized {
		size, sized = c.OrigBytes, c.OrigBytes >= 0
	}
	s := &p.ok
	if a.failed[c.ConnState] {
		if p.failed == nil {
			p.failed = &series{}
		}
		s = p.failed
	}
	s.add(c.TS, size, sized, a.p.MaxPoints, c.Ref)
}

// getName returns the series of k, adding it with a copy of the name: event strings point
// into the read buffer, and a key kept in a table must not pin it.
func getName(t *detect.Table[nameKey, namePair], k nameKey) *namePair {
	if p := t.Lookup(k); p != nil {
		return p
	}
	k.name = strings.Clone(k.name)
	p, _ := t.Get(k)
	return p
}

// ObserveTLS adds a handshake to its server name.
func (a *Aggregator) ObserveTLS(e *event.TLS) {
	name := normName(e.ServerName)
	if name == "" || !e.Src.IsValid() {
		return
	}
	a.sources.Get(e.Src.As16())
	p := getName(a.names, nameKey{src: e.Src.As16(), name: name})
	p.via |= viaTLS
	s := &p.ok
	if !e.Established {
		if p.failed == nil {
			p.failed = &series{}
		}
		s = p.failed
	}
	s.add(e.TS, 0, false, a.p.MaxPoints, e.Ref)
	p.ports.add(e.DstPort)
	p.addDst(e.Dst)
}

// ObserveHTTP adds a request to its host; through a proxy, to the real client and the host
// it asked for.
func (a *Aggregator) ObserveHTTP(e *event.HTTP) {
	if !e.Src.IsValid() {
		return
	}
	src := e.Src
	via := viaHTTP
	host := e.Host
	if strings.EqualFold(e.Method, "CONNECT") {
		via = viaProxy
		if host == "" {
			host = e.URI
		}
	}
	host = normName(host)
	if host == "" {
		a.keepAliveCall(e, via)
		return
	}
	table := a.names
	if client, ok := forwardedClient(e.Proxied); ok {
		src, via, table = client, viaProxy, a.proxied
	}
	a.sources.Get(src.As16())
	p := getName(table, nameKey{src: src.As16(), name: host})
	p.via |= via
	size := max(e.RequestBodyLen, 0)
	p.ok.add(e.TS, size, size > 0, a.p.MaxPoints, e.Ref)
	p.ports.add(e.DstPort)
	p.addDst(e.Dst)
}

// keepAliveCall adds a request to a server named by its address (or not named) to the
// address series, when it was not its connection's first request: the connection's record
// holds the time of the first request only, and a C2 client that keeps its connection open
// (Go's and Python's HTTP clients do) calls many times over one connection.
func (a *Aggregator) keepAliveCall(e *event.HTTP, via uint8) {
	if e.TransDepth <= 1 || via != viaHTTP || !e.Dst.IsValid() || a.p.ExcludeSpecial && netset.IsSpecial(e.Dst) {
		return
	}
	a.sources.Get(e.Src.As16())
	p, _ := a.ips.Get(ipKey{e.Src.As16(), e.Dst.As16(), e.DstPort})
	size := max(e.RequestBodyLen, 0)
	p.ok.add(e.TS, size, true, a.p.MaxPoints, e.Ref)
}

// ObserveDNS adds a lookup to the series of its client and registered domain, and remembers
// which names a client resolved to which addresses.
func (a *Aggregator) ObserveDNS(e *event.DNS) {
	if !e.Src.IsValid() || e.Query == "" {
		return
	}
	if a.p.DNSLookups && !a.skipDNS[e.DstPort] && e.QTypeName != "NBSTAT" && e.QTypeName != "NB" {
		if dom := a.domains.Get(e.Query, lookupDomain); dom != "" {
			a.sources.Get(e.Src.As16())
			p := getName(a.queries, nameKey{src: e.Src.As16(), name: dom})
			p.via |= viaQuery
			p.ok.add(e.TS, 0, false, a.p.MaxPoints, e.Ref)
			if len(e.TTLs) > 0 {
				ttl := slices.Min(e.TTLs)
				p.ttl = max(p.ttl, uint32(min(max(int64(ttl)/1_000_000, 0), 1<<32-1)))
			}
			p.ports.add(e.DstPort)
			p.addDst(e.Dst)
		}
	}
	if len(e.Answers) == 0 {
		return
	}
	name := ""
	for _, ans := range e.Answers {
		ip, err := netip.ParseAddr(ans)
		if err != nil {
			continue
		}
		if name == "" {
			name = normName(e.Query)
			if name == "" {
				return
			}
		}
		v, fresh := a.dns.Get(ipKey{src: e.Src.As16(), dst: ip.As16()})
		if fresh || name < *v {
			*v = strings.Clone(name)
		}
	}
}

// lookupDomain is the registered domain a lookup series keys on, "" for names that make none:
// PTR names, and single labels (tmsc, wpad), which never leave the network as asked (the
// resolver appends the search suffixes or fails them; no C2 answers one).
func lookupDomain(query string) string {
	canon := dnsname.Canonical(query)
	if strings.IndexByte(canon, '.') <= 0 || dnsname.IsReverse(canon) {
		return ""
	}
	return strings.Clone(dnsname.Registered(canon, true))
}

// normName lowercases a host name and drops a port and a trailing dot; it returns "" for
// addresses (an IP is not a name) and empty names.
func normName(h string) string {
	h = strings.TrimSpace(h)
	if h == "" || h == "-" {
		return ""
	}
	if strings.HasPrefix(h, "[") { // [v6]:port
		return ""
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if _, err := netip.ParseAddr(h); err == nil {
		return ""
	}
	return strings.ToLower(h)
}

// forwardedClient finds the real client in Zeek's proxied field ("X-FORWARDED-FOR ->
// 10.0.0.5", "FORWARDED -> for=10.0.0.5").
func forwardedClient(proxied event.List) (netip.Addr, bool) {
	for _, p := range proxied {
		_, v, ok := strings.Cut(p, "->")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if i := strings.IndexByte(v, ','); i >= 0 { // the first hop is the client
			v = v[:i]
		}
		v = strings.TrimPrefix(strings.TrimSpace(v), "for=")
		v = strings.Trim(v, `"[]`)
		if a, err := netip.ParseAddr(v); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// MergeDisjoint joins the other partitions' state: every key but the proxied ones holds the
// event's source address, so those tables share no key (and their parts line up, partition by
// partition, for Score); proxied series key on the real client and merge key by key.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	for _, x := range others {
		o := x.(*Aggregator)
		a.ips.Absorb(o.ips)
		a.names.Absorb(o.names)
		a.dns.Absorb(o.dns)
		a.queries.Absorb(o.queries)
		a.sources.Absorb(o.sources)
		a.hosts.Absorb(o.hosts)
		for k, op := range o.proxied.All() {
			p, _ := a.proxied.Get(k)
			p.merge(op, a.p.MaxPoints)
		}
	}
}

// Merge folds another aggregator into a.
func (a *Aggregator) Merge(other detect.Aggregator) {
	o := other.(*Aggregator)
	for _, t := range []struct {
		dst, src *detect.Table[nameKey, namePair]
	}{{a.names, o.names}, {a.proxied, o.proxied}, {a.queries, o.queries}} {
		for k, op := range t.src.All() {
			p, _ := t.dst.Get(k)
			p.merge(op, a.p.MaxPoints)
		}
	}
	for k, op := range o.ips.All() {
		p, _ := a.ips.Get(k)
		p.merge(op, a.p.MaxPoints)
	}
	for k, op := range o.hosts.All() {
		p, _ := a.hosts.Get(k)
		p.merge(op, a.p.MaxPoints)
	}
	for k, name := range o.dns.All() {
		v, fresh := a.dns.Get(k)
		if fresh || *name < *v {
			*v = *name
		}
	}
	for k := range o.sources.All() {
		a.sources.Get(k)
	}
}
