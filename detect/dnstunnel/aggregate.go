package dnstunnel

import (
	"hash/maphash"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/event"
)

// pairKey is a client and a registered domain.
type pairKey struct {
	client [16]byte
	domain string
}

// pair is what one client asked under one registered domain. The common case (a client looking
// up a few names of a popular domain) stays small; what only suspicious pairs need sits in ext.
type pair struct {
	queries     int64
	qbytes      int64
	first, last stamp    // the earliest and the latest query, as evidence
	names       nameSet  // distinct names, with when each was first asked
	minutes     []minute // per-minute counts
	server      detect.EarliestAddr
	ext         *pairExt
}

// stamp is a record's time and place: 16 bytes.
type stamp struct {
	ts  event.Time
	ref event.Ref
}

func (s stamp) item() detect.Item { return detect.Item{TS: s.ts, Ref: s.ref} }

// earlier orders stamps by time, then file and line.
func (s stamp) earlier(o stamp) bool {
	if s.ts != o.ts {
		return s.ts < o.ts
	}
	return s.ref.Less(o.ref)
}

// pairExt is the state of pairs with long, encoded or signed names, long TXT answers or length
// outliers.
type pairExt struct {
	flagged        map[uint64]nameBits // distinct flagged names: what each is
	longest        int                 // the longest flagged name, bytes
	flaggedExample string              // the longest flagged name (then the smallest), as logged
	txt            nameSet             // distinct long TXT answers
	lens           []uint8             // lengths of the distinct names of outlierFloor bytes or more
	ev             detect.Sample
}

// nameBits says what a flagged name is: long, encoded (and in which alphabet), chunked, and
// the signature it matches (its index in the set, plus one).
type nameBits uint32

const (
	bitLong nameBits = 1 << iota
	bitEncoded
	bitChunked
	alphabetShift = 4 // 3 bits of dnsname.Alphabet
	sigShift      = 8 // the signature's index + 1
)

func bitsOf(n *dnsname.Name, sig int) nameBits {
	var b nameBits
	if n.Long {
		b |= bitLong
	}
	if n.Encoded {
		b |= bitEncoded | nameBits(n.Alphabet)<<alphabetShift
	}
	if n.Chunked {
		b |= bitChunked
	}
	return b | nameBits(sig)<<sigShift
}

func (b nameBits) alphabet() dnsname.Alphabet { return dnsname.Alphabet(b >> alphabetShift & 7) }
func (b nameBits) sig() int                   { return int(b >> sigShift) }

// minute is one minute of a pair's queries.
type minute struct {
	at    int32 // minutes since the epoch
	q     uint32
	bytes uint32
	txt   uint16 // TXT, NULL and ANY queries
	nx    uint16 // NXDOMAIN answers
}

// outlierFloor is the shortest name kept for the length-outlier count: shorter ones cannot be
// outliers in any real population (mean + 2 sigma is always above it).
const outlierFloor = 32

func (p *pair) extra() *pairExt {
	if p.ext == nil {
		p.ext = &pairExt{}
	}
	return p.ext
}

// addMinute counts a query in its minute: the last minute, or one of the few before it (events
// arrive nearly in time order), or a new one (merged with its twin at scoring).
func (p *pair) addMinute(ts event.Time, bytes int, txt, nx bool) {
	at := int32(detect.FloorDiv(int64(ts), 60_000_000))
	var m *minute
	for i := len(p.minutes) - 1; i >= 0 && i >= len(p.minutes)-4; i-- {
		if p.minutes[i].at == at {
			m = &p.minutes[i]
			break
		}
	}
	if m == nil {
		p.minutes = append(p.minutes, minute{at: at})
		m = &p.minutes[len(p.minutes)-1]
	}
	m.q = satAdd32(m.q, 1)
	m.bytes = satAdd32(m.bytes, uint32(bytes))
	if txt && m.txt < 1<<16-1 {
		m.txt++
	}
	if nx && m.nx < 1<<16-1 {
		m.nx++
	}
}

func satAdd32(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return 1<<32 - 1
}

// nameSet is a set of 64-bit name hashes, each with the time it was first seen. Up to two live
// inline, so that the usual pair allocates nothing.
type nameSet struct {
	n      int64
	inline [2]hashTime
	more   map[uint64]event.Time
}

type hashTime struct {
	h  uint64
	ts event.Time
}

// maxNames is the most distinct names a pair remembers; past it every unknown name counts as
// new (the count is then an upper bound, far past every threshold).
const maxNames = 1 << 20

// add records h at ts; it reports whether h is new.
func (s *nameSet) add(h uint64, ts event.Time) bool {
	for i := 0; i < int(min(s.n, 2)); i++ {
		if s.inline[i].h == h {
			s.inline[i].ts = min(s.inline[i].ts, ts)
			return false
		}
	}
	if s.more != nil {
		if t, ok := s.more[h]; ok {
			if ts < t {
				s.more[h] = ts
			}
			return false
		}
	}
	switch {
	case s.n < 2:
		s.inline[s.n] = hashTime{h, ts}
	case len(s.more) < maxNames:
		if s.more == nil {
			s.more = make(map[uint64]event.Time, 4)
		}
		s.more[h] = ts
	}
	s.n++
	return true
}

func (s *nameSet) merge(o *nameSet) {
	for i := 0; i < int(min(o.n, 2)); i++ {
		s.add(o.inline[i].h, o.inline[i].ts)
	}
	for h, ts := range o.more {
		s.add(h, ts)
	}
	if extra := o.n - int64(min(o.n, 2)) - int64(len(o.more)); extra > 0 {
		s.n += extra // names o could not remember
	}
}

// each calls f for every remembered name.
func (s *nameSet) each(f func(h uint64, ts event.Time)) {
	for i := 0; i < int(min(s.n, 2)); i++ {
		f(s.inline[i].h, s.inline[i].ts)
	}
	for h, ts := range s.more {
		f(h, ts)
	}
}

// domainInfo is what all clients saw of a domain: the lowest few addresses its names
// resolved to.
type domainInfo struct {
	addrs detect.Sources
}

// maxAddrs is how many addresses a domain remembers (the lowest).
const maxAddrs = 8

// lenStats are the population statistics of query lengths.
type lenStats struct {
	n          int64
	sum, sumSq float64
}

// verdict is the analysis of one name, cached.
type verdict struct {
	name   dnsname.Name
	canon  string // dnsname.Canonical of the query
	hash   uint64 // of canon, with hashSeed
	inMean bool   // counts in the population of lengths (its TLD is 24 characters or fewer)
	sig    int    // the index of the signature the name matches, plus one; 0 for none
}

// Aggregator is one partition's state.
type Aggregator struct {
	d        *Detection
	k        int // evidence records kept
	seed     maphash.Seed
	skip     map[uint16]bool
	pairs    *detect.Table[pairKey, pair]
	domains  *detect.Table[string, domainInfo]
	servers  *detect.Table[[16]byte, detect.Sources] // DNS servers and the clients that asked them
	conns    *detect.Table[[16]byte, event.Time]     // addresses connected to, and the latest time
	lens     lenStats
	sawConn  bool
	internal interface{ Contains(netip.Addr) bool }
}

// hashSeed is shared by every aggregator of the process, so that their name hashes agree.
var hashSeed = maphash.MakeSeed()

// NewAggregator returns empty per-worker state.
func (d *Detection) NewAggregator(env *detect.Env) detect.Aggregator {
	skip := map[uint16]bool{}
	for _, p := range d.p.SkipPorts {
		skip[uint16(p)] = true
	}
	return &Aggregator{
		d: d, k: env.Evidence, skip: skip, internal: env.Internal,
		pairs:   detect.NewTable[pairKey, pair](),
		domains: detect.NewTable[string, domainInfo](),
		servers: detect.NewTable[[16]byte, detect.Sources](),
		conns:   detect.NewTable[[16]byte, event.Time](),
	}
}

// analyse returns the verdict on a name, from the cache when it was seen lately.
func (a *Aggregator) analyse(query string) *verdict {
	return a.d.cache.Get(query, func(query string) *verdict {
		v := &verdict{name: dnsname.Analyze(query, a.d.limits)}
		v.name.Domain = strings.Clone(v.name.Domain)
		v.canon = strings.Clone(dnsname.Canonical(query))
		v.hash = maphash.String(hashSeed, v.canon)
		v.inMean = len(v.canon)-strings.LastIndexByte(v.canon, '.')-1 <= 24
		if !v.name.Reverse && !v.name.Local && v.name.Domain != "" {
			if sig := a.d.sigs.Match(query); sig != nil {
				v.sig = a.d.sigIndex[sig.Name] + 1
			}
		}
		return v
	})
}

// ignored reports whether a canonical name is one of the ignored domains or under one: a
// lookup of the name and of each suffix after a dot.
func ignored(canon string, domains map[string]bool) bool {
	if len(domains) == 0 {
		return false
	}
	for {
		if domains[canon] {
			return true
		}
		i := strings.IndexByte(canon, '.')
		if i < 0 {
			return false
		}
		canon = canon[i+1:]
	}
}

// txtTypes are the query types whose answers carry free data: TXT, NULL, ANY.
func txtType(t int64) bool { return t == 16 || t == 10 || t == 255 }

// ObserveDNS adds one query.
func (a *Aggregator) ObserveDNS(e *event.DNS) {
	if !e.Src.IsValid() || e.Query == "" || e.Query == "-" || a.skip[e.DstPort] ||
		e.QTypeName == "NBSTAT" || e.QTypeName == "NB" {
		return
	}
	if e.Dst.IsValid() && e.DstPort == 53 && a.internal.Contains(e.Src) {
		s, _ := a.servers.Get(e.Dst.As16())
		s.Add(max(a.d.p.ResolverClients, 1), e.Src.As16())
	}
	v := a.analyse(e.Query)
	n := &v.name
	if n.Reverse || n.Local || n.Domain == "" || n.Labels < 2 {
		return // single labels (wpad, tmsc) are resolved by search suffix or not at all: no C2 answers them
	}
	if ignored(v.canon, a.d.ignore) {
		return
	}
	if v.inMean {
		l := float64(n.Length)
		a.lens.n++
		a.lens.sum += l
		a.lens.sumSq += l * l
	}
	key := pairKey{e.Src.As16(), n.Domain}
	p, fresh := a.pairs.Get(key) // the domain string is the cache's copy
	it := stamp{e.TS, e.Ref}
	if fresh {
		p.first, p.last = it, it
	} else {
		if it.earlier(p.first) {
			p.first = it
		}
		if p.last.earlier(it) {
			p.last = it
		}
	}
	p.queries++
	p.server.Offer(e.TS, e.Dst)
	wire := n.Length + 2
	p.qbytes += int64(wire)
	nx := e.RCode == 3
	p.addMinute(e.TS, wire, txtType(e.QType), nx)
	h := v.hash
	if p.names.add(h, e.TS) {
		if n.Length >= outlierFloor {
			x := p.extra()
			x.lens = append(x.lens, uint8(min(n.Length, 255)))
		}
	}
	if n.Long || n.Encoded || n.Chunked || v.sig != 0 {
		x := p.extra()
		x.ev.Add(a.k, detect.Item{Rank: int64(n.Length), TS: e.TS, Ref: e.Ref})
		x.addName(h, bitsOf(n, v.sig), n.Length, e.Query)
	}
	for i, ans := range e.Answers {
		if strings.HasPrefix(ans, "TXT ") {
			if txt := txtText(ans); len(txt) > a.d.p.LongTXT {
				p.extra().txt.add(maphash.String(hashSeed, txt), e.TS)
			}
			continue
		}
		if i < maxAddrs && e.QType != 12 {
			if ip, err := netip.ParseAddr(ans); err == nil {
				di, _ := a.domains.Get(n.Domain)
				di.addrs.Add(maxAddrs, ip.Unmap().As16())
			}
		}
	}
}

// addName records a flagged name.
func (x *pairExt) addName(h uint64, b nameBits, length int, query string) {
	if x.flagged == nil {
		x.flagged = map[uint64]nameBits{}
	}
	if _, ok := x.flagged[h]; ok {
		return
	}
	if len(x.flagged) < maxNames {
		x.flagged[h] = b
	}
	x.longest = max(x.longest, length)
	q := strings.TrimSuffix(strings.TrimSpace(query), ".")
	if x.flaggedExample == "" || len(q) > len(x.flaggedExample) || len(q) == len(x.flaggedExample) && q < x.flaggedExample {
		x.flaggedExample = strings.Clone(q)
	}
}

// txtText is the text of a Zeek TXT answer ("TXT 32 abc..."): what follows the length.
func txtText(ans string) string {
	rest := strings.TrimPrefix(ans, "TXT ")
	num, text, ok := strings.Cut(rest, " ")
	if !ok {
		return rest
	}
	if _, err := strconv.Atoi(num); err != nil {
		return rest
	}
	return text
}

// ObserveConn remembers the addresses connected to, for the never-connected check.
func (a *Aggregator) ObserveConn(c *event.Conn) {
	if !a.d.p.CheckConnections || !c.Dst.IsValid() || c.DstPort == 53 && c.Service == "dns" {
		return
	}
	a.sawConn = true
	t, fresh := a.conns.Get(c.Dst.Unmap().As16())
	if fresh || c.TS > *t {
		*t = c.TS
	}
}

// MergeDisjoint joins the other partitions' state: pairs key on the client, so they share no
// key; domains, servers and connections do, and merge key by key.
func (a *Aggregator) MergeDisjoint(others []detect.Aggregator) {
	for _, x := range others {
		o := x.(*Aggregator)
		a.pairs.Absorb(o.pairs)
		a.mergeShared(o)
	}
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
		p.merge(op, a.k)
	}
	a.mergeShared(o)
}

func (a *Aggregator) mergeShared(o *Aggregator) {
	for k, od := range o.domains.All() {
		d, _ := a.domains.Get(k)
		d.addrs.Merge(maxAddrs, &od.addrs)
	}
	for k, os := range o.servers.All() {
		s, _ := a.servers.Get(k)
		s.Merge(max(a.d.p.ResolverClients, 1), os)
	}
	for k, ot := range o.conns.All() {
		t, fresh := a.conns.Get(k)
		if fresh || *ot > *t {
			*t = *ot
		}
	}
	a.lens.n += o.lens.n
	a.lens.sum += o.lens.sum
	a.lens.sumSq += o.lens.sumSq
	a.sawConn = a.sawConn || o.sawConn
}

func (p *pair) merge(o *pair, k int) {
	p.queries += o.queries
	p.qbytes += o.qbytes
	if o.first.earlier(p.first) {
		p.first = o.first
	}
	if p.last.earlier(o.last) {
		p.last = o.last
	}
	p.names.merge(&o.names)
	p.server.Offer(o.server.TS, o.server.Addr)
	p.minutes = append(p.minutes, o.minutes...)
	if o.ext == nil {
		return
	}
	x, ox := p.extra(), o.ext
	for h, b := range ox.flagged {
		if x.flagged == nil {
			x.flagged = map[uint64]nameBits{}
		}
		if _, ok := x.flagged[h]; !ok && len(x.flagged) < maxNames {
			x.flagged[h] = b
		}
	}
	x.longest = max(x.longest, ox.longest)
	if f := ox.flaggedExample; f != "" && (x.flaggedExample == "" || len(f) > len(x.flaggedExample) || len(f) == len(x.flaggedExample) && f < x.flaggedExample) {
		x.flaggedExample = f
	}
	x.txt.merge(&ox.txt)
	x.lens = append(x.lens, ox.lens...)
	x.ev.Merge(k, &ox.ev)
}
