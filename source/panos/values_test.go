package panos

import (
	"slices"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
)

func TestSplitter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "a,b,,c", want: []string{"a", "b", "", "c"}},
		{in: "a,", want: []string{"a", ""}},
		{in: `a,"b,c",d`, want: []string{"a", "b,c", "d"}},
		{in: `"",x`, want: []string{"", "x"}},
		{in: `a,"say ""hi""",d`, want: []string{"a", `say "hi"`, "d"}},
		{in: `a,""""`, want: []string{"a", `"`}},
		{in: `a,"x"y",z`, want: []string{"a", `x"y`, "z"}}, // a lone quote (unescaped) is kept
		{in: `a,"b`, err: true},
		{in: `a,"b""`, err: true},
	} {
		var s splitter
		s.reset([]byte(tc.in))
		err := s.to(100)
		if tc.err {
			if err == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		var got []string
		for _, f := range s.fields {
			got = append(got, string(f))
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestLineEdges(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`Nov  8 23:52:52 1,2014/11/08`, "1,2014/11/08"},
		{"<14>Nov  8 23:52:52 fw-1.example.com 1,2014/11/08", "1,2014/11/08"},
		{"<14>1 2024-03-05T16:03:00+00:00 PA-3220 - - - - 1,2024/03/05", "1,2024/03/05"},
		{`2014-11-08 23:52:53\tLocal2.Info\t10.139.6.24\tNov  8 23:52:52 1,2014/11/08`, "1,2014/11/08"},
		{"2014-11-08 23:52:53\tLocal2.Info\t10.139.6.24\t1,2014/11/08", "1,2014/11/08"},
		{`2014-11-08 23:52:53\tLocal2.Info\t10.139.6.24\t1,2014/11/08`, "1,2014/11/08"},
		{"1,2014/11/08", "1,2014/11/08"},
		{`"1","2014/11/08"`, `"1","2014/11/08"`},
		{"no comma at all", "no comma at all"},
	} {
		l := []byte(tc.in)
		if got := string(l[csvStart(l):]); got != tc.want {
			t.Errorf("csvStart(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`x,1,0<000>\r\n`, "x,1,0"},
		{"x,1,0<000>\r", "x,1,0"},
		{"x,1,0\x00\r", "x,1,0"},
		{`x,1,0\n`, "x,1,0"},
		{"\xef\xbb\xbf  x,1 \t", "x,1"},
		{"<000>", ""},
	} {
		if got := string(trimLine([]byte(tc.in))); got != tc.want {
			t.Errorf("trimLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339, "" for an error
	}{
		{"2014/11/08 23:52:52", "2014-11-08T23:52:52Z"},
		{"2024/02/29 00:00:00", "2024-02-29T00:00:00Z"},
		{"1970/01/01 00:00:00", "1970-01-01T00:00:00Z"},
		{"2024-03-05 16:00:05", "2024-03-05T16:00:05Z"},
		{"2021-10-27T19:20:59.000000Z", "2021-10-27T19:20:59Z"},
		{"2024-03-05T16:00:05.123+01:00", "2024-03-05T15:00:05.123Z"},
		{"2023/02/29 00:00:00", ""},
		{"2014/11/08 24:00:00", ""},
		{"2014/11/08 23:52", ""},
		{"2014/11/08T23:52:5x", ""},
		{"", ""},
	} {
		got, ok := parseTime([]byte(tc.in))
		if tc.want == "" {
			if ok {
				t.Errorf("%q: %v, want an error", tc.in, got)
			}
			continue
		}
		w, _ := time.Parse(time.RFC3339Nano, tc.want)
		if !ok || got != event.FromStd(w) {
			t.Errorf("%q: %v %v, want %s", tc.in, got, ok, tc.want)
		}
	}
	// the day count agrees with the standard library over four centuries
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2300; d = d.AddDate(0, 0, 7) {
		got, ok := parseTime([]byte(d.Format("2006/01/02 15:04:05")))
		if !ok || got != event.FromStd(d) {
			t.Fatalf("%s: %v", d, got)
		}
	}
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10.137.8.23", "10.137.8.23"},
		{"10.137.8.23(SAL-V1-OLBWEB2)", "10.137.8.23"},
		{"10.138.16.57(unresolved)", "10.138.16.57"},
		{"2001:db8::1", "2001:db8::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"", "invalid IP"},
	} {
		a, ok := parseAddr([]byte(tc.in))
		if !ok || a.String() != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.in, a, ok, tc.want)
		}
	}
	for _, in := range []string{"10.0.0.256", "host.example.com", "(x)"} {
		if a, ok := parseAddr([]byte(in)); ok {
			t.Errorf("%q: %v, want an error", in, a)
		}
	}
}

func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ in, host, uri string }{
		{"www.example.com/index.html", "www.example.com", "/index.html"},
		{"www.example.com/", "www.example.com", "/"},
		{"www.example.com", "www.example.com", ""},
		{"upload.example.net:8080/api?x=1", "upload.example.net", "/api?x=1"},
		{"http://www.example.com/a", "www.example.com", "/a"},
		{"[2001:db8::1]:8443/x", "2001:db8::1", "/x"},
		{"*.googleapis.com/", "*.googleapis.com", "/"},
		{"www.example.com?q=1", "www.example.com", "?q=1"},
	} {
		h, u := splitURL(tc.in)
		if h != tc.host || u != tc.uri {
			t.Errorf("%q: %q %q, want %q %q", tc.in, h, u, tc.host, tc.uri)
		}
	}
}

func TestConnState(t *testing.T) {
	for _, tc := range []struct {
		proto, action, reason string
		pkts, bytes           int64
		want                  string
	}{
		{"tcp", "allow", "tcp-fin", 5, 100, "SF"},
		{"tcp", "allow", "tcp-rst-from-client", 5, 100, "RSTO"},
		{"tcp", "allow", "tcp-rst-from-server", 5, 100, "RSTR"},
		{"tcp", "allow", "aged-out", 5, 100, ""},
		{"tcp", "allow", "", 5, 100, ""},
		{"tcp", "allow", "aged-out", 0, 0, "S0"},
		{"tcp", "allow", "", event.Unset, 0, "S0"},
		{"udp", "allow", "aged-out", 1, 60, "SF"},
		{"icmp", "allow", "", 1, 60, "SF"},
		{"tcp", "deny", "policy-deny", 0, 0, "S0"},
		{"udp", "drop", "", 0, 0, "S0"},
		{"tcp", "reset-both", "policy-deny", 0, 0, "REJ"},
		{"tcp", "reset-client", "", 1, 40, "REJ"},
	} {
		if got := connState(tc.proto, tc.action, []byte(tc.reason), tc.pkts, tc.bytes); got != tc.want {
			t.Errorf("%+v: %q", tc, got)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"": "", "incomplete": "", "insufficient-data": "", "not-applicable": "",
		"unknown-tcp": "", "unknown-udp": "", "unknown-p2p": "", "web-browsing": "web-browsing", "ssl": "ssl"} {
		if got := service([]byte(in)); got != want {
			t.Errorf("service(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "icmp", "gre": "gre"} {
		if got := proto([]byte(in)); got != want {
			t.Errorf("proto(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"get": "GET", "post": "POST", "connect": "CONNECT", "propfind": "PROPFIND", "GET": "GET", "": ""} {
		if got := method([]byte(in)); got != want {
			t.Errorf("method(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"web-browsing": "HTTP", "ftp": "FTP_DATA", "smtp": "SMTP", "ms-ds-smbv2": "SMB", "dropbox": "DROPBOX", "": ""} {
		if got := fileSource([]byte(in)); got != want {
			t.Errorf("fileSource(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]int8{"client-to-server": 1, "client to server": 1, "server-to-client": 0, "": event.Unset} {
		if got := direction([]byte(in)); got != want {
			t.Errorf("direction(%q) = %d", in, got)
		}
	}
}
