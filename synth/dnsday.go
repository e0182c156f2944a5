package synth

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DNSDayOptions shape the day WriteDNSDay writes. Zero values take the defaults noted.
type DNSDayOptions struct {
	// Seed selects the day; the same options write the same bytes.
	Seed int64
	// Start is when the log begins (default DefaultStart).
	Start time.Time
	// Duration is the span of the log (default 24h).
	Duration time.Duration
	// Clients is the number of internal machines that query (default 5,000).
	Clients int
	// Queries is about how many lines to write, the resolvers' and the tunnels' included
	// (default 5,000,000; at least 1,000).
	Queries int
	// Resolvers is the number of internal resolvers (default 2). They answer the clients and,
	// on a cache miss, ask the root, TLD and authoritative servers themselves: those queries
	// are in the log too, from the resolver to the outside, for the same names.
	Resolvers int
	// Tunnels is the number of planted DNS tunnel clients (default 3; negative for none).
	Tunnels int
	// TunnelQueries is how many queries each tunnel client sends (default Queries/150,
	// at least 100: 33,333 in the default day).
	TunnelQueries int
}

// DNSDayStats describes the day WriteDNSDay wrote.
type DNSDayStats struct {
	Lines int64 // records: the lines that are not # headers
	Bytes int64 // bytes written, headers included
	// Clients counts the distinct id.orig_h: the clients that asked, the internal servers
	// (mail relay, monitoring) and the resolvers forwarding.
	Clients int
	// Names counts the distinct query names.
	Names int
	// Forwarded counts the lines of the resolvers' queries to root, TLD and authoritative
	// servers.
	Forwarded int64
	// Tunnels are the planted tunnels, in order.
	Tunnels []DNSTunnel
}

// DNSTunnel is one planted DNS tunnel: a client that sends unique names under its own domain.
type DNSTunnel struct {
	Client netip.Addr // the infected machine (also an ordinary client of the office)
	// Server is where it sends its queries: its internal resolver (which forwards every one
	// to the tunnel's authoritative server, Auth) or a public resolver (then Auth is unset:
	// what the public resolver does is out of sight).
	Server netip.Addr
	Auth   netip.Addr
	Domain string // the zone its names are under
	// Encoding of the names: "base32" (iodine-like, TXT and CNAME queries) or "hex"
	// (dnscat2-like, CNAME, MX and TXT queries).
	Encoding string
	// Queries is the number of its lines: id.orig_h Client, query under Domain (every name
	// distinct).
	Queries    int64
	Start, End time.Time // first and last query
}

func (o DNSDayOptions) withDefaults() (DNSDayOptions, error) {
	if o.Start.IsZero() {
		o.Start = DefaultStart
	}
	o.Start = o.Start.UTC()
	if o.Duration == 0 {
		o.Duration = 24 * time.Hour
	}
	if o.Clients == 0 {
		o.Clients = 5_000
	}
	if o.Queries == 0 {
		o.Queries = 5_000_000
	}
	if o.Resolvers == 0 {
		o.Resolvers = 2
	}
	switch {
	case o.Tunnels == 0:
		o.Tunnels = 3
	case o.Tunnels < 0:
		o.Tunnels = 0
	}
	if o.TunnelQueries == 0 {
		o.TunnelQueries = max(100, o.Queries/150)
	}
	switch {
	case o.Duration < time.Minute:
		return o, fmt.Errorf("synth: Duration %s is under a minute", o.Duration)
	case o.Clients < 1 || o.Clients > maxHosts:
		return o, fmt.Errorf("synth: Clients %d is outside 1..%d", o.Clients, maxHosts)
	case o.Queries < 1000:
		return o, fmt.Errorf("synth: Queries %d is under 1,000", o.Queries)
	case o.Resolvers < 1 || o.Resolvers > 20:
		return o, fmt.Errorf("synth: Resolvers %d is outside 1..20", o.Resolvers)
	case o.Tunnels > min(50, o.Clients):
		return o, fmt.Errorf("synth: Tunnels %d is over %d", o.Tunnels, min(50, o.Clients))
	case o.TunnelQueries < 1:
		return o, fmt.Errorf("synth: TunnelQueries %d is under 1", o.TunnelQueries)
	case 2*int64(o.Tunnels)*int64(o.TunnelQueries) > int64(o.Queries)/2:
		return o, fmt.Errorf("synth: %d tunnels of %d queries would be over half of %d lines", o.Tunnels, o.TunnelQueries, o.Queries)
	}
	return o, nil
}

// WriteDNSDay writes one large dns.log to w, the data of the DNS detections' benchmark, and
// returns what it wrote: an office of Clients machines asking Resolvers internal resolvers all
// day, the resolvers' own queries to root, TLD and authoritative servers, and Tunnels planted
// DNS tunnels. It is Generate's dns.log (Zeek 6 TSV, the same header, records and random
// number generator) at another scale and with more kinds of lookups:
//
//   - names of a table of 3,000 registered domains (the popular sites of Generate's day first,
//     then a made-up long tail) under a Zipf popularity, with CDN CNAME chains
//     (edgekey.net to akamaiedge.net, cloudfront.net, cdn.cloudflare.net, fastly); an A query
//     and, half the time, an AAAA on the same socket, unless the client has a fresh answer;
//   - reverse lookups (a monitoring server naming the clients, clients naming outside
//     addresses), Active Directory SRV and internal names, search-suffix misses and Chrome's
//     random probes (NXDOMAIN), antivirus reputation lookups (hex names), and a mail relay's
//     MX, SPF and DMARC TXT, DNSBL and sender PTR lookups;
//   - the resolvers answer from their caches (TTLs counting down) and, on a miss, ask each
//     zone of the chain, after a TLD (and a root) referral when they no longer know the
//     domain's delegation;
//   - each tunnel client (an ordinary client as well) sends TunnelQueries unique names under
//     its own domain in bursts and polls over a few hours.
//
// Records are in time order, and the same options write the same bytes. Several million lines
// take a few seconds.
func WriteDNSDay(w io.Writer, o DNSDayOptions) (DNSDayStats, error) {
	o, err := o.withDefaults()
	if err != nil {
		return DNSDayStats{}, err
	}
	dd := newDNSDay(o)
	cw := &ddCounter{w: w}
	s := newSink(cw, header(logDNS, o.Start), footer(o.Start.Add(o.Duration)))
	dd.g.sinks[logDNS] = s
	runErr := dd.run()
	if err := errors.Join(runErr, s.close()); err != nil {
		return DNSDayStats{}, err
	}
	st := DNSDayStats{Lines: dd.g.counts[logDNS], Bytes: cw.n, Clients: len(dd.srcs),
		Names: dd.nseen + len(dd.hashed) + dd.unique, Forwarded: dd.fwd}
	for i := range dd.tunnels {
		st.Tunnels = append(st.Tunnels, dd.tunnels[i].info)
	}
	return st, nil
}

type ddCounter struct {
	w io.Writer
	n int64
}

func (c *ddCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// The day's hosts beside the clients.
var (
	ddMonitorIP = ip4(10, 1, 0, 60) // network monitoring: reverse-resolves the clients
	ddDC2IP     = ip4(10, 1, 0, 11)
	ddPrintIP   = ip4(10, 1, 0, 90)
	ddPublicDNS = ip4(8, 8, 8, 8)
)

// ddResolverIP is internal resolver i: 10.1.0.53 (Generate's), 10.1.1.53, 10.1.2.53 ...
func ddResolverIP(i int) uint32 { return resolverIP + uint32(i)<<8 }

// ddHop is one name of a CNAME chain: hops[0] is the name asked, the others the CNAME targets.
type ddHop struct {
	name string
	id   int32  // index in the day's name table (for the distinct-name count)
	ttl  int32  // TTL of the record this name owns (its CNAME, or the last name's addresses)
	auth uint32 // the authoritative server of its zone
}

type ddName struct {
	hops    []ddHop
	ip, ip2 uint32 // ip2 is 0 when one address
	v6      string // the AAAA answer, "" when none
	dom     int32
	minTTL  int64 // the chain's shortest TTL, µs: how long a client keeps the answer (within bounds)
}

type ddDomain struct {
	name     string
	id       int32 // its name's id (MX and TXT queries ask for the domain itself)
	tld      int32
	ns       uint32
	first, n int32 // its names in dnsDay.names
}

type ddInternal struct {
	name  string
	id    int32
	qtype int
	ips   []uint32
	names []string // SRV targets
	nx    bool
}

type ddTunnel struct {
	info    DNSTunnel
	client  *client
	server  uint32
	auth    uint32
	via     int // the resolver's index; -1 when it asks a public resolver
	hex     bool
	times   []int64
	next    int
	payload []byte
	session uint16
}

// dnsDay is one run of WriteDNSDay.
type dnsDay struct {
	o      DNSDayOptions
	g      *gen // the record writer, answer buffers and cache
	r      *rng // background
	tr     *rng // tunnels
	t0, t1 int64

	clients []client
	pick    cdf
	res     []uint32

	doms    []ddDomain
	domPop  cdf
	names   []ddName
	zipfN   []cdf // popularity of a domain's n names
	tldSrv  [][]uint32
	roots   []uint32
	revAuth []uint32
	auth    map[string]uint32 // authoritative server of each zone used
	pool    *addrPool
	nids    int32
	ids     map[string]int32
	srvs    []ddInternal
	ints    []ddInternal
	avAuth  uint32
	blAuth  uint32
	spf     []string
	mxIDs   []int32

	ansExp []int64 // expiry of each resolver's answers: resolver, name, part of the chain
	delExp []int64 // expiry of each resolver's delegation of each domain
	tldExp []int64 // and of each TLD

	tunnels  []ddTunnel
	tunLines int64

	seen    []bool
	nseen   int
	hashed  map[uint64]struct{}
	unique  int
	srcs    map[uint32]struct{}
	fwd     int64
	scratch []byte
}

// Streams of the day's random number generator (Generate uses 1 to 3).
const (
	ddStreamPlan = 11 + iota
	ddStreamBackground
	ddStreamTunnels
)

func newDNSDay(o DNSDayOptions) *dnsDay {
	g := &gen{opt: Options{Seed: o.Seed}, r: newRNG(o.Seed, ddStreamBackground)}
	g.cache = make([]cacheEnt, 1<<20)
	g.cacheMask = 1<<20 - 1
	dd := &dnsDay{o: o, g: g, r: g.r, tr: newRNG(o.Seed, ddStreamTunnels),
		t0: o.Start.UnixMicro(), t1: o.Start.Add(o.Duration).UnixMicro(),
		auth: map[string]uint32{}, ids: map[string]int32{},
		hashed: map[uint64]struct{}{}, srcs: map[uint32]struct{}{}}
	r := newRNG(o.Seed, ddStreamPlan)
	dd.pool = &addrPool{used: map[uint32]bool{}}

	weights := make([]float64, o.Clients)
	for i := range o.Clients {
		c := client{ip: clientIP(i), os: drawOS(r)}
		dd.clients = append(dd.clients, c)
		weights[i] = r.lognorm(1, 0.9)
	}
	dd.pick = newCDF(weights)
	for i := range o.Resolvers {
		dd.res = append(dd.res, ddResolverIP(i))
	}
	dd.buildNames(r)
	dd.ansExp = make([]int64, len(dd.res)*len(dd.names)*3*ddMaxHops)
	dd.delExp = make([]int64, len(dd.res)*len(dd.doms))
	dd.tldExp = make([]int64, len(dd.res)*len(dd.tldSrv))
	dd.buildInternal()
	dd.buildTunnels()
	dd.seen = make([]bool, dd.nids)
	return dd
}

// ddRegDomain returns the registered domain of name: its last two labels, three under a
// two-letter country code's second level (co.uk, com.au).
func ddRegDomain(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name
	}
	j := strings.LastIndexByte(name[:i], '.')
	if j < 0 {
		return name
	}
	if len(name)-i-1 == 2 {
		switch name[j+1 : i] {
		case "co", "com", "org", "net", "ac", "gov":
			if k := strings.LastIndexByte(name[:j], '.'); k >= 0 {
				return name[k+1:]
			}
			return name
		}
	}
	return name[j+1:]
}

func (dd *dnsDay) id(name string) int32 {
	if v, ok := dd.ids[name]; ok {
		return v
	}
	dd.ids[name] = dd.nids
	dd.nids++
	return dd.nids - 1
}

// zoneAuth returns the authoritative server of a zone, made up the first time it is asked.
func (dd *dnsDay) zoneAuth(r *rng, zone string) uint32 {
	if a, ok := dd.auth[zone]; ok {
		return a
	}
	a := dd.pool.next(r)
	dd.auth[zone] = a
	return a
}

// The day's name table: a few thousand registered domains with their names, popular first.
const ddDomains = 3000

var ddPrefixes = []string{"www", "cdn", "static", "api", "img", "assets", "app", "media", "shop", "news",
	"mail", "m", "login", "auth", "status", "support", "docs", "blog", "images", "video", "ads",
	"track", "metrics", "s", "files", "portal", "admin", "dev", "beta", "community"}

var ddRootServers = []uint32{
	ip4(198, 41, 0, 4), ip4(170, 247, 170, 2), ip4(192, 33, 4, 12), ip4(199, 7, 91, 13),
	ip4(192, 203, 230, 10), ip4(192, 5, 5, 241), ip4(192, 112, 36, 4), ip4(198, 97, 190, 53),
	ip4(192, 36, 148, 17), ip4(192, 58, 128, 30), ip4(193, 0, 14, 129), ip4(199, 7, 83, 42),
	ip4(202, 12, 27, 33),
}

// the gTLD servers of com and net (a, b, c, d .gtld-servers.net)
var ddGTLDServers = []uint32{ip4(192, 5, 6, 30), ip4(192, 33, 14, 30), ip4(192, 26, 92, 30), ip4(192, 31, 80, 30)}

var ddV6Prefixes = []string{"2606:4700:3030::", "2600:1408:c400:1a::", "2600:9000:2140::", "2607:f8b0:4004:c07::",
	"2a03:2880:f10c::", "2620:1ec:bdf::", "2a02:26f0:fe::", "2001:4998:24:120d::"}

func (dd *dnsDay) buildNames(r *rng) {
	dd.roots = ddRootServers
	tlds := map[string]int32{}
	domIdx := map[string]int32{}
	addDomain := func(name string) int32 {
		if i, ok := domIdx[name]; ok {
			return i
		}
		tld := name[strings.LastIndexByte(name, '.')+1:]
		ti, ok := tlds[tld]
		if !ok {
			ti = int32(len(dd.tldSrv))
			tlds[tld] = ti
			if tld == "com" || tld == "net" {
				dd.tldSrv = append(dd.tldSrv, ddGTLDServers)
			} else {
				dd.tldSrv = append(dd.tldSrv, []uint32{dd.pool.next(r), dd.pool.next(r)})
			}
		}
		// Most domains sit at one of a few dozen DNS hosting providers.
		var ns uint32
		if r.chance(0.75) {
			ns = dd.zoneAuth(r, "provider"+strconv.Itoa(r.intn(40)))
		} else {
			ns = dd.zoneAuth(r, name)
		}
		i := int32(len(dd.doms))
		domIdx[name] = i
		dd.doms = append(dd.doms, ddDomain{name: name, id: dd.id(name), tld: ti, ns: ns, first: -1})
		return i
	}
	// Names are gathered by domain first, then laid out domain by domain.
	type pending struct {
		name   string
		chain  []string
		ttl    int32
		cdnTTL int32
	}
	byDom := [][]pending{}
	seen := map[string]bool{}
	add := func(name string, chain []string, ttl, cdnTTL int32) {
		if seen[name] {
			return
		}
		seen[name] = true
		di := addDomain(ddRegDomain(name))
		for int(di) >= len(byDom) {
			byDom = append(byDom, nil)
		}
		byDom[di] = append(byDom[di], pending{name, chain, ttl, cdnTTL})
	}
	ttls := []int32{60, 300, 300, 300, 600, 1800, 3600, 3600, 86400}
	akamai := func(r *rng) string {
		return "e" + strconv.Itoa(1000+r.intn(29000)) + "." + []string{"dscb", "dscg", "dsce", "dscx", "b", "a"}[r.intn(6)] + ".akamaiedge.net"
	}
	var cloudfront []string
	for range 150 {
		cloudfront = append(cloudfront, "d"+base36(r, 13)+".cloudfront.net")
	}
	for _, s := range popular {
		var chain []string
		cdnTTL := []int32{20, 60, 60, 300}[r.intn(4)]
		if s.cname != "" {
			chain = append(chain, s.cname)
			switch {
			case strings.HasSuffix(s.cname, ".edgekey.net"):
				chain = append(chain, akamai(r))
				cdnTTL = 20
			case strings.HasSuffix(s.cname, ".edgesuite.net"):
				chain = append(chain, "a"+strconv.Itoa(100+r.intn(2000))+".dscr.akamai.net")
				cdnTTL = 20
			}
		}
		add(s.name, chain, ttls[r.intn(len(ttls))], cdnTTL)
		if len(dd.doms) == 12 {
			// CDN names asked directly: assets hosted on CloudFront distributions.
			for _, n := range cloudfront[:60] {
				add(n, nil, 60, 60)
			}
		}
	}
	for range 40 {
		add(words[r.intn(len(words))]+"-"+words[r.intn(len(words))]+"-assets.s3.amazonaws.com", nil, 5, 5)
	}
	for i := 0; len(dd.doms) < ddDomains; i++ {
		host := tailName(r, i)
		reg := host[strings.IndexByte(host, '.')+1:]
		if _, ok := domIdx[reg]; ok {
			continue
		}
		k := 1
		for k < 12 && r.chance(0.55) {
			k++
		}
		ttl := ttls[r.intn(len(ttls))]
		for j := 0; j < k; j++ {
			name := host
			if j > 0 {
				name = ddPrefixes[r.intn(len(ddPrefixes))] + "." + reg
			}
			var chain []string
			cdnTTL := ttl
			switch u := r.float(); {
			case u < 0.10:
				chain = []string{name + ".edgekey.net", akamai(r)}
				cdnTTL = 20
			case u < 0.18:
				chain = []string{cloudfront[r.intn(len(cloudfront))]}
				cdnTTL = 60
			case u < 0.25:
				chain = []string{name + ".cdn.cloudflare.net"}
				cdnTTL = 300
			case u < 0.29:
				chain = []string{strings.ReplaceAll(reg, ".", "-") + ".map.fastly.net"}
				cdnTTL = 30
			}
			add(name, chain, ttl, cdnTTL)
		}
	}

	// Lay the names out domain by domain, with their chains.
	for di := range dd.doms {
		d := &dd.doms[di]
		d.first = int32(len(dd.names))
		for _, p := range byDom[di] {
			n := ddName{dom: int32(di)}
			n.hops = append(n.hops, ddHop{name: p.name, id: dd.id(p.name), ttl: p.ttl, auth: d.ns})
			for k, c := range p.chain {
				zone := ddRegDomain(c)
				auth := d.ns
				if zone != d.name {
					auth = dd.zoneAuth(r, zone)
				}
				ttl := p.cdnTTL
				if k+1 < len(p.chain) {
					ttl = 300 // the CDN's own CNAME to its edge
				}
				n.hops = append(n.hops, ddHop{name: c, id: dd.id(c), ttl: ttl, auth: auth})
			}
			n.minTTL = 1 << 62
			for _, h := range n.hops {
				n.minTTL = min(n.minTTL, int64(h.ttl)*1e6)
			}
			n.ip = dd.pool.next(r)
			if r.chance(0.3) {
				n.ip2 = dd.pool.next(r)
			}
			v6 := 0.2
			if len(p.chain) > 0 {
				v6 = 0.7
			}
			if r.chance(v6) {
				n.v6 = ddV6Prefixes[r.intn(len(ddV6Prefixes))] + strconv.FormatUint(uint64(1+r.intn(0xfffe)), 16) +
					":" + strconv.FormatUint(uint64(1+r.intn(0xfffe)), 16)
			}
			dd.names = append(dd.names, n)
		}
		d.n = int32(len(dd.names)) - d.first
		for int(d.n) >= len(dd.zipfN) {
			dd.zipfN = append(dd.zipfN, zipfCDF(len(dd.zipfN), 1.2, 0.5))
		}
	}
	dd.domPop = zipfCDF(len(dd.doms), 1.1, 2)
	for range 16 {
		dd.revAuth = append(dd.revAuth, dd.pool.next(r))
	}
	for _, mx := range mxHosts {
		dd.mxIDs = append(dd.mxIDs, dd.id(mx))
	}
	dd.avAuth = dd.zoneAuth(r, "avreputation.net")
	dd.blAuth = dd.zoneAuth(r, "spamhaus.org")
	dd.spf = []string{"v=spf1 include:_spf.google.com ~all", "v=spf1 include:spf.protection.outlook.com -all",
		"v=spf1 mx a ip4:" + ipString(dd.pool.next(r)) + " ~all", "v=spf1 include:mailgun.org include:sendgrid.net ~all"}
}

func (dd *dnsDay) buildInternal() {
	add := func(list *[]ddInternal, name string, qtype int, ips []uint32, names []string) {
		*list = append(*list, ddInternal{name: name, id: dd.id(name), qtype: qtype, ips: ips, names: names, nx: ips == nil && names == nil})
	}
	dcs := []string{"dc01." + corpDomain, "dc02." + corpDomain}
	for _, s := range []string{
		"_ldap._tcp.dc._msdcs.", "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.", "_kerberos._tcp.dc._msdcs.",
		"_ldap._tcp.pdc._msdcs.", "_gc._tcp.Default-First-Site-Name._sites.", "_kerberos._udp.", "_kpasswd._udp.",
	} {
		add(&dd.srvs, s+corpDomain, 33, nil, dcs)
	}
	add(&dd.ints, "dc01."+corpDomain, 1, []uint32{dcIP}, nil)
	add(&dd.ints, "dc02."+corpDomain, 1, []uint32{ddDC2IP}, nil)
	add(&dd.ints, corpDomain, 1, []uint32{dcIP, ddDC2IP}, nil)
	add(&dd.ints, "intranet."+corpDomain, 1, []uint32{intranetIP}, nil)
	add(&dd.ints, "fs01."+corpDomain, 1, []uint32{fileServerIP}, nil)
	add(&dd.ints, "print01."+corpDomain, 1, []uint32{ddPrintIP}, nil)
	add(&dd.ints, "mail."+corpDomain, 1, []uint32{mailRelayIP}, nil)
	add(&dd.ints, "wpad."+corpDomain, 1, nil, nil)
	add(&dd.ints, "isatap."+corpDomain, 1, nil, nil)
}

// buildTunnels picks the tunnel clients and lays out their queries in time. Who they are
// and when they run do not depend on the sizes asked (but on the seed, the number of clients
// and resolvers, and the span).
func (dd *dnsDay) buildTunnels() {
	r := dd.tr
	used := map[int]bool{}
	span := dd.t1 - dd.t0
	for i := range dd.o.Tunnels {
		ci := r.intn(len(dd.clients))
		for used[ci] {
			ci = r.intn(len(dd.clients))
		}
		used[ci] = true
		c := &dd.clients[ci]
		t := ddTunnel{client: c, hex: i%2 == 1, via: ci % len(dd.res), session: uint16(r.u64())}
		dom := words[r.intn(len(words))] + "-" + words[r.intn(len(words))] + ".example"
		if !t.hex {
			dom = "t." + dom // iodine wants a delegated zone of its own
		}
		t.auth = ip4(198, 51, 100, byte(53+i))
		t.server = dd.res[t.via]
		if i%3 == 2 {
			t.via, t.server = -1, ddPublicDNS // straight to a public resolver
		}
		length := float64(span) * (0.2 + 0.25*r.float())
		at := float64(dd.t0) + (float64(span)-length)*ddMod1(0.15+0.37*float64(i)+0.1*r.float())

		// Transfers in bursts (5 to 20 queries a second) between idle polls (every 1 to 5 s),
		// over 20 % to 45 % of the day, fitted to that span.
		tr := newRNG(dd.o.Seed, ddStreamTunnels+100+uint64(i))
		n := dd.o.TunnelQueries
		gaps := make([]float64, n)
		var sum float64
		burst := false
		for k := range gaps {
			if tr.chance(1.0 / 300) {
				burst = !burst
			}
			if burst {
				gaps[k] = 0.05 + 0.15*tr.exp()
			} else {
				gaps[k] = 1 + 4*tr.float()
			}
			sum += gaps[k]
		}
		t.times = make([]int64, n)
		for k := range gaps {
			t.times[k] = min(int64(at), dd.t1-1)
			at += gaps[k] / sum * length
		}
		t.info = DNSTunnel{Client: ddAddr(c.ip), Server: ddAddr(t.server), Domain: dom, Encoding: "base32",
			Queries: int64(n), Start: time.UnixMicro(t.times[0]).UTC(), End: time.UnixMicro(t.times[n-1]).UTC()}
		if t.via >= 0 {
			t.info.Auth = ddAddr(t.auth)
			dd.tunLines += int64(n)
		}
		if t.hex {
			t.info.Encoding = "hex"
		}
		dd.tunLines += int64(n)
		dd.tunnels = append(dd.tunnels, t)
	}
}

func ddMod1(x float64) float64 { return x - float64(int64(x)) }

// ddRandomIP is a public address, not necessarily one the day has used.
func ddRandomIP(r *rng) uint32 {
	return ip4(publicFirst[r.intn(len(publicFirst))], byte(r.intn(256)), byte(r.intn(256)), byte(1+r.intn(254)))
}

func ddAddr(ip uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
}

// run writes the day minute by minute: background lookups at the hourly rate of Generate's
// day, the tunnels' queries as planned, each minute flushed in time order.
func (dd *dnsDay) run() error {
	g := dd.g
	nb := int((dd.t1 - dd.t0 + minute - 1) / minute)
	cum := make([]float64, nb+1)
	for b := range nb {
		bs := dd.t0 + int64(b)*minute
		be := min(bs+minute, dd.t1)
		cum[b+1] = cum[b] + rate(bs+(be-bs)/2)*float64(be-bs)/float64(minute)
	}
	target := float64(int64(dd.o.Queries) - dd.tunLines)
	var intents, bgLines int64
	perIntent := 1.3 // lines per background lookup, corrected as the day goes
	var times []int64
	for b := range nb {
		bs := dd.t0 + int64(b)*minute
		be := min(bs+minute, dd.t1)
		if intents >= 2000 {
			perIntent = float64(bgLines) / float64(intents)
		}
		need := target*cum[b+1]/cum[nb] - float64(bgLines)
		n := 0
		if need > 0 {
			n = dd.r.poisson(need / perIntent)
		}
		times = times[:0]
		for range n {
			times = append(times, bs+dd.r.between(0, be-bs-1))
		}
		slices.Sort(times)
		before := g.counts[logDNS]
		for _, t := range times {
			dd.intent(t)
		}
		intents += int64(n)
		bgLines += g.counts[logDNS] - before
		for i := range dd.tunnels {
			tu := &dd.tunnels[i]
			for tu.next < len(tu.times) && tu.times[tu.next] < be {
				dd.tunnelQuery(tu, tu.times[tu.next])
				tu.next++
			}
		}
		s := g.sinks[logDNS]
		s.flush(be)
		if s.failed.Load() {
			return errors.New("synth: writing dns.log failed")
		}
	}
	return nil
}

// Name ids passed to emit beside the table's: a name to count by its hash, a name seen for
// the first time (a tunnel's), a name counted already.
const (
	ddHashed = -1 - iota
	ddNew
	ddCounted
)

// emit writes q (with the answers in g.ans) and counts its source and name.
func (dd *dnsDay) emit(q *dnsRec, nameID int32) {
	dd.g.dns(q)
	if _, ok := dd.srcs[q.src]; !ok {
		dd.srcs[q.src] = struct{}{}
	}
	switch {
	case nameID >= 0:
		if !dd.seen[nameID] {
			dd.seen[nameID] = true
			dd.nseen++
		}
	case nameID == ddHashed:
		h := uint64(14695981039346656037)
		for i := 0; i < len(q.query); i++ {
			h ^= uint64(q.query[i])
			h *= 1099511628211
		}
		dd.hashed[h] = struct{}{}
	case nameID == ddNew:
		dd.unique++
	}
}

// The direct-mapped cache of Generate (gen.cache) holds the clients' caches (their stub
// resolvers' and browsers') and the resolvers' answers of names outside the table (file
// hashes, mail domains): a collision only costs a query. The resolvers keep the table's names
// and the delegations exactly, in dnsDay.ansExp, delExp and tldExp.
const (
	ddKeyClient = 1
	ddKeyOther  = 2
)

func ddKey(kind, a, b, c uint64) uint64 {
	return kind<<60 ^ a<<40 ^ b<<8 ^ c
}

// cacheGet returns the expiry of key when it is fresh at t.
func (dd *dnsDay) cacheGet(key uint64, t int64) (int64, bool) {
	g := dd.g
	h := key * 0x9e3779b97f4a7c15
	e := &g.cache[(h>>32)&g.cacheMask]
	if e.key == key && e.exp > t {
		return e.exp, true
	}
	return 0, false
}

func (dd *dnsDay) cacheSet(key uint64, exp int64) {
	g := dd.g
	h := key * 0x9e3779b97f4a7c15
	e := &g.cache[(h>>32)&g.cacheMask]
	e.key, e.exp = key, exp
}

// resolverOf is the resolver client ci asks: its own mostly, now and then another.
func (dd *dnsDay) resolverOf(ci int) int {
	ri := ci % len(dd.res)
	if len(dd.res) > 1 && dd.r.chance(0.08) {
		ri = (ri + 1 + dd.r.intn(len(dd.res)-1)) % len(dd.res)
	}
	return ri
}

// Shares of the background lookups.
var ddIntentCDF = newCDF([]float64{
	0.745, // a web or service name (A, often AAAA beside)
	0.050, // PTR: the monitoring server, clients, outside addresses
	0.060, // Active Directory SRV
	0.050, // internal names
	0.030, // search-suffix misses: a name with corp.example appended
	0.005, // Chrome's random single-label probes
	0.020, // antivirus file reputation lookups
	0.040, // the mail relay: MX, SPF and DMARC TXT, DNSBL, sender PTR
})

func (dd *dnsDay) intent(t int64) {
	r := dd.r
	ci := dd.pick.sample(r)
	switch ddIntentCDF.sample(r) {
	case 0:
		dd.webLookup(ci, t)
	case 1:
		dd.ptrLookup(ci, t)
	case 2:
		if dd.clients[ci].os == osWindows {
			dd.internalLookup(ci, t, &dd.srvs[r.intn(len(dd.srvs))])
		} else {
			dd.webLookup(ci, t)
		}
	case 3:
		dd.internalLookup(ci, t, &dd.ints[r.intn(len(dd.ints))])
	case 4:
		dd.suffixMiss(ci, t, false)
	case 5:
		dd.suffixMiss(ci, t, true)
	case 6:
		dd.avLookup(ci, t)
	default:
		dd.mailRelay(t)
	}
}

// clientQuery is a client's query to resolver ri, answered with g.ans.
func (dd *dnsDay) clientQuery(c *client, ri int, t int64, uid id, sport uint16, query string, qtype, rcode int, rtt int64, aa bool, nameID int32) {
	q := dnsRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: dd.res[ri], dport: 53, proto: "udp",
		trans: uint16(dd.r.intn(65536)), rtt: rtt, query: query, qtype: qtype, rcode: rcode, aa: aa, rd: true, ra: rcode >= 0}
	dd.emit(&q, nameID)
}

// upstream is resolver ri's query to a root, TLD or authoritative server at t, answered with
// g.ans; it returns the round trip.
func (dd *dnsDay) upstream(r *rng, ri int, t int64, dst uint32, query string, qtype, rcode int, aa bool, nameID int32) int64 {
	rtt := r.lognormInt(25_000, 0.8, 1_500, 600_000)
	q := dnsRec{ts: t, uid: r.id(), src: dd.res[ri], sport: uint16(r.between(1024, 65535)), dst: dst, dport: 53,
		proto: "udp", trans: uint16(r.intn(65536)), rtt: rtt, query: query, qtype: qtype, rcode: rcode, aa: aa}
	if rcode < 0 {
		q.rtt = -1
	}
	dd.emit(&q, nameID)
	dd.fwd++
	return rtt
}

// chainAnswers puts in g.ans the records owned by hops from..to of n for qtype (1 or 28), the
// TTL of hop k less age[k] seconds.
func (dd *dnsDay) chainAnswers(n *ddName, from, to int, qtype int, age *[ddMaxHops]int64) {
	g := dd.g
	g.ansReset()
	for k := from; k <= to; k++ {
		ttl := int64(n.hops[k].ttl) - age[k]
		if k+1 < len(n.hops) {
			g.ansName(n.hops[k+1].name, ttl)
			continue
		}
		if qtype == 28 {
			if n.v6 != "" {
				g.ansName(n.v6, ttl)
			}
			continue
		}
		g.ansIP(n.ip, ttl)
		if n.ip2 != 0 {
			g.ansIP(n.ip2, ttl)
		}
	}
}

// ddMaxHops bounds a name's CNAME chain (the name and two targets).
const ddMaxHops = 3

// resolve has resolver ri answer name ni for qtype at t. The resolver keeps each part of the
// chain (the records one server gave) for its shortest TTL; it asks again, in turn, the
// servers of the parts it no longer has, first the root and TLD servers when it no longer
// knows the domain's delegation. resolve returns the round trip the client sees and sets the
// age in seconds of each hop's record.
func (dd *dnsDay) resolve(ri int, ni int32, qtype int, t int64, age *[ddMaxHops]int64) (rtt int64) {
	r := dd.r
	n := &dd.names[ni]
	*age = [ddMaxHops]int64{}
	ft := t // when the last answer the client waits for arrives
	asked := false
	for from, gi := 0, 0; from < len(n.hops); gi++ {
		to := from
		ttl := int64(n.hops[from].ttl)
		for to+1 < len(n.hops) && n.hops[to+1].auth == n.hops[from].auth {
			to++
			ttl = min(ttl, int64(n.hops[to].ttl))
		}
		ttl *= 1e6
		// The address records depend on the type asked, the CNAMEs before them do not.
		qt := 0
		if to == len(n.hops)-1 {
			qt = 1
			if qtype == 28 {
				qt = 2
			}
		}
		slot := &dd.ansExp[((ri*len(dd.names)+int(ni))*3+qt)*ddMaxHops+gi]
		if exp := *slot; exp > t {
			// still known; the answer may be on its way for another client
			got := exp - ttl
			ft = max(ft, got)
			for k := from; k <= to; k++ {
				age[k] = max(t-got, 0) / 1e6
			}
			from = to + 1
			continue
		}
		if !asked {
			ft = max(ft, t+r.between(80, 600))
			asked = true
		}
		if from == 0 {
			ft = dd.delegation(ri, n, qtype, ft)
		}
		dd.chainAnswers(n, from, to, qtype, age)
		if r.chance(0.003) {
			// No answer from this server: the resolver tries again.
			dd.g.ansReset()
			ft += dd.upstream(r, ri, ft, n.hops[from].auth, n.hops[from].name, qtype, -1, false, n.hops[from].id)
			ft += r.between(400_000, 1_000_000)
			dd.chainAnswers(n, from, to, qtype, age)
		}
		ft += dd.upstream(r, ri, ft, n.hops[from].auth, n.hops[from].name, qtype, 0, true, n.hops[from].id) + r.between(20, 200)
		*slot = ft + ttl
		from = to + 1
	}
	if ft == t {
		return r.between(250, 1500)
	}
	return ft - t + r.between(100, 400)
}

// delegation has resolver ri learn, at ft, where the domain of n is served if it no longer
// knows: a referral from a TLD server, and first from a root server when it no longer knows
// the TLD's. It returns when it knows.
func (dd *dnsDay) delegation(ri int, n *ddName, qtype int, ft int64) int64 {
	r := dd.r
	d := &dd.doms[n.dom]
	const domTTL, tldTTL = 86_400e6, 172_800e6
	dslot := &dd.delExp[ri*len(dd.doms)+int(n.dom)]
	if exp := *dslot; exp > ft {
		return max(ft, exp-domTTL) // learnt, or about to be for another query
	}
	dd.g.ansReset() // referrals: the answer section is empty
	tslot := &dd.tldExp[ri*len(dd.tldSrv)+int(d.tld)]
	if exp := *tslot; exp > ft {
		ft = max(ft, exp-tldTTL)
	} else {
		ft += dd.upstream(r, ri, ft, dd.roots[r.intn(len(dd.roots))], n.hops[0].name, qtype, 0, false, n.hops[0].id) + r.between(20, 200)
		*tslot = ft + tldTTL
	}
	srv := dd.tldSrv[d.tld]
	ft += dd.upstream(r, ri, ft, srv[r.intn(len(srv))], n.hops[0].name, qtype, 0, false, n.hops[0].id) + r.between(20, 200)
	*dslot = ft + domTTL
	return ft
}

// webLookup is a client resolving a name of the table, unless it has the answer cached: an A
// query and, on the same socket, often an AAAA.
func (dd *dnsDay) webLookup(ci int, t int64) {
	r := dd.r
	d := &dd.doms[dd.domPop.sample(r)]
	ni := d.first + int32(dd.zipfN[d.n].sample(r))
	n := &dd.names[ni]
	if _, ok := dd.cacheGet(ddKey(ddKeyClient, uint64(ci), uint64(ni), 0), t); ok {
		return
	}
	dd.cacheSet(ddKey(ddKeyClient, uint64(ci), uint64(ni), 0), t+min(max(n.minTTL, 120e6), 900e6))
	c := &dd.clients[ci]
	ri := dd.resolverOf(ci)
	uid := r.id()
	sport := c.ephemeral(r)
	var age [ddMaxHops]int64
	rtt := dd.resolve(ri, ni, 1, t, &age)
	dd.chainAnswers(n, 0, len(n.hops)-1, 1, &age)
	dd.clientQuery(c, ri, t, uid, sport, n.hops[0].name, 1, 0, rtt, false, n.hops[0].id)
	if r.chance(0.5) {
		t6 := t + r.between(20, 400)
		rtt := dd.resolve(ri, ni, 28, t6, &age)
		dd.chainAnswers(n, 0, len(n.hops)-1, 28, &age)
		dd.clientQuery(c, ri, t6, uid, sport, n.hops[0].name, 28, 0, rtt, false, ddCounted)
	}
}

// internalLookup is a client asking for a corp.example name, which the resolvers (the domain
// controllers' DNS) answer with authority.
func (dd *dnsDay) internalLookup(ci int, t int64, in *ddInternal) {
	r := dd.r
	key := ddKey(ddKeyClient, uint64(ci), 1<<30|uint64(in.id), 0)
	if _, ok := dd.cacheGet(key, t); ok {
		return
	}
	dd.cacheSet(key, t+600e6)
	g := dd.g
	g.ansReset()
	for _, ip := range in.ips {
		g.ansIP(ip, 1200)
	}
	for _, n := range in.names {
		g.ansName(n, 600)
	}
	rcode := 0
	if in.nx {
		rcode = 3
	}
	c := &dd.clients[ci]
	dd.clientQuery(c, dd.resolverOf(ci), t, r.id(), c.ephemeral(r), in.name, in.qtype, rcode, r.between(200, 1500), true, in.id)
}

// ptrLookup is a reverse lookup: the monitoring server naming a client, a client naming
// another, or a client naming an outside address (which the resolver forwards).
func (dd *dnsDay) ptrLookup(ci int, t int64) {
	r := dd.r
	g := dd.g
	c := &dd.clients[ci]
	mon := client{ip: ddMonitorIP, os: osLinux}
	ri := dd.resolverOf(ci)
	switch u := r.float(); {
	case u < 0.8:
		if u < 0.5 {
			c = &mon
			ri = 0
		}
		other := dd.clients[r.intn(len(dd.clients))].ip
		dd.scratch = appendPTR(dd.scratch[:0], other)
		g.ansReset()
		rcode := 3
		if r.chance(0.75) {
			rcode = 0
			b := append(g.scratch[:0], "ws-"...)
			b = strconv.AppendUint(b, uint64(other&0xffff), 16)
			b = append(b, "."+corpDomain...)
			g.scratch = b
			g.ansName(string(b), 1200)
		}
		dd.clientQuery(c, ri, t, r.id(), c.ephemeral(r), string(dd.scratch), 12, rcode, r.between(200, 1500), true, ddHashed)
	default:
		var ip uint32
		if r.chance(0.7) {
			ip = dd.names[r.intn(len(dd.names))].ip
		} else {
			ip = ddRandomIP(r)
		}
		dd.scratch = appendPTR(dd.scratch[:0], ip)
		query := string(dd.scratch)
		rcode := dd.ptrAnswer(r, ip)
		ft := t + r.between(80, 600)
		ft += dd.upstream(r, ri, ft, dd.revAuth[ip>>24%uint32(len(dd.revAuth))], query, 12, rcode, true, ddHashed)
		dd.clientQuery(c, ri, t, r.id(), c.ephemeral(r), query, 12, rcode, ft-t+r.between(100, 400), false, ddCounted)
	}
}

// ptrAnswer puts the name of an outside address in g.ans, or returns NXDOMAIN.
func (dd *dnsDay) ptrAnswer(r *rng, ip uint32) int {
	g := dd.g
	g.ansReset()
	if r.chance(0.4) {
		return 3
	}
	b := g.scratch[:0]
	dashed := func(b []byte, sep byte) []byte {
		for i := 3; i >= 0; i-- {
			b = strconv.AppendUint(b, uint64(ip>>(8*i)&0xff), 10)
			if i > 0 {
				b = append(b, sep)
			}
		}
		return b
	}
	switch r.intn(3) {
	case 0:
		b = append(b, "server-"...)
		b = dashed(b, '-')
		b = append(b, ".fra56.r.cloudfront.net"...)
	case 1:
		b = append(b, 'a')
		b = dashed(b, '-')
		b = append(b, ".deploy.static.akamaitechnologies.com"...)
	default:
		b = append(b, "ec2-"...)
		b = dashed(b, '-')
		b = append(b, ".compute-1.amazonaws.com"...)
	}
	g.scratch = b
	g.ansName(string(b), 3600)
	return 0
}

// suffixMiss is a name tried with the search suffix appended, which the resolvers deny with
// authority: an outside name, or one of Chrome's random single-label probes.
func (dd *dnsDay) suffixMiss(ci int, t int64, probe bool) {
	r := dd.r
	b := dd.scratch[:0]
	if probe {
		for range 7 + r.intn(9) {
			b = append(b, byte('a'+r.intn(26)))
		}
	} else {
		b = append(b, dd.names[r.intn(len(dd.names))].hops[0].name...)
	}
	b = append(b, "."+corpDomain...)
	dd.scratch = b
	dd.g.ansReset()
	c := &dd.clients[ci]
	dd.clientQuery(c, dd.resolverOf(ci), t, r.id(), c.ephemeral(r), string(b), 1, 3, r.between(200, 1500), true, ddHashed)
}

const ddHexDigits = "0123456789abcdef"

// avLookup is an antivirus agent asking its vendor about a file by its MD5 hash: many
// clients, high-entropy labels under one domain, answers in 127.0.0.0/8.
func (dd *dnsDay) avLookup(ci int, t int64) {
	r := dd.r
	file := uint64(r.intn(200_000))
	file = uint64(float64(file) * r.float()) // popular files are asked about more
	x := file ^ uint64(dd.o.Seed)<<32
	b := dd.scratch[:0]
	for range 2 {
		v := splitmix(&x)
		for range 16 {
			b = append(b, ddHexDigits[v&15])
			v >>= 4
		}
	}
	b = append(b, ".fr.avreputation.net"...)
	dd.scratch = b
	query := string(b)
	dd.g.ansReset()
	dd.g.ansIP(ip4(127, 0, 0, byte(1+file%3)), 3600)
	c := &dd.clients[ci]
	ri := dd.resolverOf(ci)
	rtt := r.between(250, 1500)
	key := ddKey(ddKeyOther, uint64(ri), file, 16)
	if _, ok := dd.cacheGet(key, t); !ok {
		ft := t + r.between(80, 600)
		ft += dd.upstream(r, ri, ft, dd.avAuth, query, 1, 0, true, ddHashed)
		dd.cacheSet(key, ft+3600e6)
		rtt = ft - t + r.between(100, 400)
	}
	dd.clientQuery(c, ri, t, r.id(), c.ephemeral(r), query, 1, 0, rtt, false, ddHashed)
}

// mailRelay is the relay handling one message: for mail in, the sender's PTR, a DNSBL
// lookup, its domain's SPF and DMARC records; for mail out, the recipient domain's MX and
// the exchanger's address.
func (dd *dnsDay) mailRelay(t int64) {
	r := dd.r
	g := dd.g
	relay := client{ip: mailRelayIP, os: osLinux}
	d := &dd.doms[dd.domPop.sample(r)]
	if r.chance(0.35) {
		// outbound: MX, then the exchanger's A
		mi := int(d.first) % len(mxHosts)
		mx := mxHosts[mi]
		key := ddKey(ddKeyOther, 0, uint64(d.first), 15)
		if _, ok := dd.cacheGet(key, t); ok {
			return
		}
		g.ansReset()
		g.ansName(mx, 3600)
		ft := t + r.between(80, 600)
		ft += dd.upstream(r, 0, ft, d.ns, d.name, 15, 0, true, d.id)
		dd.cacheSet(key, ft+3600e6)
		dd.clientQuery(&relay, 0, t, r.id(), relay.ephemeral(r), d.name, 15, 0, ft-t+r.between(100, 400), false, ddCounted)
		t = ft + r.between(500, 3000)
		g.ansReset()
		mxIP := ip4(52, 96, byte(d.first), byte(d.first>>8))
		g.ansIP(mxIP, 3600)
		dd.clientQuery(&relay, 0, t, r.id(), relay.ephemeral(r), mx, 1, 0, r.between(250, 1500), false, dd.mxIDs[mi])
		return
	}
	// inbound: the sender's address from the outside
	sender := ddRandomIP(r)
	b := appendPTR(dd.scratch[:0], sender)
	dd.scratch = b
	query := string(b)
	rcode := dd.ptrAnswer(r, sender)
	ft := t + r.between(80, 600)
	ft += dd.upstream(r, 0, ft, dd.revAuth[sender>>24%uint32(len(dd.revAuth))], query, 12, rcode, true, ddHashed)
	dd.clientQuery(&relay, 0, t, r.id(), relay.ephemeral(r), query, 12, rcode, ft-t+r.between(100, 400), false, ddCounted)
	t = ft + r.between(200, 2000)

	b = dd.scratch[:0]
	for i := 0; i < 4; i++ {
		b = strconv.AppendUint(b, uint64(sender>>(8*i)&0xff), 10)
		b = append(b, '.')
	}
	b = append(b, "zen.spamhaus.org"...)
	dd.scratch = b
	query = string(b)
	g.ansReset()
	rcode = 3
	if r.chance(0.12) {
		rcode = 0
		g.ansIP(ip4(127, 0, 0, byte(2+r.intn(10))), 300)
	}
	ft = t + r.between(80, 600)
	ft += dd.upstream(r, 0, ft, dd.blAuth, query, 1, rcode, true, ddHashed)
	dd.clientQuery(&relay, 0, t, r.id(), relay.ephemeral(r), query, 1, rcode, ft-t+r.between(100, 400), false, ddCounted)
	t = ft + r.between(200, 2000)

	ids := [2]int32{d.id, ddHashed}
	for k, name := range []string{d.name, "_dmarc." + d.name} {
		key := ddKey(ddKeyOther, 0, uint64(d.first), uint64(32+k))
		g.ansReset()
		if k == 0 {
			g.ansTXT(dd.spf[int(d.first)%len(dd.spf)], 3600)
		} else {
			g.ansTXT("v=DMARC1; p=none; rua=mailto:dmarc@"+d.name, 3600)
		}
		rtt := r.between(250, 1500)
		if _, ok := dd.cacheGet(key, t); !ok {
			ft := t + r.between(80, 600)
			ft += dd.upstream(r, 0, ft, d.ns, name, 16, 0, true, ids[k])
			dd.cacheSet(key, ft+3600e6)
			rtt = ft - t + r.between(100, 400)
		}
		dd.clientQuery(&relay, 0, t, r.id(), relay.ephemeral(r), name, 16, 0, rtt, false, ids[k])
		t += rtt + r.between(50, 500)
	}
}

// tunnelQuery is one query of a tunnel at t: a unique name carrying a sequence number and
// data, encoded under the tunnel's domain; through the resolver, which forwards it, or
// straight to the public resolver.
func (dd *dnsDay) tunnelQuery(tu *ddTunnel, t int64) {
	r := dd.tr
	g := dd.g
	seq := uint32(tu.next)
	// The payload: a random packet id, the session, a sequence number, then data (a poll
	// carries little).
	p := append(tu.payload[:0], byte(r.u64()), byte(r.u64()), byte(tu.session>>8), byte(tu.session),
		byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq))
	size := 8 + r.intn(8)
	if r.chance(0.7) {
		size = 40 + r.intn(66)
	}
	for len(p) < size {
		p = append(p, byte(r.u64()))
	}
	tu.payload = p
	b := dd.scratch[:0]
	var enc []byte
	if tu.hex {
		for _, x := range p {
			enc = append(enc, ddHexDigits[x>>4], ddHexDigits[x&15])
		}
	} else {
		enc = ddBase32(enc, p)
	}
	for len(enc) > 0 {
		k := min(len(enc), 63)
		if !tu.hex {
			k = min(k, 57)
		}
		b = append(b, enc[:k]...)
		b = append(b, '.')
		enc = enc[k:]
	}
	b = append(b, tu.info.Domain...)
	dd.scratch = b
	query := string(b)

	qtype := 16
	switch u := r.float(); {
	case tu.hex && u < 0.4:
		qtype = 5
	case tu.hex && u < 0.7:
		qtype = 15
	case !tu.hex && u < 0.2:
		qtype = 5
	}
	g.ansReset()
	reply := r.intn(1 << 30)
	data := ddBytes(reply, 4+reply%20)
	switch {
	case qtype == 16:
		g.ansTXT(string(ddBase32(nil, ddBytes(reply, 8+reply%40))), 0)
	default:
		var rb []byte
		if tu.hex {
			for _, x := range data {
				rb = append(rb, ddHexDigits[x>>4], ddHexDigits[x&15])
			}
		} else {
			rb = ddBase32(rb, data)
		}
		rb = append(rb, '.')
		rb = append(rb, tu.info.Domain...)
		g.ansName(string(rb), 0)
	}
	c := tu.client
	uid := r.id()
	sport := c.ephemeral(r)
	trans := uint16(r.intn(65536))
	rcode, rtt := 0, r.lognormInt(60_000, 0.5, 10_000, 900_000)
	if tu.via >= 0 {
		ft := t + r.between(80, 600)
		if r.chance(0.005) {
			// the tunnel server missed one: the resolver gives up with SERVFAIL
			g.ansReset()
			dd.upstream(r, tu.via, ft, tu.auth, query, qtype, -1, false, ddCounted)
			rcode, rtt = 2, r.between(2_000_000, 3_000_000)
		} else {
			ft += dd.upstream(r, tu.via, ft, tu.auth, query, qtype, 0, true, ddCounted)
			rtt = ft - t + r.between(100, 400)
		}
	}
	q := dnsRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: tu.server, dport: 53, proto: "udp",
		trans: trans, rtt: rtt, query: query, qtype: qtype, rcode: rcode, rd: true, ra: true}
	dd.emit(&q, ddNew)
}

func ddBytes(seed, n int) []byte {
	x := uint64(seed)
	b := make([]byte, 0, n)
	for len(b) < n {
		v := splitmix(&x)
		for i := 0; i < 8 && len(b) < n; i++ {
			b = append(b, byte(v))
			v >>= 8
		}
	}
	return b
}

// ddBase32 appends p in lowercase base32 (RFC 4648 alphabet, no padding).
func ddBase32(b, p []byte) []byte {
	var acc uint64
	bits := 0
	for _, x := range p {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			b = append(b, b32[acc>>bits&31])
		}
	}
	if bits > 0 {
		b = append(b, b32[acc<<(5-bits)&31])
	}
	return b
}
