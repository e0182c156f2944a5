package upload

import (
	"encoding/json"
	"fmt"
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

var t0 = event.FromStd(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

var line uint32

// cn builds a connection at t0+sec; ob/rb are orig_bytes/resp_bytes (event.Unset allowed).
func cn(sec float64, src, dst string, port uint16, ob, rb int64) *event.Conn {
	line++
	return &event.Conn{
		Meta:      event.Meta{Ref: event.Ref{File: 0, Line: line}, TS: t0 + event.Time(sec*1e6)},
		Flow:      event.Flow{Src: netip.MustParseAddr(src), SrcPort: 50000, Dst: netip.MustParseAddr(dst), DstPort: port},
		Proto:     "tcp",
		Duration:  event.Duration(1e6),
		OrigBytes: ob,
		RespBytes: rb,
	}
}

func testEnv() *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5}
}

// hunt runs the detection over the events in one aggregator.
func hunt(t *testing.T, p Params, evs []*event.Conn) []finding.Finding {
	t.Helper()
	return huntSplit(t, p, [][]*event.Conn{evs}, nil)
}

// huntSplit feeds each part to its own aggregator and merges them in the order given (nil:
// in part order) into the first one listed.
func huntSplit(t *testing.T, p Params, parts [][]*event.Conn, order []int) []finding.Finding {
	t.Helper()
	d := New()
	d.p = p
	return detecttest.ScoreConns(t, d, testEnv(), order, parts...)
}

func params(mod func(*Params)) Params {
	p := DefaultParams()
	if mod != nil {
		mod(&p)
	}
	return p
}

func fig(f finding.Finding, name string) any { return f.Figure(name) }

func find(fs []finding.Finding, src, dst string) *finding.Finding {
	for i := range fs {
		if fs[i].Entities.Src == src && fs[i].Entities.Dst == dst {
			return &fs[i]
		}
	}
	return nil
}

// seedTop is the seed's pipeline written plainly: orig_bytes summed per pair, unset records
// dropped, zero sums left out, biggest first, first n.
func seedTop(evs []*event.Conn, n int) []string {
	sum := map[[2]netip.Addr]int64{}
	for _, c := range evs {
		if c.OrigBytes == event.Unset {
			continue
		}
		sum[[2]netip.Addr{c.Src, c.Dst}] += c.OrigBytes
	}
	type row struct {
		k [2]netip.Addr
		v int64
	}
	var rows []row
	for k, v := range sum {
		if v > 0 {
			rows = append(rows, row{k, v})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.v != b.v {
			if a.v > b.v {
				return -1
			}
			return 1
		}
		return strings.Compare(a.k[0].String()+" "+a.k[1].String(), b.k[0].String()+" "+b.k[1].String())
	})
	var out []string
	for i := 0; i < len(rows) && i < n; i++ {
		out = append(out, fmt.Sprintf("%s %s %d", rows[i].k[0], rows[i].k[1], rows[i].v))
	}
	return out
}

// seedInput: 15 internal pairs with distinct sums (1,000 .. 15,000 B out, symmetric), plus
// unset and zero records.
func seedInput() []*event.Conn {
	var evs []*event.Conn
	for i := 1; i <= 15; i++ {
		src := fmt.Sprintf("10.0.0.%d", i)
		// split each pair's bytes over two records and add one unset record
		evs = append(evs,
			cn(float64(i), src, "10.9.9.9", 445, int64(i)*400, int64(i)*1000),
			cn(float64(i)+0.5, src, "10.9.9.9", 445, int64(i)*600, int64(i)*1000),
			cn(float64(i)+0.7, src, "10.9.9.9", 445, event.Unset, event.Unset))
	}
	// a pair that only ever sent nothing or unset: never listed
	evs = append(evs, cn(20, "10.0.0.99", "10.9.9.9", 445, 0, 50), cn(21, "10.0.0.99", "10.9.9.9", 445, event.Unset, 10))
	return evs
}

func TestTopUploadersReproduceSeed(t *testing.T) {
	evs := seedInput()
	for _, n := range []int{0, 1, 9, 10, 11, 14, 15, 16, 100} {
		t.Run(fmt.Sprint("top_n=", n), func(t *testing.T) {
			fs := hunt(t, params(func(p *Params) { p.TopN = n }), evs)
			want := seedTop(evs, n)
			if len(fs) != len(want) {
				t.Fatalf("got %d findings, want %d", len(fs), len(want))
			}
			// findings come highest risk first; all have the same risk, then src order: sort by rank
			slices.SortFunc(fs, func(a, b finding.Finding) int { return fig(a, "rank").(int) - fig(b, "rank").(int) })
			for i, f := range fs {
				got := fmt.Sprintf("%s %s %d", f.Entities.Src, f.Entities.Dst, fig(f, "bytes_out"))
				if got != want[i] {
					t.Errorf("rank %d: got %s, want %s", i+1, got, want[i])
				}
				if fig(f, "rank") != i+1 || fig(f, "ranked_pairs") != 15 {
					t.Errorf("rank %d: figures rank=%v ranked_pairs=%v", i+1, fig(f, "rank"), fig(f, "ranked_pairs"))
				}
				if f.Risk != riskTop || f.Severity != finding.Info {
					t.Errorf("rank %d: risk %d %s, want %d info", i+1, f.Risk, f.Severity, riskTop)
				}
				if fig(f, "signal") != "top uploader" {
					t.Errorf("signal %v", fig(f, "signal"))
				}
				if !strings.HasPrefix(f.Summary, fmt.Sprintf("#%d of 15 pairs by bytes out: ", i+1)) {
					t.Errorf("summary %q", f.Summary)
				}
				if fig(f, "connections") != int64(3) {
					t.Errorf("connections %v, want 3 (unset records count as connections)", fig(f, "connections"))
				}
			}
		})
	}
}

func TestTopUploaderTiesAndExternal(t *testing.T) {
	evs := []*event.Conn{
		cn(1, "10.0.0.2", "198.51.100.1", 443, 500, 900),
		cn(2, "10.0.0.1", "10.0.0.9", 445, 500, 900),
		cn(3, "10.0.0.3", "10.0.0.9", 445, 400, 900),
	}
	fs := hunt(t, params(func(p *Params) { p.TopN = 2 }), evs)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	// equal sums rank by address: 10.0.0.1 first
	a, b := find(fs, "10.0.0.1", "10.0.0.9"), find(fs, "10.0.0.2", "198.51.100.1")
	if a == nil || b == nil {
		t.Fatalf("missing findings: %+v", fs)
	}
	if fig(*a, "rank") != 1 || fig(*b, "rank") != 2 {
		t.Errorf("ranks %v %v, want 1 2", fig(*a, "rank"), fig(*b, "rank"))
	}
	if a.Risk != riskTop || b.Risk != riskTop+riskTopExternal {
		t.Errorf("risks %d %d, want %d %d", a.Risk, b.Risk, riskTop, riskTop+riskTopExternal)
	}
	if !slices.Contains(b.Techniques, "T1567") || slices.Contains(a.Techniques, "T1567") {
		t.Errorf("T1567 only for web ports to the outside: %v %v", a.Techniques, b.Techniques)
	}
}

func TestAsymmetryThresholds(t *testing.T) {
	const src, dst = "10.0.0.1", "203.0.113.5"
	noTop := func(mod func(*Params)) Params {
		return params(func(p *Params) {
			p.TopN = 0
			if mod != nil {
				mod(p)
			}
		})
	}
	cases := []struct {
		name    string
		p       Params
		out, in int64
		risk    int // 0: silent
	}{
		{"min_bytes below", noTop(nil), 999_999, 1, 0},
		{"min_bytes at", noTop(nil), 1_000_000, 1, riskAsym + riskHighRatio},
		{"min_bytes above", noTop(nil), 1_000_001, 1, riskAsym + riskHighRatio},
		{"ratio below", noTop(nil), 1_000_000, 100_001, 0},
		{"ratio at", noTop(nil), 1_000_000, 100_000, riskAsym},
		{"ratio above", noTop(nil), 1_000_000, 99_999, riskAsym},
		{"nothing back is infinite", noTop(nil), 1_000_000, 0, riskAsym + riskHighRatio},
		{"unset back is infinite", noTop(nil), 1_000_000, event.Unset, riskAsym + riskHighRatio},
		{"high ratio below", noTop(nil), 1_000_000, 10_001, riskAsym},
		{"high ratio at", noTop(nil), 1_000_000, 10_000, riskAsym + riskHighRatio},
		{"tenfold below", noTop(nil), 9_999_999, 500_000, riskAsym},
		{"tenfold at", noTop(nil), 10_000_000, 500_000, riskAsym + riskPerTenfold},
		{"two tenfolds", noTop(nil), 100_000_000, 5_000_000, riskAsym + 2*riskPerTenfold},
		{"three tenfolds and high ratio hit the cap", noTop(nil), 1_000_000_000, 1, riskAsymCap},
		{"far above the cap", noTop(nil), 50_000_000_000, 1, riskAsymCap},
		{"custom min_bytes", noTop(func(p *Params) { p.MinBytes = 5000; p.MinRatio = 2 }), 5000, 2500, riskAsym},
		{"custom min_ratio below", noTop(func(p *Params) { p.MinBytes = 5000; p.MinRatio = 2 }), 5000, 2501, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := hunt(t, c.p, []*event.Conn{cn(1, src, dst, 443, c.out, c.in)})
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %+v", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Risk != c.risk {
				t.Errorf("risk %d, want %d", f.Risk, c.risk)
			}
			if fig(f, "signal") != "asymmetric" {
				t.Errorf("signal %v", fig(f, "signal"))
			}
			if c.in <= 0 && fig(f, "out_in_ratio") != "inf" {
				t.Errorf("ratio %v, want inf", fig(f, "out_in_ratio"))
			}
			if c.in > 0 && fig(f, "out_in_ratio") != round2(float64(c.out)/float64(c.in)) {
				t.Errorf("ratio %v", fig(f, "out_in_ratio"))
			}
		})
	}
}

func TestAsymmetryExclusions(t *testing.T) {
	cases := []struct {
		name     string
		src, dst string
		exclude  bool
		risk     int
	}{
		{"internal to internal excluded", "10.0.0.1", "10.0.0.2", true, 0},
		{"internal to CGNAT excluded", "192.168.1.1", "100.64.0.7", true, 0},
		{"link-local to ULA excluded", "169.254.1.1", "fd00::5", true, 0},
		{"internal to internal kept when not excluded", "10.0.0.1", "10.0.0.2", false, riskAsym + riskHighRatio},
		{"internal to external", "10.0.0.1", "8.8.8.8", true, riskAsym + riskHighRatio},
		{"ipv6 to external", "fd00::1", "2001:db8::1", true, riskAsym + riskHighRatio},
		{"external to internal (inbound)", "8.8.8.8", "10.0.0.1", true, riskAsym + riskHighRatio + riskInbound},
		{"external to external", "8.8.8.8", "1.1.1.1", true, riskAsym + riskHighRatio + riskInbound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := params(func(p *Params) { p.TopN = 0; p.ExcludeInternal = c.exclude })
			fs := hunt(t, p, []*event.Conn{cn(1, c.src, c.dst, 22, 2_000_000, 100)})
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %+v", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("got %+v, want one finding of risk %d", fs, c.risk)
			}
		})
	}
	// excluded pairs still rank among the top uploaders, as in the seed
	fs := hunt(t, DefaultParams(), []*event.Conn{cn(1, "10.0.0.1", "10.0.0.2", 445, 2_000_000, 100)})
	if len(fs) != 1 || fig(fs[0], "signal") != "top uploader" || fs[0].Risk != riskTop {
		t.Fatalf("internal pair should be a top uploader only: %+v", fs)
	}
}

func TestTopAndAsymmetricIsOneFinding(t *testing.T) {
	evs := []*event.Conn{
		cn(1, "10.0.0.1", "203.0.113.5", 443, 3_000_000, 1000),
		cn(2, "10.0.0.1", "203.0.113.5", 443, 2_000_000, 1000),
		cn(3, "10.0.0.2", "203.0.113.5", 443, 1000, 1_000_000),
	}
	fs := hunt(t, DefaultParams(), evs)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(fs), fs)
	}
	f := fs[0]
	if f.Entities.Src != "10.0.0.1" || fig(f, "signal") != "top uploader, asymmetric" {
		t.Fatalf("first finding %+v", f)
	}
	if f.Risk != riskAsym+riskHighRatio+riskPerTenfold*0 {
		t.Errorf("risk %d", f.Risk)
	}
	want := "10.0.0.1 sent 5,000,000 B to 203.0.113.5 and got 2,000 B back (2,500:1) over 2 connections to port 443; #1 of 2 pairs by bytes out"
	if f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
	if f.Entities.DstPort != 443 || f.Entities.Proto != "tcp" {
		t.Errorf("entities %+v", f.Entities)
	}
	if !slices.Equal(f.Techniques, []string{"T1048", "T1041", "T1567"}) {
		t.Errorf("techniques %v", f.Techniques)
	}
	if f.First != t0+1e6 || f.Last != t0+3e6 {
		t.Errorf("first/last %v %v", f.First, f.Last)
	}
}

func TestPortsAndEntities(t *testing.T) {
	evs := []*event.Conn{
		cn(5, "10.0.0.1", "203.0.113.5", 8443, 100, 10),
		cn(1, "10.0.0.1", "203.0.113.5", 443, 100, 10),
		cn(2, "10.0.0.1", "203.0.113.5", 80, 100, 10),
		cn(3, "10.0.0.1", "203.0.113.5", 443, 100, 10),
		cn(4, "10.0.0.1", "203.0.113.5", 22, 100, 10),
	}
	u := cn(6, "10.0.0.1", "203.0.113.5", 22, 100, 10)
	u.Proto = "udp"
	evs = append(evs, u)
	fs := hunt(t, DefaultParams(), evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if fig(f, "dst_ports") != 4 || f.Entities.DstPort != 0 || f.Entities.Proto != "" {
		t.Errorf("ports %v, entities %+v", fig(f, "dst_ports"), f.Entities)
	}
	if !strings.Contains(f.Summary, "over 6 connections to 4 ports") {
		t.Errorf("summary %q", f.Summary)
	}
	if slices.Contains(f.Techniques, "T1567") {
		t.Errorf("port 22 is not web: %v", f.Techniques)
	}
}

func TestEvidenceLargestConnections(t *testing.T) {
	var evs []*event.Conn
	sizes := []int64{50, 700_000, 3_000, 900_000, 120_000, 5_000_000, 99_999, 100_000, 2_500_000}
	for i, s := range sizes {
		evs = append(evs, cn(float64(i), "10.0.0.1", "203.0.113.5", 443, s, 10))
	}
	fs := hunt(t, DefaultParams(), evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	var got []string
	for _, e := range fs[0].Evidence {
		got = append(got, e.Note)
	}
	// the five largest, in time order
	want := []string{"700,000 B sent", "900,000 B sent", "120,000 B sent", "5,000,000 B sent", "2,500,000 B sent"}
	if !slices.Equal(got, want) {
		t.Errorf("evidence %v, want %v", got, want)
	}
	// a pair whose connections are all small still shows its largest one
	fs = hunt(t, DefaultParams(), []*event.Conn{
		cn(1, "10.0.0.1", "10.0.0.2", 445, 10, 1),
		cn(2, "10.0.0.1", "10.0.0.2", 445, 30, 1),
		cn(3, "10.0.0.1", "10.0.0.2", 445, 20, 1),
	})
	if len(fs) != 1 || len(fs[0].Evidence) != 1 || fs[0].Evidence[0].Note != "30 B sent" || fs[0].Evidence[0].TS != t0+2e6 {
		t.Errorf("small pair evidence %+v", fs[0].Evidence)
	}
}

func TestUnsetAndInvalid(t *testing.T) {
	evs := []*event.Conn{
		cn(1, "10.0.0.1", "203.0.113.5", 443, event.Unset, event.Unset),
		cn(2, "10.0.0.1", "203.0.113.5", 443, 1_500_000, event.Unset),
		cn(3, "10.0.0.1", "203.0.113.5", 443, event.Unset, 40),
		{Flow: event.Flow{Dst: netip.MustParseAddr("203.0.113.5")}, OrigBytes: 9e9},
	}
	fs := hunt(t, DefaultParams(), evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	f := fs[0]
	if fig(f, "bytes_out") != int64(1_500_000) || fig(f, "bytes_in") != int64(40) || fig(f, "connections") != int64(3) {
		t.Errorf("figures %+v", f.Figures)
	}
	if len(f.Evidence) != 1 || f.Evidence[0].TS != t0+2e6 {
		t.Errorf("evidence %+v", f.Evidence)
	}
}

// randomInput is a mix of pairs, ports, sizes and unset fields.
func randomInput(r *rand.Rand, n int) []*event.Conn {
	var evs []*event.Conn
	for i := 0; i < n; i++ {
		src := fmt.Sprintf("10.0.%d.%d", r.IntN(3), r.IntN(8))
		dst := []string{"203.0.113.5", "198.51.100.7", "10.0.0.1", "2001:db8::1", "8.8.8.8"}[r.IntN(5)]
		ob := int64(r.IntN(4_000_000))
		if r.IntN(10) == 0 {
			ob = event.Unset
		}
		rb := int64(r.IntN(400_000))
		if r.IntN(10) == 0 {
			rb = event.Unset
		}
		if r.IntN(4) == 0 {
			rb = 0
		}
		evs = append(evs, cn(float64(r.IntN(86400)), src, dst, []uint16{443, 80, 22, 8443, 53}[r.IntN(5)], ob, rb))
	}
	return evs
}

func jsonOf(t *testing.T, fs []finding.Finding) string {
	t.Helper()
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMergeOrderIndependence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	evs := randomInput(r, 3000)
	p := params(func(p *Params) { p.TopN = 20 })
	want := jsonOf(t, hunt(t, p, evs))
	if !strings.Contains(want, "asymmetric") || !strings.Contains(want, "top uploader\"") {
		t.Fatalf("input should make both kinds of findings: %s", want)
	}
	for trial := 0; trial < 20; trial++ {
		shuffled := slices.Clone(evs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		n := 1 + r.IntN(7)
		parts := make([][]*event.Conn, n)
		if trial%2 == 0 { // interleaved
			for i, c := range shuffled {
				parts[i%n] = append(parts[i%n], c)
			}
		} else { // chunks of random sizes
			for _, c := range shuffled {
				k := r.IntN(n)
				parts[k] = append(parts[k], c)
			}
		}
		order := r.Perm(n)
		if got := jsonOf(t, huntSplit(t, p, parts, order)); got != want {
			t.Fatalf("trial %d (%d parts, order %v): findings differ\n got %s\nwant %s", trial, n, order, got, want)
		}
	}
}

func TestDeterminism(t *testing.T) {
	evs := randomInput(rand.New(rand.NewPCG(3, 4)), 2000)
	want := jsonOf(t, hunt(t, DefaultParams(), evs))
	for i := 0; i < 5; i++ {
		if got := jsonOf(t, hunt(t, DefaultParams(), evs)); got != want {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestParamsListed(t *testing.T) {
	ps := detect.ListParams(New().Params())
	var names []string
	for _, p := range ps {
		if p.Doc == "" {
			t.Errorf("%s has no doc", p.Name)
		}
		names = append(names, p.Name+"="+p.Default)
	}
	want := []string{"top_n=10", "min_bytes=1000000", "min_ratio=10", "exclude_internal=true"}
	if !slices.Equal(names, want) {
		t.Errorf("params %v, want %v", names, want)
	}
	found := false
	for _, d := range detect.All() {
		if d.Info().ID == ID {
			found = true
		}
	}
	if !found {
		t.Error("not registered")
	}
}
