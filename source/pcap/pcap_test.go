package pcap

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/synth"
)

var (
	client = netip.MustParseAddr("10.1.1.5")
	server = netip.MustParseAddr("203.0.113.9")
	t0     = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
)

func ap(a netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(a, port) }

// writeCapture writes a capture with fill and returns its bytes.
func writeCapture(t testing.TB, fill func(c *synth.Capture)) []byte {
	t.Helper()
	var b bytes.Buffer
	c, err := synth.NewCapture(&b, t0)
	if err != nil {
		t.Fatal(err)
	}
	fill(c)
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	return b.Bytes()
}

func clientHello(t testing.TB, name string) []byte {
	t.Helper()
	b, err := synth.ClientHello(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTTPAndTLSWhateverThePort(t *testing.T) {
	hello := clientHello(t, "cdn.example.net")
	b := writeCapture(t, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50001), ap(server, 8081))
		h.Send([]byte("POST /upload.php HTTP/1.1\r\nHost: files.example.org:8081\r\nUser-Agent: curl/8.4.0\r\nContent-Type: application/octet-stream\r\nContent-Length: 11\r\n\r\nPK\x03\x04secret!"))
		h.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		h.Send([]byte("GET /next HTTP/1.1\r\nHost: files.example.org:8081\r\n\r\n"))
		h.Reply([]byte("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope!\r\n0\r\n\r\n"))
		h.Close()
		s := c.TCP(ap(client, 50002), ap(server, 80))
		s.Send(hello)
		s.Close()
	})
	s, st, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil || len(st.Skipped) > 0 {
		t.Fatal(err, st.Skipped, st.Problems)
	}
	svc := map[uint16]string{}
	for _, c := range s.conns {
		svc[c.DstPort] = c.Service
		if c.ConnState != "SF" || c.History != "ShADadFf" && c.History != "ShADFf" && c.History != "ShADaFf" {
			t.Logf("conn %d: %s %s", c.DstPort, c.ConnState, c.History)
		}
	}
	if svc[8081] != "http" || svc[80] != "ssl" {
		t.Errorf("services %v, want http on 8081 and ssl on 80", svc)
	}
	if len(s.https) != 2 {
		t.Fatalf("%d http events, want 2", len(s.https))
	}
	p, g := s.https[0], s.https[1]
	if p.Method != "POST" || p.URI != "/upload.php" || p.Host != "files.example.org:8081" || p.UserAgent != "curl/8.4.0" ||
		p.RequestBodyLen != 11 || p.Body != "PK\x03\x04secret!" || p.ContentType != "application/octet-stream" ||
		p.StatusCode != 200 || p.ResponseBodyLen != 2 || p.TransDepth != 1 {
		t.Errorf("POST: %+v", p)
	}
	if g.Method != "GET" || g.StatusCode != 404 || g.ResponseBodyLen != 5 || g.TransDepth != 2 || g.TS <= p.TS {
		t.Errorf("GET: %+v", g)
	}
	if len(s.tlss) != 1 || s.tlss[0].ServerName != "cdn.example.net" || s.tlss[0].JA4 == "" || s.tlss[0].JA3 == "" {
		t.Errorf("tls: %+v", s.tlss)
	}
}

func TestOutOfOrderSegments(t *testing.T) {
	b := writeCapture(t, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50003), ap(server, 80))
		h.SendOutOfOrder([]byte("GET /a HTTP/1.1\r\nHo"), []byte("st: example.com\r\n\r\n"))
		h.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
		h.Close()
	})
	s, _, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.https) != 1 || s.https[0].Host != "example.com" || s.https[0].URI != "/a" {
		t.Fatalf("http %+v", s.https)
	}
	if s.conns[0].History != "ShADTadFf" && !strings.Contains(s.conns[0].History, "D") {
		t.Errorf("history %q", s.conns[0].History)
	}
}

func TestFTPUploadOverPassiveDataChannel(t *testing.T) {
	report := []byte("<html>Time: 03/07/2024 19:00:36<br>User Name: admin<br>Password: honeypass356</html>")
	b := writeCapture(t, func(c *synth.Capture) {
		ctl := c.TCP(ap(client, 49209), ap(server, 21))
		ctl.Reply([]byte("220 FTP ready\r\n"))
		ctl.Send([]byte("USER thief@example.com\r\n"))
		ctl.Reply([]byte("331 Password required\r\n"))
		ctl.Send([]byte("PASS hunter2\r\n"))
		ctl.Reply([]byte("230-Welcome\r\n230 Logged in\r\n"))
		ctl.Send([]byte("TYPE I\r\n"))
		ctl.Reply([]byte("200 Type set\r\n"))
		ctl.Send([]byte("PASV\r\n"))
		ctl.Reply([]byte("227 Entering Passive Mode (203,0,113,9,173,235)\r\n"))
		data := c.TCP(ap(client, 49210), ap(server, 44523))
		ctl.Send([]byte("STOR PW_admin-USER-PC.html\r\n"))
		ctl.Reply([]byte("150 Opening data connection\r\n"))
		data.Send(report)
		data.Close()
		ctl.Reply([]byte("226 Transfer complete\r\n"))
		ctl.Send([]byte("QUIT\r\n"))
		ctl.Reply([]byte("221 Bye\r\n"))
		ctl.Close()
	})
	s, _, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var stor *int
	for i := range s.ftps {
		if s.ftps[i].Command == "STOR" {
			stor = &i
		}
	}
	if stor == nil || len(s.ftps) != 2 {
		t.Fatalf("ftp %+v", s.ftps)
	}
	f := s.ftps[*stor]
	if f.User != "thief@example.com" || f.Arg != "PW_admin-USER-PC.html" || f.ReplyCode != 226 || f.FileSize != int64(len(report)) ||
		!f.DataPassive || f.DataDst != server || f.DataDstPort != 44523 || f.MimeType != "text/html" || f.FUID == "" {
		t.Errorf("STOR %+v", f)
	}
	if len(s.files) != 1 || s.files[0].Source != "FTP_DATA" || s.files[0].Filename != "PW_admin-USER-PC.html" ||
		s.files[0].SeenBytes != int64(len(report)) || s.files[0].IsOrig != 1 || s.files[0].FUID != f.FUID {
		t.Errorf("files %+v", s.files)
	}
	svc := map[uint16]string{}
	for _, c := range s.conns {
		svc[c.DstPort] = c.Service
	}
	if svc[21] != "ftp" || svc[44523] != "ftp-data" {
		t.Errorf("services %v", svc)
	}
}

func TestSMTPEnvelopeAndAttachment(t *testing.T) {
	msg := "From: Alice <alice@corp.example>\r\nTo: bob@outside.example, carol@outside.example\r\nSubject: =?UTF-8?B?cmVwb3J0?=\r\n" +
		"X-Mailer: swaks\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--XX\r\nContent-Type: application/octet-stream; name=\"loot.zip\"\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"loot.zip\"\r\n\r\nUEsDBAoAAAAAAA==\r\n--XX--\r\n.\r\n"
	b := writeCapture(t, func(c *synth.Capture) {
		m := c.TCP(ap(client, 50100), ap(server, 2525))
		m.Reply([]byte("220 mx.outside.example ESMTP\r\n"))
		m.Send([]byte("EHLO ws01\r\n"))
		m.Reply([]byte("250 ok\r\n"))
		m.Send([]byte("MAIL FROM:<alice@corp.example> SIZE=500\r\nRCPT TO:<bob@outside.example>\r\nRCPT TO:<carol@outside.example>\r\nDATA\r\n"))
		m.Reply([]byte("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"))
		m.Send([]byte(msg))
		m.Reply([]byte("250 queued\r\n"))
		m.Close()
	})
	s, _, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.smtps) != 1 {
		t.Fatalf("smtp %+v", s.smtps)
	}
	e := s.smtps[0]
	if e.Helo != "ws01" || e.MailFrom != "alice@corp.example" || len(e.RcptTo) != 2 || e.Subject != "report" || e.UserAgent != "swaks" ||
		len(e.To) != 2 || len(e.FUIDs) != 1 {
		t.Errorf("smtp %+v", e)
	}
	if len(s.files) != 1 || s.files[0].Filename != "loot.zip" || s.files[0].SeenBytes != 10 || s.files[0].MimeType != "application/zip" {
		t.Errorf("files %+v", s.files)
	}
	if s.conns[0].Service != "smtp" {
		t.Errorf("service %q", s.conns[0].Service)
	}
}

func TestDNSOverUDPAndTCPOnAnyPort(t *testing.T) {
	ans := netip.MustParseAddr("198.51.100.7")
	b := writeCapture(t, func(c *synth.Capture) {
		c.UDP(ap(client, 40000), ap(server, 5300), synth.DNSMessage(7, "aGVsbG8.t.example.com", false, ans))
		c.UDP(ap(server, 5300), ap(client, 40000), synth.DNSMessage(7, "aGVsbG8.t.example.com", true, ans))
		q := synth.DNSMessage(9, "tcp.example.com", false, ans)
		r := synth.DNSMessage(9, "tcp.example.com", true, ans)
		tc := c.TCP(ap(client, 40001), ap(server, 53))
		tc.Send(append([]byte{0, byte(len(q))}, q...))
		tc.Reply(append([]byte{0, byte(len(r))}, r...))
		tc.Close()
	})
	s, _, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.dnss) != 2 {
		t.Fatalf("dns %+v", s.dnss)
	}
	for _, d := range s.dnss {
		if d.RCodeName != "NOERROR" || len(d.Answers) != 1 || d.Answers[0] != "198.51.100.7" || d.RTT < 0 || d.QTypeName != "A" {
			t.Errorf("dns %+v", d)
		}
	}
	for _, c := range s.conns {
		if c.Service != "dns" {
			t.Errorf("conn %d/%s service %q", c.DstPort, c.Proto, c.Service)
		}
	}
}

func TestConnStatesAndTimeouts(t *testing.T) {
	b := writeCapture(t, func(c *synth.Capture) {
		c.TCP(ap(client, 1), ap(server, 4444)).Reset()
		c.Advance(10 * time.Minute) // past the TCP idle timeout: a new connection on the same tuple
		h := c.TCP(ap(client, 1), ap(server, 4444))
		h.Send([]byte("raw bytes of a custom protocol, long enough to be judged unknown by the identifier......"))
		h.Reply([]byte("ok................................................................................."))
	})
	s, _, err := readBytes(t, "x.pcap", b, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.conns) != 2 {
		t.Fatalf("conns %+v", s.conns)
	}
	states := map[string]bool{}
	for _, c := range s.conns {
		states[c.ConnState] = true
		if c.Service != "" {
			t.Errorf("service %q for an unknown protocol", c.Service)
		}
	}
	if !states["RSTO"] || !states["S1"] {
		t.Errorf("states %v, want RSTO and S1", states)
	}
}

func TestBadCaptures(t *testing.T) {
	good := writeCapture(t, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50003), ap(server, 80))
		h.Send([]byte("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"))
		h.Close()
	})
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"cut in a packet", good[:len(good)-10], "capture cut short"},
		{"bad record header", append(append([]byte{}, good[:24]...), bytes.Repeat([]byte{0xff}, 40)...), "past a bad record header"},
		{"header only", good[:24], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, err := readBytes(t, "x.pcap", tc.b, DefaultOptions())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.want != "" && !strings.Contains(got, tc.want) || tc.want == "" && got != "" {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			if tc.name == "cut in a packet" && len(s.conns) != 1 {
				t.Errorf("%d conns before the cut, want 1", len(s.conns))
			}
		})
	}
	if _, _, err := readBytes(t, "x.pcap", good[:10], DefaultOptions()); err == nil {
		t.Error("a file header cut short read without error")
	}
}

func TestRecordsRendersPackets(t *testing.T) {
	b := writeCapture(t, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50003), ap(server, 80))
		h.Send([]byte("GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"))
	})
	recs, err := Records(bytes.NewReader(b), []uint32{1, 4})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(recs[1], "10.1.1.5:50003 > 203.0.113.9:80 tcp [S]") || !strings.Contains(recs[4], `"GET /a HTTP/1.1\r\nHost: example.com`) {
		t.Errorf("records %v", recs)
	}
}

func TestActiveTimeoutSplitsLongFlows(t *testing.T) {
	b := writeCapture(t, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50010), ap(server, 7010))
		for i := 0; i < 10; i++ {
			h.Send([]byte("heartbeat................................................................"))
			c.Advance(time.Minute)
		}
		h.Close()
	})
	s, _, err := readBytes(t, "x.pcap", b, Options{Active: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.conns) != 4 {
		t.Fatalf("%d records, want 4 (10 minutes in 3-minute slices)", len(s.conns))
	}
	var total int64
	for _, c := range s.conns {
		total += c.OrigBytes
		if c.UID != s.conns[0].UID {
			t.Errorf("uid %s, want %s", c.UID, s.conns[0].UID)
		}
	}
	if total != 10*73 {
		t.Errorf("bytes out %d, want %d", total, 10*73)
	}
}
