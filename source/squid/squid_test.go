package squid

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const (
	chrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
	v6      = "2001:db8:10::25"
	v6URL   = "http://[2001:db8::80]:8080/api/v1/status?verbose=1"
	errURL  = "error:transaction-end-before-headers"
)

func utc(s string) event.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return event.FromStd(t)
}

func TestNative(t *testing.T) {
	u := event.Time(1_709_650_800_000_000)
	ms := func(n int64) event.Time { return u + event.Time(n*1000) }
	want := []event.HTTP{
		mime(rec(1, ms(123), "192.168.10.24", "93.184.216.34", 80, "GET", "http://www.example.com/index.html", "www.example.com", "/index.html", 200, 18734, "TCP_MISS"), "text/html"),
		rec(2, ms(1007), "192.168.10.24", "93.184.215.14", 443, "CONNECT", "www.example.org:443", "www.example.org", "www.example.org:443", 200, 5120, "TCP_TUNNEL"),
		mime(rec(3, ms(2450), "192.168.10.31", "", 80, "GET", "http://malware.example.net/payload.exe", "malware.example.net", "/payload.exe", 403, 3941, "TCP_DENIED"), "text/html"),
		rec(4, ms(3001), "192.168.10.31", "", 0, "", errURL, "", "", event.Unset, 0, "NONE"),
		with(rec(5, ms(4999), "192.168.10.40", "198.51.100.7", 80, "GET", "http://cdn.example.com/images/big.iso", "cdn.example.com", "/images/big.iso", event.Unset, 0, "TCP_MISS_ABORTED"),
			func(e *event.HTTP) { e.Username = "alice" }),
		mime(rec(6, ms(5300), v6, "2001:db8::80", 8080, "GET", v6URL, "2001:db8::80", "/api/v1/status?verbose=1", 200, 612, "TCP_MISS"), "application/json"),
		mime(with(rec(7, ms(6777), "192.168.10.52", "203.0.113.66", 80, "POST", "http://c2.example.net/gate.php?id=4f3a9c&k=9", "c2.example.net", "/gate.php?id=4f3a9c&k=9", 200, 345, "TCP_MISS"),
			func(e *event.HTTP) { e.Username = "bob" }), "application/octet-stream"),
		mime(rec(8, ms(7010), "192.168.10.24", "", 80, "GET", "http://www.example.com/style.css", "www.example.com", "/style.css", 200, 2310, "TCP_MEM_HIT"), "text/css"),
		// a parent cache's address is not the destination; the native format writes a backslash as \\
		mime(with(rec(9, ms(8500), "192.168.10.61", "", 443, "GET", "https://updates.example.org/feed.xml", "updates.example.org", "/feed.xml", 304, 289, "TCP_MISS"),
			func(e *event.HTTP) { e.Username = `CORP\carol` }), "text/xml"),
		// Squid 2's DIRECT
		mime(rec(10, ms(9020), "192.168.10.62", "198.51.100.20", 8000, "GET", "http://legacy.example.com:8000/cgi-bin/status", "legacy.example.com", "/cgi-bin/status", 200, 1024, "TCP_MISS"), "text/plain"),
	}
	compare(t, "native.log", readFixture(t, "native.log"), want)
}

func TestNativeWithHeaders(t *testing.T) {
	u := event.Time(1_709_650_900_000_000)
	ms := func(n int64) event.Time { return u + event.Time(n*1000) }
	ua := func(e event.HTTP, ref, agent string) event.HTTP { e.Referrer, e.UserAgent = ref, agent; return e }
	want := []event.HTTP{
		ua(mime(rec(1, ms(101), "192.168.10.24", "93.184.216.34", 80, "GET", "http://www.example.com/index.html", "www.example.com", "/index.html", 200, 18734, "TCP_MISS"), "text/html"), "", chrome),
		ua(mime(rec(2, ms(455), "192.168.10.24", "93.184.216.34", 80, "GET", "http://www.example.com/img/logo.png", "www.example.com", "/img/logo.png", 200, 4410, "TCP_MISS"), "image/png"),
			"http://www.example.com/index.html", chrome),
		ua(with(rec(3, ms(1010), "192.168.10.52", "203.0.113.10", 443, "CONNECT", "api.example.net:443", "api.example.net", "api.example.net:443", 200, 8812, "TCP_TUNNEL"),
			func(e *event.HTTP) { e.Username = "bob" }), "", "curl/8.5.0"),
		// a quote in the user agent, as Squid's pass-through URL encoding writes it (%22)
		ua(mime(rec(4, ms(2300), "192.168.10.31", "", 80, "GET", "http://malware.example.net/stage2.bin?x=1", "malware.example.net", "/stage2.bin?x=1", 403, 3941, "TCP_DENIED"), "text/html"),
			"", `Updater "beacon" v2`),
		rec(5, ms(3000), v6, "", 0, "", errURL, "", "", event.Unset, 0, "NONE_NONE"),
		ua(mime(rec(6, ms(4640), "192.168.10.40", "203.0.113.66", 80, "POST", "http://c2.example.net/submit.php?session=a1b2&part=3", "c2.example.net", "/submit.php?session=a1b2&part=3", 200, 1290, "TCP_MISS"), "text/plain"),
			"http://c2.example.net/", "python-requests/2.31.0"),
		// and as its quoted-string encoding writes it (\")
		ua(mime(rec(7, ms(5120), "192.168.10.41", "198.51.100.30", 80, "GET", "http://status.example.org/ping", "status.example.org", "/ping", 200, 230, "TCP_MISS"), "text/plain"),
			"", `Agent "quoted" 1.0`),
	}
	compare(t, "native_ua.log", readFixture(t, "native_ua.log"), want)
}

func TestCombined(t *testing.T) {
	ua := func(e event.HTTP, ver, ref, agent string) event.HTTP {
		e.Version, e.Referrer, e.UserAgent = ver, ref, agent
		return e
	}
	want := []event.HTTP{
		ua(rec(1, utc("2024-03-05T15:00:00Z"), "192.168.10.24", "", 80, "GET", "http://www.example.com/index.html", "www.example.com", "/index.html", 200, 18734, "TCP_MISS"), "1.1", "", chrome),
		ua(rec(2, utc("2024-03-05T15:00:01Z"), "192.168.10.24", "", 443, "CONNECT", "www.example.org:443", "www.example.org", "www.example.org:443", 200, 5120, "TCP_TUNNEL"), "1.1", "", firefox),
		// the built-in combined format writes the user agent raw, quotes and all
		ua(rec(3, utc("2024-03-05T15:00:02Z"), "192.168.10.31", "", 80, "GET", "http://malware.example.net/payload.exe", "malware.example.net", "/payload.exe", 403, 3941, "TCP_DENIED"),
			"1.1", "http://www.example.com/index.html", `Mozilla/5.0 (compatible; "Evil" Bot/1.0)`),
		rec(4, utc("2024-03-05T15:00:03Z"), "192.168.10.31", "", 0, "", errURL, "", "", event.Unset, 0, "NONE_NONE"),
		with(ua(rec(5, utc("2024-03-05T15:00:05Z"), v6, "", 8080, "GET", v6URL, "2001:db8::80", "/api/v1/status?verbose=1", 200, 612, "TCP_MISS"), "1.1", "", "Go-http-client/1.1"),
			func(e *event.HTTP) { e.Username = "alice" }),
		with(ua(rec(6, utc("2024-03-05T15:00:06Z"), "192.168.10.52", "", 80, "POST", "http://c2.example.net/gate.php?id=4f3a9c&k=9", "c2.example.net", "/gate.php?id=4f3a9c&k=9", 200, 345, "TCP_MISS"), "1.0", "", ""),
			func(e *event.HTTP) { e.Username = "bob" }),
		ua(rec(7, utc("2024-03-05T15:00:07Z"), "192.168.10.40", "", 80, "GET", "http://cdn.example.com/images/big.iso", "cdn.example.com", "/images/big.iso", event.Unset, 0, "TCP_MISS_ABORTED"), "1.1", "", "Wget/1.21.4"),
	}
	compare(t, "combined.log", readFixture(t, "combined.log"), want)
}

func TestCommon(t *testing.T) {
	v := func(e event.HTTP, ver string) event.HTTP { e.Version = ver; return e }
	want := []event.HTTP{
		v(rec(1, utc("2024-03-05T15:00:00Z"), "192.168.10.24", "", 80, "GET", "http://www.example.com/index.html", "www.example.com", "/index.html", 200, 18734, "TCP_MISS"), "1.1"),
		v(rec(2, utc("2024-03-05T15:00:01Z"), "192.168.10.24", "", 443, "CONNECT", "www.example.org:443", "www.example.org", "www.example.org:443", 200, 5120, "TCP_TUNNEL"), "1.1"),
		v(rec(3, utc("2024-03-05T15:00:02Z"), "192.168.10.31", "", 80, "GET", "http://malware.example.net/payload.exe", "malware.example.net", "/payload.exe", 403, 3941, "TCP_DENIED"), "1.1"),
		rec(4, utc("2024-03-05T15:00:03Z"), "192.168.10.31", "", 0, "", errURL, "", "", event.Unset, 0, "NONE_NONE"),
		with(v(rec(5, utc("2024-03-05T15:00:05Z"), v6, "", 8080, "GET", v6URL, "2001:db8::80", "/api/v1/status?verbose=1", 200, 612, "TCP_MISS"), "1.1"),
			func(e *event.HTTP) { e.Username = "alice" }),
		// %[un encodes non-ASCII bytes as %XX
		with(v(rec(6, utc("2024-03-05T15:00:06Z"), "192.168.10.52", "", 80, "POST", "http://c2.example.net/gate.php?id=4f3a9c&k=9", "c2.example.net", "/gate.php?id=4f3a9c&k=9", 200, 345, "TCP_MISS"), "1.0"),
			func(e *event.HTTP) { e.Username = "jürgen" }),
	}
	compare(t, "common.log", readFixture(t, "common.log"), want)
}

// parseOne parses a single line, failing the test on an error.
func parseOne(t *testing.T, line string) event.HTTP {
	t.Helper()
	var p parser
	if err := p.parse([]byte(line), event.Ref{}); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return p.e
}

func TestVariants(t *testing.T) {
	const native = "1709650800.123     87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html"
	const clf = `192.168.10.24 - - [05/Mar/2024:16:00:00 +0100] "GET http://www.example.com/ HTTP/1.1" 200 18734`
	for _, tc := range []struct {
		name, line        string
		user, ref, agent  string
		action, mime, url string
	}{
		{name: "user agent before referrer", line: native + ` "Mozilla/5.0%20(X11)" "http://www.example.com/a"`, ref: "http://www.example.com/a", agent: "Mozilla/5.0 (X11)"},
		{name: "one quoted field", line: native + ` "http://www.example.com/a"`, ref: "http://www.example.com/a"},
		{name: "referrer keeps its own encoding", line: native + ` "http://www.example.com/a%20b?q=%41" "x%41y"`, ref: "http://www.example.com/a%20b?q=%41", agent: "x%41y"},
		{name: "raw quotes in a native user agent", line: native + ` "-" "A "b" c"`, agent: `A "b" c`},
		{name: "user name with a space", line: strings.Replace(native, " - HIER", " John Doe HIER", 1), user: "John Doe"},
		{name: "timeout hierarchy", line: strings.Replace(native, "HIER_DIRECT", "TIMEOUT_HIER_DIRECT", 1)},
		{name: "padded fields and tabs", line: "  1709650800.123\t87   192.168.10.24  TCP_MISS/200  18734 GET  http://www.example.com/  -  HIER_DIRECT/93.184.216.34  text/html  "},
		{name: "mime headers", line: native + ` [Host: www.example.com\r\nUser-Agent: Wget/1.21 %5Bx%5D\r\nReferer: http://r.example/\r\n] [HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n]`,
			ref: "http://r.example/", agent: "Wget/1.21 [x]"},
		{name: "quoted fields and mime headers", line: native + ` "-" "curl/8.5.0" [User-Agent: other\r\n] []`, agent: "curl/8.5.0"},
		{name: "common without the Squid tail", line: clf, action: "-"},
		{name: "combined without the Squid tail", line: clf + ` "-" "curl/8.5.0"`, agent: "curl/8.5.0", action: "-"},
		{name: "combined with escaped quotes", line: clf + ` "-" "a \"b\" c" TCP_MISS:HIER_DIRECT`, agent: `a "b" c`},
		{name: "combined user agent ending in a quote", line: clf + ` "-" "a "b"" TCP_MISS:HIER_DIRECT`, agent: `a "b"`},
		{name: "combined raw user agent ending in a backslash", line: clf + ` "-" "a\" TCP_MISS:HIER_DIRECT`, agent: `a\`},
		{name: "combined with mime headers", line: clf + ` "-" "curl/8.5.0" TCP_MISS:HIER_DIRECT [Host: x\r\n] [HTTP/1.1 200 OK\r\n]`, agent: "curl/8.5.0"},
		{name: "combined user name with a space", line: strings.Replace(clf, "- - [", "- John Doe [", 1), user: "John Doe", action: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseOne(t, tc.line)
			if tc.action == "" {
				tc.action = "TCP_MISS"
			} else if tc.action == "-" {
				tc.action = ""
			}
			wantTS, native := utc("2024-03-05T15:00:00Z"), isNative([]byte(strings.TrimSpace(tc.line)))
			if native {
				wantTS = utc("2024-03-05T15:00:00.123Z")
			}
			if e.Username != tc.user || e.Referrer != tc.ref || e.UserAgent != tc.agent || e.Action != tc.action ||
				e.Host != "www.example.com" || e.StatusCode != 200 || e.RespBytes != 18734 || e.TS != wantTS {
				t.Errorf("got user %q ref %q agent %q action %q host %q status %d size %d ts %v", e.Username, e.Referrer, e.UserAgent, e.Action, e.Host, e.StatusCode, e.RespBytes, e.TS)
			}
			if native && e.Dst.String() != "93.184.216.34" {
				t.Errorf("native dst %v", e.Dst)
			}
		})
	}
}

func TestURLs(t *testing.T) {
	for _, tc := range []struct {
		method, url, host, uri string
		port                   uint16
	}{
		{"GET", "http://www.example.com/a/b?c=d", "www.example.com", "/a/b?c=d", 80},
		{"GET", "https://www.example.com", "www.example.com", "/", 443},
		{"GET", "http://www.example.com?q=1", "www.example.com", "?q=1", 80},
		{"GET", "http://user:pw@www.example.com:8081/x", "www.example.com", "/x", 8081},
		{"GET", "HTTP://WWW.EXAMPLE.COM/", "WWW.EXAMPLE.COM", "/", 80},
		{"GET", "ftp://ftp.example.com/pub/file.tgz", "ftp.example.com", "/pub/file.tgz", 21},
		{"GET", "wss://ws.example.com/socket", "ws.example.com", "/socket", 443},
		{"GET", "cache_object://localhost/info", "localhost", "/info", 0},
		{"GET", "http://[2001:db8::1]/", "2001:db8::1", "/", 80},
		{"GET", "http://www.example.com:99999/", "www.example.com:99999", "/", 80}, // not a port: kept in the host
		{"GET", "/relative/path?x=1", "", "/relative/path?x=1", 0},
		{"GET", "error:invalid-request", "", "", 0},
		{"CONNECT", "www.example.com:443", "www.example.com", "www.example.com:443", 443},
		{"CONNECT", "[2001:db8::1]:8443", "2001:db8::1", "[2001:db8::1]:8443", 8443},
		{"CONNECT", "203.0.113.5:22", "203.0.113.5", "203.0.113.5:22", 22},
		{"CONNECT", "error:invalid-request", "", "error:invalid-request", 0},
	} {
		line := fmt.Sprintf("1709650800.123 5 10.0.0.1 TCP_MISS/200 100 %s %s - HIER_NONE/- -", tc.method, tc.url)
		e := parseOne(t, line)
		if e.URL != tc.url || e.Host != tc.host || e.URI != tc.uri || e.DstPort != tc.port {
			t.Errorf("%s %s: host %q uri %q port %d; want %q %q %d", tc.method, tc.url, e.Host, e.URI, e.DstPort, tc.host, tc.uri, tc.port)
		}
	}
}

func TestHttpdTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		sec := r.Int64N(4102444800) // 1970 .. 2100
		off := (r.IntN(28*4) - 14*4) * 15 * 60
		tm := time.Unix(sec, 0).In(time.FixedZone("", off))
		s := tm.Format("02/Jan/2006:15:04:05 -0700")
		got, ok := parseHttpdTime([]byte(s))
		if !ok || got != event.Time(sec*1e6) {
			t.Fatalf("%s: got %v %v, want %v", s, got, ok, event.Time(sec*1e6))
		}
	}
	for _, bad := range []string{"", "08/Oct/2010:10:31:49", "08/Okt/2010:10:31:49 +0200", "32/Oct/2010:10:31:49 +0200",
		"29/Feb/2023:10:31:49 +0200", "08/Oct/2010:24:31:49 +0200", "08/Oct/2010 10:31:49 +0200", "08/Oct/2010:10:31:49 02000",
		"0x/Oct/2010:10:31:49 +0200"} {
		if _, ok := parseHttpdTime([]byte(bad)); ok {
			t.Errorf("parseHttpdTime(%q) accepted", bad)
		}
	}
	for in, want := range map[string]event.Time{"1286536309.450": 1286536309450000, "1286536309": 1286536309000000,
		"1286536309.4": 1286536309400000, "1286536309.123456": 1286536309123456, "0.001": 1000} {
		if got, ok := parseEpoch([]byte(in)); !ok || got != want {
			t.Errorf("parseEpoch(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", ".", "1.", ".5", "1.2.3", "12x", "1.1234567", "-1.5", "123456789012.5"} {
		if _, ok := parseEpoch([]byte(bad)); ok {
			t.Errorf("parseEpoch(%q) accepted", bad)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := "1709650800.123     87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html"
	goodCLF := `192.168.10.24 - - [05/Mar/2024:16:00:00 +0100] "GET http://www.example.com/ HTTP/1.1" 200 18734 "-" "curl/8.5.0" TCP_MISS:HIER_DIRECT`
	cases := []struct {
		name, bad, good string
		reason, msg     string
	}{
		{"truncated native line", good[:70], good, "squid: wrong number of fields", "x.log:2: 7 fields where the native squid format has 10 (truncated line?)"},
		{"extra native field", good + " extra", good, "squid: wrong number of fields", "x.log:2: 11 fields where the native squid format has 10"},
		{"no mime type", strings.TrimSuffix(good, " text/html"), good, "squid: wrong number of fields", "x.log:2: 9 fields"},
		{"non-numeric time", strings.Replace(good, "1709650800.123", "17096508x0.123", 1), good, "squid: bad value", `x.log:2: time (%ts.%03tu): bad value "17096508x0.123"`},
		{"non-numeric status", strings.Replace(good, "TCP_MISS/200", "TCP_MISS/2x0", 1), good, "squid: bad value", `x.log:2: status (%>Hs): bad value "TCP_MISS/2x0"`},
		{"status without result", strings.Replace(good, "TCP_MISS/200", "200", 1), good, "squid: bad value", `result/status (%Ss/%>Hs): bad value "200"`},
		{"bad size", strings.Replace(good, "18734", "18k", 1), good, "squid: bad value", `reply size (%<st): bad value "18k"`},
		{"bad client", strings.Replace(good, "192.168.10.24", "ws01.corp", 1), good, "squid: bad value", `client address (%>a): bad value "ws01.corp"`},
		{"bad elapsed", strings.Replace(good, " 87 ", " 8.7 ", 1), good, "squid: bad value", `elapsed (%tr)`},
		{"binary junk", "\x00\x00\x00\x00\x00\x00\x00\x00\x7fELF\x02\x01", good, "squid: binary data", `x.log:2: binary data where a record belongs: "\x00\x00`},
		{"unterminated trailing field", good + ` "-" "curl/8`, good, "squid: truncated line", "x.log:2: line ends inside a quoted field"},
		{"unterminated header block", good + ` [Host: x`, good, "squid: truncated line", "x.log:2: line ends inside a [header block]"},
		{"truncated combined line", goodCLF[:60], goodCLF, "squid: truncated line", "x.log:2: line ends inside the quoted request line"},
		{"combined cut after the time", goodCLF[:47], goodCLF, "squid: wrong number of fields", "x.log:2: 4 fields where the common format has 7"},
		{"combined cut in the time", goodCLF[:30], goodCLF, "squid: truncated line", "x.log:2: line ends inside the [time] field"},
		{"combined bad time", strings.Replace(goodCLF, "05/Mar", "05/Mxr", 1), goodCLF, "squid: bad value", `x.log:2: time ([%tl]): bad value "05/Mxr/2024:16:00:00 +0100"`},
		{"combined bad status", strings.Replace(goodCLF, " 200 ", " OK ", 1), goodCLF, "squid: bad value", `x.log:2: status (%>Hs): bad value "OK"`},
		{"combined stray field", strings.Replace(goodCLF, "TCP_MISS:HIER_DIRECT", "TCP_MISS:HIER_DIRECT extra", 1), goodCLF, "squid: wrong number of fields", "x.log:2: 11 fields where the combined format has 10"},
		{"combined bad request line", strings.Replace(goodCLF, `"GET http://www.example.com/ HTTP/1.1"`, `"GET"`, 1), goodCLF, "squid: bad value", `request line`},
		{"random text", "the quick brown fox jumps over the lazy dog", good, "squid: bad value", `time (%ts.%03tu): bad value "the"`},
		{"bad combined client", strings.Replace(goodCLF, "192.168.10.24", "ws01.corp", 1), goodCLF, "squid: bad value", `client address (%>a): bad value "ws01.corp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.good + "\n" + tc.bad + "\n" + tc.good + "\n"
			var c collector
			st := readDirect(t, "x.log", text, &c)
			if len(c.got) != 2 || c.got[0].Ref.Line != 1 || c.got[1].Ref.Line != 3 {
				t.Fatalf("read %d records (%v)", len(c.got), c.got)
			}
			if st.Skipped[tc.reason] != 1 || st.TotalSkipped() != 1 || st.Read["http"] != 2 {
				t.Errorf("skipped %v read %v, want one %q", st.Skipped, st.Read, tc.reason)
			}
			if p := problems(st); !strings.Contains(p, tc.msg) {
				t.Errorf("problem %q does not contain %q", p, tc.msg)
			}
		})
	}
}

func TestEmptyAndUnknown(t *testing.T) {
	for name, text := range map[string]string{"empty.log": "", "blank.log": "\n\n  \n"} {
		if _, err := readString(t, name, text, &collector{}); err == nil || !strings.Contains(err.Error(), "unrecognized format") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := readString(t, "empty.log", "", &collector{}); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Errorf("empty file: %v", err)
	}
}

func TestLongLine(t *testing.T) {
	good := "1709650800.123 87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html"
	long := "1709650800.123 87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/" + strings.Repeat("a", source.MaxLine) + " - HIER_DIRECT/93.184.216.34 text/html"
	var c collector
	st, err := readString(t, "access.log", good+"\n"+long+"\n"+good+"\n", &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.got) != 2 || c.got[1].Ref.Line != 3 || st.Skipped["line too long"] != 1 {
		t.Fatalf("got %d records, skipped %v", len(c.got), st.Skipped)
	}
	if p := problems(st); !strings.Contains(p, "access.log:2: line of") {
		t.Errorf("problem: %s", p)
	}
}

// Many blocks: every record arrives once, with its own line number.
func TestBlocks(t *testing.T) {
	var b strings.Builder
	n := 0
	for b.Len() < 3*source.BlockSize+1000 {
		n++
		fmt.Fprintf(&b, "1709650800.%03d %d 10.0.%d.%d TCP_MISS/200 %d GET http://h%d.example.com/p?line=%d - HIER_DIRECT/198.51.100.1 text/html\n",
			n%1000, n%5000, n/256%256, n%256, n, n%100, n)
		if n%1000 == 0 {
			b.WriteString("\r\n") // a blank line now and then
			n++
		}
	}
	var c collector
	st, err := readString(t, "access.log", b.String(), &c)
	if err != nil || st.TotalSkipped() != 0 {
		t.Fatalf("err %v skipped %v %s", err, st.Skipped, problems(st))
	}
	for _, e := range c.got {
		if want := fmt.Sprintf("line=%d", e.Ref.Line); !strings.HasSuffix(e.URI, want) {
			t.Fatalf("record at line %d has URI %s", e.Ref.Line, e.URI)
		}
	}
	if int64(len(c.got)) != st.Read["http"] || len(c.got) < 20000 {
		t.Errorf("%d records, counted %d", len(c.got), st.Read["http"])
	}
	// when no detection reads HTTP, the records are counted, not parsed
	st2 := source.NewStats()
	var c2 collector
	err = Read(t.Context(), strings.NewReader(b.String()), source.FileInfo{Name: "access.log", Skip: event.KindSet(0).With(event.KindHTTP)}, st2,
		func(j source.Job) error { j.Run(&c2, st2); return nil })
	if err != nil || len(c2.got) != 0 || st2.Read["http"] != st.Read["http"] {
		t.Errorf("skipping: err %v, %d events, counted %d of %d", err, len(c2.got), st2.Read["http"], st.Read["http"])
	}
}

func TestSniff(t *testing.T) {
	native := "1709650800.123     87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html\n"
	combined := `192.168.10.24 - - [05/Mar/2024:16:00:00 +0100] "GET http://www.example.com/ HTTP/1.1" 200 18734 "-" "curl/8.5.0" TCP_MISS:HIER_DIRECT` + "\n"
	common := `192.168.10.24 - - [05/Mar/2024:16:00:00 +0100] "CONNECT www.example.com:443 HTTP/1.1" 200 18734` + "\n"
	apache := `203.0.113.9 - - [05/Mar/2024:16:00:00 +0100] "GET /index.html HTTP/1.1" 200 18734 "-" "curl/8.5.0"` + "\n"
	yes := map[string]string{
		"native":                      native + native + native,
		"one native line":             strings.TrimSuffix(native, "\n"),
		"combined":                    combined + combined,
		"common with CONNECT":         common,
		"crlf":                        strings.ReplaceAll(native+native, "\n", "\r\n"),
		"bom and blank lines":         "\xef\xbb\xbf\n\n" + native + "\n" + native,
		"two of three lines":          "garbage line\n" + native + native + "junk that is not read\n",
		"long head cut mid-line":      strings.Repeat(native, source.SniffSize/len(native)+1)[:source.SniffSize],
		"mixed formats":               native + combined + native,
		"native with quoted headers":  strings.TrimSuffix(native, "\n") + ` "-" "curl/8.5.0"` + "\n",
		"native with old DIRECT peer": strings.Replace(native, "HIER_DIRECT", "DIRECT", 1),
	}
	no := map[string]string{
		"empty":              "",
		"blank":              "\n \n",
		"zeek tsv":           "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n",
		"zeek json":          `{"_path":"http","ts":1709650800.123,"uid":"C1","id.orig_h":"192.168.10.24","method":"GET"}` + "\n",
		"random text":        "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit,\nsed do eiusmod tempor.\n",
		"web server log":     apache + apache,
		"one good of three":  native + "x\ny\n",
		"syslog":             "Mar  5 16:00:00 proxy squid[1234]: Starting Squid Cache version 6.6\n",
		"csv":                "ts,src,dst\n1709650800.123,10.0.0.1,10.0.0.2\n",
		"binary":             "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
		"numbers":            "1709650800.123\n1709650801.456\n",
		"first line garbage": "x\n" + native,
	}
	for name, text := range yes {
		if !Sniff([]byte(text), "access.log") {
			t.Errorf("%s: not claimed", name)
		}
	}
	for name, text := range no {
		if Sniff([]byte(text), "access.log") {
			t.Errorf("%s: claimed", name)
		}
	}
	// through source.Open
	var c collector
	st, err := readString(t, "access.log", native+combined, &c)
	if err != nil || len(c.got) != 2 || st.Read["http"] != 2 {
		t.Errorf("err %v, %d records", err, len(c.got))
	}
	if _, err := readString(t, "x.log", "Lorem ipsum\n", &c); err == nil || !strings.Contains(err.Error(), "unrecognized format") {
		t.Errorf("random text: %v", err)
	}
}

func TestDecoders(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0%20(X11)": "Mozilla/5.0 (X11)", "a%22b%22": `a"b"`, "100%": "100%", "%41%2": "%41%2",
		`a\"b\\c\d`: `a"b\c\d`, "%e2%82%ac": "€", "plain": "plain",
	} {
		if got := string(unescapeHeader([]byte(in))); got != want {
			t.Errorf("unescapeHeader(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{`CORP\\alice`: `CORP\alice`, "j%C3%BCrgen": "jürgen", "CORP%5Calice": `CORP\alice`, "%zz": "%zz"} {
		if got := string(unescapeBlob([]byte(in))); got != want {
			t.Errorf("unescapeBlob(%q) = %q, want %q", in, got, want)
		}
	}
	if !bytes.Equal(unescapeQuoted([]byte(`a\"b%20`)), []byte(`a"b%20`)) {
		t.Error("unescapeQuoted")
	}
}
