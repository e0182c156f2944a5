package pcap

import (
	"bytes"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/sluice-hunt/sluice/event"
)

// pktCtx carries a packet's capture info through the reassembler, which keeps it with data
// that arrives out of order. CaptureInfo.InterfaceIndex holds the packet's ordinal (the
// interface was only needed to pick the link type, before).
type pktCtx struct{ ci gopacket.CaptureInfo }

func (c *pktCtx) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// context returns a context for a packet, from a slab so that a packet costs no allocation of
// its own (the reassembler may keep a pointer to it).
func (t *tracker) context(p *packet) *pktCtx {
	if len(t.ctxs) == 0 {
		t.ctxs = make([]pktCtx, 1024)
	}
	c := &t.ctxs[0]
	t.ctxs = t.ctxs[1:]
	c.ci = p.ci
	c.ci.Timestamp = p.ts.Std()
	c.ci.InterfaceIndex = int(p.n)
	c.ci.AncillaryData = nil
	return c
}

// appSet says which application analyzers the run needs.
type appSet struct{ ident, http, dns, tls, ftp, smtp bool }

func appsFor(skip event.KindSet) appSet {
	file := !skip.Has(event.KindFile)
	return appSet{
		ident: !skip.Has(event.KindConn),
		http:  !skip.Has(event.KindHTTP),
		dns:   !skip.Has(event.KindDNS),
		tls:   !skip.Has(event.KindTLS),
		ftp:   !skip.Has(event.KindFTP) || file,
		smtp:  !skip.Has(event.KindSMTP) || file,
	}
}

func (a appSet) any() bool { return a.ident || a.http || a.dns || a.tls || a.ftp || a.smtp }

// New is the reassembler's StreamFactory: it attaches a stream to the flow of the packet
// being assembled.
func (t *tracker) New(_, _ gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	f := t.cur
	if f == nil {
		return rejectStream{}
	}
	if f.tcp == nil {
		f.tcp = &tcpSession{t: t, f: f}
		if f.ftpData != nil {
			f.tcp.app = &ftpDataApp{x: f.ftpData}
			f.tcp.state = stAnalyzing
		}
	}
	return &streamHandle{s: f.tcp, c2sOrig: t.curOrig}
}

type rejectStream struct{}

func (rejectStream) Accept(*layers.TCP, gopacket.CaptureInfo, reassembly.TCPFlowDirection, reassembly.Sequence, *bool, reassembly.AssemblerContext) bool {
	return false
}
func (rejectStream) ReassembledSG(reassembly.ScatterGather, reassembly.AssemblerContext) {}
func (rejectStream) ReassemblyComplete(reassembly.AssemblerContext) bool                 { return true }

// streamHandle is the reassembler's view of a session: it knows which of the reassembler's
// directions is the originator's.
type streamHandle struct {
	s       *tcpSession
	c2sOrig bool
}

func (h *streamHandle) Accept(_ *layers.TCP, _ gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, _ reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	if h.s.done {
		return false
	}
	*start = true // a capture may start in the middle of a connection
	return true
}

func (h *streamHandle) ReassembledSG(sg reassembly.ScatterGather, _ reassembly.AssemblerContext) {
	if h.s.done {
		return
	}
	dir, _, _, skip := sg.Info()
	orig := (dir == reassembly.TCPDirClientToServer) == h.c2sOrig
	if skip > 0 {
		h.s.gap(orig, skip)
	}
	n, _ := sg.Lengths()
	if n == 0 {
		return
	}
	h.s.data(orig, sg.Fetch(n), pos{sg: sg})
}

func (h *streamHandle) ReassemblyComplete(reassembly.AssemblerContext) bool {
	h.s.finish()
	return true
}

// pos finds the packet that carried a byte of a chunk of stream data.
type pos struct {
	sg  reassembly.ScatterGather
	off int
	ts  event.Time
	pkt uint32
}

// at returns the capture time and ordinal of the packet that carried byte i of the chunk.
func (p pos) at(i int) (event.Time, uint32) {
	if p.sg == nil {
		return p.ts, p.pkt
	}
	ci := p.sg.CaptureInfo(p.off + i)
	return event.FromStd(ci.Timestamp), uint32(ci.InterfaceIndex)
}

// advance returns the position of a chunk that starts i bytes later.
func (p pos) advance(i int) pos {
	if p.sg != nil {
		p.off += i
	}
	return p
}

// app analyzes the application protocol of a TCP session: it gets each direction's bytes in
// order, a note when bytes were lost, and the session's end.
type app interface {
	data(orig bool, b []byte, p pos)
	gap(orig bool)
	end()
}

// Session states.
const (
	stIdentifying = iota
	stAnalyzing
	stIgnoring
)

// identifyMax is how many bytes of each direction are kept while the protocol is unknown.
const identifyMax = 2048

// tcpSession is the application side of a TCP flow.
type tcpSession struct {
	t     *tracker
	f     *flow
	app   app
	state uint8
	done  bool
	pend  [2][]byte
	at    [2]pos
}

func (s *tcpSession) gap(orig bool, n int) {
	di := 0
	if !orig {
		di = 1
	}
	s.f.d[di].missed += int64(n)
	switch s.state {
	case stAnalyzing:
		s.app.gap(orig)
	case stIdentifying:
		s.state = stIgnoring // the start is lost: nothing to identify from
		s.pend = [2][]byte{}
	}
}

func (s *tcpSession) data(orig bool, b []byte, p pos) {
	switch s.state {
	case stAnalyzing:
		s.app.data(orig, b, p)
		return
	case stIgnoring:
		return
	}
	di := 0
	if !orig {
		di = 1
	}
	if len(s.pend[di]) == 0 {
		ts, pkt := p.at(0)
		s.at[di] = pos{ts: ts, pkt: pkt}
	}
	room := identifyMax - len(s.pend[di])
	s.pend[di] = append(s.pend[di], b[:min(len(b), room)]...)
	name, decided := identify(s.pend[0], s.pend[1])
	if !decided {
		if len(s.pend[0]) >= identifyMax || len(s.pend[1]) >= identifyMax {
			s.state = stIgnoring
			s.pend = [2][]byte{}
		}
		return
	}
	if s.f.service == "" {
		s.f.service = name
	}
	s.app = s.t.newApp(s, name)
	if s.app == nil {
		s.state = stIgnoring
		s.pend = [2][]byte{}
		return
	}
	s.state = stAnalyzing
	pend, at := s.pend, s.at
	s.pend = [2][]byte{}
	first := 0
	if serverFirst(name) {
		first = 1
	}
	for _, d := range []int{first, 1 - first} {
		if len(pend[d]) > 0 && !s.done {
			s.app.data(d == 0, pend[d], at[d])
		}
	}
}

// finish ends the session's analysis (the connection ended or timed out).
func (s *tcpSession) finish() {
	if s.done {
		return
	}
	s.done = true
	if s.app != nil {
		s.app.end()
	}
}

func serverFirst(name string) bool {
	switch name {
	case "ftp", "smtp", "pop3", "imap":
		return true
	}
	return false
}

// newApp returns the analyzer of a protocol, or nil when the run needs none for it.
func (t *tracker) newApp(s *tcpSession, name string) app {
	switch name {
	case "http":
		if t.apps.http {
			return newHTTP(s)
		}
	case "ssl":
		if t.apps.tls {
			return newTLS(s)
		}
	case "ftp":
		if t.apps.ftp {
			return newFTP(s)
		}
	case "smtp":
		if t.apps.smtp {
			return newSMTP(s)
		}
	case "dns":
		if t.apps.dns {
			return newDNSTCP(s)
		}
	}
	return nil
}

// identify names the protocol of a TCP session from the first bytes of the client (c) and
// the server (s), whatever the port. decided is false while more bytes may tell; a decided
// empty name is a protocol sluice does not know.
func identify(c, s []byte) (name string, decided bool) {
	if len(c) > 0 {
		if maybe, ok := httpRequestStart(c); ok {
			return "http", true
		} else if maybe {
			return "", false
		}
		if c[0] == 0x16 && (len(c) < 2 || c[1] == 3) && (len(c) < 3 || c[2] <= 4) {
			if len(c) < 6 {
				return "", false
			}
			if c[5] == 1 { // ClientHello
				return "ssl", true
			}
		}
		if len(c) >= 5 && c[0]&0x80 != 0 && c[2] == 1 && c[3] == 3 { // SSLv2-style ClientHello
			return "ssl", true
		}
		if hasPrefixOrShort(c, "SSH-") {
			if len(c) < 4 {
				return "", false
			}
			return "ssh", true
		}
		if len(c) >= 8 && c[0] == 0 && string(c[5:8]) == "SMB" && (c[4] == 0xff || c[4] == 0xfe || c[4] == 0xfd) {
			return "smb", true
		}
		if len(c) >= 6 && c[0] == 3 && c[1] == 0 && c[5] == 0xe0 { // TPKT + X.224 connection request
			return "rdp", true
		}
		if dnsTCPStart(c) {
			return "dns", true
		}
		if len(s) == 0 || !bytes.HasPrefix(s, []byte("220")) {
			if hasPrefixFold(c, "NICK ") || hasPrefixFold(c, "CAP LS") ||
				hasPrefixFold(c, "PASS ") && bytes.Contains(c, []byte("\nNICK ")) ||
				hasPrefixFold(c, "USER ") && bytes.Count(firstLine(c), []byte(" ")) >= 4 {
				return "irc", true
			}
		}
	}
	if len(s) > 0 {
		switch {
		case hasPrefixOrShort(s, "SSH-"):
			if len(s) < 4 {
				return "", false
			}
			return "ssh", true
		case bytes.HasPrefix(s, []byte("HTTP/1.")):
			return "http", true
		case bytes.HasPrefix(s, []byte("+OK")):
			return "pop3", true
		case bytes.HasPrefix(s, []byte("* OK")):
			return "imap", true
		case s[0] == ':' && (bytes.Contains(s, []byte(" NOTICE ")) || bytes.Contains(s, []byte(" 001 "))):
			return "irc", true
		case bytes.HasPrefix(s, []byte("220")):
			if len(c) > 0 {
				cmd := firstLine(c)
				switch {
				case hasPrefixFold(cmd, "EHLO") || hasPrefixFold(cmd, "HELO"):
					return "smtp", true
				case hasPrefixFold(cmd, "USER") || hasPrefixFold(cmd, "AUTH") || hasPrefixFold(cmd, "FEAT") ||
					hasPrefixFold(cmd, "SYST") || hasPrefixFold(cmd, "OPTS") || hasPrefixFold(cmd, "PASS"):
					return "ftp", true
				}
				if bytes.IndexByte(c, '\n') < 0 && len(c) < 64 {
					return "", false
				}
				return "", true
			}
			banner := bytes.ToUpper(firstLine(s))
			if bytes.Contains(banner, []byte("FTP")) {
				return "ftp", true
			}
			if bytes.Contains(banner, []byte("SMTP")) {
				return "smtp", true
			}
			return "", false // wait for the client's first command
		}
	}
	if len(c) >= 64 || len(s) >= 64 || len(c) > 0 && len(s) > 0 {
		return "", true
	}
	return "", false
}

// httpMethods are the request methods that identify HTTP (RFC 9110, WebDAV and the common
// extensions), each with the space that follows it.
var httpMethods = []string{"GET ", "POST ", "PUT ", "HEAD ", "OPTIONS ", "DELETE ", "CONNECT ", "PATCH ", "TRACE ",
	"PROPFIND ", "PROPPATCH ", "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ", "REPORT ", "MKCALENDAR "}

// httpRequestStart reports whether c starts like an HTTP request line (ok), or might once
// more bytes come (maybe).
func httpRequestStart(c []byte) (maybe, ok bool) {
	for _, m := range httpMethods {
		if len(c) < len(m) {
			if string(c) == m[:len(c)] {
				maybe = true
			}
			continue
		}
		if string(c[:len(m)]) != m {
			continue
		}
		line := c
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			line = c[:i]
		} else if !bytes.Contains(c, []byte(" HTTP/")) {
			return len(c) < 1024, false // the request line is not whole yet
		}
		return false, bytes.Contains(line, []byte(" HTTP/"))
	}
	return maybe, false
}

func dnsTCPStart(c []byte) bool {
	if len(c) < 14 {
		return false
	}
	l := int(be16(c))
	if l < 12 {
		return false
	}
	h := c[2:]
	flags := be16(h[2:])
	qd, an, ns := be16(h[4:]), be16(h[6:]), be16(h[8:])
	return flags&0x8000 == 0 && flags&0x7800 == 0 && qd == 1 && an == 0 && ns == 0
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return bytes.TrimSuffix(b[:i], []byte("\r"))
	}
	return b
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}

// hasPrefixOrShort reports whether b starts with p, or is a prefix of it.
func hasPrefixOrShort(b []byte, p string) bool {
	n := min(len(b), len(p))
	return string(b[:n]) == p[:n]
}
