package pcap

import (
	"bytes"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// loggedFTP are the commands Zeek's ftp.log records (FTP::logged_commands); the others only
// update the session (USER) or pass.
var loggedFTP = map[string]bool{"APPE": true, "DELE": true, "RETR": true, "STOR": true, "STOU": true,
	"ACCT": true, "PORT": true, "PASV": true, "EPRT": true, "EPSV": true}

// uploadFTP are the commands that send a file to the server.
var uploadFTP = map[string]bool{"STOR": true, "STOU": true, "APPE": true}

// ftpCmd is a command waiting for its reply.
type ftpCmd struct {
	cmd, arg string
	ts       event.Time
	pkt      uint32
	x        *ftpTransfer
}

// ftpTransfer is a data channel an FTP session set up (PASV, EPSV, PORT, EPRT) and the
// transfer command that used it.
type ftpTransfer struct {
	at      event.Time
	ctl     *flow
	passive bool
	ep      netip.AddrPort // the endpoint the data connection goes to
	cmd     *ftpCmd
	data    *flow
	head    []byte
	fuid    string
	filed   bool
}

// upload reports whether the transfer sends a file to the server.
func (x *ftpTransfer) upload() bool { return x.cmd != nil && uploadFTP[x.cmd.cmd] }

// sent is the number of bytes the sender put on the data channel (Unset before it opened).
func (x *ftpTransfer) sent() (int64, int) {
	if x.data == nil {
		return event.Unset, 0
	}
	sender := x.ctl.resp
	if x.upload() {
		sender = x.ctl.orig
	}
	di := 0
	if x.data.orig != sender {
		di = 1
	}
	if x.data.d[di].high == 0 && x.data.d[1-di].high > 0 && x.cmd == nil {
		di = 1 - di // no command seen: the side that sent is the sender
	}
	return x.data.d[di].high, di
}

// ftpApp follows an FTP control connection (Zeek ftp.log).
type ftpApp struct {
	s     *tcpSession
	lines [2]lineBuf
	user  string
	cmds  []*ftpCmd
	xfer  *ftpTransfer // the last data channel set up, until a transfer command uses it
	multi string       // the code of a multi-line reply being read
	nx    int          // data channels set up so far
}

func newFTP(s *tcpSession) *ftpApp { return &ftpApp{s: s, user: "<unknown>"} }

func (a *ftpApp) gap(bool) {}

func (a *ftpApp) data(orig bool, b []byte, p pos) {
	if orig {
		a.lines[0].feed(b, p, a.command)
	} else {
		a.lines[1].feed(b, p, a.reply)
	}
}

func (a *ftpApp) command(line []byte, ts event.Time, pkt uint32, _ int) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	cmd, arg, _ := strings.Cut(string(line), " ")
	c := &ftpCmd{cmd: strings.ToUpper(cmd), arg: strings.TrimSpace(arg), ts: ts, pkt: pkt}
	switch c.cmd {
	case "USER":
		a.user = c.arg
	case "STOR", "STOU", "APPE", "RETR", "LIST", "NLST", "MLSD":
		if a.xfer != nil && a.xfer.cmd == nil {
			c.x = a.xfer
			a.xfer.cmd = c
			a.xfer = nil
		}
	case "PORT", "EPRT":
		if ep, ok := parsePort(c.cmd, c.arg, a.s.f.orig); ok {
			a.setup(ep, false, ts)
		}
	}
	if len(a.cmds) >= 64 {
		a.cmds = a.cmds[1:]
	}
	a.cmds = append(a.cmds, c)
}

// setup expects a data connection to ep.
func (a *ftpApp) setup(ep netip.AddrPort, passive bool, ts event.Time) {
	t := a.s.t
	x := &ftpTransfer{at: ts, ctl: a.s.f, passive: passive, ep: ep}
	a.nx++
	x.fuid = "F" + a.s.f.uid[1:] + strconv.Itoa(a.nx)
	t.expect[ep] = x
	a.xfer = x
}

func (a *ftpApp) reply(line []byte, _ event.Time, _ uint32, _ int) {
	if len(line) < 3 || !isDigits(line[:3]) {
		return // a line inside a multi-line reply
	}
	code := string(line[:3])
	if a.multi != "" {
		if code == a.multi && (len(line) == 3 || line[3] == ' ') {
			a.multi = ""
		}
		return
	}
	if len(line) > 3 && line[3] == '-' {
		a.multi = code
		// The first line carries the text that matters (e.g. 227's address); handle it now
		// and ignore the rest of the reply.
	}
	msg := ""
	if len(line) > 4 {
		msg = strings.TrimSpace(string(line[4:]))
	}
	if code[0] == '1' {
		return // preliminary: the final reply follows
	}
	if len(a.cmds) == 0 {
		return // the greeting
	}
	c := a.cmds[0]
	a.cmds = a.cmds[1:]
	n, _ := strconv.Atoi(code)
	switch {
	case c.cmd == "PASV" && code == "227":
		if ep, ok := parsePASV(msg); ok {
			a.setup(ep, true, c.ts)
		}
	case c.cmd == "EPSV" && code == "229":
		if port, ok := parseEPSV(msg); ok {
			a.setup(netip.AddrPortFrom(a.s.f.resp, port), true, c.ts)
		}
	}
	if loggedFTP[c.cmd] {
		a.log(c, int64(n), msg)
	}
}

func (a *ftpApp) log(c *ftpCmd, code int64, msg string) {
	f := a.s.f
	e := event.FTP{
		Meta:      event.Meta{Ref: a.s.t.f.Ref(c.pkt), TS: c.ts, UID: f.uid},
		Flow:      event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
		User:      a.user,
		Command:   c.cmd,
		Arg:       c.arg,
		FileSize:  event.Unset,
		ReplyCode: code,
		ReplyMsg:  msg,
	}
	x := c.x
	if x == nil && (c.cmd == "PASV" || c.cmd == "EPSV" || c.cmd == "PORT" || c.cmd == "EPRT") {
		x = a.xfer
	}
	if x != nil {
		e.DataPassive = x.passive
		if x.passive {
			e.DataSrc, e.DataDst = f.orig, x.ep.Addr()
		} else {
			e.DataSrc, e.DataDst = f.resp, x.ep.Addr()
		}
		e.DataDstPort = x.ep.Port()
		if c.x != nil && code >= 200 && code < 300 {
			if n, _ := x.sent(); n >= 0 {
				e.FileSize = n
			}
			e.MimeType = mimeOf(x.head)
			e.FUID = x.fuid
		}
	}
	a.s.t.out.FTP(&e)
}

func (a *ftpApp) end() {
	for _, c := range a.cmds { // commands the session ended before answering
		if loggedFTP[c.cmd] {
			a.log(c, event.Unset, "")
		}
	}
	a.cmds = nil
}

// ftpDataApp keeps the first bytes of a data channel (for the file's type).
type ftpDataApp struct{ x *ftpTransfer }

func (d *ftpDataApp) data(_ bool, b []byte, _ pos) {
	if room := 64 - len(d.x.head); room > 0 {
		d.x.head = append(d.x.head, b[:min(room, len(b))]...)
	}
}
func (d *ftpDataApp) gap(bool) {}
func (d *ftpDataApp) end()     {}

// dataDone reports the file a data channel carried, when it ends.
func (x *ftpTransfer) dataDone(t *tracker, f *flow) {
	if x.filed || x.data != f {
		return
	}
	x.filed = true
	n, di := x.sent()
	if n <= 0 && (x.cmd == nil || x.cmd.cmd == "LIST" || x.cmd.cmd == "NLST" || x.cmd.cmd == "MLSD") {
		return // a listing or an empty channel: not a file
	}
	if x.cmd != nil && (x.cmd.cmd == "LIST" || x.cmd.cmd == "NLST" || x.cmd.cmd == "MLSD") {
		return
	}
	tx, rx := f.orig, f.resp
	isOrig := int8(1)
	if di == 1 {
		tx, rx, isOrig = f.resp, f.orig, 0
	}
	e := event.File{
		Meta:         event.Meta{Ref: t.f.Ref(f.firstPkt), TS: f.first, UID: x.fuid},
		Flow:         event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
		FUID:         x.fuid,
		TxHosts:      event.List{tx.String()},
		RxHosts:      event.List{rx.String()},
		ConnUIDs:     event.List{f.uid},
		Source:       "FTP_DATA",
		Depth:        0,
		MimeType:     mimeOf(x.head),
		Duration:     event.Duration(f.last - f.first),
		LocalOrig:    event.Unset,
		IsOrig:       isOrig,
		SeenBytes:    n,
		TotalBytes:   event.Unset,
		MissingBytes: f.d[di].missed,
	}
	if x.cmd != nil {
		e.Filename = path.Base(x.cmd.arg)
	}
	t.out.File(&e)
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// parsePASV reads the address of a 227 reply: "Entering Passive Mode (h1,h2,h3,h4,p1,p2)".
func parsePASV(msg string) (netip.AddrPort, bool) {
	i := strings.IndexAny(msg, "0123456789")
	if i < 0 {
		return netip.AddrPort{}, false
	}
	s := msg[i:]
	if j := strings.IndexFunc(s, func(r rune) bool { return r != ',' && (r < '0' || r > '9') }); j >= 0 {
		s = s[:j]
	}
	return sixNumbers(s)
}

func sixNumbers(s string) (netip.AddrPort, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, false
	}
	var v [6]byte
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 255 {
			return netip.AddrPort{}, false
		}
		v[i] = byte(n)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{v[0], v[1], v[2], v[3]}), uint16(v[4])<<8|uint16(v[5])), true
}

// parseEPSV reads the port of a 229 reply: "Entering Extended Passive Mode (|||port|)".
func parseEPSV(msg string) (uint16, bool) {
	i := strings.Index(msg, "(")
	j := strings.LastIndex(msg, ")")
	if i < 0 || j < i+2 {
		return 0, false
	}
	inner := msg[i+1 : j]
	d := inner[:1]
	parts := strings.Split(inner, d)
	if len(parts) != 5 {
		return 0, false
	}
	n, err := strconv.ParseUint(parts[3], 10, 16)
	return uint16(n), err == nil
}

// parsePort reads the argument of PORT (h1,h2,h3,h4,p1,p2) or EPRT (|1|addr|port|).
func parsePort(cmd, arg string, client netip.Addr) (netip.AddrPort, bool) {
	if cmd == "PORT" {
		return sixNumbers(arg)
	}
	if len(arg) < 2 {
		return netip.AddrPort{}, false
	}
	parts := strings.Split(arg, arg[:1])
	if len(parts) != 5 {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(parts[2])
	if err != nil {
		addr = client
	}
	n, err := strconv.ParseUint(parts[3], 10, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(n)), true
}
