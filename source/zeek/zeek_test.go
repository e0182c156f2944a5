package zeek

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const connHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2020-04-30-00-00-00\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n"

type conns struct {
	event.NopSink
	got []event.Conn
}

func (c *conns) Conn(e *event.Conn) {
	cp := *e
	cp.UID = strings.Clone(e.UID)
	cp.Service = strings.Clone(e.Service)
	cp.TunnelUIDs = append(event.List(nil), e.TunnelUIDs...)
	if e.TunnelUIDs != nil && len(e.TunnelUIDs) == 0 {
		cp.TunnelUIDs = event.List{}
	}
	c.got = append(c.got, cp)
}

func TestTSVConn(t *testing.T) {
	text := connHeader +
		"1588205199.824370\tCvf4XX17hSAgXDdGEd\t10.0.1.6\t54243\t10.0.0.4\t53\tudp\tdns\t0.001528\t39\t55\tSF\t-\t-\t0\tDd\t1\t67\t1\t83\t(empty)\n" +
		"1588205199.9\tC2\t2001:db8::1\t1\t2001:db8::2\t443\ttcp\t-\t-\t-\t-\tS0\tT\tF\t0\tS\t1\t60\t0\t0\tCa,Cb\n" +
		"#close\t2020-04-30-01-00-00\n"
	var c conns
	st, err := readString(t, "x.log", text, &c)
	if err != nil || st.TotalSkipped() != 0 {
		t.Fatalf("err %v skipped %v %v", err, st.Skipped, st.Problems)
	}
	if len(c.got) != 2 {
		t.Fatalf("got %d conns", len(c.got))
	}
	a := c.got[0]
	if a.TS != 1588205199824370 || a.UID != "Cvf4XX17hSAgXDdGEd" || a.Src.String() != "10.0.1.6" || a.SrcPort != 54243 ||
		a.Dst.String() != "10.0.0.4" || a.DstPort != 53 || a.Proto != "udp" || a.Service != "dns" || a.Duration != 1528 ||
		a.OrigBytes != 39 || a.RespBytes != 55 || a.ConnState != "SF" || a.LocalOrig != event.Unset || a.OrigIPBytes != 67 ||
		a.TunnelUIDs == nil || len(a.TunnelUIDs) != 0 || a.Ref.Line != 9 {
		t.Errorf("first record wrong: %+v", a)
	}
	b := c.got[1]
	if b.TS != 1588205199900000 || b.Service != "" || b.Duration != event.Unset || b.OrigBytes != event.Unset ||
		b.LocalOrig != 1 || b.LocalResp != 0 || len(b.TunnelUIDs) != 2 || b.TunnelUIDs[1] != "Cb" || !b.Src.Is6() || b.Ref.Line != 10 {
		t.Errorf("second record wrong: %+v", b)
	}
	if st.Read["conn"] != 2 {
		t.Errorf("read counts %v", st.Read)
	}
}

func TestTSVEscapesAndHeaders(t *testing.T) {
	// a comma-separated log with escapes, then a second header block of another type
	text := "#separator \\x2c\n#set_separator,;\n#empty_field,(empty)\n#unset_field,-\n#path,http\n" +
		"#fields,ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,method,host,uri,user_agent,orig_mime_types\n" +
		"#types,time,string,addr,port,addr,port,string,string,string,string,set[string]\n" +
		"1.5,C1,10.0.0.1,1,10.0.0.2,80,POST,h,/a\\x2cb,Mozilla\\x2c5.0 \\\\x,a/b;c\\x3bd\n" +
		"#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\torig_bytes\n#types\ttime\tstring\taddr\tport\taddr\tport\tcount\n" +
		"2.000001\tC2\t10.0.0.1\t2\t10.0.0.3\t21\t(empty)\n" +
		"3\tC3\t10.0.0.1\t2\t10.0.0.3\t21\t7\n"
	var h httpCollector
	st, err := readString(t, "mixed.log", text, &h)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.http) != 1 || len(h.conns) != 1 {
		t.Fatalf("http %d conn %d; stats %v %v", len(h.http), len(h.conns), st.Skipped, st.Problems)
	}
	e := h.http[0]
	if e.URI != "/a,b" || e.UserAgent != `Mozilla,5.0 \x` || len(e.OrigMimeTypes) != 2 || e.OrigMimeTypes[1] != "c;d" || e.TS != 1500000 {
		t.Errorf("http record wrong: %+v", e)
	}
	if h.conns[0].TS != 3000000 || h.conns[0].Ref.Line != 14 || h.conns[0].OrigBytes != 7 {
		t.Errorf("conns wrong: %+v", h.conns)
	}
	// "(empty)" in a count field is not a number
	if st.Skipped["conn: bad value"] != 1 || len(st.Problems) != 1 || !strings.Contains(st.Problems[0].String(), "mixed.log:13: field orig_bytes: not a number") {
		t.Errorf("want one bad value at line 13, got %v %v", st.Skipped, st.Problems)
	}
}

type httpCollector struct {
	event.NopSink
	http  []event.HTTP
	conns []event.Conn
}

func (c *httpCollector) HTTP(e *event.HTTP) {
	cp := *e
	cp.URI, cp.UserAgent = strings.Clone(e.URI), strings.Clone(e.UserAgent)
	cp.OrigMimeTypes = append(event.List(nil), e.OrigMimeTypes...)
	c.http = append(c.http, cp)
}
func (c *httpCollector) Conn(e *event.Conn) { c.conns = append(c.conns, *e) }

func TestJSONVariants(t *testing.T) {
	text := `{"@stream":"conn","@system":"s1","ts":1588205199.82437,"uid":"C1","id_orig_h":"10.0.1.6","id_orig_p":54243,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","duration":0.001528024673461914,"orig_bytes":39,"conn_state":"SF"}
{"_path":"conn","ts":"2020-04-30T00:06:39.824370Z","uid":"C2","id.orig_h":"10.0.1.6","id.orig_p":1,"id.resp_h":"10.0.0.4","id.resp_p":53,"duration":1.5e-05,"resp_bytes":null,"tunnel_parents":[]}
{"ts":1588205199.824370,"uid":"C3","id":{"orig_h":"10.0.1.7","orig_p":1,"resp_h":"10.0.0.4","resp_p":53},"conn_state":"S0"}
{"_path":"weird","ts":1,"uid":"C4","name":"x"}
`
	var c conns
	st, err := readString(t, "conn.json", text, &c)
	if err != nil || st.TotalSkipped() != 0 {
		t.Fatalf("err %v skipped %v %v", err, st.Skipped, st.Problems)
	}
	if len(c.got) != 3 || st.Ignored["weird"] != 1 {
		t.Fatalf("got %d conns, ignored %v", len(c.got), st.Ignored)
	}
	if c.got[0].Duration != 1528 || c.got[0].TS != 1588205199824370 || c.got[0].Src.String() != "10.0.1.6" || c.got[0].Sensor != "s1" {
		t.Errorf("underscore record: %+v", c.got[0])
	}
	if c.got[1].TS != 1588205199824370 || c.got[1].Duration != 15 || c.got[1].RespBytes != event.Unset || c.got[1].TunnelUIDs == nil {
		t.Errorf("dotted record: %+v", c.got[1])
	}
	if c.got[2].Src.String() != "10.0.1.7" || c.got[2].DstPort != 53 || c.got[2].Ref.Line != 3 {
		t.Errorf("nested record: %+v", c.got[2])
	}
}

func TestBadInput(t *testing.T) {
	good := `{"_path":"conn","ts":1,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2}`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(connHeader + strings.Repeat("1\tC\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t1\tSF\t-\t-\t0\tS\t1\t1\t1\t1\t(empty)\n", 2000)))
	zw.Close()
	truncated := gz.Bytes()[:gz.Len()/2]

	cases := []struct {
		name, file, text string
		wantErr          string // error that stops reading
		wantSkip         string // a problem message expected
		wantRead         int
	}{
		{name: "json cut in half", file: "conn.log", text: good + "\n" + good[:40] + "\n" + good + "\n", wantSkip: "conn.log:2: invalid JSON at byte", wantRead: 2},
		{name: "json last line cut", file: "conn.log", text: good + "\n" + good[:len(good)-3], wantSkip: "conn.log:2: invalid JSON", wantRead: 1},
		{name: "wrong field count", file: "c.log", text: connHeader + "1\tC\t10.0.0.1\n", wantSkip: "c.log:9: 3 fields where the #fields header names 21"},
		{name: "bad address", file: "c.log", text: connHeader + "1\tC\t10.0.0.300\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t1\tSF\t-\t-\t0\tS\t1\t1\t1\t1\t(empty)\n", wantSkip: `c.log:9: field id.orig_h: bad address "10.0.0.300"`},
		{name: "bad time", file: "c.log", text: connHeader + "12x\tC\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t1\t1\t1\tSF\t-\t-\t0\tS\t1\t1\t1\t1\t(empty)\n", wantSkip: `c.log:9: field ts: bad time "12x"`},
		{name: "no fields header", file: "c.log", text: "#separator \\x09\n#path\tconn\n1\t2\n", wantSkip: "c.log:3: 1 lines of data before any #fields header"},
		{name: "binary junk line", file: "c.log", text: connHeader + "\x00\x01\x02\xff\n", wantSkip: `c.log:9: field ts: bad time "\x00\x01\x02\xff"`},
		{name: "truncated gzip", file: "conn.log.gz", text: string(truncated), wantErr: "truncated gzip stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c conns
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
			var msgs []string
			for _, p := range st.Problems {
				msgs = append(msgs, p.String())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.wantSkip) {
				t.Errorf("want a problem containing %q, got %q", tc.wantSkip, msgs)
			}
			if len(c.got) != tc.wantRead {
				t.Errorf("read %d records, want %d", len(c.got), tc.wantRead)
			}
		})
	}
}

func TestLongLine(t *testing.T) {
	good := `{"_path":"conn","ts":1,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2}`
	long := `{"_path":"conn","x":"` + strings.Repeat("a", source.MaxLine+10) + `"}`
	text := good + "\n" + long + "\n" + good + "\n"
	var c conns
	st, err := readString(t, "conn.log", text, &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped["line too long"] != 1 {
		t.Fatalf("got %d records (%+v), skipped %v", len(c.got), c.got, st.Skipped)
	}
	if !strings.Contains(st.Problems[0].String(), "conn.log:2: line of") {
		t.Errorf("problem: %s", st.Problems[0])
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	if _, err := readString(t, "empty.log", "", &conns{}); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
	if _, err := readString(t, "x.bin", "\x7fELF\x02\x01", &conns{}); err == nil || !strings.Contains(err.Error(), "unrecognized format") {
		t.Errorf("binary file: %v", err)
	}
}

func TestPathFromName(t *testing.T) {
	for name, want := range map[string]string{
		"conn.log":                         "conn",
		"conn.00:00:00-01:00:00.log.gz":    "conn",
		"NASHUA_conn.log":                  "conn",
		"zeek-json__dns.json.gz":           "dns",
		"json_with_all_fields__ssl.log":    "ssl",
		"files.log":                        "files",
		"weird.log":                        "weird",
		"/var/zeek/2026-11-22/http.log.gz": "http",
		"smb_files.log":                    "smb_files",
		"NASHUA_smb_files.log":             "smb_files",
		"conn_long.log":                    "conn_long",
	} {
		if got := PathFromName(name); got != want {
			t.Errorf("PathFromName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMicros(t *testing.T) {
	for in, want := range map[string]int64{
		"1588205199.824370": 1588205199824370, "1588205199.82437": 1588205199824370, "0.0008699893951416016": 870,
		"1": 1000000, "0.0000005": 1, "0.0000004": 0, "1.5e-05": 15, "-1.5": -1500000, "2230.0": 2230000000,
	} {
		got, err := parseMicros([]byte(in))
		if err != nil || got != want {
			t.Errorf("parseMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "-", "1.2.3", "abc", "1e400"} {
		if _, err := parseMicros([]byte(bad)); err == nil {
			t.Errorf("parseMicros(%q) accepted", bad)
		}
	}
}
