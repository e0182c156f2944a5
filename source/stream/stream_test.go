package stream

import (
	"bytes"
	"compress/gzip"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

var shapes = []string{"stream_http.json", "search_export.json", "raw_events.json"}

func readFixture(t *testing.T, name string) ([]event.HTTP, *source.Stats) {
	t.Helper()
	p := filepath.Join("testdata", name)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(p, fi.Size()), &c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 {
		t.Fatalf("%s: skipped %v: %s", name, st.Skipped, problems(st))
	}
	if st.Read["http"] != int64(len(c.got)) {
		t.Errorf("%s: counted %v, got %d events", name, st.Read, len(c.got))
	}
	return c.got, st
}

// The same records in the three shapes give the same events.
func TestShapesAgree(t *testing.T) {
	want, _ := readFixture(t, shapes[0])
	if len(want) != 6 {
		t.Fatalf("%d events from %s, want 6", len(want), shapes[0])
	}
	for _, name := range shapes[1:] {
		got, _ := readFixture(t, name)
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", name, len(got), len(want))
		}
		for i := range got {
			if a, b := content(got[i]), content(want[i]); a != b {
				t.Errorf("%s record %d differs:\n got  %s\n want %s", name, i+1, a, b)
			}
			if got[i].Ref.Line != uint32(i+1) {
				t.Errorf("%s record %d: line %d", name, i+1, got[i].Ref.Line)
			}
			if got[i].Sensor != "stream-fwd-01" {
				t.Errorf("%s record %d: sensor %q, want Splunk's host", name, i+1, got[i].Sensor)
			}
		}
	}
}

func ts(s string) event.Time {
	var t event.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		panic(err)
	}
	return t
}

const multipart = "------WebKitFormBoundaryq7Lm2XcV9tR4hZpA\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" +
	"d41d8cd98f00b204\r\n------WebKitFormBoundaryq7Lm2XcV9tR4hZpA\r\nContent-Disposition: form-data; name=\"file\"; " +
	"filename=\"Q3-forecast.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n" +
	"PK\x03\x04\x14\x00\x06\x00"

// Every mapped field of every fixture record, in each shape.
func TestFieldMapping(t *testing.T) {
	const unset = event.Unset
	want := []event.HTTP{
		{Meta: event.Meta{TS: ts("2021-04-21T18:12:31.123456Z"), UID: "6f1c2a7e-0b5d-4c1e-9a43-2d7f8e91b0c4"},
			Method: "GET", Host: "www.example.com", URI: "/news/index.html?page=2", Referrer: "http://www.example.com/",
			Version: "1.1", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.85 Safari/537.36",
			StatusCode: 200, StatusMsg: "OK", URL: "http://www.example.com/news/index.html?page=2", ReqBytes: 412, RespBytes: 4914},
		{Meta: event.Meta{TS: ts("2021-04-21T18:14:02.51129Z"), UID: "0a9e7d3b-5c21-47f8-b6d0-8e4f2a1c9d35"},
			Method: "POST", Host: "files.example.net", URI: "/upload/submit", Referrer: "https://files.example.net/upload",
			Version: "1.1", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:88.0) Gecko/20100101 Firefox/88.0",
			StatusCode: 302, StatusMsg: "Found", URL: "https://files.example.net/upload/submit", Body: multipart,
			ContentType: "multipart/form-data; boundary=----WebKitFormBoundaryq7Lm2XcV9tR4hZpA", ReqBytes: 18761, RespBytes: 443},
		{Meta: event.Meta{TS: ts("2021-04-21T18:20:44.018833Z"), UID: "c3d4e5f6-1a2b-4c3d-8e9f-0a1b2c3d4e5f"},
			Method: "POST", Host: "203.0.113.150", URI: "/u.php?n=backup.zip", Version: "1.1", UserAgent: "python-requests/2.25.1",
			StatusCode: 200, StatusMsg: "OK", URL: "http://203.0.113.150:8080/u.php?n=backup.zip",
			Body: "PK\x03\x04\n\x00\x00\x00\x00\x00\u00b1\u0084\u0095R", ContentType: "application/octet-stream", ReqBytes: 1051980, RespBytes: 738},
		{Meta: event.Meta{TS: ts("2021-04-21T18:25:09.870004Z"), UID: "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"},
			Method: "PUT", Host: "dav.example.org", URI: "/webdav/share/archive.zip", Version: "1.1",
			UserAgent: "Microsoft-WebDAV-MiniRedir/10.0.19041", StatusCode: 100, StatusMsg: "Continue", // the first of repeated values
			URL: "http://dav.example.org/webdav/share/archive.zip", Body: "PK\x03\x04\x14\x00\x00\x00\x08\x00", ContentType: "application/zip",
			ReqBytes: 65844, RespBytes: 369},
		{Meta: event.Meta{TS: ts("2021-04-21T18:30:00.398121Z"), UID: "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"},
			Method: "POST", Host: "update.example.info", URI: "/gate.php?v=2", Version: "1.1",
			UserAgent: "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1)", StatusCode: 200, StatusMsg: "OK",
			URL: "http://update.example.info/gate.php?v=2", Body: "id=7f3a91c2&s=aG9zdG5hbWU9V0tTMDQx&t=1619029800",
			ContentType: "application/x-www-form-urlencoded", ReqBytes: 468, RespBytes: 263},
		{Meta: event.Meta{TS: ts("2021-04-21T18:31:17.05221Z"), UID: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"},
			Method: "GET", Host: "[2001:db8:0:2::10]", URI: "/api/v1/status", Version: "1.1", UserAgent: "Go-http-client/1.1",
			StatusCode: 404, StatusMsg: "Not Found", URL: "http://[2001:db8:0:2::10]:8443/api/v1/status", ReqBytes: 301, RespBytes: 1097},
	}
	flows := []string{
		"10.20.30.41 51234 198.51.100.23 80", "10.20.30.41 51302 203.0.113.77 443", "10.20.30.57 49877 203.0.113.150 8080",
		"10.20.30.88 50112 198.51.100.9 80", "10.20.30.57 50999 203.0.113.5 80", "2001:db8:0:1::41 40022 2001:db8:0:2::10 8443",
	}
	for i := range want {
		var f event.Flow
		var sp, dp int
		fields := strings.Fields(flows[i])
		f.Src, f.Dst = mustAddr(fields[0]), mustAddr(fields[2])
		sp, dp = atoi(fields[1]), atoi(fields[3])
		f.SrcPort, f.DstPort = uint16(sp), uint16(dp)
		want[i].Flow = f
		want[i].TransDepth, want[i].RequestBodyLen, want[i].ResponseBodyLen = unset, unset, unset
	}
	for _, name := range shapes {
		got, _ := readFixture(t, name)
		for i := range want {
			if a, b := content(got[i]), content(want[i]); a != b {
				t.Errorf("%s record %d:\n got  %s\n want %s", name, i+1, a, b)
			}
		}
		// as Splunk's substr(form_data,1,2) sees it
		if got[1].Body[:2] != "--" || !strings.Contains(got[1].Body, "filename=\"Q3-forecast.xlsx\"\r\n") || got[2].Body[:2] != "PK" {
			t.Errorf("%s: bodies %q, %q", name, got[1].Body, got[2].Body)
		}
	}
}

func TestSniff(t *testing.T) {
	yes := map[string]string{
		"the smallest event":     `{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET"}`,
		"sourcetype only":        `{"_time":"1619028751","sourcetype":"stream:http","_raw":"x"}`,
		"other stream type":      `{"preview":false,"result":{"sourcetype":"stream:dns","src_ip":"10.0.0.1"}}`,
		"fields in _raw":         `{"_time":"1619028751","_raw":"{\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"site\":\"a\"}"}`,
		"export fields":          `{"preview":false,"offset":0,"result":{"dest_ip":"10.0.0.2","src_ip":"10.0.0.1","uri_path":"/"}}`,
		"BOM and blank lines":    "\xef\xbb\xbf\n\n" + `{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","uri":"/"}`,
		"export messages first":  `{"preview":false,"messages":[{"type":"INFO","text":"x"}]}` + "\n" + `{"preview":false,"result":{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","uri":"/"}}`,
		"a first line cut short": `{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"POST","form_data":"` + strings.Repeat("A", source.SniffSize),
	}
	for _, name := range shapes {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		yes[name] = string(b)
	}
	for name, head := range yes {
		if len(head) > source.SniffSize {
			head = head[:source.SniffSize]
		}
		if !Sniff([]byte(head), "x.json") {
			t.Errorf("Sniff(%s) = false", name)
		}
	}
	no := map[string]string{
		"zeek json":            `{"_path":"http","ts":1588205199.82437,"uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":1,"id.resp_h":"10.0.0.4","id.resp_p":80,"method":"GET","uri":"/"}`,
		"zeek json helk":       `{"@stream":"http","ts":"2020-05-02T02:55:16.372Z","uid":"C1","id_orig_h":"10.0.1.6","method":"GET","uri":"/","host":"a"}`,
		"zeek json nested":     `{"ts":1,"uid":"C3","id":{"orig_h":"10.0.1.7","orig_p":1,"resp_h":"10.0.0.4","resp_p":53}}`,
		"zeek tsv":             "#separator \\x09\n#set_separator\t,\n#path\thttp\n",
		"suricata eve":         `{"timestamp":"2021-04-21T18:12:31.123456+0000","event_type":"http","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":80,"http":{"hostname":"a","url":"/","http_method":"GET"}}`,
		"flow without http":    `{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","bytes_in":1}`,
		"other json":           `{"user":"alice","action":"login"}`,
		"text":                 "Apr 21 18:12:31 host sshd[1]: Accepted password for alice\n",
		"random":               "\x7fELF\x02\x01\x01\x00\x00\x00",
		"empty":                "",
		"export of other data": `{"preview":false,"messages":[]}` + "\n" + `{"preview":false,"result":{"user":"alice"}}`,
		"array":                `[{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET"}]`,
		"cut zeek line":        `{"ts":1,"uid":"C","id.orig_h":"10.0.0.1","src_ip":"x","dest_ip":"y","http_method":"` + strings.Repeat("A", source.SniffSize),
		"stream text, cut eve": `{"event_type":"http","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"` + strings.Repeat("A", source.SniffSize),
	}
	for name, head := range no {
		if len(head) > source.SniffSize {
			head = head[:source.SniffSize]
		}
		if Sniff([]byte(head), "x.json") {
			t.Errorf("Sniff(%s) = true", name)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := `{"timestamp":"2021-04-21T18:12:31.123456Z","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":80,"http_method":"GET","bytes_in":10}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(good+"\n", 5000)))
	zw.Close()
	truncated := gz.Bytes()[:gz.Len()/2]
	cases := []struct {
		name, file, text string
		wantErr          string // error that stops reading
		wantSkip         string // a problem message expected
		wantReason       string // the counted reason
		wantRead         int
	}{
		{name: "json cut in half", file: "s.json", text: good + "\n" + good[:40] + "\n" + good + "\n",
			wantSkip: "s.json:2: invalid JSON at byte 41: line ends inside a string (cut short?)", wantReason: "invalid JSON", wantRead: 2},
		{name: "last line cut", file: "s.json", text: good + "\n" + good[:len(good)-3],
			wantSkip: "s.json:2: invalid JSON", wantReason: "invalid JSON", wantRead: 1},
		{name: "binary junk", file: "s.json", text: good + "\n\x00\x01\x02\xff\xfe\n" + good,
			wantSkip: "s.json:2: invalid JSON at byte 1: expected an object", wantReason: "invalid JSON", wantRead: 2},
		{name: "word for a number", file: "s.json", text: good + "\n" + strings.Replace(good, `"bytes_in":10`, `"bytes_in":"lots"`, 1),
			wantSkip: `s.json:2: field bytes_in: not a number: "lots"`, wantReason: "http: bad value", wantRead: 1},
		{name: "bool for a port", file: "s.json", text: strings.Replace(good, `"src_port":1`, `"src_port":true`, 1),
			wantSkip: `s.json:1: field src_port: not a number: "true"`, wantReason: "http: bad value"},
		{name: "port out of range", file: "s.json", text: strings.Replace(good, `"dest_port":80`, `"dest_port":70000`, 1),
			wantSkip: `s.json:1: field dest_port: number out of range: "70000"`, wantReason: "http: bad value"},
		{name: "bad address", file: "s.json", text: strings.Replace(good, `"10.0.0.1"`, `"10.0.0.300"`, 1),
			wantSkip: `s.json:1: field src_ip: bad address "10.0.0.300"`, wantReason: "http: bad value"},
		{name: "bad time", file: "s.json", text: strings.Replace(good, `"2021-04-21T18:12:31.123456Z"`, `"yesterday"`, 1),
			wantSkip: `s.json:1: field timestamp: bad time "yesterday"`, wantReason: "http: bad value"},
		{name: "no src_ip", file: "s.json", text: good + "\n" + strings.Replace(good, `"src_ip":"10.0.0.1",`, ``, 1),
			wantSkip: "s.json:2: no src_ip", wantReason: "http: no src_ip", wantRead: 1},
		{name: "empty dest_ip", file: "s.json", text: good + "\n" + strings.Replace(good, `"10.0.0.2"`, `""`, 1),
			wantSkip: "s.json:2: no dest_ip", wantReason: "http: no dest_ip", wantRead: 1},
		{name: "no time", file: "s.json", text: good + "\n" + strings.Replace(good, `"timestamp":"2021-04-21T18:12:31.123456Z",`, ``, 1),
			wantSkip: "s.json:2: no timestamp or _time", wantReason: "http: no timestamp or _time", wantRead: 1},
		{name: "other sourcetype", file: "e.json", text: `{"preview":false,"result":{"sourcetype":"stream:http","_raw":` + quote(good) + `}}` + "\n" +
			`{"preview":false,"result":{"sourcetype":"stream:dns","src_ip":"10.0.0.1","dest_ip":"10.0.0.53","query":"a.example"}}`,
			wantSkip: `e.json:2: sourcetype "stream:dns" is not stream:http`, wantReason: "not stream:http", wantRead: 1},
		{name: "_raw cut short", file: "r.json", text: `{"sourcetype":"stream:http","_raw":` + quote(good[:60]) + `}` + "\n" + `{"_raw":` + quote(good) + `}`,
			wantSkip: "r.json:1: _raw: invalid JSON at byte", wantReason: "invalid JSON", wantRead: 1},
		{name: "truncated gzip", file: "s.json.gz", text: string(truncated), wantErr: "truncated gzip stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			st, err := readString(t, tc.file, tc.text, &c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "offset") {
					t.Fatalf("want error %q with an offset, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(problems(st), tc.wantSkip) {
				t.Errorf("want a problem containing %q, got %q", tc.wantSkip, problems(st))
			}
			if st.Skipped[tc.wantReason] != 1 || st.TotalSkipped() != 1 {
				t.Errorf("want one record skipped for %q, got %v", tc.wantReason, st.Skipped)
			}
			if len(c.got) != tc.wantRead || st.Read["http"] != int64(tc.wantRead) {
				t.Errorf("read %d records (counted %v), want %d", len(c.got), st.Read, tc.wantRead)
			}
		})
	}
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// Export metadata lines and blank lines are no records and no problems.
func TestExportEnvelope(t *testing.T) {
	text := `{"preview":false,"init_offset":0,"messages":[{"type":"INFO","text":"Your timerange was substituted"}]}` + "\n\n" +
		`{"preview":false,"offset":0,"lastrow":true,"result":{"_time":"1619028751.5","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET","status":["301","200"]}}` + "\n"
	var c collector
	st, err := readString(t, "export.json", text, &c)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(c.got) != 1 || st.Read["http"] != 1 {
		t.Fatalf("got %d events, stats %v %v: %s", len(c.got), st.Read, st.Skipped, problems(st))
	}
	e := c.got[0]
	if e.Ref.Line != 3 || e.TS != 1619028751500000 || e.StatusCode != 301 || e.ReqBytes != event.Unset || e.SrcPort != 0 {
		t.Errorf("event %+v", e)
	}
}

func TestLongLine(t *testing.T) {
	good := `{"timestamp":"2021-04-21T18:12:31Z","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET"}`
	long := `{"timestamp":"2021-04-21T18:12:31Z","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"POST","form_data":"` + strings.Repeat("a", source.MaxLine+10) + `"}`
	var c collector
	st, err := readString(t, "s.json", good+"\n"+long+"\n"+good+"\n", &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped["line too long"] != 1 {
		t.Fatalf("got %d records, skipped %v", len(c.got), st.Skipped)
	}
	if !strings.Contains(problems(st), "s.json:2: line of") {
		t.Errorf("problem: %s", problems(st))
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	if _, err := source.Open(source.ReaderInput("empty.json", strings.NewReader("")), nil); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	if o, err := source.Open(source.ReaderInput("x.bin", strings.NewReader("\x00\x01\x02junk")), nil); err == nil {
		t.Errorf("binary file read as %s", o.Format.Name)
	}
}

// A run whose detections read no HTTP counts the records without parsing them.
func TestSkipKind(t *testing.T) {
	var c collector
	st, err := readAll(t, source.FileInput(filepath.Join("testdata", shapes[0]), -1), &c, event.KindSet(0).With(event.KindHTTP))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 0 || st.Read["http"] != 6 {
		t.Errorf("got %d events, counted %v", len(c.got), st.Read)
	}
}

// The fixture folder reads as sluice hunt reads it: every file found, sniffed as Stream, and
// every record an HTTP event.
func TestFixtureFolder(t *testing.T) {
	ins, err := source.Expand([]string{"testdata"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	for _, in := range ins {
		st, err := readAll(t, in, &c, 0)
		if err != nil || st.TotalSkipped() != 0 {
			t.Fatalf("%s: %v %v", in.Name, err, st.Skipped)
		}
	}
	if len(ins) != 3 || len(c.got) != 18 {
		t.Errorf("%d files, %d events", len(ins), len(c.got))
	}
}

func TestStripPort(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "example.com:8080": "example.com", "10.0.0.1:80": "10.0.0.1",
		"[2001:db8::1]:443": "[2001:db8::1]", "[2001:db8::1]": "[2001:db8::1]", "2001:db8::1": "2001:db8::1",
		"host:": "host:", "host:http": "host:http", "": "",
	} {
		if got := stripPort(in); got != want {
			t.Errorf("stripPort(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
