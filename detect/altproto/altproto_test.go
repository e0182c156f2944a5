package altproto_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/altproto"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

// hour is the start of an hour bucket.
var hour = event.FromStd(time.Date(2024, 3, 7, 10, 0, 0, 0, time.UTC))

const (
	src      = "10.1.2.3"
	external = "203.0.113.7"
	internal = "10.9.9.9"
)

// burst returns n connections from src to dst:port, one a minute from start, that send out
// bytes in total (split evenly, the remainder on the first) and receive 1,000 bytes each.
func burst(start event.Time, n int, dst string, port uint16, out int64) []*event.Conn {
	var cs []*event.Conn
	for i := range n {
		b := out / int64(n)
		if i == 0 {
			b += out % int64(n)
		}
		cs = append(cs, &event.Conn{
			Meta:      event.Meta{TS: start + event.Time(i)*60e6, Ref: event.Ref{Line: uint32(i + 1)}},
			Flow:      event.Flow{Src: netip.MustParseAddr(src), SrcPort: uint16(40000 + i), Dst: netip.MustParseAddr(dst), DstPort: port},
			Proto:     "tcp",
			OrigBytes: b,
			RespBytes: 1000,
		})
	}
	return cs
}

func cat(parts ...[]*event.Conn) []*event.Conn {
	var out []*event.Conn
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func env() *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5}
}

func configure(t *testing.T, section string) *altproto.Detection {
	t.Helper()
	d := altproto.New()
	if section == "" {
		return d
	}
	doc := "detections:\n  " + altproto.ID + ":\n"
	for _, l := range strings.Split(strings.TrimSpace(section), "\n") {
		doc += "    " + l + "\n"
	}
	c, err := config.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, doc)
	}
	if _, err := c.Apply([]detect.Detection{d}); err != nil {
		t.Fatalf("apply: %v\n%s", err, doc)
	}
	return d
}

func hunt(t *testing.T, d *altproto.Detection, e *detect.Env, parts ...[]*event.Conn) []finding.Finding {
	t.Helper()
	return detecttest.ScoreConns(t, d, e, nil, parts...)
}

func TestThresholds(t *testing.T) {
	type want struct {
		dst  string
		port int
		risk int
	}
	unset := func(cs []*event.Conn, i int) []*event.Conn { cs[i].OrigBytes = event.Unset; return cs }
	cases := []struct {
		name   string
		config string
		conns  []*event.Conn
		want   []want
	}{
		{name: "count 4", conns: burst(hour, 4, external, 21, 20_000_000)},
		{name: "count 5", conns: burst(hour, 5, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "count 6", conns: burst(hour, 6, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "bytes 9,999,999", conns: burst(hour, 5, external, 21, 9_999_999)},
		{name: "bytes 10,000,000", conns: burst(hour, 5, external, 21, 10_000_000)},
		{name: "bytes 10,000,001", conns: burst(hour, 5, external, 21, 10_000_001), want: []want{{external, 21, 80}}},
		{name: "bytes 50,000,000", conns: burst(hour, 5, external, 21, 50_000_000), want: []want{{external, 21, 80}}},
		{name: "bytes 50,000,001", conns: burst(hour, 5, external, 21, 50_000_001), want: []want{{external, 21, 90}}},
		{name: "unset bytes count as a connection of 0 bytes",
			conns: unset(cat(burst(hour, 4, external, 25, 12_000_000), burst(hour+300e6, 1, external, 25, 5)), 4),
			want:  []want{{external, 25, 80}}},
		{name: "unset bytes do not lower the total",
			conns: unset(burst(hour, 5, external, 25, 12_000_000), 4)}, // 4 x 2.4 MB left = 9.6 MB

		// Ports.
		{name: "port 21", conns: burst(hour, 5, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "port 25", conns: burst(hour, 5, external, 25, 20_000_000), want: []want{{external, 25, 80}}},
		{name: "port 53", conns: burst(hour, 5, external, 53, 20_000_000), want: []want{{external, 53, 80}}},
		{name: "port 139", conns: burst(hour, 5, external, 139, 20_000_000), want: []want{{external, 139, 80}}},
		{name: "port 445", conns: burst(hour, 5, internal, 445, 20_000_000), want: []want{{internal, 445, 80}}},
		{name: "port 465", conns: burst(hour, 5, external, 465, 20_000_000), want: []want{{external, 465, 80}}},
		{name: "port 587", conns: burst(hour, 5, external, 587, 20_000_000), want: []want{{external, 587, 80}}},
		{name: "port 990", conns: burst(hour, 5, external, 990, 20_000_000), want: []want{{external, 990, 80}}},
		{name: "port 443 not watched", conns: burst(hour, 5, external, 443, 90_000_000)},
		{name: "port 22 not watched", conns: burst(hour, 5, external, 22, 90_000_000)},
		{name: "port 20 not watched", conns: burst(hour, 5, external, 20, 90_000_000)},
		{name: "port 991 not watched", conns: burst(hour, 5, external, 991, 90_000_000)},

		// Hour buckets.
		{name: "five in the hour, first at its start", conns: burst(hour, 5, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "five in the hour, last just before its end",
			conns: burst(hour+event.Time(3600e6)-1-4*60e6, 5, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "five across the hour edge",
			conns: burst(hour+event.Time(3600e6)-2*60e6, 5, external, 21, 20_000_000)}, // 2 before, 3 after
		{name: "five and five either side of the edge",
			conns: cat(burst(hour-5*60e6, 5, external, 21, 11_000_000), burst(hour, 5, external, 21, 60_000_000)),
			want:  []want{{external, 21, 90}, {external, 21, 80}}},

		// Keys.
		{name: "two destinations split", conns: cat(burst(hour, 3, external, 21, 10_000_000), burst(hour, 3, "203.0.113.8", 21, 10_000_000))},
		{name: "two ports split", conns: cat(burst(hour, 3, external, 21, 10_000_000), burst(hour, 3, external, 25, 10_000_000))},

		// Parameters.
		{name: "external only keeps external", config: "external_only: true", conns: burst(hour, 5, external, 445, 20_000_000), want: []want{{external, 445, 80}}},
		{name: "external only drops internal", config: "external_only: true", conns: burst(hour, 5, internal, 445, 20_000_000)},
		{name: "min_risk 90", config: "min_risk: 90", conns: cat(burst(hour, 5, external, 21, 20_000_000), burst(hour, 5, external, 25, 60_000_000)), want: []want{{external, 25, 90}}},
		{name: "custom ports", config: "ports: [443]", conns: cat(burst(hour, 5, external, 21, 20_000_000), burst(hour, 5, external, 443, 20_000_000)), want: []want{{external, 443, 80}}},
		{name: "30 minute buckets split", config: "bucket: 30m", conns: burst(hour+28*60e6, 5, external, 21, 20_000_000)},
		{name: "30 minute buckets fire", config: "bucket: 30m", conns: burst(hour+25*60e6, 5, external, 21, 20_000_000), want: []want{{external, 21, 80}}},
		{name: "bands in any order", config: "risk_bands: [{bytes: 10000000, risk: 80}, {bytes: 50000000, risk: 90}]",
			conns: burst(hour, 5, external, 21, 60_000_000), want: []want{{external, 21, 90}}},
		{name: "below every band", config: "min_bytes: 1000000\nmin_risk: 0", conns: burst(hour, 5, external, 21, 2_000_000)},
		{name: "lower band", config: "min_bytes: 1000000\nmin_risk: 50\nrisk_bands: [{bytes: 1000000, risk: 50}]",
			conns: burst(hour, 5, external, 21, 2_000_000), want: []want{{external, 21, 50}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := hunt(t, configure(t, tc.config), env(), tc.conns)
			var got []want
			for _, f := range fs {
				got = append(got, want{f.Entities.Dst, f.Entities.DstPort, f.Risk})
				if f.Severity != finding.SeverityFor(f.Risk) {
					t.Errorf("severity %v for risk %d", f.Severity, f.Risk)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
				for _, f := range fs {
					t.Log(f.Summary)
				}
			}
		})
	}
}

func TestFinding(t *testing.T) {
	cs := burst(hour+90e6, 6, external, 21, 30_000_000)
	cs[5].SrcPort = cs[4].SrcPort // 5 distinct source ports
	cs[2].OrigBytes += 1          // the biggest record
	e := env()
	e.Evidence = 2
	fs := hunt(t, altproto.New(), e, cs)
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	f := fs[0]
	if f.Detection != altproto.ID || f.Risk != 80 || f.Severity != finding.Critical {
		t.Errorf("finding %s risk %d %v", f.Detection, f.Risk, f.Severity)
	}
	if f.Entities != (finding.Entities{Src: src, Dst: external, DstPort: 21, Proto: "tcp"}) {
		t.Errorf("entities %+v", f.Entities)
	}
	if f.First != cs[0].TS || f.Last != cs[5].TS {
		t.Errorf("first/last %v %v", f.First, f.Last)
	}
	figs := map[string]any{
		"connections":     int64(6),
		"min_count":       int64(5),
		"bytes_out":       int64(30_000_001),
		"min_bytes":       int64(10_000_000),
		"risk_band_bytes": int64(10_000_000),
		"bytes_in":        int64(6000),
		"out_in_ratio":    5000.0,
		"src_ports":       5,
		"bucket":          hour,
		"first":           cs[0].TS,
		"last":            cs[5].TS,
		"destination":     "external",
		"port_protocol":   "FTP",
	}
	for name, v := range figs {
		if got := f.Figure(name); got != v {
			t.Errorf("figure %s = %v (%T), want %v (%T)", name, got, got, v, v)
		}
	}
	if len(f.Evidence) != 2 || f.Evidence[0].Ref.Line != 1 || f.Evidence[1].Ref.Line != 3 {
		t.Errorf("evidence should be the two biggest records in time order: %+v", f.Evidence)
	}
	if f.Evidence[1].Note != "5,000,001 bytes sent" {
		t.Errorf("note %q", f.Evidence[1].Note)
	}
	want := "10.1.2.3 sent 30,000,001 bytes to external 203.0.113.7 on port 21 (FTP) in 6 connections during the hour from 2024-03-07 10:00 UTC (6,000 bytes received; thresholds: more than 10,000,000 bytes in at least 5 connections)"
	if f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
}

func TestSummaryPeriod(t *testing.T) {
	for bucket, want := range map[string]string{"30m": "during the 30m from 2024-03-07 10:00 UTC", "2h": "during the 2h from 2024-03-07 10:00 UTC", "90m": "during the 1h30m from 2024-03-07 09:00 UTC"} {
		fs := hunt(t, configure(t, "bucket: "+bucket), env(), burst(hour, 5, external, 21, 20_000_000))
		if len(fs) != 1 || !strings.Contains(fs[0].Summary, want) {
			t.Errorf("bucket %s: want %q in %+v", bucket, want, fs)
		}
	}
}

func TestTransports(t *testing.T) {
	cs := burst(hour, 6, external, 53, 30_000_000)
	for _, c := range cs[3:] {
		c.Proto = "udp"
	}
	fs := hunt(t, altproto.New(), env(), cs)
	if len(fs) != 1 || fs[0].Entities.Proto != "tcp,udp" {
		t.Fatalf("want one finding over tcp,udp: %+v", fs)
	}
}

// spread returns a deterministic mix of groups over three hours, some that fire.
func spread() []*event.Conn {
	var out []*event.Conn
	ports := []uint16{21, 25, 53, 445, 443, 990}
	for i := range 600 {
		c := &event.Conn{
			Meta:      event.Meta{TS: hour + event.Time((i*7919)%(3*3600))*1e6, Ref: event.Ref{File: uint32(i % 3), Line: uint32(i + 1)}},
			Flow:      event.Flow{Src: netip.MustParseAddr(fmt.Sprintf("10.1.0.%d", i%4)), SrcPort: uint16(30000 + (i*31)%5000), Dst: netip.MustParseAddr([]string{external, internal}[i%2]), DstPort: ports[(i/2)%len(ports)]},
			Proto:     "tcp",
			OrigBytes: int64((i * 104729) % 4_000_000),
			RespBytes: int64((i * 7) % 3000),
		}
		if i%17 == 0 {
			c.OrigBytes = event.Unset
		}
		out = append(out, c)
	}
	return out
}

func TestMergeOrderIndependent(t *testing.T) {
	cs := spread()
	e := env()
	e.Evidence = 3
	ref := string(detecttest.JSONL(t, hunt(t, altproto.New(), e, cs)))
	if !strings.Contains(ref, altproto.ID) {
		t.Fatalf("fixture fires nothing: %s", ref)
	}
	halves := len(cs) / 2
	splits := map[string][][]*event.Conn{
		"halves":      {cs[:halves], cs[halves:]},
		"halves back": {cs[halves:], cs[:halves]},
		"interleaved": {detecttest.Every(cs, 3, 0), detecttest.Every(cs, 3, 1), detecttest.Every(cs, 3, 2)},
		"reversed":    {detecttest.Reverse(cs)},
		"uneven":      {cs[:1], nil, cs[1 : len(cs)-1], cs[len(cs)-1:]},
	}
	for name, parts := range splits {
		t.Run(name, func(t *testing.T) {
			if got := string(detecttest.JSONL(t, hunt(t, altproto.New(), e, parts...))); got != ref {
				t.Errorf("findings differ:\n got %s\nwant %s", got, ref)
			}
		})
	}
	for i := range 3 {
		if got := string(detecttest.JSONL(t, hunt(t, altproto.New(), e, cs))); got != ref {
			t.Fatalf("run %d differs", i)
		}
	}
}

// TestSourcePortsExact drives a group's set of source ports past the size where it changes
// representation, merging lists into bitmaps and back.
func TestSourcePortsExact(t *testing.T) {
	mk := func(ports []int) []*event.Conn {
		var cs []*event.Conn
		for i, p := range ports {
			cs = append(cs, &event.Conn{
				Meta:      event.Meta{TS: hour + event.Time(i), Ref: event.Ref{Line: uint32(i + 1)}},
				Flow:      event.Flow{Src: netip.MustParseAddr(src), SrcPort: uint16(p), Dst: netip.MustParseAddr(external), DstPort: 53},
				Proto:     "udp",
				OrigBytes: 5000,
			})
		}
		return cs
	}
	var a, b []int
	for p := range 6000 {
		a = append(a, (p*37)%65536)
	}
	for p := range 3000 {
		b = append(b, (p*37+1)%65536, (p*37)%65536) // half shared with a
	}
	for name, parts := range map[string][][]*event.Conn{
		"one":          {mk(append(append([]int{}, a...), b...))},
		"bitmap+list":  {mk(a), mk(b[:100])},
		"list+bitmap":  {mk(b[:100]), mk(a)},
		"list+list":    {mk(b[:3000]), mk(b[3000:])},
		"three ways":   {mk(a[:2000]), mk(b), mk(a[2000:])},
		"small groups": {mk(a[:10]), mk(a[10:20])},
	} {
		t.Run(name, func(t *testing.T) {
			all := map[int]bool{}
			for _, p := range parts {
				for _, c := range p {
					all[int(c.SrcPort)] = true
				}
			}
			fs := hunt(t, configure(t, "min_bytes: 0\nmin_count: 1\nrisk_bands: [{bytes: 0, risk: 80}]"), env(), parts...)
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %d", len(fs))
			}
			got := fs[0].Figure("src_ports").(int)
			if len(all) <= 64 {
				if got != len(all) || fs[0].Figure("src_ports_estimated") != nil {
					t.Errorf("src_ports %v, want exactly %d", got, len(all))
				}
				return
			}
			// past 64 ports the count is a HyperLogLog estimate (about 6.5 % error)
			if d := float64(got-len(all)) / float64(len(all)); d > 0.2 || d < -0.2 || fs[0].Figure("src_ports_estimated") != true {
				t.Errorf("src_ports %v, want about %d", got, len(all))
			}

		})
	}
}

func TestBadBucket(t *testing.T) {
	d := configure(t, "bucket: 0s")
	if _, err := d.Score(d.NewAggregator(env()), env()); err == nil {
		t.Fatal("want an error for a zero bucket")
	}
}

func TestListParams(t *testing.T) {
	got := map[string]string{}
	for _, p := range detect.ListParams(altproto.New().Params()) {
		got[p.Name] = p.Default
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
	want := map[string]string{
		"ports":         "[21, 25, 53, 139, 445, 587, 465, 990]",
		"bucket":        "1h0m0s",
		"min_count":     "5",
		"min_bytes":     "10000000",
		"risk_bands":    "[{bytes: 50000000, risk: 90}, {bytes: 10000000, risk: 80}]",
		"min_risk":      "80",
		"external_only": "false",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestNoAllocationForUnwatchedPorts(t *testing.T) {
	a := altproto.New().NewAggregator(env()).(detect.ConnObserver)
	c := burst(hour, 1, external, 443, 1000)[0]
	if n := testing.AllocsPerRun(100, func() { a.ObserveConn(c) }); n != 0 {
		t.Errorf("%v allocations per unwatched record", n)
	}
}

func BenchmarkObserveConn(b *testing.B) {
	cs := spread()
	a := altproto.New().NewAggregator(env()).(detect.ConnObserver)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.ObserveConn(cs[i%len(cs)])
	}
}
