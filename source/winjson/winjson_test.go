package winjson

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// The fixtures hold the same nine events (the three Sysmon 1 events of the sysmon-evtx twins,
// a Sysmon 3, 22 and 11, a Security 4688, and a Security 4624 and Sysmon 7 that map to nothing)
// in each shape, as each tool writes them.
var shapes = []string{
	"evtx_dump.json",            // evtx_dump -o json: "Record N" lines and pretty documents
	"evtx_dump.jsonl",           // evtx_dump -o jsonl (EventID with its Qualifiers for 4688)
	"velociraptor.jsonl",        // Velociraptor parse_evtx: no Event wrapper, EventID.Value, epoch SystemTime
	"nxlog.json",                // nxlog im_msvistalog through Logstash, as HELK keeps it
	"winlogbeat.ndjson",         // Winlogbeat 8 (string ids) and 7 (numeric ids), no module
	"winlogbeat-modules.ndjson", // Winlogbeat with its sysmon and security modules (ECS renames)
}

// The line each event of evtx_dump.json starts on (after its "Record N" line).
var prettyLines = []uint32{2, 69, 136, 203, 265, 318, 370}

func readFixture(t *testing.T, name string) ([]event.Host, *source.Stats) {
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
	if st.Read["sysmon"] != 6 || st.Read["security"] != 1 || st.Ignored["sysmon"] != 1 || st.Ignored["security"] != 1 {
		t.Errorf("%s: read %v, ignored %v; want sysmon 6 and security 1 read, one of each ignored", name, st.Read, st.Ignored)
	}
	if len(c.got) != 7 {
		t.Fatalf("%s: %d events, want 7", name, len(c.got))
	}
	return c.got, st
}

// The same event in every shape gives the same event.Host.
func TestShapesAgree(t *testing.T) {
	want, _ := readFixture(t, shapes[0])
	for i, e := range want {
		if e.Ref.Line != prettyLines[i] {
			t.Errorf("%s event %d: line %d, want %d", shapes[0], i+1, e.Ref.Line, prettyLines[i])
		}
	}
	for _, name := range shapes[1:] {
		got, _ := readFixture(t, name)
		for i := range got {
			w := want[i]
			if name == "winlogbeat-modules.ndjson" && w.EventID == 22 {
				w.QueryResults = "" // the sysmon module turns it into dns.answers
			}
			if a, b := content(got[i]), content(w); a != b {
				t.Errorf("%s event %d differs:\n got  %s\n want %s", name, i+1, a, b)
			}
		}
		// one record a line: the events are on the lines of the records
		for i, line := range []uint32{1, 2, 3, 4, 5, 6, 7} {
			if got[i].Ref.Line != line {
				t.Errorf("%s event %d: line %d, want %d", name, i+1, got[i].Ref.Line, line)
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

// The fields of the fixture events that are not Sysmon 1 (those are checked against the twins).
func TestFieldMapping(t *testing.T) {
	for _, name := range shapes {
		t.Run(name, func(t *testing.T) {
			got, _ := readFixture(t, name)
			c := got[3]
			if c.Op != event.OpConnect || c.EventID != 3 || c.Log != "sysmon" || c.Computer != "IEWIN7" ||
				c.TS != ts("2019-03-17T19:37:23.157Z") || c.Src != netip.MustParseAddr("10.0.2.15") || c.SrcPort != 49280 ||
				c.Dst != netip.MustParseAddr("10.0.2.18") || c.DstPort != 80 || c.Proto != "tcp" || c.Initiated != 1 ||
				c.Proc.PID != 3312 || c.Proc.GUID != "365ABB72-9B3F-5C8E-0000-0010C7C91E00" ||
				c.Proc.Image != `C:\Users\IEUser\Desktop\plink.exe` || c.Proc.User != `IEWIN7\IEUser` || c.DstHost != "" {
				t.Errorf("sysmon 3: %+v", c)
			}
			d := got[4]
			if d.Op != event.OpDNS || d.Query != "example.com" || d.QueryStatus != "0" || d.Proc.PID != 6400 ||
				d.TS != ts("2025-12-11T06:17:19.812Z") || d.Proc.Image != `C:\Windows\System32\curl.exe` {
				t.Errorf("sysmon 22: %+v", d)
			}
			if name != "winlogbeat-modules.ndjson" && d.QueryResults != "type:  5 example.com-v2.edgesuite.net;::ffff:93.184.215.14;" {
				t.Errorf("sysmon 22 results: %q", d.QueryResults)
			}
			f := got[5]
			if f.Op != event.OpFile || f.TargetFile != `C:\Users\xodih\Downloads\page.html` || f.Proc.User != `swachchhanda\xodih` {
				t.Errorf("sysmon 11: %+v", f)
			}
			p := got[6]
			if p.Op != event.OpProcess || p.Log != "security" || p.EventID != 4688 || p.Computer != "WS01.corp.example" ||
				p.TS != ts("2024-03-05T14:22:07.512345Z") || p.Proc.PID != 0x2f0c || p.Parent.PID != 0x1a2c ||
				p.Proc.Image != `C:\Users\alice\AppData\Local\Temp\rclone.exe` || p.Proc.User != `CORP\alice` ||
				p.Parent.Image != `C:\Windows\System32\cmd.exe` || !strings.Contains(p.Proc.CommandLine, `--user-agent "Mozilla/5.0"`) {
				t.Errorf("security 4688: %+v", p)
			}
		})
	}
}

// The sysmon-evtx twins (evtx_dump's pretty JSON of one event) give the events Sigma's tests
// expect.
func TestTwins(t *testing.T) {
	dir := dataset(t, "sysmon-evtx")
	cases := []struct {
		glob          string
		ts, guid, cmd string
		pid, ppid     int64
		image, orig   string
		computer      string
		user          string
	}{
		{"sigma__proc_creation_win_curl_custom_user_agent__*.json", "2025-12-11T06:17:19.636Z", "0197231E-61EF-693A-C812-000000000800",
			`curl.exe  -H "User-Agent: EvilAgent" http://example.com`, 6400, 3476, `C:\Windows\System32\curl.exe`, "curl.exe", "swachchhanda", `swachchhanda\xodih`},
		{"sigma__proc_creation_win_curl_insecure_proxy_or_doh__*.json", "2025-12-11T06:45:56.239Z", "0197231E-68A4-693A-0713-000000000800",
			`curl  --proxy-insecure -p -x http://127.0.0.1:1234 --silent -v --show-error http://127.0.0.1:888/echo`, 13700, 14736,
			`C:\Windows\System32\curl.exe`, "curl.exe", "swachchhanda", `swachchhanda\xodih`},
		{"sigma__proc_creation_win_renamed_ftp__*.json", "2025-10-22T20:25:23.215Z", "5AB40FD1-3DB3-68F9-0A31-000000003B02",
			"renamed-ftp.exe", 5312, 476, `C:\Users\Administrator\Downloads\testdata\renamed-ftp.exe`, "ftp.exe", "ar-win-1", `AR-WIN-1\Administrator`},
	}
	for _, tc := range cases {
		m, _ := filepath.Glob(filepath.Join(dir, tc.glob))
		if len(m) != 1 {
			t.Fatalf("%s: %d files", tc.glob, len(m))
		}
		var c collector
		st, err := readAll(t, source.FileInput(m[0], -1), &c, 0)
		if err != nil || st.TotalSkipped() != 0 || len(c.got) != 1 || st.Read["sysmon"] != 1 {
			t.Fatalf("%s: %v, skipped %v, %d events: %s", m[0], err, st.Skipped, len(c.got), problems(st))
		}
		e := c.got[0]
		if e.Ref.Line != 1 || e.Op != event.OpProcess || e.Log != "sysmon" || e.EventID != 1 || e.TS != ts(tc.ts) ||
			e.Computer != tc.computer || e.Proc.GUID != tc.guid || e.Proc.PID != tc.pid || e.Proc.Image != tc.image ||
			e.Proc.CommandLine != tc.cmd || e.Proc.User != tc.user || e.OriginalFileName != tc.orig || e.Parent.PID != tc.ppid ||
			e.Parent.Image != `C:\Windows\System32\cmd.exe` || !strings.HasPrefix(e.Hashes, "MD5=") {
			t.Errorf("%s: %+v", tc.glob, e)
		}
		// the same event as one compact line
		b, err := os.ReadFile(m[0])
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		recs, err := Records(bytes.NewReader(b), []uint32{1})
		if err != nil || len(recs[1]) == 0 {
			t.Fatalf("Records: %v %v", recs, err)
		}
		compact.WriteString(recs[1] + "\n")
		var c2 collector
		if _, err := readString(t, "compact.json", compact.String(), &c2); err != nil || len(c2.got) != 1 || content(c2.got[0]) != content(e) {
			t.Errorf("%s compacted by Records reads differently: %v", tc.glob, err)
		}
	}
}

func TestSniff(t *testing.T) {
	yes := map[string]string{
		"winlogbeat nested":  `{"@timestamp":"2024-01-01T00:00:00Z","winlog":{"event_id":"4688","channel":"Security","event_data":{}}}`,
		"winlogbeat dotted":  `{"winlog.event_id":1,"winlog.provider_name":"Microsoft-Windows-Sysmon"}`,
		"winlogbeat 6":       `{"event_id":1,"log_name":"Microsoft-Windows-Sysmon/Operational","event_data":{"Image":"a"}}`,
		"elasticsearch hit":  `{"_index":"winlogbeat-1","_id":"x","_source":{"winlog":{"event_id":1,"channel":"Security"}}}`,
		"nxlog":              `{"EventID":3,"SourceName":"Microsoft-Windows-Sysmon","Hostname":"a","DestinationIp":"10.0.0.1"}`,
		"other channel":      `{"EventID":7036,"Channel":"System","Hostname":"a"}`,
		"evtx_dump line":     `{"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036},"Channel":"System"}}}`,
		"velociraptor":       `{"System":{"Provider":{"Name":"Service Control Manager"},"EventID":{"Value":7036}},"EventData":{}}`,
		"pretty document":    "{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 1,\n      \"Channel\": \"Microsoft-Windows-Sysmon/Operational\"\n    }\n  }\n}\n",
		"record lines":       "Record 1\n{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 1,\n      \"Channel\": \"Security\"\n    }\n  }\n}\n",
		"array":              "[\n  {\"EventID\": 4688, \"Channel\": \"Security\"},\n  {\"EventID\": 1}\n]",
		"BOM and blank":      "\xef\xbb\xbf\n\n" + `{"EventID":4688,"Channel":"Security"}`,
		"broken first line":  `{"EventID":4688,"Chan` + "\n" + `{"EventID":4688,"Channel":"Security"}`,
		"first line cut":     `{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"` + strings.Repeat("A", source.SniffSize),
		"pretty doc cut":     "{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 1,\n      \"Channel\": \"Security\"\n    },\n    \"EventData\": {\"x\": \"" + strings.Repeat("A", source.SniffSize),
		"winlogbeat cut":     `{"winlog":{"channel":"Security","event_id":4104,"event_data":{"ScriptBlockText":"` + strings.Repeat("A", source.SniffSize),
		"string event id":    `{"winlog":{"event_id":"1","provider_name":"Microsoft-Windows-Sysmon"}}`,
		"event.code for id":  `{"event":{"code":"4688"},"winlog":{"channel":"Security"}}`,
		"evtx_dump provider": `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1}}}`,
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
		"zeek json":           `{"_path":"conn","ts":1588205199.82437,"uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":1,"id.resp_h":"10.0.0.4","id.resp_p":80,"EventID":1,"Channel":"x"}`,
		"zeek json helk":      `{"@stream":"http","ts":"2020-05-02T02:55:16.372Z","uid":"C1","id_orig_h":"10.0.1.6","method":"GET","uri":"/","host":"a"}`,
		"zeek tsv":            "#separator \\x09\n#set_separator\t,\n#path\thttp\n",
		"splunk stream":       `{"timestamp":"2021-04-21T18:12:31.123456Z","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http_method":"GET","EventID":1,"Channel":"x"}`,
		"splunk stream type":  `{"sourcetype":"stream:http","_time":"1","EventID":1,"Channel":"x"}`,
		"splunk xml export":   `{"preview":false,"result":{"_raw":"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System></Event>","EventID":"1","Channel":"Security"}}`,
		"splunk xml raw":      `{"_raw":"<Event><System><EventID>4688</EventID></System></Event>","sourcetype":"XmlWinEventLog","EventID":4688,"Channel":"Security"}`,
		"cloudtrail":          `{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}`,
		"cloudtrail logstash": `{"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","EventID":1,"Channel":"x"}`,
		"no channel":          `{"EventID":4688,"Hostname":"a"}`,
		"no event id":         `{"Channel":"Security","Hostname":"a"}`,
		"word for event id":   `{"EventID":"many","Channel":"Security"}`,
		"other json":          `{"user":"alice","action":"login"}`,
		"squid":               "1286536309.586    921 192.168.0.68 TCP_MISS/200 507 POST http://rcv.example/ - DIRECT/1.2.3.4 application/xml\n",
		"xml":                 "<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System></Event></Events>",
		"evtx":                "ElfFile\x00\x00\x00\x00\x00",
		"text":                "Apr 21 18:12:31 host sshd[1]: Accepted password for alice\n",
		"empty":               "",
		"empty array":         "[]",
		"zeek json cut":       `{"ts":1,"uid":"C","id.orig_h":"10.0.0.1","EventID":1,"Channel":"` + strings.Repeat("A", source.SniffSize),
		"xml export cut":      `{"_raw":"<Event><System><EventID>1</EventID><Channel>Security</Channel></System><EventData>` + strings.Repeat("A", source.SniffSize),
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

const goodFlat = `{"EventID":3,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"WS1","RecordNumber":7,"@timestamp":"2020-07-22T04:00:50.795Z","UtcTime":"2020-07-22 04:00:48.097","ProcessId":"9076","Image":"C:\\p.exe","SourceIp":"10.0.0.5","SourcePort":50783,"DestinationIp":"10.10.10.5","DestinationPort":"80","Protocol":"tcp","Initiated":"true"}`

func TestBadInput(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(goodFlat+"\n", 5000)))
	zw.Close()
	truncated := gz.Bytes()[:gz.Len()/2]
	cases := []struct {
		name, file, text string
		wantErr          string // error that stops reading
		wantSkip         string // a problem message expected
		wantReason       string // the counted reason
		wantRead         int
	}{
		{name: "line cut in half", file: "h.json", text: goodFlat + "\n" + goodFlat[:90] + "\n" + goodFlat + "\n",
			wantSkip: "h.json:2: invalid JSON at byte 91: line ends inside a string (cut short?)", wantReason: reasonJSON, wantRead: 2},
		{name: "last line cut", file: "h.json", text: goodFlat + "\n" + goodFlat[:len(goodFlat)-2],
			wantSkip: "h.json:2: invalid JSON", wantReason: reasonJSON, wantRead: 1},
		{name: "binary junk", file: "h.json", text: goodFlat + "\n\x00\x01\x02\xff\xfe\n" + goodFlat,
			wantSkip: "h.json:2: invalid JSON at byte 1: expected an object", wantReason: reasonJSON, wantRead: 2},
		{name: "junk text line", file: "h.json", text: goodFlat + "\n-- end of export --\n" + goodFlat,
			wantSkip: "h.json:2: invalid JSON at byte 1: expected an object", wantReason: reasonJSON, wantRead: 2},
		{name: "word for an event id", file: "h.json", text: goodFlat + "\n" + strings.Replace(goodFlat, `"EventID":3`, `"EventID":"three"`, 1),
			wantSkip: `h.json:2: field EventID: not an event id: "three"`, wantReason: reasonBad, wantRead: 1},
		{name: "object for an event id", file: "h.json", wantRead: 1, text: goodFlat + "\n" + strings.Replace(goodFlat, `"EventID":3`, `"EventID":{"x":1}`, 1),
			wantSkip: `h.json:2: no Windows event id`, wantReason: reasonNotEvent},
		{name: "negative record number", file: "h.json", text: strings.Replace(goodFlat, `"RecordNumber":7`, `"RecordNumber":-7`, 1),
			wantSkip: `h.json:1: field RecordNumber: not a record id: "-7"`, wantReason: reasonBad},
		{name: "bad timestamp", file: "h.json", text: strings.Replace(goodFlat, `"2020-07-22T04:00:50.795Z"`, `"yesterday"`, 1),
			wantSkip: `h.json:1: field @timestamp: bad time "yesterday"`, wantReason: reasonBad},
		{name: "bad UtcTime", file: "h.json", text: strings.Replace(goodFlat, `"2020-07-22 04:00:48.097"`, `"noon"`, 1),
			wantSkip: `h.json:1: event 3: UtcTime: parsing time`, wantReason: reasonBad},
		{name: "bad address", file: "h.json", text: strings.Replace(goodFlat, `"10.10.10.5"`, `"10.10.10.500"`, 1),
			wantSkip: `h.json:1: event 3: DestinationIp: ParseAddr("10.10.10.500")`, wantReason: reasonBad},
		{name: "bool for a port", file: "h.json", text: strings.Replace(goodFlat, `"SourcePort":50783`, `"SourcePort":true`, 1),
			wantSkip: `h.json:1: event 3: SourcePort: strconv.ParseUint: parsing "true"`, wantReason: reasonBad},
		{name: "no channel nor provider", file: "h.json", text: goodFlat + "\n" + `{"EventID":4688,"Hostname":"a"}`,
			wantSkip: "h.json:2: event 4688 has neither a channel nor a provider", wantReason: reasonNotEvent, wantRead: 1},
		{name: "other object", file: "h.json", text: goodFlat + "\n" + `{"user":"alice"}` + "\n",
			wantSkip: "h.json:2: no Windows event id", wantReason: reasonNotEvent, wantRead: 1},
		{name: "winlogbeat bad time", file: "w.json", text: `{"@timestamp":"soon","winlog":{"event_id":4688,"channel":"Security","event_data":{"NewProcessName":"a"}}}`,
			wantSkip: `w.json:1: field @timestamp: bad time "soon"`, wantReason: reasonBad},
		{name: "winlogbeat no time", file: "w.json", text: `{"winlog":{"event_id":4688,"channel":"Security","event_data":{"NewProcessName":"a"}}}`,
			wantSkip: `w.json:1: event 4688: no time (TimeCreated)`, wantReason: reasonBad},
		{name: "evtx_dump bad SystemTime", file: "e.json", text: `{"Event":{"System":{"EventID":4688,"Channel":"Security","TimeCreated":{"#attributes":{"SystemTime":"x"}}}}}`,
			wantSkip: `e.json:1: field System.TimeCreated.#attributes.SystemTime: bad time "x"`, wantReason: reasonBad},
		{name: "evtx_dump bad EventID", file: "e.json", text: `{"Event":{"System":{"EventID":4624,"Channel":"Security"}}}` + "\n" + `{"Event":{"System":{"EventID":{"#text":"4688x"},"Channel":"Security"}}}`,
			wantSkip: `e.json:2: field System.EventID.#text: not an event id: "4688x"`, wantReason: reasonBad},
		{name: "pretty document cut short", file: "p.json", text: "{\n  \"EventID\": 4688,\n  \"Channel\": \"Security\",\n  \"@timestamp\": \"2024-",
			wantSkip: "p.json:1: JSON document cut short", wantReason: reasonJSON},
		{name: "truncated gzip", file: "h.json.gz", text: string(truncated), wantErr: "truncated gzip stream"},
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
			if len(c.got) != tc.wantRead || st.Read["sysmon"]+st.Read["security"] != int64(tc.wantRead) {
				t.Errorf("read %d records (counted %v), want %d", len(c.got), st.Read, tc.wantRead)
			}
		})
	}
}

// prettyDoc is a Sysmon 3 event as evtx_dump prints it, with the record id and port given.
func prettyDoc(rec, port int) string {
	return fmt.Sprintf(`{
  "Event": {
    "System": {
      "Provider": {
        "#attributes": {
          "Name": "Microsoft-Windows-Sysmon"
        }
      },
      "EventID": 3,
      "TimeCreated": {
        "#attributes": {
          "SystemTime": "2019-03-17T19:37:24.483127Z"
        }
      },
      "EventRecordID": %d,
      "Channel": "Microsoft-Windows-Sysmon/Operational",
      "Computer": "IEWIN7"
    },
    "EventData": {
      "UtcTime": "2019-03-17 19:37:23.157",
      "ProcessId": 3312,
      "Image": "C:\\Users\\IEUser\\Desktop\\plink.exe",
      "Initiated": true,
      "SourceIp": "10.0.2.15",
      "SourcePort": 49280,
      "DestinationIp": "10.0.2.18",
      "DestinationPort": %d
    }
  }
}
`, rec, port)
}

var prettyLen = uint32(strings.Count(prettyDoc(1, 80), "\n")) // lines of prettyDoc

// Pretty-printed documents: the decoder reads one after another, reports what it cannot read at
// the line it is on, and starts again at the next document.
func TestPrettyDocuments(t *testing.T) {
	doc := prettyDoc(1, 80)
	cases := []struct {
		name      string
		text      string
		wantLines []uint32
		wantProbs []string
	}{
		{"concatenated", doc + doc + doc, []uint32{1, 1 + prettyLen, 1 + 2*prettyLen}, nil},
		{"record lines", "Record 1\n" + doc + "Record 2\n" + doc, []uint32{2, 3 + prettyLen}, nil},
		{"no newline between", strings.TrimSuffix(doc, "\n") + doc, []uint32{1, prettyLen}, nil},
		{"junk between", doc + "this is not JSON\n" + doc, []uint32{1, 2 + prettyLen},
			[]string{fmt.Sprintf(`x.json:%d: not a JSON document: "this is not JSON"`, 1+prettyLen)}},
		{"document cut, then another", doc[:300] + "\n" + doc + doc[:200], []uint32{16},
			[]string{`x.json:1: invalid JSON at line 15: invalid character '\n' in string literal`, "x.json:46: JSON document cut short"}},
		{"document cut between members", doc[:strings.Index(doc, `      "Computer"`)] + doc, []uint32{17},
			[]string{`x.json:1: invalid JSON at line 17: invalid character '{' looking for beginning of object key string`}},
		{"bad value", strings.Replace(doc, `"EventID": 3`, `"EventID": 3x`, 1) + doc, []uint32{1 + prettyLen},
			[]string{"x.json:1: invalid JSON at line 9: invalid character 'x' after object key:value pair"}},
		{"array", "[\n" + strings.TrimSuffix(doc, "\n") + ",\n" + doc + "]\n", []uint32{2, 2 + prettyLen}, nil},
		{"array with a bad element", "[\n" + strings.TrimSuffix(doc, "\n") + ",\n" + strings.Replace(strings.TrimSuffix(doc, "\n"), `"Channel"`, `Channel`, 1) + ",\n" + doc + "]\n",
			[]uint32{2, 2 + 2*prettyLen}, []string{fmt.Sprintf("x.json:%d: invalid JSON at line %d", 2+prettyLen, 2+prettyLen+15)}},
		{"array with a trailing comma", "[\n" + strings.TrimSuffix(doc, "\n") + ",\n]\n", []uint32{2},
			[]string{fmt.Sprintf("x.json:%d: invalid JSON", 2+prettyLen)}},
		{"CRLF", strings.ReplaceAll("Record 1\n"+doc+"Record 2\n"+doc, "\n", "\r\n"), []uint32{2, 3 + prettyLen}, nil},
		{"array element no object", "[\n" + strings.TrimSuffix(doc, "\n") + ",\n 42,\n" + doc + "]\n", []uint32{2, 3 + prettyLen},
			[]string{fmt.Sprintf(`x.json:%d: not a JSON object: "42"`, 2+prettyLen)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			st, err := readString(t, "x.json", tc.text, &c)
			if err != nil {
				t.Fatal(err)
			}
			var lines []uint32
			for _, e := range c.got {
				lines = append(lines, e.Ref.Line)
				if e.Dst != netip.MustParseAddr("10.0.2.18") || e.DstPort != 80 || e.Proc.PID != 3312 {
					t.Errorf("event %+v", e)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.wantLines) {
				t.Errorf("events at lines %v, want %v", lines, tc.wantLines)
			}
			if int(st.TotalSkipped()) != len(tc.wantProbs) {
				t.Errorf("skipped %v, want %d: %s", st.Skipped, len(tc.wantProbs), problems(st))
			}
			for _, p := range tc.wantProbs {
				if !strings.Contains(problems(st), p) {
					t.Errorf("want a problem containing %q, got %q", p, problems(st))
				}
			}
		})
	}
}

// Records gives back documents compacted to one line, and the lines of one-a-line input.
func TestRecords(t *testing.T) {
	text := "Record 1\n" + prettyDoc(1, 80) + "Record 2\n" + prettyDoc(2, 443) + "Record 3\n" + prettyDoc(3, 8080)
	recs, err := Records(strings.NewReader(text), []uint32{2, 3, 4 + 2*prettyLen})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !strings.Contains(recs[2], `"EventRecordID":1,`) || !strings.Contains(recs[4+2*prettyLen], `"DestinationPort":8080}`) ||
		strings.Contains(recs[2], "\n") || strings.Contains(recs[2], "  ") {
		t.Errorf("records %v", recs)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "nxlog.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	recs, err = Records(bytes.NewReader(b), []uint32{1, 4, 9, 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1] != lines[0] || recs[4] != lines[3] || recs[9] != lines[8] {
		t.Errorf("records %v", recs)
	}
}

// A line longer than source.MaxLine is skipped; a document longer than that stops the input.
func TestTooLong(t *testing.T) {
	long := `{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","ScriptBlockText":"` + strings.Repeat("a", source.MaxLine) + `"}`
	var c collector
	st, err := readString(t, "h.json", goodFlat+"\n"+long+"\n"+goodFlat+"\n", &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped["line too long"] != 1 || !strings.Contains(problems(st), "h.json:2: line of") {
		t.Fatalf("got %d records, skipped %v: %s", len(c.got), st.Skipped, problems(st))
	}
	doc := prettyDoc(1, 80)
	huge := strings.Replace(doc, `"UtcTime"`, "\"Padding\": \""+strings.Repeat("b", source.MaxLine)+"\",\n      \"UtcTime\"", 1)
	c = collector{}
	_, err = readString(t, "p.json", "Record 1\n"+doc+"Record 2\n"+huge+doc, &c)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d (byte %d): a JSON document longer than the 16 MiB limit", 3+prettyLen, len(doc)+9+9)) {
		t.Fatalf("want an error naming the document, got %v", err)
	}
	if len(c.got) != 1 {
		t.Errorf("%d events before the long document", len(c.got))
	}
}

// Winlogbeat's modules move event data into ECS fields: the reader takes them when event_data
// lacks the field.
func TestECSFallbacks(t *testing.T) {
	text := `{"@timestamp":"2024-03-05T14:22:07.512Z","winlog":{"event_id":4688,"channel":"Security","computer_name":"WS01","event_data":{"SubjectUserName":"alice"}},` +
		`"process":{"executable":"C:\\x.exe","pid":12044,"command_line":"x.exe -a","parent":{"executable":"C:\\p.exe","pid":6700}},"user":{"name":"bob","domain":"CORP"}}` + "\n" +
		`{"@timestamp":"2024-03-05T14:22:07.512Z","winlog":{"event_id":3,"channel":"Microsoft-Windows-Sysmon/Operational","event_data":{"SourcePort":"1"}},` +
		`"source":{"ip":"10.0.0.1","port":2},"destination":{"ip":"10.0.0.2","port":443,"domain":"x.example"},"network":{"transport":"udp","direction":"ingress"},` +
		`"user":{"name":"bob"},"process":{"pid":"77","executable":"C:\\y.exe","entity_id":"{abc}"}}` + "\n"
	var c collector
	st, err := readString(t, "w.json", text, &c)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 2 {
		t.Fatalf("%v %v %d: %s", err, st.Skipped, len(c.got), problems(st))
	}
	p := c.got[0]
	if p.Proc.Image != `C:\x.exe` || p.Proc.PID != 12044 || p.Proc.CommandLine != "x.exe -a" || p.Parent.Image != `C:\p.exe` ||
		p.Parent.PID != 6700 || p.Proc.User != `CORP\alice` || p.Computer != "WS01" {
		t.Errorf("4688: %+v", p)
	}
	n := c.got[1]
	if n.Src != netip.MustParseAddr("10.0.0.1") || n.SrcPort != 1 || n.Dst != netip.MustParseAddr("10.0.0.2") || n.DstPort != 443 ||
		n.DstHost != "x.example" || n.Proto != "udp" || n.Initiated != 0 || n.Proc.User != "bob" || n.Proc.PID != 77 ||
		n.Proc.GUID != "ABC" || n.Computer != "" {
		t.Errorf("sysmon 3: %+v", n)
	}
}

// Winlogbeat 6's field names and host.name for the computer.
func TestWinlogbeat6(t *testing.T) {
	text := `{"@timestamp":"2019-03-17T19:37:23.200Z","beat":{"name":"IEWIN7"},"computer_name":"IEWIN7","event_id":3,"log_name":"Microsoft-Windows-Sysmon/Operational",` +
		`"record_number":"2341","source_name":"Microsoft-Windows-Sysmon","event_data":{"UtcTime":"2019-03-17 19:37:23.157","ProcessId":"3312","Image":"C:\\plink.exe",` +
		`"DestinationIp":"10.0.2.18","DestinationPort":"80","SourceIp":"10.0.2.15","SourcePort":"49280","Protocol":"tcp","Initiated":"true"}}`
	var c collector
	st, err := readString(t, "w6.json", text, &c)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 1 {
		t.Fatalf("%v %v %d: %s", err, st.Skipped, len(c.got), problems(st))
	}
	if e := c.got[0]; e.Computer != "IEWIN7" || e.DstPort != 80 || e.Proc.PID != 3312 || e.TS != ts("2019-03-17T19:37:23.157Z") {
		t.Errorf("%+v", e)
	}
}

// nxlog's EventTime stands in for a missing @timestamp, read as UTC.
func TestEventTime(t *testing.T) {
	text := `{"EventTime":"2020-07-22 00:02:03","EventID":4688,"Channel":"Security","Hostname":"DC","NewProcessName":"C:\\a.exe","NewProcessId":"0x10"}`
	var c collector
	st, err := readString(t, "n.json", text, &c)
	if err != nil || st.TotalSkipped() != 0 || len(c.got) != 1 {
		t.Fatalf("%v %v: %s", err, st.Skipped, problems(st))
	}
	if e := c.got[0]; e.TS != ts("2020-07-22T00:02:03Z") || e.Proc.PID != 16 || e.Computer != "DC" {
		t.Errorf("%+v", e)
	}
}

// nxlog's own keys are no event data; other top-level keys are, numbers written as text.
func TestNxlogData(t *testing.T) {
	var p parser
	kvs, err := p.sc.Scan([]byte(goodFlat[:len(goodFlat)-1] + `,"Message":"x","host":"wec","tags":["a"],"geoip":{"ip":"1.2.3.4"},"Keywords":-1,"Empty":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.record(kvs, false); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.rec.Data {
		names = append(names, f.Name+"="+f.Value)
	}
	want := `[UtcTime=2020-07-22 04:00:48.097 ProcessId=9076 Image=C:\p.exe SourceIp=10.0.0.5 SourcePort=50783 DestinationIp=10.10.10.5 DestinationPort=80 Protocol=tcp Initiated=true Empty=]`
	if fmt.Sprint(names) != want {
		t.Errorf("data %v\nwant %s", names, want)
	}
	if p.rec.RecordID != 7 || p.rec.Computer != "WS1" || p.rec.Provider != "Microsoft-Windows-Sysmon" || p.rec.EventID != 3 {
		t.Errorf("record %+v", p.rec)
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	if _, err := source.Open(source.ReaderInput("empty.json", strings.NewReader("")), nil); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	if o, err := source.Open(source.ReaderInput("x.bin", strings.NewReader("\x00\x01\x02junk")), nil); err == nil {
		t.Errorf("binary file read as %s", o.Format.Name)
	}
	// read anyway: nothing but problems, no panic
	for _, text := range []string{"", "\n\n", "[", "]", "{", "Record 1\n", "[]", "{}", "null", "[1,2]"} {
		st := source.NewStats()
		var c collector
		readDirect(t, text, &c, st)
		if len(c.got) != 0 {
			t.Errorf("%q: %d events", text, len(c.got))
		}
	}
}

// A run whose detections read no host events counts the records without mapping them.
func TestSkipKind(t *testing.T) {
	for _, name := range shapes {
		var c collector
		st, err := readAll(t, source.FileInput(filepath.Join("testdata", name), -1), &c, event.KindSet(0).With(event.KindHost))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 0 || st.Ignored["sysmon"] != 7 || st.Ignored["security"] != 2 || len(st.Read) != 0 {
			t.Errorf("%s: got %d events, ignored %v, read %v", name, len(c.got), st.Ignored, st.Read)
		}
	}
}

// evtx_dump's "Record N" lines become spaces, whatever the sizes of the reads.
func TestBlanker(t *testing.T) {
	in := "Record 1\r\n{\"a\":1}\nRecord 22\n  Record 3\n{\"Record 4\":1}\nRecord 5x\nRecord 6"
	want := "         \n{\"a\":1}\n         \n  Record 3\n{\"Record 4\":1}\nRecord 5x\nRecord 6"
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return strings.NewReader(in) },
		"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
		"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(in)) },
	} {
		got, err := io.ReadAll(&blanker{r: r(), bol: true})
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v\nwant %q", name, got, err, want)
		}
	}
}

// Reading gives the same events and problems whatever the sizes of the reads.
func TestReadSizes(t *testing.T) {
	doc := prettyDoc(1, 80)
	texts := []string{
		"Record 1\n" + doc + "Record 2\n" + doc + "junk\n" + doc[:300] + "\n" + doc + doc[:200],
		"[\n" + strings.TrimSuffix(doc, "\n") + ",\n" + strings.Replace(strings.TrimSuffix(doc, "\n"), `"Channel"`, `Channel`, 1) + ",\n 42,\n" + doc + "]\n" + doc,
	}
	for _, name := range shapes {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	run := func(r io.Reader) string {
		var c collector
		st := source.NewStats()
		err := Read(t.Context(), r, source.FileInfo{Name: "x.json"}, st, func(j source.Job) error {
			j.Run(&c, st)
			return nil
		})
		var out strings.Builder
		fmt.Fprintln(&out, err, st.Read, st.Skipped)
		for _, e := range c.got {
			fmt.Fprintln(&out, e.Ref.Line, content(e))
		}
		out.WriteString(problems(st))
		return out.String()
	}
	for i, text := range texts {
		want := run(strings.NewReader(text))
		for name, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(strings.NewReader(text)),
			"half":     iotest.HalfReader(strings.NewReader(text)),
		} {
			if got := run(r); got != want {
				t.Errorf("text %d, %s reads:\n%s\nwant\n%s", i, name, got, want)
			}
		}
	}
}
