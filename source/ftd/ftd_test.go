package ftd

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

const (
	chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	hq     = "fw-hq-2"
)

// TestConnections reads FTD 7.x connection events: end events of allowed connections, a
// blocked connection's start event, and the protocol events made from their fields.
func TestConnections(t *testing.T) {
	c, st := readFixture(t, "connections.log")

	tlsConn := policy(counts(conn(2, "2024-03-20T12:00:01Z", hq, "10.20.14.37", 51317, "198.51.100.77", 443, "tcp", "ssl"),
		1, 1410, 5233, 11, 11), "Allow", "Web-Out", `CORP\avega`)
	httpConn := policy(counts(conn(3, "2024-03-20T12:01:08Z", hq, "10.20.14.52", 49822, "203.0.113.66", 8080, "tcp", "http"),
		2, 912, 690, 6, 4), "Allow", "Web-Out", "")
	blockedStart := policy(counts(conn(4, "2024-03-20T12:02:00Z", hq, "192.0.2.61", 58213, "203.0.113.25", 3389, "tcp", ""),
		-1, 66, 0, 1, 0), "Block", "Deny-Inbound-Any", "")
	dnsConn := policy(counts(conn(5, "2024-03-20T12:03:00Z", hq, "10.20.14.37", 56901, "10.20.0.53", 53, "udp", "dns"),
		0, 112, 187, 1, 1), "Allow", "Allow-DNS", "")
	icmpConn := policy(counts(conn(6, "2024-03-20T12:03:58Z", hq, "10.20.14.37", 8, "10.20.0.1", 0, "icmp", "icmp"),
		2, 98, 98, 1, 1), "Allow", "Allow-ICMP", `CORP\avega`)
	decrypted := policy(counts(conn(10, "2024-03-20T12:06:15Z", hq, "10.20.14.52", 50211, "198.51.100.140", 443, "tcp", "ssl"),
		90, 41943040, 812345, 30112, 10230), "Allow", "Decrypt-Outbound", `CORP\mlind`)
	ssh := policy(counts(conn(11, "2024-03-20T11:08:00Z", hq, "2001:db8:10::25", 40022, "2001:db8:99::7", 22, "tcp", "ssh"),
		3600, 2100000, 380000, 5400, 5200), "Trust", "Trust-Admin-SSH", "")
	fileBlock := policy(counts(conn(12, "2024-03-20T12:09:00Z", hq, "10.20.14.52", 49840, "203.0.113.66", 80, "tcp", "http"),
		1, 365, 1927, 4, 7), "Block with reset", "Web-Out", `CORP\mlind`)

	compare(t, "conn", c.conn, []event.Conn{tlsConn, httpConn, blockedStart, dnsConn, icmpConn, decrypted, ssh, fileBlock})
	compare(t, "http", c.http, []event.HTTP{
		httpOf(httpConn, "c2.example.net", "http://c2.example.net:8080/gate.php?id=4f3a9c&k=9", "/gate.php?id=4f3a9c&k=9",
			chrome, "http://c2.example.net:8080/", 200),
		httpOf(decrypted, "g.api.mega.example", "https://g.api.mega.example/ul/Xj9?c=1", "/ul/Xj9?c=1", "rclone/v1.66.0", "", 200),
		httpOf(fileBlock, "203.0.113.66", "http://203.0.113.66/stage2.bin", "/stage2.bin", "curl/8.5.0", "", 200),
	})
	compare(t, "tls", c.tls, []event.TLS{
		tlsOf(tlsConn, "cdn-metrics-relay.example", "", "", true),
		tlsOf(decrypted, "g.api.mega.example", "TLSv13", "TLS_AES_128_GCM_SHA256", true),
	})
	compare(t, "dns", c.dns, []event.DNS{dnsOf(dnsConn, "aGVsbG8gd29ybGQ.t1.tunnel.example", 16, "TXT", 3, "NXDOMAIN")})

	// each record's conn first, then its http, tls and dns
	wantOrder := "conn tls conn http conn conn dns conn conn http tls conn conn http"
	if got := strings.Join(c.all, " "); got != wantOrder {
		t.Errorf("events came in order %q, want %q", got, wantOrder)
	}
	wantIgnored := map[string]int64{logStart: 1, logIntrusion: 1, logOther: 1, logFile: 1}
	if !reflect.DeepEqual(st.Ignored, wantIgnored) {
		t.Errorf("ignored %v, want %v", st.Ignored, wantIgnored)
	}
}

// TestHeaders reads the syslog headers FTD and relays write: Cisco's own timestamp with the year,
// RFC 3164 and 5424 priorities, a relay's header before the device's, no device id, the NGIPS
// and (before 6.3) ASA facilities; without FirstPacketSecond, the start of an end event is its
// time less its duration.
func TestHeaders(t *testing.T) {
	c, st := readFixture(t, "headers.log")
	apt := policy(counts(conn(1, "2019-08-14T15:09:36Z", "fw-legacy", "10.0.1.20", 45120, "198.51.100.30", 80, "tcp", "http"),
		5, 58120, 21877310, 812, 15220), "Allow", "Out-Any", "")
	withUTC := policy(counts(conn(2, "2024-03-20T12:34:40Z", "ftd1", "10.0.1.21", 50001, "198.51.100.31", 443, "tcp", "ssl"),
		16, 1500, 9000, 10, 12), "Allow", "Out-Any", "")
	relayed := policy(counts(conn(3, "2024-03-20T12:34:59Z", "ftd1", "10.0.1.22", 50002, "198.51.100.32", 25, "tcp", "smtp"),
		0, 25000, 1200, 20, 15), "Allow", "Out-Any", "")
	rfc5424 := policy(counts(conn(4, "2024-03-20T11:36:00.25Z", "ftd1", "10.0.1.23", 50003, "198.51.100.33", 6667, "tcp", "irc"),
		-1, 300, 400, 3, 3), "Allow", "", "")
	noHost := policy(counts(conn(5, "2024-01-05T05:44:46Z", "", "10.0.1.24", 53044, "10.0.100.44", 631, "tcp", "ipp"),
		30, 0, 0, 5, 0), "Monitor", "Watch-Printers", `BRANCH\kpatel`)
	ngips := counts(conn(6, "2024-03-20T12:40:00Z", "ngips-7", "10.0.1.25", 50005, "198.51.100.35", 445, "tcp", "smb"),
		-1, 5000, 6000, event.Unset, event.Unset)
	ngips.Action = "Allow"
	asa := counts(conn(7, "2018-01-11T01:00:20Z", "ftd-old", "10.0.1.26", 50006, "198.51.100.36", 21, "tcp", "ftp"),
		7, 700, 800, event.Unset, event.Unset)
	asa.Action = "Allow"
	interactive := policy(counts(conn(8, "2024-03-20T12:45:00Z", "", "10.0.1.27", 50007, "198.51.100.37", 80, "tcp", "http"),
		-1, 400, 60, 3, 1), "Interactive Block", "", `ACME\jdoe`)
	compare(t, "conn", c.conn, []event.Conn{apt, withUTC, relayed, rfc5424, noHost, ngips, asa, interactive})
	compare(t, "http", c.http, []event.HTTP{
		httpOf(apt, "deb.mirror.example", "http://deb.mirror.example/debian/pool/main/c/curl/libcurl4_8.5.0-2_amd64.deb",
			"/debian/pool/main/c/curl/libcurl4_8.5.0-2_amd64.deb", "Debian APT-HTTP/1.3 (2.4.11)", "", 200),
		httpOf(interactive, "gambling.example", "http://gambling.example/", "/", "", "", event.Unset),
	})
	if len(c.tls) != 0 || len(c.dns) != 0 || len(st.Ignored) != 0 {
		t.Errorf("tls %v, dns %v, ignored %v", c.tls, c.dns, st.Ignored)
	}
}

// TestParseHeader covers the timestamp forms one by one, and the year of a time without one.
func TestParseHeader(t *testing.T) {
	now := utc("2024-01-02T10:00:00Z")
	for _, tc := range []struct {
		h, ts, host string
		noYear      bool
	}{
		{"2019-08-15T16:03:31Z firepower  ", "2019-08-15T16:03:31Z", "firepower", false},
		{"<134>Mar  2 2024 01:02:03 ftd1 : ", "2024-03-02T01:02:03Z", "ftd1", false},
		{"<134>Wed Mar 20 2024 12:34:56 UTC: ftd1: ", "2024-03-20T12:34:56Z", "ftd1", false},
		{"Mar 20 2024 12:34:56.789 ftd1 : ", "2024-03-20T12:34:56.789Z", "ftd1", false},
		{"<166>1 2024-03-20T12:36:00.123456789-05:00 fw.example.com - - - ", "2024-03-20T17:36:00.123456Z", "fw.example.com", false},
		{"2024-03-20T12:36:00+0100 ftd1 ", "2024-03-20T11:36:00Z", "ftd1", false},
		{"2024-03-20T12:36:00 ftd1 ", "2024-03-20T12:36:00Z", "ftd1", false},
		{"Jan  1 09:00:00 ftd1 : ", "2024-01-01T09:00:00Z", "ftd1", true},
		{"Dec 31 23:59:59 ftd1 : ", "2023-12-31T23:59:59Z", "ftd1", true}, // last year's
		{"Jan  3 09:00:00 ftd1 : ", "2024-01-03T09:00:00Z", "ftd1", true}, // within a day ahead: clock skew
		{"Mar 20 12:35:00 10.1.1.1 2024-03-20T12:34:59Z ftd2 ", "2024-03-20T12:34:59Z", "ftd2", false},
		{"2024-03-20T12:35:00Z relay Mar 20 12:34:59 ftd3 : ", "2024-03-20T12:35:00Z", "relay", false},
		{"", "", "", false},
		{"garbage here ", "", "", false},
		{"Feb 30 2024 12:00:00 x ", "", "", false},
	} {
		got := parseHeader([]byte(tc.h), now)
		var want event.Time
		if tc.ts != "" {
			want = utc(tc.ts)
		}
		if got.hasTS != (tc.ts != "") || got.ts != want || string(got.host) != tc.host || got.noYear != tc.noYear {
			t.Errorf("%q: got ts %v (%v, no year %v) host %q; want %v host %q no year %v", tc.h, got.ts, got.hasTS, got.noYear,
				got.host, want, tc.host, tc.noYear)
		}
	}
}

// TestFields: values hold ", " (user agents, rule names), keys hold spaces, a key without a
// value is as if absent, and a value is cut only where a key follows.
func TestFields(t *testing.T) {
	line := "%FTD-1-430003: AccessControlRuleAction: Allow, SrcIP: 10.0.0.1, DstIP: 10.0.0.2, " +
		"AccessControlRuleName: Web, mail, and chat, Prefilter Policy: a, b, Tunnel or Prefilter Rule: x, " +
		"UserAgent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko), Client: , " +
		"URL: http://h.example/a?x=1, 2, originalClientSrcIP: 10.9.9.9, User:"
	var p parser
	m, ok := findMnemonic([]byte(line))
	if !ok {
		t.Fatal("no tag")
	}
	if err := p.readFields([]byte(line), m.body); err != nil {
		t.Fatal(err)
	}
	f := p.f
	for _, kv := range []struct{ got, want string }{
		{string(f.rule), "Web, mail, and chat"},
		{string(f.userAgent), "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"},
		{string(f.url), "http://h.example/a?x=1, 2"},
		{string(f.srcIP), "10.0.0.1"},
	} {
		if kv.got != kv.want {
			t.Errorf("got %q, want %q", kv.got, kv.want)
		}
	}
	if f.user != nil || f.appProto != nil {
		t.Errorf("User %q, ApplicationProtocol %q: want absent (no value, no key)", f.user, f.appProto)
	}
}

// TestStartEnd: an end event is always a record; a start event only when the connection was
// blocked (then it is the only event of the connection); other start events are counted.
func TestStartEnd(t *testing.T) {
	const tail = "SrcIP: 10.0.0.1, DstIP: 192.0.2.1, SrcPort: 1000, DstPort: 80, Protocol: tcp, InitiatorBytes: 60, ResponderBytes: 0"
	for _, tc := range []struct {
		id, action string
		record     bool
	}{
		{"430002", "Allow", false},
		{"430002", "Trust", false},
		{"430002", "Monitor", false},
		{"430002", "", false},
		{"430002", "Block", true},
		{"430002", "Block with reset", true},
		{"430002", "Interactive Block", true},
		{"430002", "Interactive Block with reset", true},
		{"430003", "Allow", true},
		{"430003", "Block", true},
		{"430003", "", true},
	} {
		line := fmt.Sprintf("2024-03-20T12:00:00Z ftd1 : %%FTD-1-%s: AccessControlRuleAction: %s, %s\n", tc.id, tc.action, tail)
		var c collector
		st := readDirect(t, "x.log", line, 0, &c)
		if got := len(c.conn) == 1; got != tc.record || st.Read[logType] != int64(len(c.conn)) {
			t.Errorf("%s %q: record %v (read %v ignored %v), want %v", tc.id, tc.action, got, st.Read, st.Ignored, tc.record)
		}
		if !tc.record && st.Ignored[logStart] != 1 {
			t.Errorf("%s %q: ignored %v", tc.id, tc.action, st.Ignored)
		}
		// counting without parsing (no detection reads what FTD gives) must agree
		all := event.KindSet(0).With(event.KindConn).With(event.KindHTTP).With(event.KindDNS).With(event.KindTLS)
		st2 := readDirect(t, "x.log", line, all, &c)
		if !reflect.DeepEqual(st2.Read, st.Read) || !reflect.DeepEqual(st2.Ignored, st.Ignored) {
			t.Errorf("%s %q: counted read %v ignored %v, parsed read %v ignored %v", tc.id, tc.action, st2.Read, st2.Ignored, st.Read, st.Ignored)
		}
	}
}

// TestIgnored: other security events, other Cisco messages and other syslog are counted, not
// skipped.
func TestIgnored(t *testing.T) {
	text := strings.Join([]string{
		"2024-03-20T12:00:00Z ftd1 : %FTD-1-430001: SrcIP: 10.0.0.1, DstIP: 10.0.0.2, GID: 1, SID: 1, Message: x",
		"2024-03-20T12:00:00Z ftd1 : %FTD-1-430004: SrcIP: 10.0.0.1, DstIP: 10.0.0.2, FileName: a.zip",
		"2024-03-20T12:00:00Z ftd1 : %FTD-1-430005: SrcIP: 10.0.0.1, DstIP: 10.0.0.2, ThreatName: x",
		"2024-03-20T12:00:00Z ftd1 : %FTD-6-302014: Teardown TCP connection 1 for outside:192.0.2.1/80 to inside:10.0.0.1/1000 duration 0:00:01 bytes 100 TCP FINs",
		"Mar 20 2024 12:00:00 asa1 : %ASA-4-106023: Deny tcp src outside:192.0.2.1/4444 dst inside:10.0.0.1/22 by access-group \"in\" [0x0, 0x0]",
		"2024-03-20T12:00:00Z ftd1 : %FTD-session-6-113039: Group <g> User <u> IP <192.0.2.9> AnyConnect parent session started.",
		"Mar 20 12:00:00 host sshd[1]: Accepted publickey for root from 192.0.2.1 port 22 ssh2",
		"  ",
	}, "\n")
	var c collector
	st := readDirect(t, "x.log", text, 0, &c)
	want := map[string]int64{logIntrusion: 1, logFile: 1, logMalware: 1, logOther: 3, logNotCisco: 1}
	if !reflect.DeepEqual(st.Ignored, want) || len(st.Read) != 0 || st.TotalSkipped() != 0 || len(c.all) != 0 {
		t.Errorf("ignored %v (want %v), read %v, skipped %v %s", st.Ignored, want, st.Read, st.Skipped, problems(st))
	}
}

// TestProblems: a record that cannot be read is skipped with its file, line and reason; reading
// goes on.
func TestProblems(t *testing.T) {
	const h = "2024-03-20T12:00:00Z ftd1 : %FTD-1-430003: "
	const ok = h + "SrcIP: 10.0.0.1, DstIP: 10.0.0.2"
	for _, tc := range []struct {
		line, reason, msg string
	}{
		{h + "DstIP: 10.0.0.2, Protocol: tcp", reasonMissing, "x.log:2: no SrcIP"},
		{h + "SrcIP: 10.0.0.1, Protocol: tcp", reasonMissing, "x.log:2: no DstIP"},
		{h + "SrcIP: 10.0.0.999, DstIP: 10.0.0.2", reasonValue, `x.log:2: SrcIP: bad value "10.0.0.999"`},
		{h + "SrcIP: 10.0.0.1, DstIP: 10.0.", reasonValue, `x.log:2: DstIP: bad value "10.0."`},
		{ok + ", SrcPort: 70000", reasonValue, `x.log:2: SrcPort: bad value "70000"`},
		{ok + ", DstPort: http", reasonValue, `x.log:2: DstPort: bad value "http"`},
		{ok + ", InitiatorBytes: -5", reasonValue, `x.log:2: InitiatorBytes: bad value "-5"`},
		{ok + ", ResponderPackets: many", reasonValue, `x.log:2: ResponderPackets: bad value "many"`},
		{ok + ", ConnectionDuration: 1h", reasonValue, `x.log:2: ConnectionDuration: bad value "1h"`},
		{ok + ", FirstPacketSecond: yesterday", reasonValue, `x.log:2: FirstPacketSecond: bad value "yesterday"`},
		{h + "this is not key-value text", reasonFields, `x.log:2: no "Key: value" pair at byte`},
		{h + "SrcIP: 10.0.0.1, dstip 10.0.0.2", "", ""}, // the rest belongs to SrcIP's value: bad value
		{"ftd1 : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP: 10.0.0.2", reasonTime, "x.log:2: no FirstPacketSecond and no time"},
		{"\x00\x01\x02garbage", reasonBinary, "x.log:2: binary data"},
	} {
		var c collector
		st := readDirect(t, "x.log", ok+"\n"+tc.line+"\n"+ok+"\n", 0, &c)
		if len(c.conn) != 2 || st.Read[logType] != 2 || st.TotalSkipped() != 1 {
			t.Errorf("%q: %d conns, read %v, skipped %v", tc.line, len(c.conn), st.Read, st.Skipped)
			continue
		}
		if tc.reason == "" {
			continue
		}
		if st.Skipped[tc.reason] != 1 || len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0].String(), tc.msg) {
			t.Errorf("%q: skipped %v, problems %q; want %s: %s", tc.line, st.Skipped, problems(st), tc.reason, tc.msg)
		}
	}
}

// TestSkip: kinds no detection reads are not made; with none read, lines are only counted.
func TestSkip(t *testing.T) {
	var all collector
	stAll, err := readAll(t, fileInputOf(t, "testdata/connections.log"), 0, &all)
	if err != nil {
		t.Fatal(err)
	}
	noHTTP := event.KindSet(0).With(event.KindHTTP).With(event.KindTLS)
	var c collector
	st, err := readAll(t, fileInputOf(t, "testdata/connections.log"), noHTTP, &c)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.http) != 0 || len(c.tls) != 0 || len(c.conn) != len(all.conn) || len(c.dns) != len(all.dns) {
		t.Errorf("skipping http and tls: %d http, %d tls, %d conn, %d dns", len(c.http), len(c.tls), len(c.conn), len(c.dns))
	}
	onlyHTTP := event.KindSet(0).With(event.KindConn).With(event.KindDNS).With(event.KindTLS)
	var h collector
	if _, err := readAll(t, fileInputOf(t, "testdata/connections.log"), onlyHTTP, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.conn) != 0 || len(h.dns) != 0 || len(h.tls) != 0 || !reflect.DeepEqual(h.http, all.http) {
		t.Errorf("http only: %d conn, %d dns, %d tls, %d http", len(h.conn), len(h.dns), len(h.tls), len(h.http))
	}
	none := noHTTP.With(event.KindConn).With(event.KindDNS)
	var n collector
	stNone, err := readAll(t, fileInputOf(t, "testdata/connections.log"), none, &n)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.all) != 0 || !reflect.DeepEqual(stNone.Read, stAll.Read) || !reflect.DeepEqual(stNone.Ignored, stAll.Ignored) ||
		!reflect.DeepEqual(st.Read, stAll.Read) {
		t.Errorf("none read: %d events, read %v ignored %v; parsed read %v ignored %v", len(n.all), stNone.Read, stNone.Ignored,
			stAll.Read, stAll.Ignored)
	}
}

// TestSniff: FTD syslog (security events, or FTD's other messages) is claimed; ASA syslog,
// other syslog and other formats are not.
func TestSniff(t *testing.T) {
	const conn = "2024-03-20T12:00:00Z ftd1 : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP: 10.0.0.2\n"
	const lina = "Mar 20 2024 12:00:00 ftd1 : %FTD-6-302013: Built outbound TCP connection 1 for outside:192.0.2.1/80 (192.0.2.1/80) to inside:10.0.0.1/1000 (10.0.0.1/1000)\n"
	const asa = "Mar 20 2024 12:00:00 asa1 : %ASA-6-302013: Built outbound TCP connection 1 for outside:192.0.2.1/80 (192.0.2.1/80) to inside:10.0.0.1/1000 (10.0.0.1/1000)\n"
	const other = "Mar 20 12:00:00 host sshd[1]: Accepted publickey for root from 192.0.2.1 port 22 ssh2\n"
	for _, tc := range []struct {
		name, head string
		want       bool
	}{
		{"connection event", conn, true},
		{"with BOM and CRLF", "\xef\xbb\xbf" + strings.ReplaceAll(conn, "\n", "\r\n"), true},
		{"FTD's other messages", lina + lina, true},
		{"ASA security event (FTD before 6.3)", strings.ReplaceAll(conn, "%FTD", "%ASA"), true},
		{"NGIPS", strings.ReplaceAll(conn, "%FTD", "%NGIPS"), true},
		{"mixed with other syslog", other + conn + other, true},
		{"mostly other syslog", other + other + other + conn, true},
		{"beyond 20 lines", strings.Repeat(other, 20) + conn, false},
		{"ASA only", asa + asa, false},
		{"other syslog", other, false},
		{"empty", "", false},
		{"squid", "1286536309.450     14 192.168.0.224 TCP_MISS/200 4563 GET http://www.example.com/ - HIER_DIRECT/93.184.216.34 text/html\n", false},
		{"zeek", "#separator \\x09\n#path\tconn\n", false},
		{"json", `{"message":"%FTD-1-430003: SrcIP: 10.0.0.1"}` + "\n", false},
		{"binary", "\x00\x01" + conn, false},
		{"percent in prose", "100%FTD-ish text\n", false},
	} {
		if got := Sniff([]byte(tc.head), "x.log"); got != tc.want {
			t.Errorf("%s: sniffed %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMnemonic covers the tag's forms.
func TestMnemonic(t *testing.T) {
	for _, tc := range []struct {
		line string
		id   int
		fac  string
		ok   bool
	}{
		{"%FTD-1-430003: x", 430003, "FTD", true},
		{"x %ASA-session-6-302013: y", 302013, "ASA", true},
		{"%NGIPS-0-430003 SrcIP: 1", 430003, "NGIPS", true},
		{"%FTD-1-430003", 430003, "FTD", true},
		{"%FTD-8-430003: x", 0, "", false},  // severity 0-7
		{"%FTD-1-43000: x", 0, "", false},   // five digits
		{"%FTD-1-4300031: x", 0, "", false}, // seven digits
		{"%ftd-1-430003: x", 0, "", false},  // lower case
		{"%FTD-1-430003x", 0, "", false},    // glued
		{"50% %FTD-1-430003: x", 430003, "FTD", true},
	} {
		m, ok := findMnemonic([]byte(tc.line))
		if ok != tc.ok || ok && (m.id != tc.id || string(m.facility) != tc.fac) {
			t.Errorf("%q: got %v %d %q", tc.line, ok, m.id, m.facility)
		}
	}
}

// TestMappings covers the value tables: services, DNS types and codes, ICMP, users.
func TestMappings(t *testing.T) {
	var p parser
	for in, want := range map[string]string{"HTTP": "http", "HTTPS": "ssl", "DNS": "dns", "SMTP": "smtp", "FTP": "ftp",
		"SSH": "ssh", "IRC": "irc", "SMB": "smb", "CIFS": "smb", "unknown": "", "Unknown": "", "": "",
		"Windows Update": "windows update", "QUIC": "quic", "VNC": "rfb", "bittorrent": "bittorrent"} {
		if got := p.service([]byte(in)); got != want {
			t.Errorf("service %q: %q, want %q", in, got, want)
		}
	}
	base := "2024-03-20T12:00:00Z f : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP: 10.0.0.2, Protocol: udp, DstPort: 53, DNSQuery: q.example, "
	for _, tc := range []struct {
		kv          string
		qtype       int64
		qname       string
		rcode       int64
		rname       string
		wantDNSMade bool
	}{
		{"DNSRecordType: a host address, DNSResponseType: No error", 1, "A", 0, "NOERROR", true},
		{"DNSRecordType: IP6 Address, DNSResponseType: Server Failure", 28, "AAAA", 2, "SERVFAIL", true},
		{"DNSRecordType: a domain name pointer, DNSResponseType: Query Refused", 12, "PTR", 5, "REFUSED", true},
		{"DNSRecordType: Server Selection", 33, "SRV", event.Unset, "", true},
		{"DNSRecordType: TXT, DNSResponseType: NXDOMAIN", 16, "TXT", 3, "NXDOMAIN", true},
		{"DNSRecordType: 99", 99, "", event.Unset, "", true},
		{"DNSRecordType: something new, DNSResponseType: odd", event.Unset, "something new", event.Unset, "odd", true},
	} {
		p := parser{}
		if _, err := p.parse([]byte(base+tc.kv), event.Ref{}); err != nil {
			t.Fatal(err)
		}
		d := p.dns
		if !p.made.Has(event.KindDNS) || d.QType != tc.qtype || d.QTypeName != tc.qname || d.RCode != tc.rcode || d.RCodeName != tc.rname {
			t.Errorf("%s: made %v, got %d %q %d %q", tc.kv, p.made.Has(event.KindDNS), d.QType, d.QTypeName, d.RCode, d.RCodeName)
		}
	}
	icmp := "2024-03-20T12:00:00Z f : %FTD-1-430003: SrcIP: 2001:db8::1, DstIP: 2001:db8::2, "
	for _, tc := range []struct {
		kv        string
		typ, code uint16
		proto     string
	}{
		{"Protocol: icmp, ICMPType: Echo Reply, ICMPCode: No Code", 0, 0, "icmp"},
		{"Protocol: ipv6-icmp, ICMPType: Echo Request, ICMPCode: No Code", 128, 0, "icmp"},
		{"Protocol: 1, ICMPType: Destination Unreachable, ICMPCode: Port Unreachable", 3, 3, "icmp"},
		{"Protocol: icmp, ICMPType: 11, ICMPCode: 1", 11, 1, "icmp"},
		{"Protocol: icmp, ICMPType: Something Else", 0, 0, "icmp"},
		{"Protocol: 47", 0, 0, "47"},
		{"Protocol: 17, SrcPort: 5, DstPort: 6", 5, 6, "udp"},
	} {
		p := parser{}
		if _, err := p.parse([]byte(icmp+tc.kv), event.Ref{}); err != nil {
			t.Fatal(err)
		}
		if p.conn.SrcPort != tc.typ || p.conn.DstPort != tc.code || p.conn.Proto != tc.proto {
			t.Errorf("%s: got %d %d %q", tc.kv, p.conn.SrcPort, p.conn.DstPort, p.conn.Proto)
		}
	}
	user := "2024-03-20T12:00:00Z f : %FTD-1-430003: SrcIP: 10.0.0.1, DstIP: 10.0.0.2, User: "
	for in, want := range map[string]string{"No Authentication Required": "", "Not Found": "", "Unknown": "", "Guest": "",
		`ACME\alice`: `ACME\alice`, "bob@example.com": "bob@example.com", "John Smith": "John Smith"} {
		p := parser{}
		if _, err := p.parse([]byte(user+in), event.Ref{}); err != nil {
			t.Fatal(err)
		}
		if p.conn.User != want {
			t.Errorf("user %q: %q, want %q", in, p.conn.User, want)
		}
	}
}

// TestURL covers the URL forms FTD logs.
func TestURL(t *testing.T) {
	for _, tc := range []struct{ url, scheme, host, uri string }{
		{"http://h.example/a/b?c=1", "http", "h.example", "/a/b?c=1"},
		{"https://h.example", "https", "h.example", ""},
		{"http://h.example:8080?q", "http", "h.example", "?q"},
		{"http://user:pw@h.example:81/x", "http", "h.example", "/x"},
		{"http://[2001:db8::1]:8080/x", "http", "2001:db8::1", "/x"},
		{"h.example/x", "", "h.example", "/x"},
		{"/only/path", "", "", "/only/path"},
		{"", "", "", ""},
	} {
		s, h, u := splitURL([]byte(tc.url))
		if string(s) != tc.scheme || string(h) != tc.host || string(u) != tc.uri {
			t.Errorf("%q: got %q %q %q", tc.url, s, h, u)
		}
	}
}

// TestTLSAndHTTP: which protocol events a connection's fields make.
func TestTLSAndHTTP(t *testing.T) {
	base := "2024-03-20T12:00:00Z f : %FTD-1-430003: AccessControlRuleAction: Allow, SrcIP: 10.0.0.1, DstIP: 10.0.0.2, DstPort: 443, "
	for _, tc := range []struct {
		kv        string
		http, tls bool
		name      string
	}{
		{"ApplicationProtocol: HTTPS, URL: https://sni.example", false, true, "sni.example"},
		{"ApplicationProtocol: HTTPS", false, false, ""},
		{"ApplicationProtocol: HTTPS, SSLServerName: s.example", false, true, "s.example"},
		{"ApplicationProtocol: HTTPS, UserAgent: x/1, URL: https://d.example/p", true, true, "d.example"},
		{"ApplicationProtocol: HTTP, URL: http://h.example/p", true, false, ""},
		{"ApplicationProtocol: HTTP, HTTPReferer: http://r.example/", true, false, ""},
		{"SSLServerName: s.example, SSLVersion: TLSv1.2", false, true, "s.example"},
		{"URLCategory: Gambling", false, false, ""},
		{"ApplicationProtocol: FTP, URL: ftp://f.example/x", false, false, ""},
		{"URL: www.example.com/x", true, false, ""},
	} {
		p := parser{}
		if _, err := p.parse([]byte(base+tc.kv), event.Ref{}); err != nil {
			t.Fatal(err)
		}
		if p.made.Has(event.KindHTTP) != tc.http || p.made.Has(event.KindTLS) != tc.tls || tc.tls && p.tls.ServerName != tc.name {
			t.Errorf("%s: http %v tls %v %q", tc.kv, p.made.Has(event.KindHTTP), p.made.Has(event.KindTLS), p.tls.ServerName)
		}
	}
	p := parser{}
	if _, err := p.parse([]byte(strings.Replace(base, "Allow", "Block", 1)+"URL: https://b.example"), event.Ref{}); err != nil {
		t.Fatal(err)
	}
	if p.tls.Established {
		t.Error("a blocked connection's handshake counts as established")
	}
}
