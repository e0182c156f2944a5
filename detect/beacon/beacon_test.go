package beacon

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

var day0 = event.FromStd(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))

const sec = event.Time(1e6)

// events is a set of events of several kinds, in the order a test feeds them.
type events struct {
	conns []*event.Conn
	tls   []*event.TLS
	http  []*event.HTTP
	dns   []*event.DNS
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// beaconConns makes n connections from src to dst:port every period with uniform jitter
// (0.3 = +-30 %), each sending size bytes.
func beaconConns(r *rand.Rand, src, dst string, port uint16, start event.Time, period time.Duration, jitter float64, n int, size int64, state string) []*event.Conn {
	var out []*event.Conn
	t := start
	for i := 0; i < n; i++ {
		out = append(out, &event.Conn{
			Meta:  event.Meta{TS: t, Ref: event.Ref{Line: uint32(i + 1)}},
			Flow:  event.Flow{Src: addr(src), SrcPort: uint16(40000 + i%20000), Dst: addr(dst), DstPort: port},
			Proto: "tcp", ConnState: state, Duration: 200_000, OrigBytes: size, RespBytes: 800, OrigIPBytes: size + 40,
		})
		d := float64(period) * (1 + jitter*(2*r.Float64()-1))
		t += event.Time(d / 1e3)
	}
	return out
}

func env(window time.Duration) *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 3,
		Window: detect.Window{First: day0, Last: day0 + event.Time(window/time.Microsecond)}}
}

// run feeds the events to one aggregator (or to two, split in alternation, then merged) and
// scores them.
func run(t *testing.T, p Params, e *detect.Env, ev events, split bool) []finding.Finding {
	t.Helper()
	d := New()
	d.p = p
	aggs := []detect.Aggregator{d.NewAggregator(e), d.NewAggregator(e)}
	pick := func(i int) *Aggregator {
		if split {
			return aggs[i%2].(*Aggregator)
		}
		return aggs[0].(*Aggregator)
	}
	for i, c := range ev.dns {
		pick(i).ObserveDNS(c)
	}
	for i, c := range ev.conns {
		pick(i).ObserveConn(c)
	}
	for i, c := range ev.tls {
		pick(i).ObserveTLS(c)
	}
	for i, c := range ev.http {
		pick(i).ObserveHTTP(c)
	}
	aggs[0].Merge(aggs[1])
	fs, err := d.Score(aggs[0], e)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func fig(f finding.Finding, name string) float64 {
	switch v := f.Figure(name).(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	case int:
		return float64(v)
	}
	return math.NaN()
}

func find(fs []finding.Finding, src, dstOrHost string) *finding.Finding {
	for i := range fs {
		if fs[i].Entities.Src == src && (fs[i].Entities.Dst == dstOrHost || fs[i].Entities.DstHost == dstOrHost) {
			return &fs[i]
		}
	}
	return nil
}

func TestJitter(t *testing.T) {
	for _, tc := range []struct {
		jitter   float64
		minScore float64
	}{{0, 0.9}, {0.1, 0.85}, {0.3, 0.75}, {0.5, 0.65}} {
		r := rand.New(rand.NewPCG(1, uint64(100*tc.jitter)))
		ev := events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0+600*sec, time.Minute, tc.jitter, 1400, 620, "SF")}
		fs := run(t, DefaultParams(), env(24*time.Hour), ev, false)
		f := find(fs, "10.0.0.5", "203.0.113.9")
		if f == nil {
			t.Fatalf("jitter %.0f%%: beacon not found", 100*tc.jitter)
		}
		score, period, jit := fig(*f, "score"), fig(*f, "period"), fig(*f, "jitter")
		if score < tc.minScore {
			t.Errorf("jitter %.0f%%: score %.2f, want >= %.2f (%s)", 100*tc.jitter, score, tc.minScore, f.Summary)
		}
		if math.Abs(period-60) > 6 {
			t.Errorf("jitter %.0f%%: period %.1f s, want about 60", 100*tc.jitter, period)
		}
		// uniform jitter of +-J spreads the middle half of the gaps over J of the period
		if math.Abs(jit/100-tc.jitter) > 0.1 {
			t.Errorf("jitter %.0f%%: reported %.0f%%", 100*tc.jitter, jit)
		}
		if f.Entities.DstPort != 443 || len(f.Evidence) != 2 || f.Figure("hourly") == nil {
			t.Errorf("finding incomplete: %+v", f)
		}
	}
}

func TestPerfectBeaconComponents(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	ev := events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0, 5*time.Minute, 0, 288, 900, "SF")}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, false)
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	f := fs[0]
	for name, want := range map[string]float64{"timing": 1, "size": 1, "histogram": 1, "duration": 1, "score": 1, "period": 300, "jitter": 0, "connections": 288} {
		if got := fig(f, name); math.Abs(got-want) > 0.01 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if f.Severity != finding.High || !strings.Contains(f.Summary, "every 5m00s") {
		t.Errorf("severity %s, summary %q", f.Severity, f.Summary)
	}
}

// A beacon among a busy host's browsing: found, and the browsing is not.
func TestBeaconAmongNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	ev := events{conns: beaconConns(r, "10.0.0.5", "198.51.100.7", 8080, day0+3600*sec, 2*time.Minute, 0.2, 300, 410, "SF")}
	// browsing: 40 sites, visits at random (Poisson) times, bursts of connections per visit
	for s := 0; s < 40; s++ {
		dst := netip.AddrFrom4([4]byte{93, 184, byte(s), 10}).String()
		t0 := day0
		for v := 0; v < 30; v++ {
			t0 += event.Time(r.ExpFloat64() * float64(40*time.Minute/time.Microsecond))
			for k := 0; k < 1+r.IntN(6); k++ {
				ev.conns = append(ev.conns, &event.Conn{Meta: event.Meta{TS: t0 + event.Time(k)*200_000},
					Flow: event.Flow{Src: addr("10.0.0.5"), Dst: addr(dst), DstPort: 443}, Proto: "tcp", ConnState: "SF",
					OrigBytes: int64(300 + r.IntN(3000)), OrigIPBytes: int64(400 + r.IntN(3000))})
			}
		}
	}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, false)
	if find(fs, "10.0.0.5", "198.51.100.7") == nil {
		t.Fatal("the beacon among the browsing was not found")
	}
	for _, f := range fs {
		if f.Entities.Dst != "198.51.100.7" {
			t.Errorf("browsing reported as a beacon: %s", f.Summary)
		}
	}
}

// A burst of regular calls within seconds (a sync, a page load) is not a heartbeat.
func TestBurstIsNotABeacon(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	ev := events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0+7200*sec, 200*time.Millisecond, 0.05, 150, 512, "SF")}
	if fs := run(t, DefaultParams(), env(24*time.Hour), ev, false); len(fs) != 0 {
		t.Errorf("a 30-second burst was reported: %s", fs[0].Summary)
	}
}

// A busy pair all day long, at random times: coverage alone is not a heartbeat.
func TestBusyIrregularPair(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var ev events
	t0 := day0
	for i := 0; i < 3000; i++ {
		t0 += event.Time(r.ExpFloat64() * float64(25*time.Second/time.Microsecond))
		ev.conns = append(ev.conns, &event.Conn{Meta: event.Meta{TS: t0}, Flow: event.Flow{Src: addr("10.0.0.8"), Dst: addr("203.0.113.50"), DstPort: 443},
			Proto: "tcp", ConnState: "SF", OrigBytes: int64(200 + r.IntN(20000)), OrigIPBytes: int64(300 + r.IntN(20000))})
	}
	if fs := run(t, DefaultParams(), env(24*time.Hour), ev, false); len(fs) != 0 {
		t.Errorf("an irregular busy pair was reported: %s", fs[0].Summary)
	}
}

// One name over many CDN addresses: one finding by name (TLS SNI), not one per address.
func TestBeaconOverManyAddresses(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	var ev events
	t0 := day0 + 1000*sec
	for i := 0; i < 200; i++ {
		dst := netip.AddrFrom4([4]byte{104, 16, byte(i % 12), 1})
		ev.tls = append(ev.tls, &event.TLS{Meta: event.Meta{TS: t0}, Flow: event.Flow{Src: addr("10.0.0.9"), Dst: dst, DstPort: 443},
			ServerName: "updates.c2-example.net", Established: true})
		ev.conns = append(ev.conns, &event.Conn{Meta: event.Meta{TS: t0}, Flow: event.Flow{Src: addr("10.0.0.9"), Dst: dst, DstPort: 443},
			Proto: "tcp", ConnState: "SF", OrigIPBytes: 700})
		t0 += event.Time((90 + 20*r.Float64()) * 1e6)
	}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, true)
	if len(fs) != 1 {
		for _, f := range fs {
			t.Log(f.Summary)
		}
		t.Fatalf("want one finding, got %d", len(fs))
	}
	f := fs[0]
	if f.Entities.DstHost != "updates.c2-example.net" || f.Entities.App != "tls" || !strings.Contains(f.Summary, "(12 addresses)") {
		t.Errorf("finding: %+v", f)
	}
	if p := fig(f, "period"); math.Abs(p-100) > 10 {
		t.Errorf("period %.1f", p)
	}
}

// The same by the name DNS answered with, when the traffic itself names nothing.
func TestBeaconByDNSName(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	var ev events
	t0 := day0 + 1000*sec
	for i := 0; i < 200; i++ {
		dst := netip.AddrFrom4([4]byte{104, 17, byte(i % 5), 1})
		ev.dns = append(ev.dns, &event.DNS{Meta: event.Meta{TS: t0 - 50_000}, Flow: event.Flow{Src: addr("10.0.0.9"), Dst: addr("10.0.0.53"), DstPort: 53},
			Query: "Sync.Evil-CDN.example", Answers: event.List{"cname.example", dst.String()}})
		ev.conns = append(ev.conns, &event.Conn{Meta: event.Meta{TS: t0}, Flow: event.Flow{Src: addr("10.0.0.9"), Dst: dst, DstPort: 80},
			Proto: "tcp", ConnState: "SF", OrigIPBytes: 333})
		t0 += event.Time((60 + 10*r.Float64()) * 1e6)
	}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, true)
	if len(fs) != 1 || fs[0].Entities.DstHost != "sync.evil-cdn.example" || fs[0].Entities.App != "dns-name" {
		for _, f := range fs {
			t.Log(f.Summary)
		}
		t.Fatalf("want one finding by DNS name, got %d", len(fs))
	}
}

// Through a proxy: the CONNECT requests and X-Forwarded-For name the real client and host.
func TestBeaconThroughProxy(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	var ev events
	t0 := day0
	for i := 0; i < 150; i++ {
		// the client's CONNECT to the proxy
		ev.http = append(ev.http, &event.HTTP{Meta: event.Meta{TS: t0}, Flow: event.Flow{Src: addr("10.0.0.21"), Dst: addr("10.0.0.3"), DstPort: 3128},
			Method: "CONNECT", Host: "", URI: "beacon.bad-example.org:443", RequestBodyLen: 0})
		// and, seen on the far side of another proxy, plain HTTP with the client in a header
		ev.http = append(ev.http, &event.HTTP{Meta: event.Meta{TS: t0 + 2e6}, Flow: event.Flow{Src: addr("10.0.0.4"), Dst: addr("198.51.100.40"), DstPort: 80},
			Method: "POST", Host: "poll.bad-example.org", URI: "/p", RequestBodyLen: 64, Proxied: event.List{"X-FORWARDED-FOR -> 10.0.0.77"}})
		t0 += event.Time((300 + 30*r.Float64()) * 1e6)
	}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, true)
	got := map[string]string{}
	for _, f := range fs {
		got[f.Entities.Src+" "+f.Entities.DstHost] = f.Entities.App
	}
	want := map[string]string{"10.0.0.21 beacon.bad-example.org": "http-proxy", "10.0.0.77 poll.bad-example.org": "http-proxy"}
	if len(got) != 2 || got["10.0.0.21 beacon.bad-example.org"] != want["10.0.0.21 beacon.bad-example.org"] || got["10.0.0.77 poll.bad-example.org"] != want["10.0.0.77 poll.bad-example.org"] {
		t.Errorf("findings %v, want %v", got, want)
	}
}

// Calls that never completed are their own signal and do not change the beacon's score.
func TestFailedConnections(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 17))
	good := beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0, 3*time.Minute, 0.1, 400, 700, "SF")
	only := run(t, DefaultParams(), env(24*time.Hour), events{conns: good}, false)
	// add random failed attempts to the same destination
	ev := events{conns: slices.Clone(good)}
	for i := 0; i < 300; i++ {
		ev.conns = append(ev.conns, &event.Conn{Meta: event.Meta{TS: day0 + event.Time(r.Int64N(int64(86400*sec)))},
			Flow: event.Flow{Src: addr("10.0.0.5"), Dst: addr("203.0.113.9"), DstPort: 443}, Proto: "tcp", ConnState: "S0", OrigIPBytes: 60})
	}
	mixed := run(t, DefaultParams(), env(24*time.Hour), ev, false)
	a, b := find(only, "10.0.0.5", "203.0.113.9"), find(mixed, "10.0.0.5", "203.0.113.9")
	if a == nil || b == nil || fig(*a, "score") != fig(*b, "score") || fig(*b, "failed_not_counted") != 300 {
		t.Fatalf("failed connections changed the beacon: %v / %v", a, b)
	}
	// a dead C2 that the implant keeps calling: a periodic series of failures
	dead := beaconConns(r, "10.0.0.6", "203.0.113.66", 8443, day0, 5*time.Minute, 0.1, 250, 60, "S0")
	fs := run(t, DefaultParams(), env(24*time.Hour), events{conns: dead}, false)
	if len(fs) != 1 || fs[0].Figure("signal") != "connections that never completed" || !strings.Contains(fs[0].Summary, "tried (and failed)") {
		t.Errorf("periodic failed attempts: %v", fs)
	}
}

// Many hosts on one heartbeat to one destination are one finding (fleet software).
func TestFleet(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 19))
	var ev events
	for h := 0; h < 25; h++ {
		src := netip.AddrFrom4([4]byte{10, 1, 0, byte(10 + h)}).String()
		ev.conns = append(ev.conns, beaconConns(r, src, "203.0.113.200", 443, day0+event.Time(h)*sec, 10*time.Minute, 0.05, 140, 500, "SF")...)
	}
	fs := run(t, DefaultParams(), env(24*time.Hour), ev, false)
	if len(fs) != 1 || fig(fs[0], "sources") != 25 || fs[0].Entities.Src != "" {
		t.Fatalf("want one fleet finding, got %d", len(fs))
	}
	p := DefaultParams()
	p.FleetSources = 0
	if fs := run(t, p, env(24*time.Hour), ev, false); len(fs) != 25 {
		t.Errorf("fleet_sources 0: %d findings, want 25", len(fs))
	}
}

// Splitting the input across aggregators changes nothing.
func TestMergeOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 23))
	ev := events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0, time.Minute, 0.3, 1000, 620, "SF")}
	ev.conns = append(ev.conns, beaconConns(r, "10.0.0.6", "203.0.113.10", 80, day0, 90*time.Second, 0.1, 500, 300, "S0")...)
	a := detecttest.JSONL(t, run(t, DefaultParams(), env(24*time.Hour), ev, false))
	b := detecttest.JSONL(t, run(t, DefaultParams(), env(24*time.Hour), ev, true))
	rev := events{conns: detecttest.Reverse(ev.conns)}
	c := detecttest.JSONL(t, run(t, DefaultParams(), env(24*time.Hour), rev, true))
	if string(a) != string(b) || string(a) != string(c) {
		t.Errorf("findings depend on the split or the order:\n%s\n%s\n%s", a, b, c)
	}
}

func TestThresholdParameters(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 29))
	ev := events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0, time.Minute, 0, 3, 620, "SF")}
	if fs := run(t, DefaultParams(), env(24*time.Hour), ev, false); len(fs) != 0 {
		t.Error("3 calls fired (min_connections 4)")
	}
	ev = events{conns: beaconConns(r, "10.0.0.5", "203.0.113.9", 443, day0, time.Minute, 0, 60, 620, "SF")}
	p := DefaultParams()
	p.MinScore = 0.99
	if fs := run(t, p, env(24*time.Hour), ev, false); len(fs) != 0 {
		t.Errorf("an hour of calls in a day scored %v past min_score 0.99", fs[0].Figure("score"))
	}
	p = DefaultParams()
	p.MaxPoints = 50
	if fs := run(t, p, env(24*time.Hour), ev, false); len(fs) != 0 {
		t.Error("a strobe (more calls than max_points) was scored")
	}
}

func TestNormName(t *testing.T) {
	for in, want := range map[string]string{"WWW.Example.COM.": "www.example.com", "example.com:8443": "example.com",
		"10.0.0.1": "", "10.0.0.1:80": "", "[2001:db8::1]:443": "", "-": "", "": "", "2001:db8::1": ""} {
		if got := normName(in); got != want {
			t.Errorf("normName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"X-FORWARDED-FOR -> 10.0.0.77": "10.0.0.77", "FORWARDED -> for=10.1.1.1": "10.1.1.1",
		"X-FORWARDED-FOR -> 10.0.0.5, 10.0.0.9": "10.0.0.5", "VIA -> 1.1 proxy": ""} {
		a, ok := forwardedClient(event.List{in})
		if got := ""; ok {
			got = a.String()
			if got != want {
				t.Errorf("forwardedClient(%q) = %q, want %q", in, got, want)
			}
		} else if want != "" {
			t.Errorf("forwardedClient(%q) found nothing, want %q", in, want)
		}
	}
}

func TestQuartilesAndRegularity(t *testing.T) {
	q1, q2, q3 := quartiles([]float64{1, 2, 3, 4, 5, 6, 7})
	if q1 != 2.5 || q2 != 4 || q3 != 5.5 {
		t.Errorf("Tukey hinges of 1..7: %v %v %v", q1, q2, q3)
	}
	q1, q2, q3 = quartiles([]float64{1, 2, 3, 4, 5, 6})
	if q1 != 2 || q2 != 3.5 || q3 != 5 {
		t.Errorf("Tukey hinges of 1..6: %v %v %v", q1, q2, q3)
	}
	// perfectly regular
	if s, m, mean := regularity([]float64{60, 60, 60, 60}, 10, 1, new([]float64)); s != 1 || m != 1 || mean != 1 {
		t.Errorf("regular: %v %v %v", s, m, mean)
	}
	// skewed: gaps spread with a long tail
	if _, _, mean := regularity([]float64{10, 20, 30, 40, 60, 90, 150, 300, 600, 900}, 10, 1, new([]float64)); mean > 0.6 {
		t.Errorf("skewed gaps scored %v", mean)
	}
	// RITA's blind spot: half the gaps equal, the rest anything
	if _, _, mean := regularity([]float64{5, 5, 6, 5, 5, 300, 600, 5, 5, 900}, 10, 1, new([]float64)); mean != 1 {
		t.Errorf("half-equal gaps scored %v, RITA's formula gives 1", mean)
	}
	// histogram parts: flat and empty
	if cv, _ := histParts([]int{5, 5, 5, 5}); cv != 1 {
		t.Errorf("flat cv %v", cv)
	}
	if cv, bi := histParts(make([]int, 24)); cv != 0 || bi != 0 {
		t.Error("empty histogram scored")
	}
}

// TestDNSLookupBeacon: a client that only looks names up under one domain, every 60 s with
// jitter and a new name each time (Cobalt Strike's DNS beacon idling), beacons; a client that
// looks time.windows.com up as its answer's 900 s TTL runs out does not (a name in use, its
// cache refreshing). The fixture is the dns-tunnel detection's (testdata/README.md there).
func TestDNSLookupBeacon(t *testing.T) {
	fs := detecttest.Hunt(t, New(), "../dnstunnel/testdata/dns-beacon.log")
	if len(fs) != 1 {
		for _, f := range fs {
			t.Log(f.Summary)
		}
		t.Fatalf("want one finding, got %d", len(fs))
	}
	f := fs[0]
	if f.Entities.Src != "10.30.0.40" || f.Entities.DstHost != "cdn-sync-lab.example" || f.Entities.App != "dns" || f.Severity < finding.High {
		t.Errorf("got %+v %v: %s", f.Entities, f.Severity, f.Summary)
	}
}
