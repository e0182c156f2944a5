package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/finding"
)

var update = flag.Bool("update", false, "rewrite golden files")

const datasets = "../../../shared/datasets"

func dataset(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (the shared datasets folder lives beside the repo): %v", name, err)
	}
	return p
}

// run executes the sluice command line and returns stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := rootCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errb.String(), err
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (check, then -update):\n got: %s\nwant: %s", path, i+1, g, w)
			}
		}
	}
}

func decode(t *testing.T, jsonl string) []finding.Finding {
	t.Helper()
	var fs []finding.Finding
	sc := bufio.NewScanner(strings.NewReader(jsonl))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var f finding.Finding
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		fs = append(fs, f)
	}
	return fs
}

// The APT29 day-1 Zeek logs (HELK JSON): the WebDAV exfiltration pair is among the top
// uploads and the 705 s session to 192.168.0.5:1234 is reported; the whole output is pinned.
func TestHuntAPT29(t *testing.T) {
	dir := dataset(t, "apt29-day1-zeek")
	out, stderr, err := run(t, "", "hunt", "--format", "jsonl", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	fs := decode(t, out)
	var webdav, session, archive bool
	for _, f := range fs {
		e := f.Entities
		if f.Detection == "archive-http-upload" {
			archive = e.Src == "10.0.1.4" && e.Dst == "192.168.0.4" && f.Figure("bytes").(float64) == 1082089 &&
				strings.Contains(f.Summary, "PUT /webdav/OfficeSupplies.7z")
		}
		if f.Detection == "upload-volume" && e.Src == "10.0.1.4" && e.Dst == "192.168.0.4" {
			webdav = true
			if f.Figure("bytes_out") == nil || f.Figure("bytes_out").(float64) != 2187099 {
				t.Errorf("WebDAV pair bytes out: %v", f.Figure("bytes_out"))
			}
		}
		if f.Detection == "long-connection" && e.Src == "10.0.1.4" && e.Dst == "192.168.0.5" && e.DstPort == 1234 {
			session = true
			if !strings.Contains(f.Summary, "11m45s") {
				t.Errorf("705 s session summary: %s", f.Summary)
			}
		}
	}
	if !webdav {
		t.Error("the WebDAV exfiltration pair 10.0.1.4 -> 192.168.0.4 is not among the upload findings")
	}
	if !archive {
		t.Error("the WebDAV PUT of OfficeSupplies.7z (1,082,089 B) is not the archive-http-upload finding")
	}
	// the C2 beacon 10.0.1.6 -> 192.168.0.4:8443 ranks first among beacons
	for _, f := range fs {
		if f.Detection == "beacon" {
			if e := f.Entities; e.Src != "10.0.1.6" || e.Dst != "192.168.0.4" || e.DstPort != 8443 {
				t.Errorf("first beacon is %s -> %s:%d, want the C2 10.0.1.6 -> 192.168.0.4:8443", e.Src, e.Dst, e.DstPort)
			}
			break
		}
	}
	if !session {
		t.Error("the 705 s session 10.0.1.4 -> 192.168.0.5:1234 is not reported")
	}
	for _, want := range []string{"records by log type: conn 613, dns 53, files 448, http 62, notice 2, ssl 378, x509 378", "smb_files 12, weird 12", "LICENSE: unrecognized format"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	golden(t, "testdata/apt29-day1.golden.jsonl", out)
	table, _, err := run(t, "", "hunt", "--quiet", dir)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/apt29-day1.golden.txt", table)
}

func TestHuntFlags(t *testing.T) {
	dir := dataset(t, "apt29-day1-zeek")
	all, _, err := run(t, "", "hunt", "-q", "--format", "jsonl", dir)
	if err != nil {
		t.Fatal(err)
	}
	n := len(decode(t, all))
	only, _, _ := run(t, "", "hunt", "-q", "--format", "jsonl", "--detections", "long-connection", dir)
	for _, f := range decode(t, only) {
		if f.Detection != "long-connection" {
			t.Errorf("--detections long-connection gave %s", f.Detection)
		}
	}
	skip, _, _ := run(t, "", "hunt", "-q", "--format", "jsonl", "--skip-detections", "upload-volume", dir)
	for _, f := range decode(t, skip) {
		if f.Detection == "upload-volume" {
			t.Error("--skip-detections upload-volume kept it")
		}
	}
	high, _, _ := run(t, "", "hunt", "-q", "--format", "jsonl", "--min-score", "50", dir)
	hf := decode(t, high)
	if len(hf) == 0 || len(hf) >= n {
		t.Errorf("--min-score 50 kept %d of %d", len(hf), n)
	}
	for _, f := range hf {
		if f.Risk < 50 {
			t.Errorf("--min-score 50 kept risk %d", f.Risk)
		}
	}
	// nothing before the data starts
	_, stderr, _ := run(t, "", "hunt", "--format", "csv", "--until", "2020-04-29", dir)
	if !strings.Contains(stderr, "outside --since/--until") || !strings.Contains(stderr, "findings: 0") {
		t.Errorf("--until before the data:\n%s", stderr)
	}
	if _, _, err := run(t, "", "hunt", "--detections", "nope", dir); err == nil || !strings.Contains(err.Error(), `unknown detection "nope"`) {
		t.Errorf("unknown detection: %v", err)
	}
	if _, _, err := run(t, "", "hunt", "--format", "xml", dir); err == nil {
		t.Error("--format xml accepted")
	}
	// a config file
	cfgPath := filepath.Join(t.TempDir(), "sluice.yaml")
	os.WriteFile(cfgPath, []byte("exclude:\n  src: [10.0.1.4]\ndetections:\n  long-connection:\n    enabled: false\n"), 0o644)
	cf, _, err := run(t, "", "hunt", "-q", "--format", "jsonl", "--config", cfgPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range decode(t, cf) {
		if f.Entities.Src == "10.0.1.4" || f.Detection == "long-connection" {
			t.Errorf("config exclusions ignored: %+v", f)
		}
	}
	os.WriteFile(cfgPath, []byte("detections:\n  long-connection:\n    max_gapp: 5s\n"), 0o644)
	if _, _, err := run(t, "", "hunt", "--config", cfgPath, dir); err == nil || !strings.Contains(err.Error(), "max_gapp") {
		t.Errorf("a misspelt parameter must be an error, got %v", err)
	}
}

func TestHuntStdin(t *testing.T) {
	dir := dataset(t, "apt29-day1-zeek")
	b, err := os.ReadFile(filepath.Join(dir, "SCRANTON_conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := run(t, string(b), "hunt", "--format", "jsonl", "-")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if !strings.Contains(stderr, "conn 125") && !strings.Contains(stderr, "records by log type: conn") {
		t.Errorf("stdin summary: %s", stderr)
	}
	for _, f := range decode(t, out) {
		for _, ev := range f.Evidence {
			if ev.File != "-" || ev.Line == 0 {
				t.Errorf("stdin evidence: %+v", ev)
			}
		}
	}
}

func TestDetectionsAndVersion(t *testing.T) {
	out, _, err := run(t, "", "detections")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"protocol-port-mismatch", "alt-protocol-volume", "upload-volume", "long-connection", "beacon", "T1048.003", "min_count = 5", "top_n = 10"} {
		if !strings.Contains(out, want) {
			t.Errorf("detections lacks %q", want)
		}
	}
	out, _, _ = run(t, "", "version")
	if !strings.HasPrefix(out, "sluice ") {
		t.Errorf("version: %q", out)
	}
}

// The config that `sluice config` prints is valid and changes nothing.
func TestDefaultConfigRoundTrip(t *testing.T) {
	dir := dataset(t, "apt29-day1-zeek")
	cfg, _, err := run(t, "", "config")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sluice.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	with, _, err := run(t, "", "hunt", "-q", "--format", "jsonl", "--config", path, dir)
	if err != nil {
		t.Fatal(err)
	}
	without, _, _ := run(t, "", "hunt", "-q", "--format", "jsonl", dir)
	if with != without {
		t.Error("hunting with the printed default config differs from hunting without one")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"900MiB": 900 << 20, "4GiB": 4 << 30, "1GB": 1e9, "512M": 512 << 20, "0": 0, "1024": 1024} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

// The README's sample day: every planted case is found by its detection, every planted
// negative stays silent, and the table is pinned.
func TestHuntSample(t *testing.T) {
	const dir = "../../testdata/zeek"
	out, stderr, err := run(t, "", "hunt", "--format", "jsonl", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "not logs sluice reads") || strings.Contains(stderr, "skipped") {
		t.Errorf("the sample day should read cleanly:\n%s", stderr)
	}
	fs := decode(t, out)
	truth, err := os.ReadFile("../../testdata/zeek-truth.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	type tcase struct {
		Name, Detection, Src, Dst string
		DstPort                   int `json:"dst_port"`
		Negative                  bool
		Risk                      int
	}
	known := map[string]bool{}
	for _, id := range []string{"protocol-port-mismatch", "alt-protocol-volume", "upload-volume", "long-connection", "beacon", "archive-http-upload", "suspicious-user-agent", "error-only-url", "dns-tunnel"} {
		known[id] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(string(truth)), "\n") {
		var c tcase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatal(err)
		}
		if !known[c.Detection] {
			t.Fatalf("planted case %s for an unknown detection %s", c.Name, c.Detection)
		}
		var hits []finding.Finding
		for _, f := range fs {
			if f.Detection == c.Detection && f.Entities.Src == c.Src && f.Entities.Dst == c.Dst {
				hits = append(hits, f)
			}
		}
		switch {
		case !c.Negative && len(hits) == 0:
			t.Errorf("planted case %s (%s %s -> %s:%d) not found", c.Name, c.Detection, c.Src, c.Dst, c.DstPort)
		case !c.Negative && c.Risk > 0 && hits[0].Risk != c.Risk:
			t.Errorf("planted case %s: risk %d, want %d", c.Name, hits[0].Risk, c.Risk)
		case c.Negative && c.Detection == "upload-volume":
			// a negative here means no asymmetric finding; the seed's top-10 list may name it
			for _, f := range hits {
				if s, _ := f.Figure("signal").(string); strings.Contains(s, "asymmetric") {
					t.Errorf("planted negative %s is reported as asymmetric: %s", c.Name, f.Summary)
				}
			}
		case c.Negative && len(hits) > 0:
			t.Errorf("planted negative %s (%s) fired: %s", c.Name, c.Detection, hits[0].Summary)
		}
	}
	table, _, err := run(t, "", "hunt", "--quiet", dir)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/sample.golden.txt", table)
}

// TestHuntZip: the sample day zipped (as the OTRF datasets ship) hunts to the same findings
// as the folder.
func TestHuntZip(t *testing.T) {
	const dir = "../../testdata/zeek"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := w.Create("zeek/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(t.TempDir(), "day.zip")
	if err := os.WriteFile(zp, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, _, err := run(t, "", "hunt", "--quiet", "--format", "jsonl", dir)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := run(t, "", "hunt", "--quiet", "--format", "jsonl", zp)
	if err != nil {
		t.Fatal(err)
	}
	// evidence names the member inside the archive: compare without file names
	strip := regexp.MustCompile(`"file":"[^"]*"`)
	if g, w := strip.ReplaceAllString(got, ""), strip.ReplaceAllString(want, ""); g != w || len(g) < 1000 {
		t.Errorf("zipped day differs (%d bytes vs %d)", len(g), len(w))
	}
	if !strings.Contains(got, `day.zip!zeek/conn.log.gz"`) {
		t.Errorf("evidence does not name the member: %.300s", got)
	}
}

// TestHuntSampleHosts: the sample day with its host logs (testdata/host: Sysmon XML and an
// auditd log). Network findings name the processes behind them; the host detections report
// the archive-then-transfer chains and the SSH tunnel.
func TestHuntSampleHosts(t *testing.T) {
	out, stderr, err := run(t, "", "hunt", "--format", "jsonl", "../../testdata/zeek", "../../testdata/host")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "not logs sluice reads") || strings.Contains(stderr, "skipped") {
		t.Errorf("the sample should read cleanly:\n%s", stderr)
	}
	fs := decode(t, out)
	find := func(det, src string) *finding.Finding {
		for i := range fs {
			if fs[i].Detection == det && fs[i].Entities.Src == src {
				return &fs[i]
			}
		}
		return nil
	}
	for _, c := range []struct{ det, src, image, by string }{
		{"beacon", "10.50.0.11", "cdnupd.exe", "flow"},
		{"dns-tunnel", "10.50.0.12", "dnscat2.exe", "dns"},
		{"upload-volume", "10.50.0.13", "rclone.exe", "flow"},
		{"long-connection", "10.50.0.14", "nc64.exe", "flow"},
		{"protocol-port-mismatch", "10.50.0.16", "plink.exe", "flow"},
	} {
		f := find(c.det, c.src)
		if f == nil || len(f.Processes) == 0 {
			t.Errorf("%s %s: no finding with a process", c.det, c.src)
			continue
		}
		if p := f.Processes[0]; !strings.HasSuffix(p.Image, `\`+c.image) || p.CommandLine == "" || p.ParentImage == "" || f.Entities.Process != c.image || p.By != c.by {
			t.Errorf("%s %s: process %+v", c.det, c.src, p)
		}
	}
	chains := map[string]bool{}
	for _, f := range fs {
		if f.Detection == "exfil-command" && f.Figure("archive_command") != nil {
			chains[f.Entities.Host] = true
		}
	}
	if !chains["WS-013"] || !chains["build-07"] || len(chains) != 2 {
		t.Errorf("chains on %v, want WS-013 and build-07", chains)
	}
}

// TestHuntMixedFolder: Zeek, Sysmon, auditd and the three cloud providers' logs in one folder
// give one ranked table: network, host and cloud findings side by side, highest risk first, and
// every file read by its own format.
func TestHuntMixedFolder(t *testing.T) {
	dir := t.TempDir()
	for _, from := range []string{"../../testdata/zeek", "../../testdata/host", "../../testdata/cloud"} {
		err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, d.Name()), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := run(t, "", "hunt", "--format", "jsonl", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "not logs sluice reads") || strings.Contains(stderr, "skipped") {
		t.Errorf("the mixed folder should read cleanly:\n%s", stderr)
	}
	for _, lt := range []string{"conn", "dns", "http", "sysmon", "auditd", "cloudtrail", "m365", "gworkspace"} {
		if !strings.Contains(stderr, lt+" ") {
			t.Errorf("no %s records read:\n%s", lt, stderr)
		}
	}
	found := decode(t, out)
	kinds := map[string]bool{}
	for i, f := range found {
		if i > 0 && f.Risk > found[i-1].Risk {
			t.Errorf("finding %d (risk %d) ranks below one of risk %d", i, f.Risk, found[i-1].Risk)
		}
		switch {
		case strings.HasPrefix(f.Detection, "cloud-"):
			kinds["cloud"] = true
		case f.Detection == "exfil-command" || f.Detection == "unencrypted-exfil":
			kinds["host"] = true
		case f.Detection == "beacon" || f.Detection == "dns-tunnel":
			kinds["network"] = true
		}
	}
	if len(kinds) != 3 {
		t.Errorf("findings of %v, want network, host and cloud together", kinds)
	}
	table, _, err := run(t, "", "hunt", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"cloud-storage-exfil", "dns-tunnel", "exfil-command", "s3://corp-exports"} {
		if !strings.Contains(table, w) {
			t.Errorf("the table lacks %q", w)
		}
	}
}

// TestHuntCapture hunts the sample packet capture (testdata/pcap, no Zeek): each planted case
// is found by its detection, with the packets as evidence.
func TestHuntCapture(t *testing.T) {
	out, stderr, err := run(t, "", "hunt", "--format", "jsonl", "../../testdata/pcap/")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := map[string]string{ // detection -> source of the planted case
		"http-post-c2":           "10.60.0.32",
		"beacon":                 "10.60.0.33",
		"protocol-port-mismatch": "10.60.0.34",
		"long-connection":        "10.60.0.35",
	}
	cleartext := map[string]bool{}
	for _, f := range decode(t, out) {
		if f.Detection == "cleartext-egress" {
			cleartext[f.Entities.Src] = true
		}
		if src, ok := want[f.Detection]; ok && f.Entities.Src == src {
			delete(want, f.Detection)
			if len(f.Evidence) == 0 || !strings.HasPrefix(f.Evidence[0].Text, "packet ") {
				t.Errorf("%s: evidence %+v", f.Detection, f.Evidence)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("planted cases not found: %v", want)
	}
	if !cleartext["10.60.0.31"] || !cleartext["10.60.0.36"] {
		t.Errorf("cleartext-egress found %v, want the FTP upload (10.60.0.31) and the direct mail (10.60.0.36)", cleartext)
	}
}
