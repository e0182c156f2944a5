package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "regenerate testdata/")

// A day shared by the tests: the default options, generated once.
var (
	dayOnce  sync.Once
	dayDir   string
	dayTruth *Truth
	dayErr   error
	dayRoot  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if dayRoot != "" {
		os.RemoveAll(dayRoot)
	}
	os.Exit(code)
}

func defaultDay(t *testing.T) (string, *Truth) {
	t.Helper()
	dayOnce.Do(func() {
		dayRoot, dayErr = os.MkdirTemp("", "synth-day-")
		if dayErr != nil {
			return
		}
		dayDir = filepath.Join(dayRoot, "day")
		dayTruth, dayErr = Generate(dayDir, DefaultOptions())
	})
	if dayErr != nil {
		t.Fatal(dayErr)
	}
	return dayDir, dayTruth
}

// zlog is a parsed log: its header lines and records split into fields.
type zlog struct {
	header  []string
	fields  []string
	types   []string
	records [][]string
	lines   []int // line number of each record
}

func (z *zlog) col(name string) int {
	i := slices.Index(z.fields, name)
	if i < 0 {
		panic("no field " + name)
	}
	return i
}

func readLog(t *testing.T, name string) *zlog {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r = zr
	}
	z := &zlog{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			z.header = append(z.header, line)
			switch {
			case strings.HasPrefix(line, "#fields\t"):
				z.fields = strings.Split(line, "\t")[1:]
			case strings.HasPrefix(line, "#types\t"):
				z.types = strings.Split(line, "\t")[1:]
			}
			continue
		}
		z.records = append(z.records, strings.Split(line, "\t"))
		z.lines = append(z.lines, n)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return z
}

func TestDeterminism(t *testing.T) {
	opt := DefaultOptions()
	opt.Conns = 20_000
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	if _, err := Generate(a, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, opt); err != nil {
		t.Fatal(err)
	}
	opt.Seed = 2
	if _, err := Generate(c, opt); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(slices.Clone(LogFiles), TruthFile) {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: two runs with the same seed differ", name)
		}
		z, err := os.ReadFile(filepath.Join(c, name))
		if err != nil {
			t.Fatal(err)
		}
		if name != TruthFile && bytes.Equal(x, z) {
			t.Errorf("%s: seeds 1 and 2 wrote the same bytes", name)
		}
	}
}

// TestFormat checks every line of every log against its header: Zeek's header lines, one
// field per #fields name, values that parse as their #types, times in order.
func TestFormat(t *testing.T) {
	dir, truth := defaultDay(t)
	for l, name := range LogFiles {
		z := readLog(t, filepath.Join(dir, name))
		want := []string{"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
			"#path\t" + logNames[l], "#open\t2024-03-05-00-00-00"}
		if len(z.header) != 9 || !slices.Equal(z.header[:6], want) || z.header[8] != "#close\t2024-03-06-00-00-00" {
			t.Errorf("%s: header %q", name, z.header)
		}
		if !slices.Equal(z.fields, schemas[l].fields) || !slices.Equal(z.types, schemas[l].types) || len(z.fields) != len(z.types) {
			t.Fatalf("%s: #fields/#types %q %q", name, z.fields, z.types)
		}
		if int64(len(z.records)) != truth.Records[logNames[l]] {
			t.Errorf("%s: %d records, truth says %d", name, len(z.records), truth.Records[logNames[l]])
		}
		if len(z.records) == 0 {
			t.Errorf("%s: no records", name)
		}
		last := int64(0)
		bad := 0
		for i, rec := range z.records {
			if len(rec) != len(z.fields) {
				t.Fatalf("%s:%d: %d fields, want %d", name, z.lines[i], len(rec), len(z.fields))
			}
			for j, v := range rec {
				if err := checkValue(z.types[j], v); err != nil && bad < 10 {
					bad++
					t.Errorf("%s:%d: %s %q: %v", name, z.lines[i], z.fields[j], v, err)
				}
			}
			ts := parseTime(rec[0])
			if ts < last {
				t.Fatalf("%s:%d: ts %s before the line above", name, z.lines[i], rec[0])
			}
			last = ts
		}
	}
}

func checkValue(typ, v string) error {
	if v == "" {
		return fmt.Errorf("empty field")
	}
	if v == "-" {
		return nil
	}
	if strings.ContainsAny(v, "\t\n") {
		return fmt.Errorf("separator inside a value")
	}
	switch {
	case typ == "time" || typ == "interval":
		s, frac, ok := strings.Cut(v, ".")
		if !ok || len(frac) != 6 {
			return fmt.Errorf("not a Zeek time with six decimals")
		}
		if _, err := strconv.ParseUint(s+frac, 10, 64); err != nil {
			return err
		}
	case typ == "addr":
		if _, err := netip.ParseAddr(v); err != nil {
			return err
		}
	case typ == "port":
		if _, err := strconv.ParseUint(v, 10, 16); err != nil {
			return err
		}
	case typ == "count":
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return err
		}
	case typ == "bool":
		if v != "T" && v != "F" {
			return fmt.Errorf("not T or F")
		}
	case typ == "enum":
		if v != "tcp" && v != "udp" && v != "icmp" {
			return fmt.Errorf("unknown transport")
		}
	case strings.HasPrefix(typ, "vector[interval]"):
		for _, x := range strings.Split(v, ",") {
			if err := checkValue("interval", x); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseTime(v string) int64 {
	s, frac, _ := strings.Cut(v, ".")
	n, _ := strconv.ParseInt(s+frac, 10, 64)
	return n
}

// TestUIDs checks that every http, ssl, dns and files record has its connection in conn.log,
// with the same endpoints and a service that names the protocol.
func TestUIDs(t *testing.T) {
	dir, _ := defaultDay(t)
	conn := readLog(t, filepath.Join(dir, "conn.log"))
	type cinfo struct {
		flow    string
		service string
		ts      int64
		end     int64
	}
	conns := map[string]cinfo{}
	for _, r := range conn.records {
		if _, dup := conns[r[1]]; dup {
			t.Fatalf("uid %s twice in conn.log", r[1])
		}
		end := parseTime(r[0])
		if r[8] != "-" {
			end += parseTime(r[8])
		}
		conns[r[1]] = cinfo{strings.Join(r[2:6], " "), r[7], parseTime(r[0]), end}
	}
	for _, c := range []struct {
		log, service string
		uid, flow    int
	}{
		{"http.log", "http", 1, 2},
		{"ssl.log", "ssl", 1, 2},
		{"dns.log", "dns", 1, 2},
		{"files.log", "", 2, 3},
	} {
		z := readLog(t, filepath.Join(dir, c.log))
		for i, r := range z.records {
			ci, ok := conns[r[c.uid]]
			if !ok {
				t.Fatalf("%s:%d: uid %s not in conn.log", c.log, z.lines[i], r[c.uid])
			}
			if flow := strings.Join(r[c.flow:c.flow+4], " "); flow != ci.flow {
				t.Fatalf("%s:%d: endpoints %s, conn.log has %s", c.log, z.lines[i], flow, ci.flow)
			}
			if c.service != "" && !slices.Contains(strings.Split(ci.service, ","), c.service) {
				t.Fatalf("%s:%d: conn.log service %q for a %s record", c.log, z.lines[i], ci.service, c.service)
			}
			if ts := parseTime(r[0]); ts < ci.ts {
				t.Fatalf("%s:%d: record before its connection", c.log, z.lines[i])
			}
		}
	}
	// TLS server names agree with DNS: every SNI was resolved by the same client to the address
	// it connects to, at some time before.
	ssl := readLog(t, filepath.Join(dir, "ssl.log"))
	dns := readLog(t, filepath.Join(dir, "dns.log"))
	resolved := map[string]bool{}
	for _, r := range dns.records {
		if r[13] != "A" {
			continue
		}
		for _, a := range strings.Split(r[21], ",") {
			resolved[r[2]+" "+r[9]+" "+a] = true
		}
	}
	missing := 0
	for _, r := range ssl.records {
		if r[9] != "-" && !resolved[r[2]+" "+r[9]+" "+r[4]] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d TLS server names never resolved to their address by their client", missing)
	}
}

func TestGzip(t *testing.T) {
	opt := DefaultOptions()
	opt.Conns = 10_000
	plain, zipped := t.TempDir(), t.TempDir()
	if _, err := Generate(plain, opt); err != nil {
		t.Fatal(err)
	}
	opt.Gzip = true
	if _, err := Generate(zipped, opt); err != nil {
		t.Fatal(err)
	}
	for _, name := range LogFiles {
		want, err := os.ReadFile(filepath.Join(plain, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(zipped, name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s.gz: %v", name, err)
		}
		f.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s.gz does not hold the bytes of %s", name, name)
		}
		if _, err := os.Stat(filepath.Join(zipped, name)); err == nil {
			t.Errorf("%s written beside %s.gz", name, name)
		}
	}
}

func TestWriteConn(t *testing.T) {
	opt := DefaultOptions()
	opt.Pairs = 20_000
	opt.Hosts = 500
	var a, b bytes.Buffer
	if err := WriteConn(&a, 200_000, opt); err != nil {
		t.Fatal(err)
	}
	if err := WriteConn(&b, 200_000, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("WriteConn is not deterministic")
	}
	pairs := map[string]bool{}
	n := 0
	last := int64(0)
	for _, line := range strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != len(schemas[logConn].fields) {
			t.Fatalf("%d fields: %q", len(f), line)
		}
		if ts := parseTime(f[0]); ts < last {
			t.Fatalf("out of order: %q", line)
		} else {
			last = ts
		}
		n++
		if f[7] == "ssl" {
			pairs[f[2]+" "+f[4]] = true
		}
	}
	if n < 190_000 || n > 215_000 {
		t.Errorf("%d records, want about 200,000 plus the planted ones", n)
	}
	if len(pairs) < 15_000 || len(pairs) > 20_500 {
		t.Errorf("%d distinct TLS pairs, want about 20,000", len(pairs))
	}
	t.Logf("%d records, %d distinct TLS pairs", n, len(pairs))
}

// connRow is what the reference checks below need of a conn.log record.
type connRow struct {
	ts, dur       int64
	src, dst      string
	port          uint16
	proto, svc    string
	ob, rb        int64
	internalPair  bool
	externalDst   bool
	srcIP, dstIP  netip.Addr
	lineForErrors int
}

func conns(t *testing.T, dir string) []connRow {
	z := readLog(t, filepath.Join(dir, "conn.log"))
	out := make([]connRow, 0, len(z.records))
	for i, r := range z.records {
		c := connRow{ts: parseTime(r[0]), src: r[2], dst: r[4], proto: r[6], svc: r[7], lineForErrors: z.lines[i]}
		p, _ := strconv.ParseUint(r[5], 10, 16)
		c.port = uint16(p)
		c.dur, c.ob, c.rb = -1, -1, -1
		if r[8] != "-" {
			c.dur = parseTime(r[8])
		}
		if r[9] != "-" {
			c.ob, _ = strconv.ParseInt(r[9], 10, 64)
		}
		if r[10] != "-" {
			c.rb, _ = strconv.ParseInt(r[10], 10, 64)
		}
		c.srcIP, c.dstIP = netip.MustParseAddr(r[2]), netip.MustParseAddr(r[4])
		c.externalDst = !c.dstIP.IsPrivate()
		c.internalPair = c.srcIP.IsPrivate() && c.dstIP.IsPrivate()
		out = append(out, c)
	}
	return out
}

type key3 struct {
	src, dst string
	port     uint16
}

func (k key3) String() string { return fmt.Sprintf("%s->%s:%d", k.src, k.dst, k.port) }

func truthKeys(truth *Truth, det string, negative bool) map[key3]Case {
	out := map[key3]Case{}
	for _, c := range truth.Cases {
		if c.Detection == det && c.Negative == negative {
			out[key3{c.Src.String(), c.Dst.String(), c.DstPort}] = c
		}
	}
	return out
}

// TestAltProtocolVolume applies seed 003's rule to the day: exactly the planted positives
// fire, with their risk, and nothing in the background does.
func TestAltProtocolVolume(t *testing.T) {
	dir, truth := defaultDay(t)
	ports := map[uint16]bool{21: true, 25: true, 53: true, 139: true, 445: true, 587: true, 465: true, 990: true}
	type k struct {
		key3
		hour int64
	}
	count, sum := map[k]int64{}, map[k]int64{}
	for _, c := range conns(t, dir) {
		if !ports[c.port] {
			continue
		}
		kk := k{key3{c.src, c.dst, c.port}, c.ts / 3600e6}
		count[kk]++
		if c.ob > 0 {
			sum[kk] += c.ob
		}
	}
	fired := map[key3]int{}
	for kk, n := range count {
		if n >= 5 && sum[kk] > 10_000_000 {
			risk := 80
			if sum[kk] > 50_000_000 {
				risk = 90
			}
			fired[kk.key3] = risk
		}
	}
	want := truthKeys(truth, detAltProto, false)
	if len(want) != 2 {
		t.Errorf("%d planted positives, want 2", len(want))
	}
	for key, c := range want {
		if fired[key] != c.Risk {
			t.Errorf("%s (%s): risk %d, want %d", c.Name, key, fired[key], c.Risk)
		}
	}
	for key, risk := range fired {
		if _, ok := want[key]; !ok {
			t.Errorf("%s fires (risk %d) but is not a planted positive", key, risk)
		}
	}
	for key, c := range truthKeys(truth, detAltProto, true) {
		if _, ok := fired[key]; ok {
			t.Errorf("negative %s (%s) fires", c.Name, key)
		}
		var n, total int64
		for kk, v := range count {
			if kk.key3 == key {
				n += v
				total += sum[kk]
			}
		}
		t.Logf("negative %s: %d connections, %d bytes", c.Name, n, total)
	}
}

// expectedPorts is seed 004's table with the extensions sluice documents (submission on 587)
// and the protocols the generator uses.
var expectedPorts = map[string][]uint16{
	"dns": {53}, "http": {80, 8080, 8000}, "ssl": {443, 8443}, "smtp": {25, 587}, "ssh": {22},
	"ftp": {21}, "smb": {139, 445}, "ntp": {123}, "quic": {443}, "krb": {88}, "gssapi": nil,
}

func TestProtocolPortMismatch(t *testing.T) {
	dir, truth := defaultDay(t)
	fired := map[key3]bool{}
	for _, c := range conns(t, dir) {
		if c.svc == "-" {
			continue
		}
		for _, s := range strings.Split(c.svc, ",") {
			if s == "gssapi" || s == "krb" || (s == "ssl" && strings.Contains(c.svc, ",")) {
				continue // found inside another protocol
			}
			want, known := expectedPorts[s]
			if !known {
				t.Fatalf("line %d: service %q has no row", c.lineForErrors, s)
			}
			if !slices.Contains(want, c.port) {
				fired[key3{c.src, c.dst, c.port}] = true
			}
		}
	}
	want := truthKeys(truth, detPortMismatch, false)
	if len(want) != 3 {
		t.Errorf("%d planted positives, want 3", len(want))
	}
	for key, c := range want {
		if !fired[key] {
			t.Errorf("%s (%s) does not fire", c.Name, key)
		}
	}
	for key := range fired {
		if _, ok := want[key]; !ok {
			t.Errorf("%s fires but is not a planted positive", key)
		}
	}
	for key, c := range truthKeys(truth, detPortMismatch, true) {
		if fired[key] {
			t.Errorf("negative %s (%s) fires", c.Name, key)
		}
	}
}

// TestLongConnection joins each src/dst/port/proto's connections that overlap or follow
// within 10 s and checks which sessions last an hour or more.
func TestLongConnection(t *testing.T) {
	dir, truth := defaultDay(t)
	type k struct {
		key3
		proto string
	}
	type span struct{ start, end int64 }
	by := map[k][]span{}
	for _, c := range conns(t, dir) {
		kk := k{key3{c.src, c.dst, c.port}, c.proto}
		by[kk] = append(by[kk], span{c.ts, c.ts + max(c.dur, 0)})
	}
	longest := map[key3]int64{}
	for kk, spans := range by {
		slices.SortFunc(spans, func(a, b span) int { return int(a.start - b.start) })
		cur := spans[0]
		best := int64(0)
		for _, s := range spans[1:] {
			if s.start <= cur.end+10e6 {
				cur.end = max(cur.end, s.end)
				continue
			}
			best = max(best, cur.end-cur.start)
			cur = s
		}
		best = max(best, cur.end-cur.start)
		longest[kk.key3] = max(longest[kk.key3], best)
	}
	want := truthKeys(truth, detLongConn, false)
	if len(want) != 2 {
		t.Errorf("%d planted positives, want 2", len(want))
	}
	var top []string
	for key, d := range longest {
		_, planted := want[key]
		switch {
		case d >= 3600e6 && !planted:
			t.Errorf("%s: a %s session, not planted", key, time.Duration(d)*time.Microsecond)
		case d < 3600e6 && planted:
			t.Errorf("%s: planted, but the longest session is %s", key, time.Duration(d)*time.Microsecond)
		case d >= 20*60e6:
			top = append(top, fmt.Sprintf("%s %s", key, time.Duration(d)*time.Microsecond))
		}
	}
	for key, c := range want {
		t.Logf("%s: %s", c.Name, time.Duration(longest[key])*time.Microsecond)
	}
	slices.Sort(top)
	t.Logf("sessions of 20 minutes or more: %d", len(top))
}

// TestUploadVolume checks the asymmetry signal (external pairs with >= 1 MB out and 10 times
// more out than in) and the seed's top-10 uploaders list.
func TestUploadVolume(t *testing.T) {
	dir, truth := defaultDay(t)
	type pair struct{ src, dst string }
	out, in := map[pair]int64{}, map[pair]int64{}
	internal := map[pair]bool{}
	for _, c := range conns(t, dir) {
		p := pair{c.src, c.dst}
		if c.ob > 0 {
			out[p] += c.ob
		}
		if c.rb > 0 {
			in[p] += c.rb
		}
		internal[p] = c.internalPair
	}
	want := map[pair]Case{}
	for _, c := range truth.Cases {
		if c.Detection == detUpload && !c.Negative {
			want[pair{c.Src.String(), c.Dst.String()}] = c
		}
	}
	if len(want) != 5 {
		t.Errorf("%d planted positives, want 5", len(want))
	}
	var bgMax int64
	var bgMaxPair pair
	for p, o := range out {
		asym := !internal[p] && o >= 1_000_000 && float64(o) >= 10*float64(in[p])
		_, planted := want[p]
		if asym != planted {
			t.Errorf("%v: %d out, %d in: asymmetric %v, planted %v", p, o, in[p], asym, planted)
		}
		if !planted && !internal[p] && o > bgMax {
			bgMax, bgMaxPair = o, p
		}
	}
	t.Logf("largest background external upload: %v, %d bytes out, %d in", bgMaxPair, bgMax, in[bgMaxPair])
	for _, c := range truth.Cases {
		if c.Name == "https-upload-2.5gb" && c.Detection == detUpload {
			p := pair{c.Src.String(), c.Dst.String()}
			if out[p] != 2_500_000_000 || float64(out[p]) < 100*float64(in[p]) {
				t.Errorf("upload: %d out, %d in", out[p], in[p])
			}
		}
	}
}

func TestBeaconAndTunnel(t *testing.T) {
	dir, truth := defaultDay(t)
	var beacon, tunnel Case
	for _, c := range truth.Cases {
		switch {
		case c.Detection == detBeacon && c.Name == "https-beacon":
			beacon = c
		case c.Detection == detDNSTunnel:
			tunnel = c
		}
	}
	var starts []int64
	for _, c := range conns(t, dir) {
		if c.src == beacon.Src.String() && c.dst == beacon.Dst.String() {
			starts = append(starts, c.ts)
		}
	}
	if len(starts) < 540 || len(starts) > 660 {
		t.Errorf("beacon: %d connections, want about 600", len(starts))
	}
	for i := 1; i < len(starts); i++ {
		gap := starts[i] - starts[i-1]
		if gap < 47e6 || gap > 73.5e6 {
			t.Errorf("beacon: gap of %s", time.Duration(gap)*time.Microsecond)
			break
		}
	}
	if span := time.Duration(starts[len(starts)-1]-starts[0]) * time.Microsecond; span < 9*time.Hour+50*time.Minute {
		t.Errorf("beacon spans %s", span)
	}
	ssl := readLog(t, filepath.Join(dir, "ssl.log"))
	n := 0
	for _, r := range ssl.records {
		if r[4] == beacon.Dst.String() {
			n++
			if r[9] != beacon.Domain {
				t.Fatalf("beacon SNI %q", r[9])
			}
		}
	}
	if n != len(starts) {
		t.Errorf("beacon: %d ssl records for %d connections", n, len(starts))
	}
	dns := readLog(t, filepath.Join(dir, "dns.log"))
	lookups := 0
	names := map[string]bool{}
	var first, last int64
	for _, r := range dns.records {
		if r[9] == beacon.Domain && r[13] == "A" {
			lookups++
			if r[2] != beacon.Src.String() || !strings.Contains(r[21], beacon.Dst.String()) {
				t.Fatalf("beacon lookup %q", r)
			}
		}
		if strings.HasSuffix(r[9], "."+tunnel.Domain) {
			if r[2] != tunnel.Src.String() {
				t.Fatalf("tunnel query from %s", r[2])
			}
			if len(r[9]) <= 70 || names[r[9]] {
				t.Fatalf("tunnel query %q short or repeated", r[9])
			}
			names[r[9]] = true
			ts := parseTime(r[0])
			if first == 0 {
				first = ts
			}
			last = ts
		}
	}
	if lookups < 100 || lookups > 130 {
		t.Errorf("beacon: %d lookups, want about 120 (TTL 300 over 10 h)", lookups)
	}
	if len(names) != 3000 || last-first >= 3600e6 {
		t.Errorf("tunnel: %d names over %s", len(names), time.Duration(last-first)*time.Microsecond)
	}
}

// TestTruthFile checks truth.jsonl against the returned Truth and the cases' times.
func TestTruthFile(t *testing.T) {
	dir, truth := defaultDay(t)
	f, err := os.Open(filepath.Join(dir, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadTruth(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(truth.Cases) {
		t.Fatalf("truth.jsonl has %d cases, Truth %d", len(cases), len(truth.Cases))
	}
	dets := map[string]int{}
	for i, c := range cases {
		want := truth.Cases[i]
		if c.Name != want.Name || c.Detection != want.Detection || c.Src != want.Src || !c.Start.Equal(want.Start) {
			t.Errorf("case %d: %+v, want %+v", i, c, want)
		}
		if c.Start.Before(truth.Start) || !c.End.After(c.Start) || c.End.After(truth.End) {
			t.Errorf("%s: %s..%s outside the day", c.Name, c.Start, c.End)
		}
		if !c.Negative {
			dets[c.Detection]++
		}
	}
	for _, det := range []string{detPortMismatch, detAltProto, detUpload, detLongConn, detBeacon, detDNSTunnel} {
		if dets[det] == 0 {
			t.Errorf("no planted positive for %s", det)
		}
	}
}

func TestNoPlant(t *testing.T) {
	opt := DefaultOptions()
	opt.Conns = 5_000
	opt.Plant = false
	dir := t.TempDir()
	truth, err := Generate(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(truth.Cases) != 0 {
		t.Errorf("%d cases without planting", len(truth.Cases))
	}
	if _, err := os.Stat(filepath.Join(dir, TruthFile)); err == nil {
		t.Error("truth.jsonl written without planting")
	}
	for _, c := range conns(t, dir) {
		if strings.HasPrefix(c.src, "10.50.0.") || c.dstIP.Is4() && isDoc(c.dstIP) {
			t.Fatalf("planted address without planting: line %d", c.lineForErrors)
		}
	}
	opt.Plant = true
	opt.Duration = 12 * time.Hour
	if _, err := Generate(t.TempDir(), opt); err == nil {
		t.Error("a 12-hour day with planted cases: no error")
	}
}

func isDoc(a netip.Addr) bool {
	for _, p := range []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"} {
		if netip.MustParsePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}

// TestBackground checks the shape of the day: the service mix, the day/night rhythm, the
// request sizes, and that the background never uses the planted addresses.
func TestBackground(t *testing.T) {
	dir, truth := defaultDay(t)
	cs := conns(t, dir)
	if n := truth.Records["conn"]; n < 190_000 || n > 215_000 {
		t.Errorf("%d conn records, want about 200,000", n)
	}
	svc := map[string]int{}
	var hours [24]int
	planted := map[string]bool{}
	for _, c := range truth.Cases {
		planted[c.Src.String()] = true
		planted[c.Dst.String()] = true
	}
	var webOut, webIn []float64
	for _, c := range cs {
		svc[c.svc]++
		hours[(c.ts/3600e6)%24]++
		if c.dstIP.Is4() && isDoc(c.dstIP) && !planted[c.dst] {
			t.Fatalf("line %d: documentation address %s outside the planted cases", c.lineForErrors, c.dst)
		}
		if c.svc == "ssl" && c.port == 443 && c.ob > 0 {
			webOut = append(webOut, float64(c.ob))
			webIn = append(webIn, float64(c.rb))
		}
	}
	var tcp443, all int
	for s, n := range svc {
		all += n
		if s == "ssl" {
			tcp443 += n
		}
	}
	nondns := all - svc["dns"]
	share := float64(svc["ssl"]+svc["quic,ssl"]) / float64(nondns)
	t.Logf("services: %v; TLS share of non-DNS connections %.2f", svc, share)
	if share < 0.6 || share > 0.85 {
		t.Errorf("TLS is %.2f of non-DNS connections", share)
	}
	for _, s := range []string{"http", "dns", "smb", "ntp", "ssh", "smtp", "quic,ssl", "-"} {
		if svc[s] == 0 {
			t.Errorf("no %q connections", s)
		}
	}
	if hours[10] < 5*hours[3] {
		t.Errorf("10:00 has %d connections, 03:00 %d: no day/night rhythm", hours[10], hours[3])
	}
	med := func(v []float64) float64 { s := slices.Clone(v); slices.Sort(s); return s[len(s)/2] }
	if mo, mi := med(webOut), med(webIn); mo*3 > mi {
		t.Errorf("TLS medians: %.0f out, %.0f in: browsing should receive far more", mo, mi)
	}
	if math.IsNaN(share) {
		t.Fatal("no connections")
	}
}

// The sample day the README hunts: the repo's testdata/zeek, its truth beside the folder (so
// that hunting the folder reads only logs).
var (
	sampleDir   = filepath.Join("..", "testdata", "zeek")
	sampleTruth = filepath.Join("..", "testdata", "zeek-truth.jsonl")
)

// TestTestdata compares the sample day with a fresh generation (-update rewrites it). Float
// rounding may differ between CPU architectures, so it runs on amd64 only.
func TestTestdata(t *testing.T) {
	opt := testdataOptions()
	if *update {
		os.RemoveAll(sampleDir)
		if _, err := Generate(sampleDir, opt); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(sampleDir, TruthFile), sampleTruth); err != nil {
			t.Fatal(err)
		}
		return
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("testdata/ was written on amd64; float rounding elsewhere may differ")
	}
	fresh := t.TempDir()
	if _, err := Generate(fresh, opt); err != nil {
		t.Fatal(err)
	}
	for _, name := range append(slices.Clone(LogFiles), TruthFile) {
		path := filepath.Join(sampleDir, name+".gz")
		if name == TruthFile {
			path = sampleTruth
		} else {
			name += ".gz"
		}
		want := readMaybeGzip(t, path)
		got := readMaybeGzip(t, filepath.Join(fresh, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation: run go test ./synth -run TestTestdata -update and review the diff", path)
		}
	}
}

// testdataOptions is the small day kept in testdata/zeek.
func testdataOptions() Options {
	opt := DefaultOptions()
	opt.Hosts = 20
	opt.Conns = 2_000
	opt.Gzip = true
	return opt
}

func readMaybeGzip(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(name, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func BenchmarkGenerate(b *testing.B) {
	opt := DefaultOptions()
	dir := b.TempDir()
	var lines int64
	for i := 0; i < b.N; i++ {
		truth, err := Generate(dir, opt)
		if err != nil {
			b.Fatal(err)
		}
		lines = 0
		for _, n := range truth.Records {
			lines += n
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkWriteConn(b *testing.B) {
	opt := DefaultOptions()
	opt.Pairs = 100_000
	const n = 1_000_000
	for i := 0; i < b.N; i++ {
		if err := WriteConn(io.Discard, n, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// TestOddOptions: a start off the hour, few hosts, a day and a bit.
func TestOddOptions(t *testing.T) {
	opt := DefaultOptions()
	opt.Start = time.Date(2024, 7, 1, 22, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	opt.Duration = 26 * time.Hour
	opt.Hosts = 3
	opt.Conns = 3_000
	dir := t.TempDir()
	truth, err := Generate(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 7, 1, 21, 0, 0, 0, time.UTC) // the first whole UTC hour after the start
	for _, c := range truth.Cases {
		if c.Start.Before(base) || c.End.After(base.Add(20*time.Hour)) {
			t.Errorf("%s: %s..%s", c.Name, c.Start, c.End)
		}
	}
	z := readLog(t, filepath.Join(dir, "conn.log"))
	if z.header[5] != "#open\t2024-07-01-20-30-00" {
		t.Errorf("header %q", z.header[5])
	}
	first := parseTime(z.records[0][0])
	if first < opt.Start.UnixMicro() {
		t.Errorf("first record before the start")
	}
}

// TestPlantStable: the planted connections are the same bytes whatever the background.
func TestPlantStable(t *testing.T) {
	planted := func(conns, hosts int) []string {
		opt := DefaultOptions()
		opt.Conns, opt.Hosts = conns, hosts
		dir := t.TempDir()
		if _, err := Generate(dir, opt); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range readLog(t, filepath.Join(dir, "conn.log")).records {
			if a := netip.MustParseAddr(r[4]); isDoc(a) || r[2] == "10.1.0.70" {
				out = append(out, strings.Join(r, "\t"))
			}
		}
		return out
	}
	a, b := planted(3_000, 10), planted(30_000, 300)
	if len(a) < 800 || !slices.Equal(a, b) {
		t.Errorf("planted connections differ with the background: %d and %d records", len(a), len(b))
	}
}

var sampleHost = filepath.Join("..", "testdata", "host")

// TestHostTestdata keeps testdata/host (the sample day's host logs) as WriteHostSample writes
// it: go test ./synth -run TestHostTestdata -update rewrites it.
func TestHostTestdata(t *testing.T) {
	day := DefaultStart
	if *update {
		if err := os.MkdirAll(sampleHost, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteHostSample(sampleHost, day); err != nil {
			t.Fatal(err)
		}
		return
	}
	fresh := t.TempDir()
	if err := WriteHostSample(fresh, day); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{HostSampleFile, HostAuditFile} {
		want, err := os.ReadFile(filepath.Join(sampleHost, name))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(fresh, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation: run go test ./synth -run TestHostTestdata -update and review the diff", name)
		}
	}
}

var sampleCloud = filepath.Join("..", "testdata", "cloud")

// TestCloudTestdata keeps testdata/cloud (the sample day's cloud audit logs) as WriteCloudSample
// writes it: go test ./synth -run TestCloudTestdata -update rewrites it.
func TestCloudTestdata(t *testing.T) {
	day := DefaultStart
	if *update {
		if err := WriteCloudSample(sampleCloud, day); err != nil {
			t.Fatal(err)
		}
		return
	}
	fresh := t.TempDir()
	if err := WriteCloudSample(fresh, day); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{CloudTrailSampleFile, M365SampleFile, GoogleSampleFile} {
		want, err := os.ReadFile(filepath.Join(sampleCloud, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(fresh, filepath.FromSlash(name)))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation: run go test ./synth -run TestCloudTestdata -update and review the diff", name)
		}
	}
}
