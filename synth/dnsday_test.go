package synth

import (
	"bytes"
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/zeek"
)

// smallDNSDay is the day of the tests: 100,000 lines from 500 clients, the planted tunnels of
// 1,000 queries each.
func smallDNSDay() DNSDayOptions {
	return DNSDayOptions{Seed: 7, Clients: 500, Queries: 100_000, TunnelQueries: 1_000}
}

func writeDNSDay(t *testing.T, o DNSDayOptions) ([]byte, DNSDayStats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := WriteDNSDay(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func TestDNSDayDeterminism(t *testing.T) {
	o := smallDNSDay()
	o.Queries = 30_000
	a, sa := writeDNSDay(t, o)
	b, sb := writeDNSDay(t, o)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options differ")
	}
	if !statsEqual(sa, sb) {
		t.Fatalf("two runs with the same options report %+v and %+v", sa, sb)
	}
	o.Seed++
	if c, _ := writeDNSDay(t, o); bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 wrote the same bytes")
	}
}

func statsEqual(a, b DNSDayStats) bool {
	return a.Lines == b.Lines && a.Bytes == b.Bytes && a.Clients == b.Clients && a.Names == b.Names &&
		a.Forwarded == b.Forwarded && slices.Equal(a.Tunnels, b.Tunnels)
}

// dnsSink keeps what the tests need of the events the Zeek reader makes of the day.
type dnsSink struct {
	event.NopSink
	n        int64
	last     event.Time
	unsorted int
	srcs     map[netip.Addr]bool
	names    map[string]bool
	fwd      int64
	res      map[netip.Addr]bool
	tunnels  []DNSTunnel
	tcount   []int64
	tfirst   []event.Time
	tlast    []event.Time
	tnames   []map[string]bool
	badTTLs  int
}

func (s *dnsSink) DNS(e *event.DNS) {
	s.n++
	if e.TS < s.last {
		s.unsorted++
	}
	s.last = e.TS
	s.srcs[e.Src] = true
	s.names[strings.Clone(e.Query)] = true
	if s.res[e.Src] {
		s.fwd++
	}
	if len(e.TTLs) != len(e.Answers) {
		s.badTTLs++
	}
	for i, tu := range s.tunnels {
		if e.Src == tu.Client && strings.HasSuffix(e.Query, "."+tu.Domain) {
			if s.tcount[i] == 0 {
				s.tfirst[i] = e.TS
			}
			s.tcount[i]++
			s.tlast[i] = e.TS
			s.tnames[i][strings.Clone(e.Query)] = true
		}
	}
}

// TestDNSDay reads the day with sluice's own Zeek reader: every line parses, in time order,
// and the stats agree with what is in the file, the planted tunnels included.
func TestDNSDay(t *testing.T) {
	o := smallDNSDay()
	data, st := writeDNSDay(t, o)
	t.Logf("%+v", st)
	if st.Bytes != int64(len(data)) {
		t.Errorf("stats say %d bytes, wrote %d", st.Bytes, len(data))
	}
	if st.Lines < 99_000 || st.Lines > 101_000 {
		t.Errorf("%d lines, want about %d", st.Lines, o.Queries)
	}
	open := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	if !bytes.HasPrefix(data, header(logDNS, open)) || !bytes.HasSuffix(data, footer(open.Add(24*time.Hour))) {
		t.Error("not the header and footer of Generate's dns.log")
	}
	if len(st.Tunnels) != 3 {
		t.Fatalf("%d tunnels, want 3", len(st.Tunnels))
	}

	s := &dnsSink{srcs: map[netip.Addr]bool{}, names: map[string]bool{}, res: map[netip.Addr]bool{}, tunnels: st.Tunnels}
	for i := range 2 {
		s.res[ddAddr(ddResolverIP(i))] = true
	}
	for range st.Tunnels {
		s.tcount = append(s.tcount, 0)
		s.tfirst = append(s.tfirst, 0)
		s.tlast = append(s.tlast, 0)
		s.tnames = append(s.tnames, map[string]bool{})
	}
	o2, err := source.Open(source.ReaderInput("dns.log", bytes.NewReader(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	if o2.Format.Name != "zeek-tsv" {
		t.Fatalf("read as %s", o2.Format.Name)
	}
	rst := source.NewStats()
	err = zeek.ReadTSV(context.Background(), o2.R, source.FileInfo{Name: "dns.log"}, rst, func(j source.Job) error {
		j.Run(s, rst)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rst.TotalSkipped() > 0 || len(rst.Problems) > 0 {
		t.Fatalf("the reader skipped records: %v %v", rst.Skipped, rst.Problems)
	}
	if s.n != st.Lines || rst.Read["dns"] != st.Lines {
		t.Errorf("the reader made %d events (read %d), the stats say %d lines", s.n, rst.Read["dns"], st.Lines)
	}
	if s.unsorted > 0 {
		t.Errorf("%d records earlier than the one above", s.unsorted)
	}
	if s.badTTLs > 0 {
		t.Errorf("%d records with not one TTL per answer", s.badTTLs)
	}
	if len(s.srcs) != st.Clients || len(s.names) != st.Names || s.fwd != st.Forwarded {
		t.Errorf("file: %d sources, %d names, %d forwarded; stats: %d, %d, %d",
			len(s.srcs), len(s.names), s.fwd, st.Clients, st.Names, st.Forwarded)
	}
	if share := float64(st.Forwarded) / float64(st.Lines); share < 0.1 || share > 0.6 {
		t.Errorf("%.0f %% of the lines are the resolvers' own queries", 100*share)
	}
	domains := map[string]bool{}
	for i, tu := range st.Tunnels {
		if tu.Queries != int64(o.TunnelQueries) || s.tcount[i] != tu.Queries || int64(len(s.tnames[i])) != tu.Queries {
			t.Errorf("tunnel %s under %s: %d queries in the stats, %d lines and %d names in the file, want %d",
				tu.Client, tu.Domain, tu.Queries, s.tcount[i], len(s.tnames[i]), o.TunnelQueries)
		}
		if s.tfirst[i].Std() != tu.Start || s.tlast[i].Std() != tu.End {
			t.Errorf("tunnel %s: %s..%s in the file, %s..%s in the stats", tu.Client, s.tfirst[i], s.tlast[i], tu.Start, tu.End)
		}
		if domains[tu.Domain] {
			t.Errorf("two tunnels under %s", tu.Domain)
		}
		domains[tu.Domain] = true
		if !s.srcs[tu.Client] || !tu.Client.IsPrivate() {
			t.Errorf("tunnel client %s", tu.Client)
		}
		if tu.Auth.IsValid() != s.res[tu.Server] {
			t.Errorf("tunnel %s asks %s, its server %s", tu.Client, tu.Server, tu.Auth)
		}
	}
	// No other name falls under a tunnel's domain.
	for name := range s.names {
		for i, tu := range st.Tunnels {
			if strings.HasSuffix(name, "."+tu.Domain) && !s.tnames[i][name] {
				t.Errorf("%s is under tunnel %s's domain", name, tu.Client)
			}
		}
	}
}

// TestDNSDayFormat checks every value against its #types, as TestFormat does for Generate's
// logs.
func TestDNSDayFormat(t *testing.T) {
	o := smallDNSDay()
	o.Queries = 20_000
	o.Start = time.Date(2024, 7, 1, 22, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	o.Duration = 2 * time.Hour
	data, st := writeDNSDay(t, o)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	var n int64
	bad := 0
	for i, line := range lines {
		if strings.HasPrefix(line, "#") {
			continue
		}
		n++
		f := strings.Split(line, "\t")
		if len(f) != len(schemas[logDNS].fields) {
			t.Fatalf("line %d: %d fields: %q", i+1, len(f), line)
		}
		for j, v := range f {
			if err := checkValue(schemas[logDNS].types[j], v); err != nil && bad < 10 {
				bad++
				t.Errorf("line %d: %s %q: %v", i+1, schemas[logDNS].fields[j], v, err)
			}
		}
		if ts := parseTime(f[0]); ts < o.Start.UnixMicro() || ts > o.Start.Add(o.Duration+time.Minute).UnixMicro() {
			t.Errorf("line %d: ts %s outside the day", i+1, f[0])
		}
		if len(f[9]) > 253 {
			t.Errorf("line %d: query of %d characters", i+1, len(f[9]))
		}
	}
	if n != st.Lines {
		t.Errorf("%d records, stats say %d", n, st.Lines)
	}
	if lines[5] != "#open\t2024-07-01-20-30-00" {
		t.Errorf("header %q", lines[5])
	}
}

func TestDNSDayOptions(t *testing.T) {
	for _, o := range []DNSDayOptions{
		{Queries: 10},
		{Clients: -1},
		{Resolvers: 21},
		{Duration: time.Second},
		{Clients: 2, Tunnels: 3},
		{Queries: 10_000, TunnelQueries: 5_000},
	} {
		if _, err := WriteDNSDay(&bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// no tunnels, one resolver
	data, st := writeDNSDay(t, DNSDayOptions{Clients: 50, Queries: 5_000, Tunnels: -1, Resolvers: 1})
	if len(st.Tunnels) != 0 || bytes.Contains(data, []byte("\t198.51.100.")) || bytes.Contains(data, []byte("\t8.8.8.8\t")) {
		t.Errorf("tunnels in a day without: %+v", st.Tunnels)
	}
	if bytes.Contains(data, []byte("\t10.1.1.53\t")) {
		t.Error("a second resolver in a day of one")
	}
}

// TestDNSDayTunnelsStable: the tunnels are the same clients and domains at any size.
func TestDNSDayTunnelsStable(t *testing.T) {
	o := smallDNSDay()
	_, a := writeDNSDay(t, o)
	o.Queries, o.TunnelQueries = 20_000, 200
	_, b := writeDNSDay(t, o)
	for i := range a.Tunnels {
		x, y := a.Tunnels[i], b.Tunnels[i]
		if x.Client != y.Client || x.Domain != y.Domain || x.Server != y.Server || x.Start != y.Start {
			t.Errorf("tunnel %d: %+v at 100,000 lines, %+v at 20,000", i, x, y)
		}
	}
}
