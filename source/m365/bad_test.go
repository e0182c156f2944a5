package m365

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/source"
)

// lines returns the lines of a fixture (without their ends).
func lines(t *testing.T, name string) []string {
	return strings.Split(strings.TrimRight(fixture(t, name), "\r\n"), "\n")
}

// run reads text through sniffing and returns the events' positions and the problems.
func run(t *testing.T, name, text string) ([]uint32, *source.Stats, error) {
	t.Helper()
	var c collector
	st, err := readString(t, name, text, &c)
	var pos []uint32
	for _, e := range c.got {
		pos = append(pos, e.Ref.Line)
	}
	return pos, st, err
}

func expect(t *testing.T, what string, pos []uint32, st *source.Stats, err error, wantPos []uint32, wantProblems ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !slices.Equal(pos, wantPos) {
		t.Errorf("%s: positions %v, want %v (%s)", what, pos, wantPos, problems(st))
	}
	if int(st.TotalSkipped()) != len(wantProblems) || len(st.Problems) != len(wantProblems) {
		t.Errorf("%s: skipped %v, problems:\n%s\nwant %q", what, st.Skipped, problems(st), wantProblems)
		return
	}
	ps := slices.Clone(st.Problems)
	slices.SortStableFunc(ps, func(a, b source.Problem) int { return int(a.Line) - int(b.Line) })
	for i, w := range wantProblems {
		if got := ps[i].String(); !strings.Contains(got, w) {
			t.Errorf("%s: problem %q, want it to hold %q", what, got, w)
		}
	}
}

// A record cut in half, one record a line: that line is reported, the others are read.
func TestCutLine(t *testing.T) {
	l := lines(t, "api.jsonl")
	text := l[0] + "\n" + l[1][:200] + "\n" + l[2] + "\n"
	pos, st, err := run(t, "cut.jsonl", text)
	expect(t, "cut line", pos, st, err, []uint32{1, 3}, "cut.jsonl:2: invalid JSON")

	// the input itself ends inside the last record
	pos, st, err = run(t, "end.jsonl", l[0]+"\n"+l[1][:300])
	expect(t, "cut at the end", pos, st, err, []uint32{1}, "end.jsonl:2: invalid JSON")

	// a line of other JSON, and a line that is no JSON
	text = l[0] + "\n" + `{"ts":1,"uid":"C1","id.orig_h":"10.0.0.1"}` + "\n" + "\x00\xff garbage\n" + l[2] + "\n"
	pos, st, err = run(t, "mixed.jsonl", text)
	expect(t, "foreign lines", pos, st, err, []uint32{1, 4}, "mixed.jsonl:2: not a Microsoft 365 audit record", "mixed.jsonl:3: not a JSON object")
}

// One-a-line input whose lines are the API's content blobs (arrays): the records of a line
// have its position; a bad element is reported with its index.
func TestArrayLines(t *testing.T) {
	l := lines(t, "api.jsonl")
	text := "[" + l[0] + "," + l[1] + "]\n[" + l[2] + `,42,{"Foo":1}]` + "\n"
	pos, st, err := run(t, "blobs.jsonl", text)
	// the first line is an array: the input is read as documents by ordinal
	expect(t, "blobs", pos, st, err, []uint32{1, 2, 3}, "blobs.jsonl:2: record 4: not a JSON object", "blobs.jsonl:2: record 5: not a Microsoft 365 audit record")

	// an array line among object lines
	text = l[0] + "\n[" + l[1] + "," + l[2] + "]\n" + "[1]\n"
	pos, st, err = run(t, "mixed.jsonl", text)
	expect(t, "array line", pos, st, err, []uint32{1, 2, 2}, "mixed.jsonl:3: element 1: not a JSON object")
	recs, err := Records(strings.NewReader(text), []uint32{2})
	if err != nil || recs[2] != "["+l[1]+","+l[2]+"]" {
		t.Errorf("Records: %v", err)
	}
}

// A pretty-printed record cut in half: reported at the line it starts on, and the records
// after it (their ordinals counting it) are read.
func TestCutDocument(t *testing.T) {
	text := fixture(t, "api_pretty.json")
	// cut the second record inside a string, the rest follows on the next line
	i := strings.Index(text, `"Id": "0b4e5c6d`)
	j := strings.Index(text, "\n  {\n    \"CreationTime\": \"2024-03-04T09:20:11\"")
	bad := text[:i+12] + text[j:]
	pos, st, err := run(t, "cut.json", bad)
	expect(t, "cut in a string", pos, st, err, seqExcept(16, 2), "cut.json:28: record 2: not valid JSON: a line ends inside a string")

	// cut the second record after a whole field: its brackets do not match
	k := strings.Index(text, `    "SourceFileExtension": "pptx",`)
	bad = text[:k] + text[j+1:]
	pos, st, err = run(t, "cut2.json", bad)
	expect(t, "cut after a field", pos, st, err, seqExcept(16, 2), "cut2.json:28: record 2: not valid JSON: ']' closes what it did not open")

	// the input ends inside the last record
	pos, st, err = run(t, "end.json", text[:len(text)-200])
	expect(t, "cut at the end", pos, st, err, seq(1, 15), "record 16: cut short (the input ends inside it)")

	// Records gives the records by ordinal, counting the broken one
	recs, err := Records(strings.NewReader(bad), []uint32{1, 2, 3})
	if err != nil || recs[2] != "" || !strings.Contains(recs[3], "a7b8c9d0") || !strings.Contains(recs[1], "6c2f7d1a") {
		t.Errorf("Records: %v %v", err, recs)
	}
}

// seqExcept returns 1..n without the given ordinals.
func seqExcept(n int, not ...uint32) []uint32 {
	var out []uint32
	for _, v := range seq(1, n) {
		if !slices.Contains(not, v) {
			out = append(out, v)
		}
	}
	return out
}

// Documents with junk between them and array elements that are no objects.
func TestDocumentJunk(t *testing.T) {
	l := lines(t, "api.jsonl")
	text := "{\n  \"x\": 1\n}\n" + "junk line\n" + l[0] + "\n" + "[" + l[1] + ", 7, [1,2]]\n"
	// the first document is no audit record, so the input is not claimed; read it directly
	if Sniff([]byte(text), "junk.json") {
		t.Fatal("sniffed")
	}
	var c collector
	st := source.NewStats()
	if err := readDirect(t, text, &c, st); err != nil {
		t.Fatal(err)
	}
	var pos []uint32
	for _, e := range c.got {
		pos = append(pos, e.Ref.Line)
	}
	expect(t, "junk", pos, st, nil, []uint32{2, 3},
		"x.json:1: record 1: not a Microsoft 365 audit record", `x.json:4: not JSON: "junk line"`, `x.json:6: record 4: not a JSON object: "7"`,
		`x.json:6: record 5: not a JSON object: "[1,2]"`)
}

// A binary file, an empty file and another format's file are not claimed; read directly, a
// binary file is an error and an empty one nothing.
func TestNotAuditLogs(t *testing.T) {
	bin := []byte("\x1f\x8b\x00\x00binary\x00\x01\x02\xff\xfe\n\x00")
	for _, in := range []struct{ name, text string }{
		{"bin.dat", string(bin[4:])},
		{"empty.json", ""},
		{"blank.json", "\n\n  \n"},
		{"zeek.json", `{"ts":1588207244.7,"uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":1,"id.resp_h":"192.168.0.4","id.resp_p":8443}` + "\n"},
		{"cloudtrail.json", `{"Records":[{"eventVersion":"1.08","eventTime":"2024-03-04T09:15:02Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}`},
		{"gws.json", `{"kind":"admin#reports#activity","id":{"time":"2024-03-04T09:15:02Z","applicationName":"drive"},"events":[{"name":"download"}]}` + "\n"},
		{"graph.json", `{"id":"x","createdDateTime":"2024-03-04T09:15:02Z","operation":"FileUploaded","auditData":{}}` + "\n"},
		{"other.csv", "date,user,action\n2024-03-04,megan,upload\n"},
	} {
		o, err := source.Open(source.ReaderInput(in.name, strings.NewReader(in.text)), nil)
		switch {
		case err == nil:
			if o.Format.Name == FormatName {
				t.Errorf("%s: opened as %s", in.name, o.Format.Name)
			}
			o.Close()
		case !errors.Is(err, source.ErrUnrecognized):
			t.Errorf("%s: %v", in.name, err)
		}
		if Sniff([]byte(in.text), in.name) {
			t.Errorf("%s: sniffed", in.name)
		}
	}
	st := source.NewStats()
	var c collector
	if err := readDirect(t, string(bin[4:]), &c, st); err == nil || !strings.Contains(err.Error(), "not a Microsoft 365 audit log") {
		t.Errorf("binary: %v", err)
	}
	if err := readDirect(t, "", &c, st); err != nil || len(c.got) != 0 {
		t.Errorf("empty: %v", err)
	}
}

// A line longer than source.MaxLine is skipped and reported; the lines around it are read.
func TestLongLine(t *testing.T) {
	l := lines(t, "api.jsonl")
	long := l[1][:len(l[1])-1] + `,"Pad":"` + strings.Repeat("x", source.MaxLine) + `"}`
	pos, st, err := run(t, "long.jsonl", l[0]+"\n"+long+"\n"+l[2]+"\n")
	expect(t, "long line", pos, st, err, []uint32{1, 3}, "long.jsonl:2: line of")

	// the same record among pretty documents: skipped, the next read
	text := "[\n" + l[0] + ",\n" + long + ",\n" + l[2] + "\n]\n"
	pos, st, err = run(t, "long.json", text)
	expect(t, "long document", pos, st, err, []uint32{1, 3}, "long.json:3: record 2: 16778258 bytes, longer than the 16 MiB limit; skipped")

	// a CSV row
	c := lines(t, "export.csv")
	longRow := c[2][:len(c[2])-3] + strings.Repeat("y", source.MaxLine) + `",,` + "\r"
	pos, st, err = run(t, "long.csv", c[0]+"\n"+c[1]+"\n"+longRow+"\n"+c[3]+"\n")
	expect(t, "long row", pos, st, err, []uint32{2, 4}, "long.csv:3: CSV row longer than the 16 MiB limit")
}

// CSV rows that cannot be read are reported at the line they start on; the rows after them
// are read; a quoted field over several lines is a field.
func TestBadCSV(t *testing.T) {
	c := lines(t, "export.csv")
	hdr := c[0] + "\n"

	// a row cut in half inside its quoted AuditData: the next line starts a row
	pos, st, err := run(t, "cut.csv", hdr+c[1]+"\n"+c[2][:300]+"\n"+c[3]+"\n"+c[4]+"\n")
	expect(t, "cut row", pos, st, err, []uint32{2, 4, 5}, "cut.csv:3: CSV row cut short: a quoted field is still open where line 4 starts a new row")

	// the input ends inside a quoted field
	pos, st, err = run(t, "end.csv", hdr+c[1]+"\n"+c[2][:300])
	expect(t, "cut at the end", pos, st, err, []uint32{2}, "end.csv:3: CSV row cut short: a quoted field is not closed at the end of the input")

	// too few fields, a bare quote
	short := strings.TrimSuffix(c[2], ",,\r") + "\r"
	bare := strings.Replace(c[3], `,FileSyncUploadedFull,`, `,FileSync"UploadedFull,`, 1)
	bare2 := strings.Replace(c[4], `,FileDownloaded,`, `,File""Downloaded,`, 1)
	pos, st, err = run(t, "fields.csv", hdr+c[1]+"\n"+short+"\n"+bare+"\n"+bare2+"\n"+c[5]+"\n")
	expect(t, "bad fields", pos, st, err, []uint32{2, 6}, "fields.csv:3: bad CSV (column 1): wrong number of fields",
		"fields.csv:4: CSV row cut short: a quoted field is still open where line 5 starts a new row", `fields.csv:5: bad CSV (column 76): bare " in non-quoted-field`)

	// a quoted field over several lines (AssociatedAdminUnitsNames), and a blank line
	multi := strings.TrimSuffix(c[2], ",\r") + ",\"Unit A\nUnit B\"\r"
	pos, st, err = run(t, "multi.csv", hdr+c[1]+"\n"+multi+"\n\n"+c[3]+"\n")
	expect(t, "multi-line field", pos, st, err, []uint32{2, 3, 6})
	recs, err := Records(strings.NewReader(hdr+c[1]+"\n"+multi+"\n\n"+c[3]+"\n"), []uint32{3, 6})
	if err != nil || !strings.Contains(recs[3], `"AssociatedAdminUnitsNames":"Unit A\nUnit B"`) || !strings.Contains(recs[6], `"Operation":"FileSyncUploadedFull"`) {
		t.Errorf("Records: %v %v", err, recs)
	}

	// AuditData that is no JSON, and a row without a time anywhere
	noJSON := strings.Replace(c[2], `"{""CreationTime`, `"not json{""CreationTime`, 1)
	noTime := c[3][:strings.Index(c[3], ",")] + `,"",2,Send,u@contoso.com,"{""Operation"":""Send""}",,` + "\r"
	pos, st, err = run(t, "data.csv", hdr+c[1]+"\n"+noJSON+"\n"+noTime+"\n")
	expect(t, "bad AuditData", pos, st, err, []uint32{2}, "data.csv:3: AuditData is not a JSON object", "data.csv:4: not a Microsoft 365 audit record")
}

// A time that cannot be read is reported.
func TestBadTime(t *testing.T) {
	pos, st, err := run(t, "t.jsonl", rec(spBase, "CreationTime", "yesterday")+"\n"+rec(spBase)+"\n")
	expect(t, "bad time", pos, st, err, []uint32{2}, `t.jsonl:1: unreadable time "yesterday"`)
	if st.Skipped[reasonTime] != 1 {
		t.Errorf("%v", st.Skipped)
	}
}

// Records of lines asked for past the end, or of nothing, are no error.
func TestRecordsEdges(t *testing.T) {
	for _, sh := range shapes {
		text := fixture(t, sh.name)
		recs, err := Records(strings.NewReader(text), []uint32{sh.positions[15], 99, 1000})
		if err != nil || len(recs) != 1 {
			t.Errorf("%s: %v %d", sh.name, err, len(recs))
		}
		recs, err = Records(strings.NewReader(text), nil)
		if err != nil || len(recs) != 0 {
			t.Errorf("%s: %v", sh.name, err)
		}
	}
	if recs, err := Records(bytes.NewReader(nil), []uint32{1}); err != nil || len(recs) != 0 {
		t.Errorf("empty: %v %v", err, recs)
	}
}

// A read error stops Read with it.
func TestReadError(t *testing.T) {
	text := fixture(t, "api_pretty.json")
	for _, n := range []int{100, 5000, 20000} {
		st := source.NewStats()
		var c collector
		err := Read(t.Context(), &failAfter{r: strings.NewReader(text), n: n}, source.FileInfo{Name: "x"}, st, func(j source.Job) error {
			j.Run(&c, st)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("after %d bytes: %v", n, err)
		}
	}
}

type failAfter struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, fmt.Errorf("disk on fire")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

// Lines that each open a record inside one that breaks at its end are not read again and
// again: the reader stays linear.
func TestBrokenNesting(t *testing.T) {
	text := "[\n" + strings.Repeat("{\n", 200000) + "]\n" + rec(spBase) + "\n"
	st := source.NewStats()
	var c collector
	start := time.Now()
	if err := readDirect(t, text, &c, st); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%v to read %d bytes", d, len(text))
	}
	if len(c.got) != 1 || st.TotalSkipped() != 2 {
		t.Errorf("%d events: %v %s", len(c.got), st.Skipped, problems(st))
	}
}
