package longconn

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

const (
	sec = 1e6
	hr  = 3600 * sec
)

// cn builds a tcp connection starting at t0+start seconds and lasting dur seconds (< 0: unset).
func cn(start, dur float64, src, dst string, port uint16) *event.Conn {
	line++
	d := event.Duration(dur * sec)
	if dur < 0 {
		d = event.Unset
	}
	return &event.Conn{
		Meta:      event.Meta{Ref: event.Ref{Line: line}, TS: t0 + event.Time(start*sec)},
		Flow:      event.Flow{Src: netip.MustParseAddr(src), SrcPort: 50000, Dst: netip.MustParseAddr(dst), DstPort: port},
		Proto:     "tcp",
		Duration:  d,
		OrigBytes: 1000,
		RespBytes: 2000,
	}
}

// day is a 24 h window: no session under 6 h reaches its min_share.
var day = detect.Window{First: t0, Last: t0 + 24*hr}

func testEnv(w detect.Window) *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5, Window: w}
}

func hunt(t *testing.T, p Params, w detect.Window, evs []*event.Conn) []finding.Finding {
	t.Helper()
	return huntSplit(t, p, w, [][]*event.Conn{evs}, nil)
}

func huntSplit(t *testing.T, p Params, w detect.Window, parts [][]*event.Conn, order []int) []finding.Finding {
	t.Helper()
	d := New()
	d.p = p
	return detecttest.ScoreConns(t, d, testEnv(w), order, parts...)
}

func params(mod func(*Params)) Params {
	p := DefaultParams()
	if mod != nil {
		mod(&p)
	}
	return p
}

func TestBands(t *testing.T) {
	const int1, ext = "10.0.0.1", "203.0.113.5"
	cases := []struct {
		name string
		dur  float64
		dst  string
		risk int // 0: silent
		band string
	}{
		{"just under 1h", 3599.9, int1, 0, ""},
		{"1h", 3600, int1, riskMin, "1h0m0s"},
		{"just over 1h", 3600.1, int1, riskMin, "1h0m0s"},
		{"just under 4h", 4*3600 - 0.1, int1, riskMin, "1h0m0s"},
		{"4h", 4 * 3600, int1, riskMedium, "4h0m0s"},
		{"just under 8h", 8*3600 - 0.1, int1, riskMedium, "4h0m0s"},
		{"8h", 8 * 3600, int1, riskHigh, "8h0m0s"},
		{"just under 12h", 12*3600 - 0.1, int1, riskHigh, "8h0m0s"},
		{"12h", 12 * 3600, int1, riskCritical, "12h0m0s"},
		{"30h", 30 * 3600, int1, riskCritical, "12h0m0s"},
		{"1h external", 3600, ext, riskMin + riskExternal, "1h0m0s"},
		{"12h external", 12 * 3600, ext, riskCritical + riskExternal, "12h0m0s"},
		{"just under 1h external", 3599.9, ext, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := hunt(t, DefaultParams(), day, []*event.Conn{cn(10, c.dur, "10.0.0.9", c.dst, 22)})
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %v", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings", len(fs))
			}
			f := fs[0]
			if f.Risk != c.risk || f.Figure("band") != c.band {
				t.Errorf("risk %d band %v, want %d %s", f.Risk, f.Figure("band"), c.risk, c.band)
			}
			if f.Figure("single_connection") != true || f.Figure("duration") != round1(c.dur) {
				t.Errorf("figures %+v", f.Figures)
			}
			if f.First != t0+10*sec || f.Last != t0+event.Time((10+c.dur)*sec) {
				t.Errorf("first/last %v %v", f.First, f.Last)
			}
			if f.Entities.DstPort != 22 || f.Entities.Proto != "tcp" || f.Entities.Src != "10.0.0.9" || f.Entities.Dst != c.dst {
				t.Errorf("entities %+v", f.Entities)
			}
		})
	}
}

func TestMaxGap(t *testing.T) {
	// two 30-minute connections: one session of just over 1 h when the second starts within
	// max_gap of the first's end
	cases := []struct {
		name string
		gap  float64
		p    Params
		want bool
	}{
		{"overlapping", -5, DefaultParams(), true},
		{"touching", 0, DefaultParams(), true},
		{"just inside", 9.9, DefaultParams(), true},
		{"at max_gap", 10, DefaultParams(), true},
		{"just outside", 10.1, DefaultParams(), false},
		{"far", 600, DefaultParams(), false},
		{"max_gap 0 joins touching", 0, params(func(p *Params) { p.MaxGap = 0 }), true},
		{"max_gap 0 splits a gap", 0.2, params(func(p *Params) { p.MaxGap = 0 }), false},
		{"max_gap 2m", 119, params(func(p *Params) { p.MaxGap = detect.Duration(2 * time.Minute) }), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := []*event.Conn{
				cn(1000, 1800, "10.0.0.9", "10.0.0.1", 443),
				cn(1000+1800+c.gap, 1805, "10.0.0.9", "10.0.0.1", 443),
			}
			fs := hunt(t, c.p, day, evs)
			if !c.want {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %v", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Figure("single_connection") != false || f.Figure("connections") != int64(2) {
				t.Errorf("figures %+v", f.Figures)
			}
			if !strings.Contains(f.Summary, "unbroken series of connections") {
				t.Errorf("summary %q", f.Summary)
			}
			wantDur := round1(max(1800, 1800+c.gap+1805))
			if f.Figure("duration") != wantDur {
				t.Errorf("duration %v, want %v", f.Figure("duration"), wantDur)
			}
		})
	}
}

func TestSeriesOutOfOrderAndDuplicates(t *testing.T) {
	// 800 connections of 8 s, one every 10 s (2 s gaps), 2h13m in all: arrives shuffled, each
	// logged twice (two sensors, slightly different times)
	var evs []*event.Conn
	for i := 0; i < 800; i++ {
		evs = append(evs, cn(100+float64(i)*10, 8, "10.0.0.9", "198.51.100.7", 8443))
		evs = append(evs, cn(100+float64(i)*10+0.013, 7.99, "10.0.0.9", "198.51.100.7", 8443))
	}
	r := rand.New(rand.NewPCG(5, 6))
	r.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	fs := hunt(t, DefaultParams(), day, evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	// the last copy ends at 8098.003 s: a series' ends round out to the next 0.1 s
	if f.Figure("duration") != 7998.1 || f.Figure("connections") != int64(1600) || f.Risk != riskMin+riskExternal {
		t.Errorf("risk %d figures %+v", f.Risk, f.Figures)
	}
	if f.Figure("total_duration") != round1(800*8+800*7.99) {
		t.Errorf("total duration %v", f.Figure("total_duration"))
	}
	if len(f.Evidence) != 1 {
		t.Errorf("evidence %+v: want the longest connection", f.Evidence)
	}
}

func TestKeysAreSeparate(t *testing.T) {
	// two 40 min halves of what would be one session, but on another port, transport,
	// destination or source: nothing joins
	a := cn(0, 2400, "10.0.0.9", "10.0.0.1", 443)
	others := []*event.Conn{
		cn(2401, 2400, "10.0.0.9", "10.0.0.1", 8443),
		cn(2401, 2400, "10.0.0.9", "10.0.0.2", 443),
		cn(2401, 2400, "10.0.0.8", "10.0.0.1", 443),
	}
	u := cn(2401, 2400, "10.0.0.9", "10.0.0.1", 443)
	u.Proto = "udp"
	others = append(others, u)
	for _, o := range others {
		if fs := hunt(t, DefaultParams(), day, []*event.Conn{a, o}); len(fs) != 0 {
			t.Errorf("%v joined: %s", o.Flow, fs[0].Summary)
		}
	}
}

func TestShareOfShortWindow(t *testing.T) {
	// logs covering 2302 s (38 min), as the APT29 day does
	w := detect.Window{First: t0, Last: t0 + 2302*sec}
	cases := []struct {
		name string
		dur  float64
		dst  string
		w    detect.Window
		p    Params
		risk int
		text string
	}{
		{"just under min_share", 575.4, "10.0.0.1", w, DefaultParams(), 0, ""},
		{"at min_share", 575.5, "10.0.0.1", w, DefaultParams(), riskShare, "25% of the 38 min the logs cover"},
		{"above", 705.2, "10.0.0.1", w, DefaultParams(), riskShare, "31% of the 38 min the logs cover"},
		{"external", 1901.2, "203.0.113.5", w, DefaultParams(), riskShare + riskExternal, "83% of the 38 min the logs cover"},
		{"smb 13%", 294.3, "10.0.0.1", w, DefaultParams(), 0, ""},
		// a 16 min window: 25% is 4 min, but min_share_duration wants 5 min
		{"under min_share_duration", 299.9, "10.0.0.1", detect.Window{First: t0, Last: t0 + 960*sec}, DefaultParams(), 0, ""},
		{"at min_share_duration", 300, "10.0.0.1", detect.Window{First: t0, Last: t0 + 960*sec}, DefaultParams(), riskShare, "31% of the 16 min the logs cover"},
		{"outlasting the window", 3000, "10.0.0.1", w, DefaultParams(), riskShare, "outlasting the 38 min the logs cover"},
		{"min_share 0 turns it off", 2000, "10.0.0.1", w, params(func(p *Params) { p.MinShare = 0 }), 0, ""},
		{"empty window", 2000, "10.0.0.1", detect.Window{}, DefaultParams(), 0, ""},
		{"bands win over share", 3700, "10.0.0.1", detect.Window{First: t0, Last: t0 + 4000*sec}, DefaultParams(), riskMin, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := hunt(t, c.p, c.w, []*event.Conn{cn(5, c.dur, "10.0.0.9", c.dst, 1234)})
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %v", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings", len(fs))
			}
			f := fs[0]
			if f.Risk != c.risk {
				t.Errorf("risk %d, want %d", f.Risk, c.risk)
			}
			if c.text != "" && !strings.Contains(f.Summary, c.text) {
				t.Errorf("summary %q lacks %q", f.Summary, c.text)
			}
		})
	}
}

func TestExclusionsAndUnset(t *testing.T) {
	for _, dst := range []string{"224.0.0.251", "239.255.255.250", "10.0.1.255", "255.255.255.255", "ff02::fb", "0.0.0.0"} {
		c := cn(0, 5*3600, "10.0.0.9", dst, 5353)
		if fs := hunt(t, DefaultParams(), day, []*event.Conn{c}); len(fs) != 0 {
			t.Errorf("%s: special destination reported: %s", dst, fs[0].Summary)
		}
		if fs := hunt(t, params(func(p *Params) { p.ExcludeSpecial = false }), day, []*event.Conn{c}); len(fs) != 1 {
			t.Errorf("%s: exclude_special false should report it", dst)
		}
	}
	// unset durations are points; unset bytes add nothing
	evs := []*event.Conn{cn(0, 3600, "10.0.0.9", "10.0.0.1", 22), cn(3605, -1, "10.0.0.9", "10.0.0.1", 22)}
	evs[1].OrigBytes, evs[1].RespBytes = event.Unset, event.Unset
	fs := hunt(t, DefaultParams(), day, evs)
	if len(fs) != 1 || fs[0].Figure("duration") != 3605.0 || fs[0].Figure("bytes_out") != int64(1000) ||
		fs[0].Figure("total_duration") != 3600.0 || fs[0].Figure("connections") != int64(2) {
		t.Fatalf("unset fields: %+v", fs)
	}
	// invalid addresses are skipped
	bad := cn(0, 5*3600, "10.0.0.9", "10.0.0.1", 22)
	bad.Src = netip.Addr{}
	if fs := hunt(t, DefaultParams(), day, []*event.Conn{bad}); len(fs) != 0 {
		t.Errorf("invalid source reported")
	}
}

func TestDataBytesTagsExfiltration(t *testing.T) {
	c := cn(0, 2*3600, "10.0.0.9", "203.0.113.5", 443)
	c.OrigBytes, c.RespBytes = 1_000_000, 10_000
	fs := hunt(t, DefaultParams(), day, []*event.Conn{c})
	if len(fs) != 1 || !slices.Equal(fs[0].Techniques, []string{"T1071", "T1571", "T1048"}) {
		t.Fatalf("techniques %v", fs[0].Techniques)
	}
	c.OrigBytes = 999_999
	if fs := hunt(t, DefaultParams(), day, []*event.Conn{c}); slices.Contains(fs[0].Techniques, "T1048") {
		t.Error("under data_bytes tagged T1048")
	}
	c.OrigBytes, c.RespBytes = 5_000_000, 6_000_000
	if fs := hunt(t, DefaultParams(), day, []*event.Conn{c}); slices.Contains(fs[0].Techniques, "T1048") {
		t.Error("session that received more than it sent tagged T1048")
	}
}

func TestSeveralSessionsAndEvidence(t *testing.T) {
	evs := []*event.Conn{
		// session 1: 1h10m in one connection
		cn(0, 4200, "10.0.0.9", "10.0.0.1", 3389),
		// session 2, 2 h later: three connections chained, 2h in all
		cn(4200+7200, 3000, "10.0.0.9", "10.0.0.1", 3389),
		cn(4200+7200+3005, 2000, "10.0.0.9", "10.0.0.1", 3389),
		cn(4200+7200+5010, 2190, "10.0.0.9", "10.0.0.1", 3389),
		// short connections that belong to no long session
		cn(30000, 30, "10.0.0.9", "10.0.0.1", 3389),
		cn(31000, 120, "10.0.0.9", "10.0.0.1", 3389),
	}
	fs := hunt(t, DefaultParams(), day, evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if f.Figure("sessions") != 2 || f.Figure("duration") != 7200.0 || f.Figure("single_connection") != false {
		t.Errorf("figures %+v", f.Figures)
	}
	want := "10.0.0.9 -> 10.0.0.1:3389/tcp stayed connected for 2h00m in an unbroken series of connections (1h00m band), 2 such sessions; 6 connections in all, 6,000 B out, 12,000 B in"
	if f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
	// evidence: the connections of the longest session only, in time order
	var notes []string
	for _, e := range f.Evidence {
		notes = append(notes, e.Note)
	}
	if !slices.Equal(notes, []string{"connection lasting 50m00s", "connection lasting 33m20s", "connection lasting 36m30s"}) {
		t.Errorf("evidence %v", notes)
	}
	if f.First != t0+11400*sec || f.Last != t0+18600*sec {
		t.Errorf("first/last %v %v", f.First, f.Last)
	}
}

func TestMeasureTotal(t *testing.T) {
	// 70 connections of a minute each, spread over the day: no session, but 70 min in all
	var evs []*event.Conn
	for i := 0; i < 70; i++ {
		evs = append(evs, cn(float64(i)*1200, 60, "10.0.0.9", "203.0.113.5", 443))
	}
	if fs := hunt(t, DefaultParams(), day, evs); len(fs) != 0 {
		t.Fatalf("session measure should stay silent: %s", fs[0].Summary)
	}
	total := params(func(p *Params) { p.Measure = MeasureTotal })
	fs := hunt(t, total, day, evs)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if f.Risk != riskMin+riskExternal || f.Figure("duration") != 4200.0 || f.Figure("measure") != "total" {
		t.Errorf("risk %d figures %+v", f.Risk, f.Figures)
	}
	want := "10.0.0.9 -> 203.0.113.5:443/tcp was connected for 1h10m summed over its connections (1h00m band); 70 connections in all, 70,000 B out, 140,000 B in"
	if f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
	if f.First != t0 || f.Last != t0+event.Time(69*1200+60)*sec || len(f.Evidence) != 5 {
		t.Errorf("first/last %v %v evidence %d", f.First, f.Last, len(f.Evidence))
	}
	// just under the band
	if fs := hunt(t, total, day, evs[:59]); len(fs) != 0 {
		t.Errorf("59 min in all reported")
	}
	// a bad value is an error
	d := New()
	d.p.Measure = "sum"
	env := testEnv(day)
	if _, err := d.Score(d.NewAggregator(env), env); err == nil {
		t.Error("measure: sum accepted")
	}
}

func randomInput(r *rand.Rand, n int) []*event.Conn {
	var evs []*event.Conn
	dsts := []string{"203.0.113.5", "10.0.0.1", "198.51.100.7", "2001:db8::9"}
	for i := 0; i < n; i++ {
		src := fmt.Sprintf("10.0.0.%d", 10+r.IntN(4))
		start := float64(r.IntN(20 * 3600))
		dur := float64(r.IntN(900)) + r.Float64()
		if r.IntN(50) == 0 {
			dur = float64(r.IntN(6 * 3600))
		}
		if r.IntN(20) == 0 {
			dur = -1
		}
		evs = append(evs, cn(start, dur, src, dsts[r.IntN(len(dsts))], []uint16{443, 22}[r.IntN(2)]))
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
	r := rand.New(rand.NewPCG(7, 8))
	evs := randomInput(r, 4000)
	w := detect.Window{First: t0, Last: t0 + 20*hr}
	want := jsonOf(t, hunt(t, DefaultParams(), w, evs))
	if strings.Count(want, `"detection"`) < 5 {
		t.Fatalf("input should make several findings: %s", want)
	}
	for trial := 0; trial < 20; trial++ {
		shuffled := slices.Clone(evs)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		n := 1 + r.IntN(7)
		parts := make([][]*event.Conn, n)
		if trial%2 == 0 {
			for i, c := range shuffled {
				parts[i%n] = append(parts[i%n], c)
			}
		} else {
			// time-ordered contiguous chunks, as workers see chunks of files
			sorted := slices.Clone(evs)
			slices.SortStableFunc(sorted, func(a, b *event.Conn) int { return int(a.TS - b.TS) })
			for i, c := range sorted {
				parts[i*n/len(sorted)] = append(parts[i*n/len(sorted)], c)
			}
		}
		order := r.Perm(n)
		if got := jsonOf(t, huntSplit(t, DefaultParams(), w, parts, order)); got != want {
			t.Fatalf("trial %d (%d parts, order %v): findings differ\n got %s\nwant %s", trial, n, order, got, want)
		}
	}
}

func TestDeterminism(t *testing.T) {
	evs := randomInput(rand.New(rand.NewPCG(9, 10)), 3000)
	w := detect.Window{First: t0, Last: t0 + 20*hr}
	want := jsonOf(t, hunt(t, DefaultParams(), w, evs))
	for i := 0; i < 5; i++ {
		if got := jsonOf(t, hunt(t, DefaultParams(), w, evs)); got != want {
			t.Fatalf("run %d differs", i)
		}
	}
}

// TestCompactionKeepsSeries checks merge against a plain reference over random intervals.
func TestCompactionKeepsSeries(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 200; trial++ {
		gap := int64(r.IntN(20))
		var ivs []uint64
		for i := 0; i < 1+r.IntN(60); i++ {
			s := int64(r.IntN(2000))
			ivs = append(ivs, pack(s, s+int64(r.IntN(50))))
		}
		// reference: sort, then join
		ref := slices.Clone(ivs)
		slices.Sort(ref)
		var want [][2]int64
		for _, v := range ref {
			s, e := unpack(v)
			if n := len(want); n > 0 && s <= want[n-1][1]+gap {
				want[n-1][1] = max(want[n-1][1], e)
				continue
			}
			want = append(want, [2]int64{s, e})
		}
		// compact in random pieces, then all together
		st := state{compactAt: minCompact}
		for _, v := range ivs {
			st.add(v, gap)
		}
		st.flush()
		got := merge(st.ivs, gap)
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d series, want %d", trial, len(got), len(want))
		}
		for i, v := range got {
			s, e := unpack(v)
			if s != want[i][0] || e != want[i][1] {
				t.Fatalf("trial %d series %d: [%d,%d], want %v", trial, i, s, e, want[i])
			}
		}
	}
}

func TestPack(t *testing.T) {
	s, e := span(t0+event.Time(1.25*sec), event.Duration(2*sec))
	if s != int64(t0)/tick+12 || e != int64(t0)/tick+33 {
		t.Errorf("span %d %d", s-int64(t0)/tick, e-int64(t0)/tick)
	}
	if s, e := unpack(pack(5, 5+maxLen+10)); s != 5 || e != 5+maxLen {
		t.Errorf("saturation: %d %d", s, e)
	}
	if s, e := unpack(pack(-7, 3)); s != 0 || e != 3 {
		t.Errorf("negative start: %d %d", s, e)
	}
}

func TestParamsListed(t *testing.T) {
	var names []string
	for _, p := range detect.ListParams(New().Params()) {
		if p.Doc == "" {
			t.Errorf("%s has no doc", p.Name)
		}
		names = append(names, p.Name+"="+p.Default)
	}
	want := []string{"min_duration=1h0m0s", "medium_duration=4h0m0s", "high_duration=8h0m0s", "critical_duration=12h0m0s",
		"max_gap=10s", "min_share=0.25", "min_share_duration=5m0s", "measure=session", "exclude_special=true", "data_bytes=1000000"}
	if !slices.Equal(names, want) {
		t.Errorf("params %v\nwant %v", names, want)
	}
}
