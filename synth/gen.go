package synth

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// gen is one run of the generator.
type gen struct {
	opt    Options
	r      *rng // background
	pr     *rng // planted cases
	t0, t1 int64

	clients []client // background clients, then the planted hosts
	nbg     int      // background clients
	bgPick  cdf      // activity of the background clients
	webPick cdf      // activity of all clients, for web browsing
	admins  []int    // clients that use SSH

	web      []dest
	webPop   cdf
	httpIdx  []int
	httpPop  cdf
	quicIdx  []int
	quicPop  cdf
	ntp      []dest
	mx       []dest
	mxPop    cdf
	mxSent   map[int]int64 // bytes the relay sent each exchanger today
	mxDay    int64
	github   dest
	intranet dest
	pairs    int

	sinks      [numLogs]*sink
	counts     [numLogs]int64
	plantConns int64 // conn records of the planted cases
	seq        uint64

	cache     []cacheEnt
	cacheMask uint64
	budget    map[budgetKey]int64

	ans, ttls []byte
	scratch   []byte

	plants     []action
	expects    []expectation
	plantCache map[uint64]int64 // the planted hosts' DNS answers: expiry by host and name
	truth      *Truth
}

// connsPerSession is a first guess of how many conn.log records a background session makes
// (the DNS lookups it needs included), which turns Options.Conns into a session rate.
const connsPerSession = 1.5

func newGen(opt Options) (*gen, error) {
	g := &gen{
		opt:        opt,
		r:          newRNG(opt.Seed, 1),
		pr:         newRNG(opt.Seed, 2),
		t0:         opt.Start.UnixMicro(),
		t1:         opt.Start.Add(opt.Duration).UnixMicro(),
		budget:     map[budgetKey]int64{},
		mxSent:     map[int]int64{},
		plantCache: map[uint64]int64{},
		truth:      &Truth{Start: opt.Start, End: opt.Start.Add(opt.Duration)},
	}
	r := newRNG(opt.Seed, 3) // the network plan has its own stream
	pool := &addrPool{used: map[uint32]bool{}}

	g.nbg = opt.Hosts
	weights := make([]float64, 0, opt.Hosts+len(plantedHosts))
	for i := 0; i < opt.Hosts; i++ {
		c := client{ip: clientIP(i), os: drawOS(r)}
		c.ua = browserUAs[c.os][r.intn(len(browserUAs[c.os]))]
		g.clients = append(g.clients, c)
		weights = append(weights, r.lognorm(1, 0.9))
		if c.os != osWindows && r.chance(0.5) || r.chance(0.04) {
			g.admins = append(g.admins, i)
		}
	}
	if len(g.admins) == 0 {
		g.admins = append(g.admins, 0)
	}
	g.bgPick = newCDF(weights)
	if opt.Plant {
		for _, h := range plantedHosts {
			g.clients = append(g.clients, client{ip: h.ip, os: h.os, ua: browserUAs[h.os][0], web: true})
			weights = append(weights, 0.5)
		}
	}
	g.webPick = newCDF(weights)

	nd := min(max(opt.Conns/40, 400), 50_000)
	if opt.Pairs > 0 {
		g.pairs = opt.Pairs
		nd = max(nd, (opt.Pairs+opt.Hosts-1)/opt.Hosts)
	}
	g.web = buildDests(r, pool, nd)
	g.webPop = zipfCDF(len(g.web), 1.0, 2)
	var hw, qw []float64
	for i, d := range g.web {
		if d.flags&(fHTTP|fPlain) != 0 {
			g.httpIdx = append(g.httpIdx, i)
			w := 1 / (float64(i) + 3)
			if d.flags&fPlain != 0 {
				w = 0.05
			}
			hw = append(hw, w)
		}
		if d.flags&fQUIC != 0 {
			g.quicIdx = append(g.quicIdx, i)
			qw = append(qw, 1/(float64(i)+3))
		}
	}
	g.httpPop = newCDF(hw)
	g.quicPop = newCDF(qw)
	for _, n := range ntpServers {
		g.ntp = append(g.ntp, dest{ip: pool.next(r), name: n, ttl: 300})
	}
	var mw []float64
	for i, n := range mxHosts {
		g.mx = append(g.mx, dest{ip: pool.next(r), name: n, ttl: 3600})
		mw = append(mw, 1/float64(i+1))
	}
	g.mxPop = newCDF(mw)
	for _, d := range g.web {
		if d.name == "github.com" {
			g.github = d
		}
	}
	g.intranet = dest{ip: intranetIP, name: "intranet." + corpDomain, ttl: 1200, cert: 1 << 30}

	size := 1 << 16
	for size < opt.Conns/4 && size < 1<<22 {
		size <<= 1
	}
	g.cache = make([]cacheEnt, size)
	g.cacheMask = uint64(size - 1)

	if opt.Plant {
		if err := g.schedulePlants(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// hourly is the relative rate of new sessions by hour of the day (UTC): quiet nights, a
// morning ramp, a lunch dip, an evening tail.
var hourly = [24]float64{
	0.10, 0.08, 0.07, 0.07, 0.08, 0.12, 0.25, 0.55, 0.90, 1.00, 1.00, 0.95,
	0.80, 0.92, 1.00, 0.97, 0.90, 0.70, 0.45, 0.32, 0.27, 0.22, 0.17, 0.13,
}

// rate returns the relative session rate at t, interpolated between hour centres.
func rate(t int64) float64 {
	h := float64(((t/1e6)%86400+86400)%86400)/3600 - 0.5
	if h < 0 {
		h += 24
	}
	i := int(h)
	f := h - float64(i)
	return hourly[i%24]*(1-f) + hourly[(i+1)%24]*f
}

const minute = int64(60e6)

// run generates the whole span, minute by minute.
func (g *gen) run() error {
	nb := int((g.t1 - g.t0 + minute - 1) / minute)
	w := make([]float64, nb)
	var sum float64
	for b := range w {
		bs := g.t0 + int64(b)*minute
		be := min(bs+minute, g.t1)
		w[b] = rate(bs+(be-bs)/2) * float64(be-bs) / float64(minute)
		sum += w[b]
	}
	// A session makes one connection and, now and then, the DNS lookup before it; how often
	// depends on the clients' caches, so the rate follows the ratio seen so far.
	perSession := connsPerSession
	var sessions int64
	var times []int64
	pi := 0
	for b := 0; b < nb; b++ {
		bs := g.t0 + int64(b)*minute
		be := min(bs+minute, g.t1)
		if sessions >= 500 {
			perSession = float64(g.counts[logConn]-g.plantConns) / float64(sessions)
		}
		n := g.r.poisson(float64(g.opt.Conns) * w[b] / sum / perSession)
		sessions += int64(n)
		times = times[:0]
		for i := 0; i < n; i++ {
			times = append(times, bs+g.r.between(0, be-bs-1))
		}
		slices.Sort(times)
		for _, t := range times {
			g.session(t)
		}
		if pi < len(g.plants) && g.plants[pi].t < be {
			// Planted records draw on their own stream, so the background does not move
			// them.
			bg := g.r
			g.r = g.pr
			before := g.counts[logConn]
			for pi < len(g.plants) && g.plants[pi].t < be {
				g.plants[pi].fn(g.plants[pi].t)
				pi++
			}
			g.plantConns += g.counts[logConn] - before
			g.r = bg
		}
		for l, s := range g.sinks {
			if s == nil {
				continue
			}
			s.flush(be)
			if s.failed.Load() {
				return fmt.Errorf("synth: writing %s failed", logNames[l])
			}
		}
	}
	return nil
}

// A per-client DNS cache, direct mapped: a lookup is logged when the client has no fresh
// answer for the name.
type cacheEnt struct {
	key uint64
	exp int64
}

func (g *gen) cached(key uint64, t int64, ttl int64) bool {
	h := key * 0x9e3779b97f4a7c15
	e := &g.cache[(h>>32)&g.cacheMask]
	if e.key == key && e.exp > t {
		return true
	}
	e.key, e.exp = key, t+ttl
	return false
}

// lookup logs the DNS query a client makes for d before connecting at t, unless it has the
// answer cached; it returns when the connection can start.
func (g *gen) lookup(ci int, di int, d *dest, t int64) int64 {
	c := &g.clients[ci]
	ttl := int64(d.ttl) * 1e6
	// Stub resolvers and browsers keep answers for their TTL, within bounds.
	if g.cached(uint64(ci)<<32|uint64(uint32(di)), t, min(max(ttl, 120e6), 900e6)) {
		return t
	}
	rtt := g.dnsQuery(c, d, t)
	return t + rtt + g.r.between(200, 4000)
}

// dnsQuery logs one resolution of d by client c at t (an A query and often an AAAA on the
// same socket) and returns the time to the answer.
func (g *gen) dnsQuery(c *client, d *dest, t int64) int64 {
	r := g.r
	uid := r.id()
	sport := c.ephemeral(r)
	var rtt int64
	if r.chance(0.55) {
		rtt = r.between(250, 1500) // in the resolver's cache
	} else {
		rtt = r.lognormInt(22000, 0.7, 2000, 900000)
	}
	edns := int64(0)
	if c.os != osWindows {
		edns = 11
	}
	qsize := int64(len(d.name)) + 18 + edns
	ttl := int64(d.ttl)
	left := r.between(ttl/4, ttl)

	g.ansReset()
	if d.cname != "" {
		g.ansName(d.cname, left+r.between(0, 3000))
	}
	g.ansIP(d.ip, left)
	if d.ip2 != 0 {
		g.ansIP(d.ip2, left)
	}
	rsize := qsize + g.ansWire()
	q := dnsRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
		trans: uint16(r.intn(65536)), rtt: rtt, query: d.name, qtype: 1, rcode: 0, rd: true, ra: true}
	g.dns(&q)
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
		service: "dns", dur: rtt, ob: qsize, rb: rsize, state: "SF", hist: "Dd"}
	pk := int64(1)
	if r.chance(0.45) {
		// AAAA on the same socket, right after the A query.
		q.ts = t + r.between(20, 400)
		q.trans = uint16(r.intn(65536))
		q.qtype = 28
		q.rtt = rtt + r.between(0, 3000)
		g.ansReset()
		if d.cname != "" {
			g.ansName(d.cname, left)
		}
		g.dns(&q)
		cn.ob += qsize
		cn.rb += qsize + g.ansWire() + 50 // the SOA of a negative AAAA answer
		cn.dur = max(rtt, q.ts-t+q.rtt)
		pk = 2
	}
	udpConn(&cn, pk, pk)
	g.conn(&cn)
	return cn.dur
}

// budgetKey identifies a source, destination and port within one UTC hour.
type budgetKey struct {
	src, dst uint32
	port     uint16
	hour     int64
}

// altBudget keeps background traffic to the ports the alternative-protocol detection watches
// (SMTP, SMB) under its bytes threshold per source, destination, port and hour: it returns
// the bytes a connection may send so that the hour's total stays at most 9 MB.
func (g *gen) altBudget(ts int64, src, dst uint32, port uint16, want int64) int64 {
	hour := ts / 3600e6
	k := budgetKey{src, dst, port, hour}
	have := g.budget[k]
	got := min(want, max(9_000_000-have, 0))
	g.budget[k] = have + got
	if len(g.budget) > 100_000 {
		for key := range g.budget {
			if key.hour < hour-1 {
				delete(g.budget, key)
			}
		}
	}
	return got
}

// durFor is a duration (µs) for moving the larger of out and in at a lognormal throughput,
// plus some idle time, capped at limit seconds.
func (g *gen) durFor(out, in int64, medianRate float64, idle float64, limit float64) int64 {
	r := g.r
	bytes := float64(max(out, in))
	secs := bytes/r.lognorm(medianRate, 0.8) + r.lognorm(idle, 1.0)
	secs = math.Min(secs, limit)
	return max(int64(secs*1e6), 1000)
}

func (g *gen) checkTime(t int64, what string) error {
	if t < g.t0 || t >= g.t1 {
		return fmt.Errorf("synth: planted case %s at %s falls outside %s..%s; give a longer Duration or Plant=false",
			what, time.UnixMicro(t).UTC().Format(time.RFC3339), g.opt.Start.UTC().Format(time.RFC3339),
			g.opt.Start.Add(g.opt.Duration).UTC().Format(time.RFC3339))
	}
	return nil
}

// drawOS picks a client's operating system: 78 % Windows, 14 % macOS, 8 % Linux.
func drawOS(r *rng) int {
	switch u := r.float(); {
	case u < 0.78:
		return osWindows
	case u < 0.92:
		return osMac
	}
	return osLinux
}
