package dnstunnel

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/dnsname"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/output"
)

// The analytic groups a finding's reasons fall in.
const (
	gSubdomains = "subdomains"
	gNames      = "names"
	gVolume     = "volume"
	gSignature  = "signature"
)

// reason is one analytic that fired.
type reason struct {
	group string
	risk  int
	text  string
	nx    bool // the NXDOMAIN rule
}

// pairRef is a pair with its key.
type pairRef struct {
	key pairKey
	p   *pair
}

// scorer holds what scoring shares.
type scorer struct {
	d          *Detection
	a          *Aggregator
	env        *detect.Env
	resolvers  map[[16]byte]string // why each resolver is one
	byDomain   map[string][]pairRef
	byClient   map[[16]byte][]pairRef
	domClients map[string]int // non-resolver clients of each domain
	top        map[string]bool
	outlierMin float64 // queries longer than this are length outliers
	lenMean    float64
	lenStd     float64
}

// Score turns the merged state into one finding per client and domain, and one per client
// whose volume no single domain explains.
func (d *Detection) Score(agg detect.Aggregator, env *detect.Env) ([]finding.Finding, error) {
	a := agg.(*Aggregator)
	p := &d.p
	sc := &scorer{d: d, a: a, env: env, resolvers: map[[16]byte]string{},
		byDomain: map[string][]pairRef{}, byClient: map[[16]byte][]pairRef{}, domClients: map[string]int{}, top: map[string]bool{}}
	for k, p := range a.pairs.All() {
		r := pairRef{k, p}
		sc.byDomain[k.domain] = append(sc.byDomain[k.domain], r)
		sc.byClient[k.client] = append(sc.byClient[k.client], r)
	}
	sc.findResolvers()
	for dom, refs := range sc.byDomain {
		for _, r := range refs {
			if _, res := sc.resolvers[r.key.client]; !res {
				sc.domClients[dom]++
			}
		}
	}
	sc.topDomains()
	if n := float64(a.lens.n); n > 1 {
		sc.lenMean = a.lens.sum / n
		sc.lenStd = math.Sqrt(max(0, a.lens.sumSq/n-sc.lenMean*sc.lenMean))
		sc.outlierMin = sc.lenMean + d.p.OutlierSigmas*sc.lenStd
	}

	type scored struct {
		ref pairRef
		f   finding.Finding
		vol bool // a volume reason fired
	}
	var pairs []scored
	for _, refs := range sc.byDomain {
		for _, r := range refs {
			if f, vol, ok := sc.pairFinding(r); ok {
				pairs = append(pairs, scored{r, f, vol})
			}
		}
	}
	// Resolvers: a resolver's finding for a domain that real clients also have findings for is
	// the same tunnel forwarded; it is folded into theirs.
	real := map[string][]int{}
	for i, s := range pairs {
		if _, res := sc.resolvers[s.ref.key.client]; !res {
			real[s.ref.key.domain] = append(real[s.ref.key.domain], i)
		}
	}
	var out []finding.Finding
	volClients := map[[16]byte]bool{}
	for _, s := range pairs {
		why, res := sc.resolvers[s.ref.key.client]
		if res && len(real[s.ref.key.domain]) > 0 {
			for _, i := range real[s.ref.key.domain] {
				f := &pairs[i].f
				f.Summary += fmt.Sprintf("; also forwarded by resolver %s", addr(s.ref.key.client))
			}
			continue
		}
		if res {
			s.f.Summary += fmt.Sprintf("; %s is a resolver (%s): the client is behind it%s", addr(s.ref.key.client), why, sc.askers(s.ref.key.domain))
			s.f.Figures = append(s.f.Figures, finding.Fig("resolver", true, finding.Text))
		}
		if s.vol {
			volClients[s.ref.key.client] = true
		}
	}
	// Fleets: a domain that fleet_clients clients or more send long, encoded or many names to,
	// with no signature and no volume, is a service that carries data in names (antivirus
	// reputation, telemetry, the company's own domain) or one implant on many hosts: one
	// finding for the domain, lower.
	fleet := map[string][]finding.Finding{}
	for _, s := range pairs {
		res := false
		if _, res = sc.resolvers[s.ref.key.client]; res && len(real[s.ref.key.domain]) > 0 {
			continue
		}
		groups, _ := s.f.Figure("analytics").(string)
		quiet := !strings.Contains(groups, gSignature) && !strings.Contains(groups, gVolume)
		switch {
		case res && quiet && !strings.Contains(groups, gNames):
			continue // a resolver asks for many names under every busy zone
		case !res && quiet && p.FleetClients > 0 && sc.domClients[s.ref.key.domain] >= p.FleetClients:
			fleet[s.ref.key.domain] = append(fleet[s.ref.key.domain], s.f)
			continue
		}
		out = append(out, s.f)
	}
	for dom, fs := range fleet {
		out = append(out, fleetFinding(dom, fs, sc.domClients[dom]))
	}
	for client, refs := range sc.byClient {
		if _, res := sc.resolvers[client]; res || volClients[client] {
			continue
		}
		if f, ok := sc.clientFinding(client, refs); ok {
			out = append(out, f)
		}
	}
	finding.Sort(out)
	if d.p.MaxFindings > 0 && len(out) > d.p.MaxFindings {
		out = out[:d.p.MaxFindings]
	}
	return out, nil
}

func addr(a [16]byte) netip.Addr { return netip.AddrFrom16(a).Unmap() }

// findResolvers marks the configured resolvers, the hosts many internal clients ask, and the
// clients that ask for names under very many domains.
func (sc *scorer) findResolvers() {
	p := &sc.d.p
	for client, refs := range sc.byClient {
		a := addr(client)
		switch {
		case sc.d.resolvers.Contains(a):
			sc.resolvers[client] = "configured"
		case p.ResolverDomains > 0 && len(refs) >= p.ResolverDomains:
			sc.resolvers[client] = fmt.Sprintf("asks for names under %s domains", finding.Commas(int64(len(refs))))
		}
	}
	if p.ResolverClients > 0 {
		for server, s := range sc.a.servers.All() {
			if _, asks := sc.byClient[server]; asks && s.Len() >= p.ResolverClients {
				if _, known := sc.resolvers[server]; !known {
					sc.resolvers[server] = fmt.Sprintf("%d or more internal clients ask it", p.ResolverClients)
				}
			}
		}
	}
}

// topDomains are the domains most clients ask for, whose NXDOMAIN answers do not count.
func (sc *scorer) topDomains() {
	type dc struct {
		dom     string
		clients int
	}
	var all []dc
	for dom, n := range sc.domClients {
		all = append(all, dc{dom, n})
	}
	slices.SortFunc(all, func(x, y dc) int {
		if c := cmp.Compare(y.clients, x.clients); c != 0 {
			return c
		}
		return strings.Compare(x.dom, y.dom)
	})
	for i := 0; i < len(all) && i < sc.d.p.TopDomains; i++ {
		if all[i].clients > 1 { // a domain one client asks for is nobody's top domain
			sc.top[all[i].dom] = true
		}
	}
}

// askers names the real clients that asked for names under a domain, most names first.
func (sc *scorer) askers(dom string) string {
	var refs []pairRef
	for _, r := range sc.byDomain[dom] {
		if _, res := sc.resolvers[r.key.client]; !res {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return ""
	}
	slices.SortFunc(refs, func(x, y pairRef) int {
		if c := cmp.Compare(y.p.names.n, x.p.names.n); c != 0 {
			return c
		}
		return addr(x.key.client).Compare(addr(y.key.client))
	})
	var s []string
	for _, r := range refs[:min(len(refs), 5)] {
		s = append(s, fmt.Sprintf("%s (%s names)", addr(r.key.client), finding.Commas(r.p.names.n)))
	}
	return "; clients seen asking for names under it: " + strings.Join(s, ", ")
}

// bandRisk maps a count onto RITA's bands: the four thresholds give risk 20, 40, 60 and 80,
// linearly between them.
func bandRisk(n int64, bands []int) int {
	risks := []float64{20, 40, 60, 80}
	if n < int64(bands[0]) {
		return 0
	}
	for i := len(bands) - 1; i >= 0; i-- {
		if n >= int64(bands[i]) {
			if i == len(bands)-1 {
				return int(risks[i])
			}
			f := float64(n-int64(bands[i])) / float64(bands[i+1]-bands[i])
			return int(math.Round(risks[i] + f*(risks[i+1]-risks[i])))
		}
	}
	return 0
}

func bandName(risk int) string { return finding.SeverityFor(risk).String() }

func bandList(bands []int) string {
	var s []string
	for _, b := range bands {
		s = append(s, finding.Commas(int64(b)))
	}
	return strings.Join(s, " / ")
}

// span writes a duration for people: 15m, 1h, 90s.
func span(d detect.Duration) string {
	s := d.Std().String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// peaks are a series of minutes' highest figures.
type peaks struct {
	q, bytes, txt int64
	qAt, bytesAt  int32
	txtAt         int32
	nx            int64 // the most NXDOMAIN answers within the window
	nxAt          int32 // the window's first minute
}

// sortedMinutes merges minute buckets into one sorted series.
func sortedMinutes(ms []minute) []minute {
	out := slices.Clone(ms)
	slices.SortFunc(out, func(x, y minute) int { return cmp.Compare(x.at, y.at) })
	j := 0
	for i := range out {
		if j > 0 && out[j-1].at == out[i].at {
			m := &out[j-1]
			m.q = satAdd32(m.q, out[i].q)
			m.bytes = satAdd32(m.bytes, out[i].bytes)
			m.txt = uint16(min(int(m.txt)+int(out[i].txt), 1<<16-1))
			m.nx = uint16(min(int(m.nx)+int(out[i].nx), 1<<16-1))
			continue
		}
		out[j] = out[i]
		j++
	}
	return out[:j]
}

// peaksOf finds the busiest minutes of a sorted series; nxWindow is in minutes.
func peaksOf(ms []minute, nxWindow int32) peaks {
	var pk peaks
	var nx int64
	lo := 0
	for i, m := range ms {
		if int64(m.q) > pk.q {
			pk.q, pk.qAt = int64(m.q), m.at
		}
		if int64(m.bytes) > pk.bytes {
			pk.bytes, pk.bytesAt = int64(m.bytes), m.at
		}
		if int64(m.txt) > pk.txt {
			pk.txt, pk.txtAt = int64(m.txt), m.at
		}
		nx += int64(m.nx)
		for ms[lo].at <= m.at-nxWindow {
			nx -= int64(ms[lo].nx)
			lo++
		}
		if nx > pk.nx {
			pk.nx, pk.nxAt = nx, ms[lo].at
		}
		_ = i
	}
	return pk
}

func minuteTime(at int32) string {
	return event.Time(int64(at) * 60_000_000).Std().UTC().Format("2006-01-02 15:04Z")
}

// volumeReasons applies the per-minute rules to a series' peaks.
func (sc *scorer) volumeReasons(pk peaks, nxCounts bool) []reason {
	p := &sc.d.p
	var rs []reason
	if pk.q > int64(p.QueriesPerMinute) {
		rs = append(rs, reason{group: gVolume, risk: 40, text: fmt.Sprintf("%s queries in one minute (%s; more than %s)", finding.Commas(pk.q), minuteTime(pk.qAt), finding.Commas(int64(p.QueriesPerMinute)))})
	}
	if pk.bytes > p.BytesPerMinute {
		rs = append(rs, reason{group: gVolume, risk: 40, text: fmt.Sprintf("%s of names in one minute (%s; more than %s)", output.HumanBytes(pk.bytes), minuteTime(pk.bytesAt), output.HumanBytes(p.BytesPerMinute))})
	}
	if pk.txt > int64(p.TXTPerMinute) {
		rs = append(rs, reason{group: gVolume, risk: 30, text: fmt.Sprintf("%s TXT/NULL/ANY queries in one minute (%s; more than %d)", finding.Commas(pk.txt), minuteTime(pk.txtAt), p.TXTPerMinute)})
	}
	if nxCounts && pk.nx > int64(p.NXDomains) {
		rs = append(rs, reason{group: gVolume, risk: 30, text: fmt.Sprintf("%s NXDOMAIN answers within %s (from %s; more than %d)", finding.Commas(pk.nx), span(p.NXDomainWindow), minuteTime(pk.nxAt), p.NXDomains), nx: true})
	}
	return rs
}

// nxWindow is the NXDOMAIN window in whole minutes, at least one.
func (sc *scorer) nxWindow() int32 {
	return int32(max(1, min(sc.d.p.NXDomainWindow.Micros()/60_000_000, 1<<30)))
}

// minVolume is the fewest queries that can break a volume rule.
func (sc *scorer) minVolume() int64 {
	p := &sc.d.p
	return int64(min(p.QueriesPerMinute, p.TXTPerMinute, p.NXDomains, int(min(p.BytesPerMinute/255, 1<<30))))
}

// pairFinding scores one client and domain.
func (sc *scorer) pairFinding(r pairRef) (finding.Finding, bool, bool) {
	p := &sc.d.p
	pr := r.p
	dom := r.key.domain
	var rs []reason
	var figs []finding.Figure

	// 1. Unique subdomains.
	names := pr.names.n
	domNames := names
	clients := sc.domClients[dom]
	if clients > 1 && clients <= p.FewClients {
		domNames = sc.domainNames(dom)
	}
	count := names
	if clients <= p.FewClients {
		count = max(count, domNames)
	}
	if risk := bandRisk(count, p.SubdomainBands); risk > 0 {
		text := fmt.Sprintf("unique names in the %s band (RITA's %s)", bandName(risk), bandList(p.SubdomainBands))
		if count > names {
			text = fmt.Sprintf("%s unique names from the domain's %d clients, %s", finding.Commas(count), clients, text)
		}
		rs = append(rs, reason{group: gSubdomains, risk: risk, text: text})
	}
	burst, burstAt := int64(0), event.Time(0)
	if names > int64(p.BurstNames) {
		burst, burstAt = pr.burst(p.BurstWindow.Micros())
		if burst > int64(p.BurstNames) {
			rs = append(rs, reason{group: gSubdomains, risk: 40, text: fmt.Sprintf("%s new names within %s (from %s; more than %d)", finding.Commas(burst), span(p.BurstWindow), burstAt.Std().UTC().Format("2006-01-02 15:04:05Z"), p.BurstNames)})
		}
	}
	figs = append(figs, finding.Fig("unique_names", names, finding.Count))
	if count > names {
		figs = append(figs, finding.Fig("domain_unique_names", count, finding.Count))
	}
	figs = append(figs, finding.Fig("domain_clients", clients, finding.Count))
	if burst > 0 {
		figs = append(figs, finding.Fig("burst_names", burst, finding.Count))
	}

	// 2. Long and encoded names; 4. signatures.
	var flagged, encoded, long, chunked int64
	var alphabets [dnsname.Raw + 1]int64
	sigNames := map[int]int64{}
	outliers := int64(0)
	if x := pr.ext; x != nil {
		for _, b := range x.flagged {
			if b&(bitLong|bitEncoded) != 0 {
				flagged++
			}
			if b&bitEncoded != 0 {
				encoded++
				alphabets[b.alphabet()]++
			}
			if b&bitLong != 0 {
				long++
			}
			if b&bitChunked != 0 {
				chunked++
			}
			if s := b.sig(); s > 0 {
				sigNames[s-1]++
			}
		}
		if sc.outlierMin > 0 {
			floor := max(sc.outlierMin, outlierFloor-1)
			for _, l := range x.lens {
				if float64(l) > floor {
					outliers++
				}
			}
		}
	}
	share := 0.0
	if names > 0 {
		share = float64(flagged) / float64(names)
	}
	if flagged >= int64(p.MinFlagged) && (share >= p.FlaggedShare || flagged >= 10*int64(p.MinFlagged)) {
		risk := 30
		what := "long"
		if encoded > 0 {
			risk = 40
			what = "encoded (" + alphabetList(alphabets) + ")"
			if long > 0 {
				what = "long or " + what
			}
		}
		risk += int(min(20, 10*math.Log10(float64(flagged)/float64(p.MinFlagged))))
		rs = append(rs, reason{group: gNames, risk: risk, text: fmt.Sprintf("%s of its names %s (%.0f%%), up to %d characters, e.g. %s",
			finding.Commas(flagged), what, 100*share, pr.ext.longest, finding.Clip(pr.ext.flaggedExample, 120))})
	}
	if chunked >= int64(p.MinChunks) {
		rs = append(rs, reason{group: gNames, risk: 50, text: fmt.Sprintf("%s names with a chunk index label (<n>-<data>)", finding.Commas(chunked))})
	}
	if outliers >= int64(p.MinOutliers) {
		rs = append(rs, reason{group: gNames, risk: 10, text: fmt.Sprintf("%s names longer than %.0f characters (mean %.1f + %.0f x %.1f of all queries)",
			finding.Commas(outliers), sc.outlierMin, sc.lenMean, p.OutlierSigmas, sc.lenStd)})
	}
	if flagged > 0 {
		figs = append(figs, finding.Fig("flagged_names", flagged, finding.Count), finding.Fig("encoded_names", encoded, finding.Count),
			finding.Fig("long_names", long, finding.Count))
		if pr.ext.flaggedExample != "" {
			figs = append(figs, finding.Fig("example", finding.Clip(pr.ext.flaggedExample, 200), finding.Text))
		}
	}
	if chunked > 0 {
		figs = append(figs, finding.Fig("chunked_names", chunked, finding.Count))
	}
	if outliers > 0 {
		figs = append(figs, finding.Fig("length_outlier_names", outliers, finding.Count))
	}
	var sigs []string
	for i, n := range sigNames {
		s := &sc.d.sigList[i]
		if n >= int64(max(s.MinNames, 1)) {
			rs = append(rs, reason{group: gSignature, risk: s.Risk, text: fmt.Sprintf("%s %s's signature %s (%s)", matches(n), s.Tool, s.Name, strings.TrimSuffix(strings.TrimSpace(s.About), "."))})
			sigs = append(sigs, s.Name)
		}
	}
	if len(sigs) > 0 {
		slices.Sort(sigs)
		figs = append(figs, finding.Fig("signatures", strings.Join(sigs, " "), finding.Text))
	}

	// 3. Volume.
	vol := false
	if pr.queries > sc.minVolume() {
		ms := sortedMinutes(pr.minutes)
		pk := peaksOf(ms, sc.nxWindow())
		vr := sc.volumeReasons(pk, !sc.top[dom])
		vol = len(vr) > 0
		rs = append(rs, vr...)
		figs = append(figs, finding.Fig("peak_queries_per_minute", pk.q, finding.Count), finding.Fig("peak_bytes_per_minute", pk.bytes, finding.Bytes),
			finding.Fig("peak_txt_per_minute", pk.txt, finding.Count), finding.Fig("peak_nxdomain", pk.nx, finding.Count))
	}
	if x := pr.ext; x != nil && x.txt.n >= int64(p.MinLongTXT) {
		rs = append(rs, reason{group: gVolume, risk: 20, text: fmt.Sprintf("%s distinct TXT answers over %d characters", finding.Commas(x.txt.n), p.LongTXT)})
		figs = append(figs, finding.Fig("long_txt_answers", x.txt.n, finding.Count))
	}
	if len(rs) == 0 {
		return finding.Finding{}, false, false
	}

	// One finding: the strongest reason, 5 more for each other analytic that fired, 10 more
	// when no host ever connected to what the names resolved to.
	slices.SortStableFunc(rs, func(x, y reason) int { return cmp.Compare(y.risk, x.risk) })
	groups := map[string]bool{}
	for _, x := range rs {
		groups[x.group] = true
	}
	risk := rs[0].risk + 5*(len(groups)-1)
	var notes []string
	if sc.a.sawConn && sc.d.p.CheckConnections && rs[0].risk >= 20 {
		if ok, n := sc.connected(dom, pr.first.ts); !ok {
			risk += 10
			if n == 0 {
				notes = append(notes, "its names never resolved to an address")
			} else {
				notes = append(notes, fmt.Sprintf("no host connected to the %d addresses its names resolved to", n))
			}
			figs = append(figs, finding.Fig("never_connected", true, finding.Text))
		}
	}
	f := detect.Base(info, min(risk, 100))
	f.Entities = finding.Entities{Src: addr(r.key.client).String(), DstHost: dom, Domain: dom, App: "dns", DstPort: 53}
	if a := pr.server.Addr; a.IsValid() {
		f.Entities.Dst = a.String() // the server it asked first: a resolver, or the tunnel's own
	}
	f.First, f.Last = pr.first.ts, pr.last.ts
	var texts []string
	for _, x := range rs {
		texts = append(texts, x.text)
	}
	var gs []string
	for g := range groups {
		gs = append(gs, g)
	}
	slices.Sort(gs)
	f.Summary = fmt.Sprintf("%s sent %s for %s under %s: %s", addr(r.key.client), finding.Plural(pr.queries, "query"),
		finding.Plural(names, "unique name"), dom, strings.Join(append(texts, notes...), "; "))
	f.Figures = append([]finding.Figure{finding.Fig("analytics", strings.Join(gs, " "), finding.Text),
		finding.Fig("queries", pr.queries, finding.Count), finding.Fig("question_bytes", pr.qbytes, finding.Bytes)}, figs...)
	f.Evidence = sc.evidence(pr)
	return f, vol, true
}

func alphabetList(a [dnsname.Raw + 1]int64) string {
	type ac struct {
		a dnsname.Alphabet
		n int64
	}
	var l []ac
	for i, n := range a {
		if n > 0 {
			l = append(l, ac{dnsname.Alphabet(i), n})
		}
	}
	slices.SortFunc(l, func(x, y ac) int { return cmp.Compare(y.n, x.n) })
	var s []string
	for _, x := range l {
		s = append(s, x.a.String())
	}
	return strings.Join(s, ", ")
}

// evidence is the pair's flagged queries, longest first, or its first and last query.
func (sc *scorer) evidence(pr *pair) []finding.Evidence {
	if x := pr.ext; x != nil && x.ev.Len() > 0 {
		return x.ev.Evidence(func(it detect.Item) string { return fmt.Sprintf("%d-character name", it.Rank) })
	}
	var s detect.Sample
	s.Add(2, pr.first.item())
	s.Add(2, pr.last.item())
	return s.Evidence(func(detect.Item) string { return "" })
}

// domainNames counts the distinct names under a domain from all its clients.
func (sc *scorer) domainNames(dom string) int64 {
	seen := map[uint64]struct{}{}
	var extra int64
	for _, r := range sc.byDomain[dom] {
		r.p.names.each(func(h uint64, _ event.Time) { seen[h] = struct{}{} })
		extra += r.p.names.n - int64(min(r.p.names.n, 2)) - int64(len(r.p.names.more))
	}
	return int64(len(seen)) + extra
}

// connected reports whether any host connected to an address the domain's names resolved to,
// at or after since (less a minute); n is how many addresses the domain has.
func (sc *scorer) connected(dom string, since event.Time) (bool, int) {
	di := sc.a.domains.Lookup(dom)
	if di == nil {
		return false, 0
	}
	addrs := di.addrs.Addrs()
	for _, ip := range addrs {
		if t := sc.a.conns.Lookup(ip.As16()); t != nil && *t >= since-60_000_000 {
			return true, len(addrs)
		}
	}
	return false, len(addrs)
}

// burst is the most names first asked within a window, and when that window starts.
func (p *pair) burst(window int64) (int64, event.Time) {
	times := make([]event.Time, 0, p.names.n)
	p.names.each(func(_ uint64, ts event.Time) { times = append(times, ts) })
	slices.Sort(times)
	best, at := 0, event.Time(0)
	lo := 0
	for i, t := range times {
		for int64(t-times[lo]) >= window {
			lo++
		}
		if i-lo+1 > best {
			best, at = i-lo+1, times[lo]
		}
	}
	return int64(best), at
}

// clientFinding reports a client whose volume breaks a rule over all its domains together
// though no pair of its does.
func (sc *scorer) clientFinding(client [16]byte, refs []pairRef) (finding.Finding, bool) {
	var total int64
	for _, r := range refs {
		total += r.p.queries
	}
	if total <= sc.minVolume() {
		return finding.Finding{}, false
	}
	var all, nxAll []minute
	for _, r := range refs {
		all = append(all, r.p.minutes...)
		if !sc.top[r.key.domain] {
			nxAll = append(nxAll, r.p.minutes...)
		}
	}
	window := sc.nxWindow()
	pk := peaksOf(sortedMinutes(all), window)
	nxpk := peaksOf(sortedMinutes(nxAll), window)
	pk.nx, pk.nxAt = nxpk.nx, nxpk.nxAt
	rs := sc.volumeReasons(pk, true)
	if len(rs) == 0 {
		return finding.Finding{}, false
	}
	slices.SortStableFunc(rs, func(x, y reason) int { return cmp.Compare(y.risk, x.risk) })
	// the domains behind the busiest minute (NXDOMAIN: the window)
	nx := rs[0].nx
	at := pk.qAt
	if nx {
		at = pk.nxAt
	}
	type dn struct {
		dom string
		n   int64
	}
	var doms []dn
	var first, last stamp
	for i, r := range refs {
		var n int64
		for _, m := range r.p.minutes {
			switch {
			case nx && m.at >= at && m.at < at+window:
				n += int64(m.nx)
			case !nx && m.at == at:
				n += int64(m.q)
			}
		}
		if n > 0 {
			doms = append(doms, dn{r.key.domain, n})
		}
		if i == 0 || r.p.first.earlier(first) {
			first = r.p.first
		}
		if i == 0 || last.earlier(r.p.last) {
			last = r.p.last
		}
	}
	slices.SortFunc(doms, func(x, y dn) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return strings.Compare(x.dom, y.dom)
	})
	var top []string
	for _, d := range doms[:min(len(doms), 5)] {
		if d.n > 1 {
			top = append(top, fmt.Sprintf("%s %s", d.dom, finding.Commas(d.n)))
		} else {
			top = append(top, d.dom)
		}
	}
	f := detect.Base(info, rs[0].risk)
	f.Entities = finding.Entities{Src: addr(client).String(), App: "dns"}
	f.First, f.Last = first.ts, last.ts
	var texts []string
	for _, x := range rs {
		texts = append(texts, x.text)
	}
	f.Summary = fmt.Sprintf("%s sent %s under %s: %s; no single domain explains it: the peak spreads over %s (%s)",
		addr(client), finding.Plural(total, "query"), finding.Plural(int64(len(refs)), "domain"), strings.Join(texts, "; "),
		finding.Plural(int64(len(doms)), "domain"), strings.Join(top, ", "))
	f.Figures = []finding.Figure{
		finding.Fig("analytics", gVolume, finding.Text),
		finding.Fig("queries", total, finding.Count),
		finding.Fig("domains", len(refs), finding.Count),
		finding.Fig("peak_queries_per_minute", pk.q, finding.Count),
		finding.Fig("peak_bytes_per_minute", pk.bytes, finding.Bytes),
		finding.Fig("peak_txt_per_minute", pk.txt, finding.Count),
		finding.Fig("peak_nxdomain", pk.nx, finding.Count),
		finding.Fig("peak_domains", strings.Join(top, ", "), finding.Text),
	}
	var s detect.Sample
	s.Add(2, first.item())
	s.Add(2, last.item())
	f.Evidence = s.Evidence(func(detect.Item) string { return "" })
	return f, true
}

// fleetFinding reports the clients of a domain whose findings are names or unique subdomains
// only, as one finding 30 lower than the strongest of them.
func fleetFinding(dom string, fs []finding.Finding, clients int) finding.Finding {
	finding.Sort(fs)
	top := fs[0]
	f := top
	f.Risk = max(10, top.Risk-30)
	f.Severity = finding.SeverityFor(f.Risk)
	f.Entities.Src, f.Entities.Dst = "", ""
	var srcs []string
	for _, x := range fs {
		srcs = append(srcs, x.Entities.Src)
		if x.First < f.First {
			f.First = x.First
		}
		if x.Last > f.Last {
			f.Last = x.Last
		}
	}
	slices.Sort(srcs)
	f.Summary = fmt.Sprintf("%s of the %d clients of %s send it long, encoded or many names: a service that carries data in names (antivirus reputation, telemetry, the company's own domain) or one implant on many hosts; the strongest: %s",
		finding.Plural(int64(len(fs)), "client"), clients, dom, top.Summary)
	f.Figures = append([]finding.Figure{
		finding.Fig("clients", len(fs), finding.Count),
		finding.Fig("client_list", strings.Join(srcs[:min(len(srcs), 50)], " "), finding.Text),
	}, top.Figures...)
	return f
}

// matches writes "1 name matches", "2 names match".
func matches(n int64) string {
	if n == 1 {
		return "1 name matches"
	}
	return finding.Commas(n) + " names match"
}
