package cloudtrail

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// head returns the decompressed first source.SniffSize bytes of a file.
func head(t *testing.T, p string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := source.Decompress(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.LimitReader(r, source.SniffSize))
	if err != nil && len(b) == 0 {
		t.Fatal(err)
	}
	return b
}

// ourFixtures lists the package's fixtures.
func ourFixtures(t *testing.T) []string {
	m, err := filepath.Glob(filepath.Join("testdata", "*.json*"))
	if err != nil || len(m) < 9 {
		t.Fatalf("fixtures: %v %v", m, err)
	}
	return m
}

// The other formats' fixtures are not CloudTrail, and CloudTrail's are none of theirs.
func TestSniffOthers(t *testing.T) {
	var others []string
	for _, dir := range []string{"winjson", "stream", "zeek", "winxml", "auditd", "squid", "m365", "gworkspace"} {
		m, _ := filepath.Glob(filepath.Join("..", dir, "testdata", "*"))
		others = append(others, m...)
	}
	m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "zeek", "*"))
	others = append(others, m...)
	m, _ = filepath.Glob(filepath.Join("..", "..", "testdata", "cloud", "[gm]*", "*"))
	others = append(others, m...)
	n := 0
	for _, p := range others {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		n++
		if Sniff(head(t, p), filepath.Base(p)) {
			t.Errorf("%s sniffed as CloudTrail", p)
		}
	}
	if n < 20 {
		t.Errorf("only %d files of other formats", n)
	}
	// Zeek JSON and Splunk Stream records, inline
	for _, s := range []string{
		`{"ts":1588205199.82437,"uid":"CAbc","id.orig_h":"10.0.0.1","id.orig_p":50000,"id.resp_h":"10.0.0.2","id.resp_p":80,"method":"GET"}`,
		`{"_path":"conn","ts":"2020-04-30T00:06:39.824370Z","uid":"C1","eventName":"x"}`,
		`{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","sourcetype":"stream:http","eventSource":"x"}`,
		`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-05-02T10:00:00.000Z","eventName":"ObjectCreated:Put"}]}`,
		`{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-0abcd1234ef567890","state":"running"}}`,
	} {
		if Sniff([]byte(s+"\n"), "x.json") {
			t.Errorf("sniffed as CloudTrail: %s", s)
		}
	}

	// each other format's Sniff rejects every fixture
	sniffs := map[string]func([]byte, string) bool{
		"winjson": winjson.Sniff, "stream": stream.Sniff, "zeek-json": zeek.SniffJSON, "zeek-tsv": zeek.SniffTSV,
		"winxml": winxml.Sniff, "auditd": auditd.Sniff, "squid": squid.Sniff, "evtx": evtx.Sniff,
	}
	for _, p := range ourFixtures(t) {
		h := head(t, p)
		for name, sniff := range sniffs {
			if sniff(h, filepath.Base(p)) {
				t.Errorf("%s sniffs %s", name, p)
			}
		}
		if !Sniff(h, filepath.Base(p)) {
			t.Errorf("%s not sniffed as CloudTrail", p)
		}
		// and source.Open, with every format registered before this one, picks it
		o, err := source.Open(source.FileInput(p, -1), nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Format.Name != FormatName {
			t.Errorf("%s opened as %s", p, o.Format.Name)
		}
		o.Close()
	}
}

// A first record longer than the sniffed head is judged by the members its text holds.
func TestSniffLongRecord(t *testing.T) {
	recs := canonicalRecords(t)
	pad := `"pad":"` + strings.Repeat("x", source.SniffSize) + `"}`
	long := append(bytes.TrimSuffix(bytes.Clone(recs[4]), []byte("}")), ',')
	long = append(long, pad...)
	for _, in := range [][]byte{long, []byte(recordsDoc(long)), append(append([]byte("[\n"), long...), ']')} {
		h := in[:source.SniffSize]
		if !Sniff(h, "x.json") {
			t.Errorf("a long first record not sniffed: %.60q", h)
		}
	}
	var c collector
	st, err := readString(t, "long.json", string(long)+"\n"+string(recs[0])+"\n", &c)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 2 {
		t.Errorf("%v, %d events: %s", err, len(c.got), problems(st))
	}
}

// CloudWatch Logs control messages before the first data message.
func TestSniffControlFirst(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", cloudwatch))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if Sniff(first, "x.json") {
		t.Error("a lone control message sniffed as CloudTrail")
	}
	if !Sniff(append(append(bytes.Clone(first), '\n'), b...), "x.json") {
		t.Error("control messages then data not sniffed")
	}
}

// A first record that is not JSON: the next ones decide, else the text.
func TestSniffBrokenFirst(t *testing.T) {
	recs := canonicalRecords(t)
	broken := strings.Replace(string(recs[1]), `"awsRegion":`, `"awsRegion";`, 1)
	for _, in := range []string{
		recordsDoc([]byte(broken), recs[2]),
		broken + "\n" + string(recs[2]) + "\n",
		"[\n" + broken + ",\n" + string(recs[2]) + "\n]",
		recordsDoc([]byte(broken)),
	} {
		if !Sniff([]byte(in), "x.json") {
			t.Errorf("not sniffed: %.80q", in)
		}
	}
	if Sniff([]byte(`{"ts":1,"uid":"C"`+"\n"+`{"ts":2}`+"\n"), "x.json") {
		t.Error("broken Zeek JSON sniffed")
	}
}

// A delivered file cut inside its first record, before any member the record's text would be
// judged by (eventSource), is still CloudTrail: reading it reports the cut record.
func TestSniffCutFirstRecord(t *testing.T) {
	in := `{"Records":[{"eventVersion":"1.09","eventTime":"2024-03-05T00:00:07Z","eventName":"GetObj`
	if !Sniff([]byte(in), "trail.json") {
		t.Fatal("a delivered file cut in its first record is not sniffed")
	}
	if Sniff([]byte(`{"Records":[{"id":1,"name":"x"`), "x.json") {
		t.Error("another format's Records array sniffed")
	}
}
