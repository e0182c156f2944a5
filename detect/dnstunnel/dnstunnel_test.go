package dnstunnel_test

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/dnstunnel"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// Golden cases: the Zeek dns.log fixtures of testdata/ (see testdata/README.md) and the exact
// findings expected from them.
func TestGolden(t *testing.T) {
	for _, name := range []string{"dnscat2.log.gz", "dnscat2-prefix.log", "atomic-t1071-004.log", "resolver.log.gz",
		"dga-nxdomain.log", "benign-busy.log.gz", "dns-beacon.log", "iodine-lab.log.gz"} {
		t.Run(name, func(t *testing.T) {
			fs := detecttest.Hunt(t, dnstunnel.New(), "testdata/"+name)
			base := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".log")
			detecttest.Golden(t, "testdata/"+base+".golden.jsonl", fs)
		})
	}
}

// analytics is the set of analytic groups a finding says fired.
func analytics(f finding.Finding) string {
	s, _ := f.Figure("analytics").(string)
	return s
}

func byKey(fs []finding.Finding) map[string]finding.Finding {
	m := map[string]finding.Finding{}
	for _, f := range fs {
		m[f.Entities.Src+" "+f.Entities.Domain] = f
	}
	return m
}

// TestFixtures: what each fixture must and must not fire, beyond the exact goldens.
func TestFixtures(t *testing.T) {
	hunt := func(name string) map[string]finding.Finding {
		return byKey(detecttest.Hunt(t, dnstunnel.New(), "testdata/"+name))
	}
	// dnscat2: one finding for the client and domain, every analytic, the signature; the
	// client's everyday lookups are not in it.
	m := hunt("dnscat2.log.gz")
	f, ok := m["10.30.0.21 dnscat-lab.example"]
	if !ok || len(m) != 1 {
		t.Fatalf("dnscat2: want one finding for 10.30.0.21 dnscat-lab.example, got %v", keys(m))
	}
	if a := analytics(f); a != "names signature subdomains volume" || f.Severity != finding.Critical {
		t.Errorf("dnscat2: analytics %q, %v", a, f.Severity)
	}
	// The resolver's leg of the tunnel is folded into the client's finding.
	m = hunt("resolver.log.gz")
	if f, ok := m["10.30.0.24 tunnel-lab.example"]; !ok || len(m) != 1 || !strings.Contains(f.Summary, "also forwarded by resolver 10.30.0.53") {
		t.Errorf("resolver: want the client's finding only, naming the resolver; got %v", keys(m))
	}
	// Busy but benign: block lists and reputation lookups ignored, CDNs spread over many
	// clients; nothing above info.
	for k, f := range hunt("benign-busy.log.gz") {
		if f.Risk >= 20 {
			t.Errorf("benign-busy: %s risk %d: %s", k, f.Risk, f.Summary)
		}
	}
	// DGA: a client-level NXDOMAIN finding; the search-suffix misses under the company's
	// domain (a top domain of the input) stay quiet.
	m = hunt("dga-nxdomain.log")
	if f, ok := m["10.30.0.25 "]; !ok || len(m) != 1 || !strings.Contains(f.Summary, "NXDOMAIN") {
		t.Errorf("dga: want one client finding for 10.30.0.25, got %v", keys(m))
	}
}

func keys(m map[string]finding.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func query(i int, client, name string, qtype int64, rcode int64, at time.Duration) *event.DNS {
	e := &event.DNS{Query: name, QType: qtype, RCode: rcode}
	e.TS = event.Time(t0.Add(at).UnixMicro())
	e.Ref = event.Ref{File: 1, Line: uint32(i + 1)}
	e.Src = netip.MustParseAddr(client)
	e.Dst = netip.MustParseAddr("10.0.0.53")
	e.DstPort = 53
	return e
}

// TestPrivateSuffixes: a tunnel under a dynamic DNS customer name. With private suffixes
// (default) the customer's name is the domain and other customers stay apart; without, every
// customer falls under the provider.
func TestPrivateSuffixes(t *testing.T) {
	var evs []any
	for i := range 150 {
		evs = append(evs, query(i, "10.1.0.5", fmt.Sprintf("x%d.evil.duckdns.org", i), 1, 0, time.Duration(i)*time.Second))
		evs = append(evs, query(1000+i, "10.1.0.5", fmt.Sprintf("host%d.ngrok-free.app", i), 1, 0, time.Duration(i)*time.Second))
	}
	for _, c := range []struct {
		private bool
		want    []string
	}{
		{true, []string{"10.1.0.5 evil.duckdns.org"}},
		{false, []string{"10.1.0.5 duckdns.org", "10.1.0.5 ngrok-free.app"}},
	} {
		d := dnstunnel.New()
		d.Params().(*dnstunnel.Params).PrivateSuffixes = c.private
		got := keys(byKey(detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs)))
		if !slices.Equal(got, c.want) {
			t.Errorf("private_suffixes %v: findings %v, want %v", c.private, got, c.want)
		}
	}
}

// TestMergeOrder: the same events split over aggregators, merged in any order, score the same.
func TestMergeOrder(t *testing.T) {
	var evs []any
	for i := range 600 {
		name := fmt.Sprintf("%x%x.t.lab.example", i*7919, i*104729)
		evs = append(evs, query(i, "10.1.0.7", name+strings.Repeat("a1", i%20), 16, 0, time.Duration(i)*200*time.Millisecond))
		evs = append(evs, query(600+i, "10.1.0.8", fmt.Sprintf("nx%d.missing.example", i%90), 1, 3, time.Duration(i)*time.Second))
	}
	want := detecttest.JSONL(t, detecttest.ScoreEvents(t, dnstunnel.New(), detecttest.Env(), nil, evs))
	if len(want) == 0 {
		t.Fatal("no finding")
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		got := detecttest.JSONL(t, detecttest.ScoreEvents(t, dnstunnel.New(), detecttest.Env(), order, evs[:400], evs[400:900], evs[900:]))
		if string(got) != string(want) {
			t.Fatalf("order %v:\n got %s\nwant %s", order, got, want)
		}
	}
}

func datasets(t *testing.T, dir string) string {
	p := filepath.Join("..", "..", "..", "shared", "datasets", dir)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not found (it sits beside the project in a full checkout): %v", p, err)
	}
	return p
}

// TestIodineSession: the labelled iodine names (netrack/learn), given one client and the
// timing of a transfer (40 queries a second), make one finding for the client and the tunnel
// domain, with the unique-subdomain, name and volume analytics all fired. The plain names of
// the same set, asked by another client at the same pace, make no finding above low.
func TestIodineSession(t *testing.T) {
	dir := datasets(t, "dns-tunnel-names")
	read := func(file, client string, base int) []any {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var evs []any
		s := bufio.NewScanner(f)
		for i := 0; s.Scan(); i++ {
			_, q, ok := strings.Cut(s.Text(), ",")
			if !ok || i == 0 {
				continue
			}
			evs = append(evs, query(base+i, client, q, 10, 0, time.Duration(i)*25*time.Millisecond)) // NULL queries
		}
		return evs
	}
	evs := append(read("iodine__names.csv", "10.9.0.2", 0), read("plain__names.csv", "10.9.0.3", 100_000)...)
	fs := detecttest.ScoreEvents(t, dnstunnel.New(), detecttest.Env(), nil, evs)
	var tunnel []finding.Finding
	for _, f := range fs {
		switch f.Entities.Src {
		case "10.9.0.2":
			if f.Entities.Domain == "hidemyself.org" {
				tunnel = append(tunnel, f)
			}
		case "10.9.0.3":
			if f.Risk >= 20 {
				t.Errorf("plain names: %s", f.Summary)
			}
		}
	}
	if len(tunnel) != 1 {
		t.Fatalf("want one finding for 10.9.0.2 hidemyself.org, got %d", len(tunnel))
	}
	f := tunnel[0]
	t.Logf("%s %d: %s", f.Severity, f.Risk, f.Summary)
	for _, g := range []string{"names", "subdomains", "volume"} {
		if !strings.Contains(analytics(f), g) {
			t.Errorf("analytic %s did not fire: %q", g, analytics(f))
		}
	}
	if f.Severity != finding.Critical {
		t.Errorf("severity %v", f.Severity)
	}
}

// TestWRCCDC: 53.6k real queries of a competition network. Zeek's TSV and JSON logs of the
// same traffic give the same findings, and none is above low (see the README's false
// positives).
func TestWRCCDC(t *testing.T) {
	dir := datasets(t, "wrccdc-dns-ssl")
	tsv := detecttest.Hunt(t, dnstunnel.New(), filepath.Join(dir, "zeek-default__dns.log.gz"))
	js := detecttest.Hunt(t, dnstunnel.New(), filepath.Join(dir, "zeek-json__dns.json.gz"))
	strip := func(fs []finding.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s %s %d %s", f.Entities.Src, f.Entities.Domain, f.Risk, f.Summary))
		}
		return out
	}
	if a, b := strip(tsv), strip(js); !slices.Equal(a, b) {
		t.Errorf("TSV and JSON differ:\n%v\n%v", a, b)
	}
	for _, f := range tsv {
		t.Logf("%s %d %s: %s", f.Severity, f.Risk, f.Entities.Src, f.Summary)
		if f.Risk >= 40 {
			t.Errorf("medium or worse on background traffic: %s", f.Summary)
		}
	}
}

// TestFleet: twelve clients sending 40 hex names each under one domain (an antivirus
// reputation service) are one finding for the domain, low; one client alone doing the same is
// its own, stronger, finding.
func TestFleet(t *testing.T) {
	var evs []any
	n := 0
	add := func(client, dom string, k int) {
		for range k {
			name := fmt.Sprintf("%016x%016x.%s", mix(uint64(n)), mix(uint64(n)+1<<40), dom)
			evs = append(evs, query(n, client, name, 1, 0, time.Duration(n)*time.Second))
			n++
		}
	}
	for c := range 12 {
		add(fmt.Sprintf("10.2.0.%d", c+1), "avrep.example", 40)
	}
	add("10.2.1.1", "lonely.example", 40)
	fs := detecttest.ScoreEvents(t, dnstunnel.New(), detecttest.Env(), nil, evs)
	got := keys(byKey(fs))
	if want := []string{" avrep.example", "10.2.1.1 lonely.example"}; !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
	for _, f := range fs {
		if f.Entities.Domain == "avrep.example" && (f.Severity != finding.Info || f.Figure("clients") != 12) {
			t.Errorf("fleet: %v, %v clients: %s", f.Severity, f.Figure("clients"), f.Summary)
		}
	}
}

// mix is splitmix64's finaliser: well-spread bits from a counter.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// TestShortWindows: windows under a minute count as one minute; nothing panics.
func TestShortWindows(t *testing.T) {
	d := dnstunnel.New()
	d.Params().(*dnstunnel.Params).NXDomainWindow = 1
	var evs []any
	for i := range 120 {
		evs = append(evs, query(i, "10.3.0.1", fmt.Sprintf("n%d.gone.example", i), 1, 3, time.Duration(i)*time.Second))
	}
	fs := detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs)
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "NXDOMAIN") {
		t.Fatalf("want one NXDOMAIN finding, got %d", len(fs))
	}
}
