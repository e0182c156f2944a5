package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/source"
)

// hasProblem reports a problem whose text contains all of parts.
func hasProblem(st *source.Stats, parts ...string) bool {
	for _, p := range st.Problems {
		s := p.String()
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(s, part)
		}
		if ok {
			return true
		}
	}
	return false
}

// Broken lines of one-a-line input are skipped and reported by line; the others are read.
func TestBadLines(t *testing.T) {
	recs := canonicalRecords(t)
	good := string(recs[4]) // GetObject
	lines := []string{
		good,
		good[:len(good)/2], // cut in half
		"\x00\x01\xff\xfe binary \x00",
		`{"ts":1588205199.82437,"uid":"CAbc","id.orig_h":"10.0.0.1"}`, // some other log's record
		strings.Replace(good, `"eventTime":"2024-05-02T10:05:35Z"`, `"eventTime":"yesterday"`, 1),
		strings.Replace(good, `"eventTime":"2024-05-02T10:05:35Z",`, ``, 1), // no time at all
		`{"message":"{\"eventName\":\"x\"}"}`,                               // a wrapper of nothing
		good,
	}
	var c collector
	st, err := readString(t, "trail.jsonl", strings.Join(lines, "\n")+"\n", &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[0].Ref.Line != 1 || c.got[1].Ref.Line != 8 {
		t.Fatalf("events %d: %+v", len(c.got), c.got)
	}
	if st.TotalSkipped() != 6 {
		t.Errorf("skipped %v, want 6: %s", st.Skipped, problems(st))
	}
	for _, want := range [][]string{
		{"trail.jsonl:2:", "not a JSON object", "cut short"},
		{"trail.jsonl:3:", "not a JSON object"},
		{"trail.jsonl:4:", "no eventName and AWS eventSource", "ts, uid, id"},
		{"trail.jsonl:5:", `eventTime "yesterday" is not a time`},
		{"trail.jsonl:6:", "without eventTime or @timestamp"},
	} {
		if !hasProblem(st, want...) {
			t.Errorf("no problem %q in:\n%s", want, problems(st))
		}
	}
	if st.Skipped[reasonJSON] != 2 || st.Skipped[reasonShape] != 2 || st.Skipped[reasonTime] != 1 || st.Skipped[reasonNoTime] != 1 {
		t.Errorf("reasons %v", st.Skipped)
	}
	// (a run keeps the first source.ProblemsPerFile problems of a file)
	st, err = readString(t, "trail.jsonl", good+"\n"+lines[6]+"\n", &c)
	if err != nil || !hasProblem(st, "trail.jsonl:2:", "message holds no CloudTrail record") {
		t.Errorf("%v: %s", err, problems(st))
	}
}

// recordsDoc makes a delivered file of the given records.
func recordsDoc(recs ...[]byte) string {
	return `{"Records":[` + string(bytes.Join(recs, []byte(","))) + `]}`
}

// A Records document cut short inside a record: the records before it are read, the cut one
// reported by its number and offset.
func TestCutDocument(t *testing.T) {
	recs := canonicalRecords(t)
	doc := recordsDoc(recs[0], recs[1], recs[2])
	cut := doc[:strings.Index(doc, string(recs[2]))+40]
	var c collector
	st, err := readString(t, "cut.json", cut, &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || st.Skipped[reasonCut] != 1 || !hasProblem(st, "cut.json:3:", "input ends inside record 3") {
		t.Errorf("%d events, skipped %v: %s", len(c.got), st.Skipped, problems(st))
	}
	// cut between records: nothing lost, the broken frame reported by offset
	cut = doc[:strings.Index(doc, string(recs[2]))-1]
	c = collector{}
	st, err = readString(t, "cut.json", cut, &c)
	if err != nil || len(c.got) != 2 || st.TotalSkipped() != 0 || !hasProblem(st, "cut.json: offset", "cut short") {
		t.Errorf("%v, %d events, skipped %v: %s", err, len(c.got), st.Skipped, problems(st))
	}
}

// Invalid JSON inside a document: a malformed record whose brackets balance is lost alone; a
// broken frame (a missing comma) loses the rest of its line, and reading starts again at the
// next line that opens a document.
func TestBrokenDocument(t *testing.T) {
	recs := canonicalRecords(t)
	broken := strings.Replace(string(recs[1]), `"eventSource":`, `"eventSource";`, 1)
	in := recordsDoc(recs[0], []byte(broken), recs[2]) + "\n" +
		`{"Records":[` + string(recs[3]) + string(recs[4]) + `,` + string(recs[5]) + "]}\n" +
		recordsDoc(recs[6]) + "\n"
	var c collector
	st, err := readString(t, "broken.json", in, &c)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var pos []uint32
	for _, e := range c.got {
		names = append(names, e.Name)
		pos = append(pos, e.Ref.Line)
	}
	if fmt.Sprint(names) != "[ConsoleLogin ListBuckets ListObjects CreateMultipartUpload]" || fmt.Sprint(pos) != "[1 3 4 5]" {
		t.Errorf("events %v at %v", names, pos)
	}
	if st.Skipped[reasonJSON] != 1 || !hasProblem(st, "broken.json:2:", "not a JSON object", "expected ':'") ||
		!hasProblem(st, "broken.json: offset", "expected ',' or ']' after record 4", "bytes passed over") {
		t.Errorf("skipped %v: %s", st.Skipped, problems(st))
	}
	// Records numbers the values as Read does
	got, err := Records(strings.NewReader(in), []uint32{1, 2, 3, 4, 5})
	if err != nil || got[1] != string(recs[0]) || got[2] != broken || got[3] != string(recs[2]) || got[4] != string(recs[3]) ||
		got[5] != string(recs[6]) {
		t.Errorf("Records: %v %v", err, got)
	}
}

// Values of a document that are not records are reported by number.
func TestArrayOddValues(t *testing.T) {
	recs := canonicalRecords(t)
	in := "[\n" + string(recs[0]) + ",\n42,\n\"text\",\n{},\n" + string(recs[1]) + "\n]\n"
	var c collector
	st, err := readString(t, "odd.json", in, &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 5 || st.TotalSkipped() != 3 ||
		!hasProblem(st, "odd.json:2:", "not a JSON object") || !hasProblem(st, "odd.json:4:", "an empty object") {
		t.Errorf("%d events, skipped %v: %s", len(c.got), st.Skipped, problems(st))
	}
}

// A single record pretty-printed over many lines, and several one after another.
func TestPrettyRecords(t *testing.T) {
	recs := canonicalRecords(t)
	var in bytes.Buffer
	for _, r := range recs[:3] {
		var b bytes.Buffer
		if err := jsonIndent(&b, r); err != nil {
			t.Fatal(err)
		}
		in.Write(b.Bytes())
		in.WriteByte('\n')
	}
	var c collector
	st, err := readString(t, "pretty.json", in.String(), &c)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 3 {
		t.Fatalf("%v, %d events, %s", err, len(c.got), problems(st))
	}
	all, _ := readFixture(t, canonical)
	for i, e := range c.got {
		if content(e) != content(all[i]) || e.Ref.Line != uint32(i+1) {
			t.Errorf("event %d differs: %+v", i+1, e)
		}
	}
	got, err := Records(bytes.NewReader(in.Bytes()), []uint32{2})
	if err != nil || got[2] != string(recs[1]) {
		t.Errorf("Records: %v %.100q", err, got[2])
	}
}

// Binary input, empty input, input of white space and a document of no records.
func TestNoRecords(t *testing.T) {
	junk := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	junk[0] = '{' // looks like JSON at first
	if Sniff(junk, "x.json") {
		t.Error("binary input sniffed as CloudTrail")
	}
	var c collector
	st := source.NewStats()
	if err := readDirect(t, string(junk), &c, st); err != nil || len(c.got) != 0 || st.TotalSkipped() == 0 {
		t.Errorf("binary: %v, %d events, skipped %v", err, len(c.got), st.Skipped)
	}
	for _, in := range []string{"", "\n \n\t\n"} {
		_, err := source.Open(source.ReaderInput("empty.json", strings.NewReader(in)), nil)
		if !errors.Is(err, source.ErrUnrecognized) {
			t.Errorf("%q: %v", in, err)
		}
	}
	if Sniff([]byte(`{"Records":[]}`), "x.json") || !Sniff([]byte(`{"Records":[]}`), "111122223333_CloudTrail_us-east-1_20240502T1040Z_x.json") {
		t.Error("an empty delivered file is claimed by its name only")
	}
	c = collector{}
	st = source.NewStats()
	if err := readDirect(t, `{"Records":[]}`, &c, st); err != nil || len(c.got) != 0 || st.TotalSkipped() != 0 {
		t.Errorf("empty Records: %v %v", err, st.Skipped)
	}
}

// A line longer than source.MaxLine is skipped and reported; the lines after it are read.
func TestLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 17 MiB line")
	}
	recs := canonicalRecords(t)
	long := `{"eventName":"` + strings.Repeat("x", source.MaxLine+1<<20) + `"}`
	in := string(recs[0]) + "\n" + long + "\n" + string(recs[1]) + "\n"
	var c collector
	st, err := readString(t, "long.jsonl", in, &c)
	if err != nil || len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped[reasonLong] != 1 || !hasProblem(st, "long.jsonl:2:", "MiB limit") {
		t.Errorf("%v, %d events, %s", err, len(c.got), problems(st))
	}
	// in a document the reader cannot go on past it
	in = "[" + string(recs[0]) + ",\n" + long + "]"
	c = collector{}
	st = source.NewStats()
	err = readDirect(t, in, &c, st)
	if err == nil || !strings.Contains(err.Error(), "record 2") || !strings.Contains(err.Error(), "MiB limit") || len(c.got) != 1 {
		t.Errorf("%v, %d events", err, len(c.got))
	}
}

// Objects nested deeper than the fast scanner goes are read all the same.
func TestDeepNesting(t *testing.T) {
	recs := canonicalRecords(t)
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	rec := strings.Replace(string(recs[1]), `"requestParameters":{`, `"requestParameters":{"deep":`+deep+`,`, 1)
	var c collector
	st, err := readString(t, "deep.jsonl", rec+"\n", &c)
	all, _ := readFixture(t, canonical)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 1 || content(c.got[0]) != content(all[1]) {
		t.Errorf("%v, %d events: %s", err, len(c.got), problems(st))
	}
}

// A truncated gzip file: the records before the cut are read, the cut reported.
func TestTruncatedGzip(t *testing.T) {
	for _, name := range []string{delivered, canonical} {
		one, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		// more than source.Open peeks at, so that the cut comes while reading
		plain := one
		if name == delivered {
			plain = []byte(recordsDoc(bytes.Split(bytes.Repeat(append(bytes.Join(canonicalRecords(t), []byte("\n")), '\n'), 8), []byte("\n"))[:8*len(wants)]...))
		} else {
			plain = bytes.Repeat(one, 8)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(plain)
		zw.Close()
		p := filepath.Join(t.TempDir(), name+".gz")
		os.WriteFile(p, gz.Bytes()[:gz.Len()*2/3], 0o644)
		var c collector
		st, err := readAll(t, source.FileInput(p, -1), &c, 0)
		if st == nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(c.got) == 0 || len(c.got) >= 8*len(wants) {
			t.Errorf("%s: %d events", name, len(c.got))
		}
		if err == nil && st.TotalSkipped() == 0 {
			t.Errorf("%s: the cut is not reported", name)
		}
		t.Logf("%s: %d events; %v; %s", name, len(c.got), err, problems(st))
	}
}

func jsonIndent(b *bytes.Buffer, r []byte) error { return json.Indent(b, r, "", "  ") }

// Junk does not make the reader go over the same bytes again and again.
func TestJunkIsLinear(t *testing.T) {
	for name, in := range map[string]string{
		"nested":     strings.Repeat("{\"a\":[\n", 200000),
		"junk lines": strings.Repeat("x\n", 500000),
		"objects":    strings.Repeat("{\"a\":1}}\n", 200000),
		"array":      "[" + strings.Repeat("{\"a\":1},\n", 100000) + "x\n" + strings.Repeat("{]\n", 100000),
		"long line":  "{" + strings.Repeat("[", 100000) + "\n" + strings.Repeat("{\"a\" 1\n", 100000),
	} {
		start := time.Now()
		var c collector
		st := source.NewStats()
		err := readDirect(t, in, &c, st)
		Records(strings.NewReader(in), []uint32{1, 1000, 100000})
		Sniff([]byte(in[:min(len(in), source.SniffSize)]), "x.json")
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		t.Logf("%s: %v; %v; skipped %v", name, time.Since(start), err, st.Skipped)
	}
}

// A byte order mark before a document or the first line.
func TestBOM(t *testing.T) {
	for _, name := range []string{delivered, arrayFile, canonical} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		in := "\xef\xbb\xbf" + string(b)
		var c collector
		st, err := readString(t, name, in, &c)
		if err != nil || st.TotalSkipped() != 0 || len(c.got) != len(wants) {
			t.Errorf("%s: %v, %d events: %s", name, err, len(c.got), problems(st))
		}
		recs, err := Records(strings.NewReader(in), []uint32{1})
		if err != nil || !strings.HasPrefix(recs[1], "{") {
			t.Errorf("%s: Records %v %.40q", name, err, recs[1])
		}
	}
}
