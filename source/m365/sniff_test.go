package m365

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/auditd"
	"github.com/sluice-hunt/sluice/source/evtx"
	"github.com/sluice-hunt/sluice/source/squid"
	"github.com/sluice-hunt/sluice/source/stream"
	"github.com/sluice-hunt/sluice/source/winjson"
	"github.com/sluice-hunt/sluice/source/winxml"
	"github.com/sluice-hunt/sluice/source/zeek"
)

// datasets is the shared folder of real data beside the repository.
const datasets = "../../../shared/datasets"

// head returns the first source.SniffSize bytes of a file.
func head(t *testing.T, p string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, source.SniffSize)
	n, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		t.Fatal(err)
	}
	return b[:n]
}

// Other formats' files are not Microsoft 365 audit logs.
func TestSniffRejectsOthers(t *testing.T) {
	var files []string
	for _, pkg := range []string{"winjson", "stream", "zeek", "auditd", "squid", "winxml", "cloudtrail", "gworkspace"} {
		m, _ := filepath.Glob(filepath.Join("..", pkg, "testdata", "*"))
		files = append(files, m...)
	}
	// real Zeek JSON and TSV, CloudTrail in Logstash's wrapping, when the shared datasets are here
	for _, g := range []string{"apt29-day1-zeek/*.log", "rita-http/*.log", "otrf-host-cloud/*"} {
		m, _ := filepath.Glob(filepath.Join(datasets, g))
		files = append(files, m...)
	}
	n := 0
	for _, p := range files {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		n++
		if Sniff(head(t, p), filepath.Base(p)) {
			t.Errorf("%s: sniffed as Microsoft 365", p)
		}
		if o, err := source.Open(source.FileInput(p, -1), nil); err == nil {
			if o.Format.Name == FormatName {
				t.Errorf("%s: opened as %s", p, o.Format.Name)
			}
			o.Close()
		}
	}
	if n < 15 {
		t.Errorf("only %d files of other formats checked", n)
	}
}

// The other formats do not claim the fixtures: through source.Open (every format registered)
// each is read as Microsoft 365, and no other format's Sniff claims its head.
func TestOthersRejectFixtures(t *testing.T) {
	others := map[string]func([]byte, string) bool{
		"windows-json": winjson.Sniff, "splunk-stream-http": stream.Sniff, "zeek-json": zeek.SniffJSON, "zeek-tsv": zeek.SniffTSV,
		"auditd": auditd.Sniff, "squid": squid.Sniff, "windows-xml": winxml.Sniff, "evtx": evtx.Sniff,
	}
	for _, sh := range shapes {
		p := filepath.Join("testdata", sh.name)
		o, err := source.Open(source.FileInput(p, -1), nil)
		if err != nil {
			t.Fatalf("%s: %v", sh.name, err)
		}
		if o.Format.Name != FormatName {
			t.Errorf("%s: opened as %s", sh.name, o.Format.Name)
		}
		o.Close()
		h := head(t, p)
		for name, sniff := range others {
			if sniff(h, sh.name) {
				t.Errorf("%s: claimed by %s", sh.name, name)
			}
		}
		if !Sniff(h, sh.name) {
			t.Errorf("%s: not sniffed", sh.name)
		}
	}
}

// A first record longer than the sniffed head is judged by its keys.
func TestSniffLongFirstRecord(t *testing.T) {
	pad := make([]byte, source.SniffSize)
	for i := range pad {
		pad[i] = 'x'
	}
	line := rec(spBase, "Pad", string(pad))
	if !Sniff([]byte(line)[:source.SniffSize], "x.json") {
		t.Error("one a line")
	}
	doc := "[\n  " + line + "\n]"
	if !Sniff([]byte(doc)[:source.SniffSize], "x.json") {
		t.Error("array")
	}
	other := `{"ts":1.5,"uid":"C1","pad":"` + string(pad) + `"}`
	if Sniff([]byte(other)[:source.SniffSize], "x.json") {
		t.Error("zeek")
	}
}
