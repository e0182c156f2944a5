package beacon

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/finding"
)

// candidate is one series to score with what it is about.
type candidate struct {
	src    netip.Addr
	dsts   []netip.Addr
	port   int // the one destination port, when there is one
	ports  []uint16
	name   string
	via    uint8
	s      *series
	failed bool
	// failedCalls is how many calls of the key never completed (left out of s).
	failedCalls int64
	// sources is how many sources talk to the destination (prevalence).
	sources int
	// ttl is, for DNS lookups, how long their answers may be cached (seconds; 0 unknown).
	ttl uint32
}

type dstPort struct {
	dst  [16]byte
	port uint16
}

// Score scores every series and reports each beacon once: a name (TLS SNI, HTTP Host, a name
// through a proxy, a DNS name many addresses answer for) takes the address pairs it covers.
// It works partition by partition (the engine's partitions by source address), so that every
// lookup stays inside one partition's small tables.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	sc := &scorer{p: &d.p, env: env, nsrc: a.sources.Len()}

	// prevalence: how many sources talk to each destination
	ipSources := map[dstPort]int{}
	for k := range a.ips.All() {
		ipSources[dstPort{k.dst, k.port}]++
	}
	nameSources := map[string]int{}
	for _, t := range []*detect.Table[nameKey, namePair]{a.names, a.proxied} {
		for k := range t.All() {
			nameSources[k.name]++
		}
	}
	querySources := map[string]int{}
	for k := range a.queries.All() {
		querySources[k.name]++
	}

	ips, names, dns := a.ips.Parts(), a.names.Parts(), a.dns.Parts()
	if len(names) != len(ips) || len(dns) != len(ips) {
		return nil, fmt.Errorf("internal: partitions do not line up (%d, %d, %d)", len(ips), len(names), len(dns))
	}
	for i := range ips {
		sc.partition(ips[i], names[i], dns[i], ipSources, nameSources)
	}
	// proxied series key on the real client: one more partition of names, no addresses
	sc.partition(detect.NewTable[ipKey, ipPair](), a.proxied, detect.NewTable[ipKey, string](), ipSources, nameSources)
	// DNS lookups: a series of their own when they lead to no connection (the client never
	// connected to what names under the domain resolved to, nor named them in TLS or HTTP): a
	// C2 that only speaks DNS. Lookups before connections are the connections' business.
	connected := map[nameKey]bool{}
	if a.queries.Len() > 0 {
		for i := range ips {
			for k, pr := range ips[i].All() {
				if pr.ok.n == 0 {
					continue
				}
				if name := dns[i].Lookup(ipKey{src: k.src, dst: k.dst}); name != nil {
					connected[nameKey{k.src, dnsname.Registered(*name, true)}] = true
				}
			}
		}
		for _, t := range []*detect.Table[nameKey, namePair]{a.names, a.proxied} {
			for k := range t.All() {
				connected[nameKey{k.src, dnsname.Registered(k.name, true)}] = true
			}
		}
	}
	for k, pr := range a.queries.All() {
		if connected[k] || d.p.CommonSources > 0 && querySources[k.name] >= d.p.CommonSources {
			continue // lookups before connections, or software on many hosts (connectivity checks)
		}
		c := candidate{src: netip.AddrFrom16(k.src).Unmap(), name: k.name, via: pr.via, s: &pr.ok,
			sources: querySources[k.name], dsts: pr.dsts, ports: pr.ports.ports, ttl: pr.ttl}
		if len(pr.ports.ports) == 1 {
			c.port = int(pr.ports.ports[0])
		}
		sc.fire(c)
	}

	// host connections: a series of their own where no network log saw the pair
	if a.hosts.Len() > 0 {
		hostSources := map[dstPort]int{}
		for k := range a.hosts.All() {
			hostSources[dstPort{k.dst, k.port}]++
		}
		for k, hp := range a.hosts.All() {
			if pr := a.ips.Lookup(k); pr != nil && pr.ok.n > 0 {
				continue // the network log's series speaks for it (and names the process)
			}
			dst := netip.AddrFrom16(k.dst).Unmap()
			c := candidate{src: netip.AddrFrom16(k.src).Unmap(), dsts: []netip.Addr{dst}, port: int(k.port), ports: []uint16{k.port},
				via: viaHost, s: &hp.ok, sources: max(hostSources[dstPort{k.dst, k.port}], ipSources[dstPort{k.dst, k.port}])}
			sc.fire(c)
		}
	}
	out := fleets(sc.out, d.p.FleetSources)
	finding.Sort(out)
	return out, nil
}

// partition scores the series of one partition.
func (sc *scorer) partition(ips *detect.Table[ipKey, ipPair], names *detect.Table[nameKey, namePair], dns *detect.Table[ipKey, string],
	ipSources map[dstPort]int, nameSources map[string]int) {
	type addrKey struct{ src, dst [16]byte }
	covered := map[addrKey]bool{} // address pairs a reported name beacon speaks for
	named := map[addrKey]string{} // a name seen for an address pair (to show beside it)
	direct := map[nameKey]bool{}  // names seen in the traffic itself

	// 1. Names seen in the traffic: TLS SNI, HTTP Host, proxied requests.
	for k, pr := range names.All() {
		src := netip.AddrFrom16(k.src).Unmap()
		direct[k] = true
		base := candidate{src: src, name: k.name, via: pr.via, sources: nameSources[k.name], dsts: pr.dsts, ports: pr.ports.ports}
		if len(pr.ports.ports) == 1 {
			base.port = int(pr.ports.ports[0])
		}
		okc := base
		okc.s = &pr.ok
		if pr.failed != nil {
			okc.failedCalls = int64(pr.failed.n)
		}
		hit := sc.fire(okc)
		for _, dst := range pr.dsts {
			ak := addrKey{k.src, dst.As16()}
			if hit {
				covered[ak] = true
			}
			if cur, ok := named[ak]; !ok || k.name < cur {
				named[ak] = k.name
			}
		}
		if pr.failed != nil {
			failc := base
			failc.s, failc.failed = pr.failed, true
			sc.fire(failc)
		}
	}

	// 2. Names from DNS answers: the address pairs of one source and port whose addresses a
	// name it resolved answered for, taken together.
	type namePort struct {
		nameKey
		port uint16
	}
	groups := map[namePort][]ipKey{}
	if dns.Len() > 0 {
		for k, pr := range ips.All() {
			if pr.ok.n == 0 {
				continue
			}
			name := dns.Lookup(ipKey{src: k.src, dst: k.dst})
			if name == nil {
				continue
			}
			ak := addrKey{k.src, k.dst}
			if cur, ok := named[ak]; !ok || *name < cur {
				named[ak] = *name
			}
			nk := nameKey{k.src, *name}
			if !direct[nk] {
				np := namePort{nk, k.port}
				groups[np] = append(groups[np], k)
			}
		}
	}
	for np, keys := range groups {
		if len(keys) < 2 {
			continue // one address: the address pair below says it all, with the name beside it
		}
		var merged series
		var dsts []netip.Addr
		for _, k := range keys {
			merged.merge(&ips.Lookup(k).ok, sc.p.MaxPoints)
			dsts = append(dsts, netip.AddrFrom16(k.dst).Unmap())
		}
		slices.SortFunc(dsts, netip.Addr.Compare)
		c := candidate{src: netip.AddrFrom16(np.src).Unmap(), name: np.name, via: viaDNS, s: &merged, dsts: dsts,
			port: int(np.port), ports: []uint16{np.port}}
		for _, k := range keys {
			c.sources = max(c.sources, ipSources[dstPort{k.dst, k.port}])
		}
		if sc.fire(c) {
			for _, k := range keys {
				covered[addrKey{k.src, k.dst}] = true
			}
		}
	}

	// 3. Address pairs no reported name speaks for.
	for k, pr := range ips.All() {
		ak := addrKey{k.src, k.dst}
		if covered[ak] || int(pr.ok.n) < sc.p.MinConnections && (pr.failed == nil || int(pr.failed.n) < sc.p.MinConnections) {
			continue
		}
		dst := netip.AddrFrom16(k.dst).Unmap()
		base := candidate{src: netip.AddrFrom16(k.src).Unmap(), dsts: []netip.Addr{dst}, port: int(k.port), ports: []uint16{k.port},
			name: named[ak], sources: ipSources[dstPort{k.dst, k.port}]}
		okc := base
		okc.s = &pr.ok
		if pr.failed != nil {
			okc.failedCalls = int64(pr.failed.n)
			failc := base
			failc.s, failc.failed = pr.failed, true
			sc.fire(failc)
		}
		sc.fire(okc)
	}
}

// fleets replaces the findings of a destination that at least n sources beacon to with one
// finding for the destination, listing the sources.
func fleets(fs []finding.Finding, n int) []finding.Finding {
	if n <= 0 {
		return fs
	}
	type dest struct{ host, dst string }
	by := map[dest][]int{}
	for i, f := range fs {
		d := dest{f.Entities.DstHost, f.Entities.Dst}
		if d.host != "" {
			d.dst = "" // a name speaks for its addresses
		}
		by[d] = append(by[d], i)
	}
	drop := map[int]bool{}
	var out []finding.Finding
	for d, idx := range by {
		if len(idx) < n {
			continue
		}
		slices.SortFunc(idx, func(x, y int) int { return finding.Compare(fs[x], fs[y]) })
		top := fs[idx[0]]
		var srcs []string
		var periods []float64
		for _, i := range idx {
			drop[i] = true
			srcs = append(srcs, fs[i].Entities.Src)
			if v, ok := fs[i].Figure("period").(float64); ok {
				periods = append(periods, v)
			}
		}
		slices.Sort(srcs)
		slices.Sort(periods)
		f := top
		f.Risk = max(0, top.Risk-20)
		f.Severity = finding.SeverityFor(f.Risk)
		f.Entities.Src = ""
		to := d.host
		if to == "" {
			to = d.dst
		}
		f.Summary = fmt.Sprintf("%d sources call %s on a heartbeat (median period %s): fleet software (an agent, an updater) or one implant on many hosts; the strongest: %s",
			len(idx), to, finding.HumanSeconds(median(periods)), top.Summary)
		shown := srcs[:min(len(srcs), 50)]
		f.Figures = append([]finding.Figure{
			finding.Fig("sources", len(idx), finding.Count),
			finding.Fig("source_list", strings.Join(shown, " "), finding.Text),
			finding.Fig("median_period", round(median(periods)), finding.Seconds),
		}, top.Figures...)
		out = append(out, f)
	}
	for i, f := range fs {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

// fewCallsAnchor is the score a series of two calls is pulled to (see Params.FullEvidence).
const fewCallsAnchor = 0.4

// scorer turns candidates into findings, reusing its buffers from series to series.
type scorer struct {
	p     *Params
	env   *detect.Env
	nsrc  int
	out   []finding.Finding
	times []int64
	sizes []uint32
	buf   scratch
}

// fire scores a candidate and keeps its finding; it reports whether it was a beacon.
func (sc *scorer) fire(c candidate) bool {
	f, ok := sc.finding(c)
	if ok {
		sc.out = append(sc.out, f)
	}
	return ok
}

// finding scores a candidate; ok is false when it is not a beacon.
func (sc *scorer) finding(c candidate) (finding.Finding, bool) {
	p := sc.p
	s := c.s
	if int(s.n) < p.MinConnections || int(s.n) >= p.MaxPoints {
		return finding.Finding{}, false // too few calls, or a strobe: too many to be a heartbeat
	}
	sc.times, sc.sizes = s.calls(sc.times, sc.sizes)
	times := sc.times
	an := analyze(times, sc.sizes, s.sized, sc.env.Window, &sc.buf)
	minTiming := p.MinTiming
	if c.via&viaQuery != 0 {
		minTiming = max(minTiming, p.DNSMinTiming)
	}
	if an.unique < p.MinConnections || an.ts < minTiming || int64(an.last-an.first) < p.MinSpan.Micros() {
		return finding.Finding{}, false
	}
	if c.via&viaQuery != 0 && c.ttl > 0 && an.period >= 0.8*float64(c.ttl) && an.period <= 1.5*float64(c.ttl)+30 {
		return finding.Finding{}, false // lookups as the cached answer expires: a name in constant use, not a heartbeat
	}
	score := an.score
	var mods []string
	share := 0.0
	if sc.nsrc > 0 {
		share = float64(c.sources) / float64(sc.nsrc)
	}
	switch {
	case p.CommonSources > 0 && c.sources >= p.CommonSources:
		score -= p.CommonPenalty
		mods = append(mods, fmt.Sprintf("-%.2f common destination (%d sources)", p.CommonPenalty, c.sources))
	case sc.nsrc >= p.PrevalenceMinSources:
		switch {
		case share >= p.CommonShare:
			score -= p.CommonPenalty
			mods = append(mods, fmt.Sprintf("-%.2f common destination (%.0f%% of sources)", p.CommonPenalty, 100*share))
		case share <= p.RareShare:
			score += p.RareBonus
			mods = append(mods, fmt.Sprintf("+%.2f rare destination (%.1f%% of sources)", p.RareBonus, 100*share))
		}
	}
	// Few calls are thin evidence: a handful of random visits can look regular. Until
	// full_evidence calls the score is pulled toward fewCallsAnchor (below any reporting
	// threshold), so that few calls fire only when near-perfectly regular.
	if full := p.FullEvidence; full > 1 && an.unique < full && score > fewCallsAnchor {
		conf := float64(an.unique-1) / float64(full-1)
		score = fewCallsAnchor + (score-fewCallsAnchor)*conf
		mods = append(mods, fmt.Sprintf("x%.2f few calls (%d)", conf, an.unique))
	}
	if score < p.MinScore {
		return finding.Finding{}, false
	}
	risk := int(math.Round(20 + (score-0.5)*100))
	if c.failed {
		risk -= 10
	}
	f := detect.Base(info, risk)
	f.Entities = finding.Entities{Src: c.src.String(), DstHost: c.name, App: appOf(c)}
	if len(c.dsts) > 0 {
		f.Entities.Dst = c.dsts[0].String()
	}
	f.Entities.DstPort = c.port
	f.First, f.Last = an.first, an.last
	f.Summary = summary(c, an, score, mods)
	if c.via&viaHost != 0 {
		f.Summary += hostOnly
	}
	f.Figures = figures(c, an, score, share, mods, s, times)
	for _, it := range s.evidence() {
		f.Evidence = append(f.Evidence, finding.Evidence{Ref: it.ref, TS: it.ts})
	}
	return f, true
}

func appOf(c candidate) string {
	switch {
	case c.via&viaProxy != 0:
		return "http-proxy"
	case c.via&viaTLS != 0:
		return "tls"
	case c.via&viaHTTP != 0:
		return "http"
	case c.via&viaDNS != 0:
		return "dns-name"
	case c.via&viaQuery != 0:
		return "dns"
	}
	return ""
}

// hostOnly is said of a series that only host logs saw.
const hostOnly = " Seen in host logs only (process network connections: no byte counts)."

func band(score float64) string {
	switch {
	case score >= 0.9:
		return "high"
	case score >= 0.7:
		return "medium"
	}
	return "low"
}

func summary(c candidate, an analysis, score float64, mods []string) string {
	var b strings.Builder
	to := destination(c)
	what := "called"
	if c.failed {
		what = "tried (and failed) to reach"
	}
	fmt.Fprintf(&b, "%s %s %s every %s", c.src, what, to, finding.HumanSeconds(an.period))
	if an.jitter >= 0.05 {
		fmt.Fprintf(&b, " (jitter ±%.0f%%)", 100*min(an.jitter, 2))
	}
	fmt.Fprintf(&b, ", %s times over %s", finding.Commas(an.calls), finding.HumanSeconds(float64(an.last-an.first)/1e6))
	if an.sized {
		fmt.Fprintf(&b, ", ~%s B sent each", finding.Commas(int64(an.sizeMedian)))
	}
	fmt.Fprintf(&b, "; beacon score %.2f (%s: timing %.2f", score, band(score), an.ts)
	if an.sized {
		fmt.Fprintf(&b, ", size %.2f", an.ds)
	}
	fmt.Fprintf(&b, ", histogram %.2f, duration %.2f", an.hist, an.dur)
	for _, m := range mods {
		b.WriteString(", " + m)
	}
	b.WriteString(")")
	return b.String()
}

func destination(c candidate) string {
	if c.via&viaQuery != 0 {
		to := "names under " + c.name + " (DNS lookups"
		if len(c.dsts) == 1 {
			to += " to " + c.dsts[0].String()
		}
		return to + ")"
	}
	var to string
	switch {
	case c.name != "" && len(c.dsts) > 1:
		to = fmt.Sprintf("%s (%d addresses)", c.name, len(c.dsts))
	case c.name != "" && len(c.dsts) == 1:
		to = fmt.Sprintf("%s (%s)", c.name, c.dsts[0])
	case c.name != "":
		to = c.name
	case len(c.dsts) > 0:
		to = c.dsts[0].String()
	}
	if c.port != 0 {
		to += fmt.Sprintf(":%d", c.port)
	}
	if c.via&viaProxy != 0 {
		to += " through a proxy"
	}
	if c.via&viaDNS != 0 {
		to += " (by the name it resolved)"
	}
	return to
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func figures(c candidate, an analysis, score, share float64, mods []string, s *series, times []int64) []finding.Figure {
	fs := []finding.Figure{
		finding.Fig("score", round(score), finding.Score),
		finding.Fig("period", round(an.period), finding.Seconds),
		finding.Fig("jitter", round(100*an.jitter), finding.Percent),
		finding.Fig("connections", an.calls, finding.Count),
		finding.Fig("span", round(float64(an.last-an.first)/1e6), finding.Seconds),
		finding.Fig("timing", round(an.ts), finding.Score),
		finding.Fig("timing_skew", round(an.tsSkew), finding.Score),
		finding.Fig("timing_mad", round(an.tsMAD), finding.Score),
		finding.Fig("timing_fine", round(an.tsFine), finding.Score),
		finding.Fig("periodicity", round(an.periodicity), finding.Score),
		finding.Fig("timing_period", round(an.tsPeriod), finding.Score),
	}
	if an.sized {
		fs = append(fs,
			finding.Fig("size", round(an.ds), finding.Score),
			finding.Fig("size_skew", round(an.dsSkew), finding.Score),
			finding.Fig("size_mad", round(an.dsMAD), finding.Score),
			finding.Fig("size_median", int64(an.sizeMedian), finding.Bytes))
	}
	fs = append(fs,
		finding.Fig("histogram", round(an.hist), finding.Score),
		finding.Fig("histogram_cv", round(an.histCV), finding.Score),
		finding.Fig("histogram_bimodal", round(an.histBimodal), finding.Score),
		finding.Fig("duration", round(an.dur), finding.Score),
		finding.Fig("duration_span", round(an.durSpan), finding.Score),
		finding.Fig("duration_run", round(an.durRun), finding.Score),
		finding.Fig("sources_share", round(100*share), finding.Percent))
	if len(mods) > 0 {
		fs = append(fs, finding.Fig("modifiers", strings.Join(mods, "; "), finding.Text))
	}
	if len(c.dsts) > 1 {
		var ds []string
		for _, d := range c.dsts[:min(len(c.dsts), 8)] {
			ds = append(ds, d.String())
		}
		if len(c.dsts) > 8 {
			ds = append(ds, fmt.Sprintf("(and %d more)", len(c.dsts)-8))
		}
		fs = append(fs, finding.Fig("addresses", strings.Join(ds, " "), finding.Text))
	}
	if len(c.ports) > 1 {
		var ps []string
		for _, p := range c.ports {
			ps = append(ps, fmt.Sprint(p))
		}
		fs = append(fs, finding.Fig("ports", strings.Join(ps, " "), finding.Text))
	}
	if c.failed {
		fs = append(fs, finding.Fig("signal", "connections that never completed", finding.Text))
	} else if c.failedCalls > 0 {
		fs = append(fs, finding.Fig("failed_not_counted", c.failedCalls, finding.Count))
	}
	if s.dropped > 0 {
		fs = append(fs, finding.Fig("calls_out_of_range", int64(s.dropped), finding.Count))
	}
	fs = append(fs, finding.Fig("hourly", hourly(times), finding.HistogramUnit))
	return fs
}
