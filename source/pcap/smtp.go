package pcap

import (
	"bytes"
	"mime"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// smtpTx is one mail transaction: the envelope, the message's headers and its attachments.
type smtpTx struct {
	ev       event.SMTP
	files    []event.File
	inHead   bool   // reading the message's (or a part's) headers
	hdrName  string // the header being read (folded lines continue it)
	hdrValue string
	bounds   []string
	part     *mimePart
	nparts   int
}

// mimePart is the MIME entity being read.
type mimePart struct {
	ctype, filename, encoding string
	ts                        event.Time
	pkt                       uint32
	wire                      int64 // encoded bytes
	decoded                   int64
	head                      []byte // the first decoded bytes
	b64rest                   []byte
}

// smtpApp follows an SMTP session (Zeek smtp.log, and files.log for attachments).
type smtpApp struct {
	s      *tcpSession
	lines  lineBuf
	helo   string
	tx     *smtpTx
	inData bool
	tls    bool
	dead   bool
	depth  int64
}

func newSMTP(s *tcpSession) *smtpApp { return &smtpApp{s: s} }

func (a *smtpApp) gap(orig bool) {
	if orig {
		a.finishTx()
		a.dead = true
	}
}

func (a *smtpApp) data(orig bool, b []byte, p pos) {
	if !orig || a.dead {
		return // the server's replies add nothing sluice keeps
	}
	a.lines.feed(b, p, a.line)
}

func (a *smtpApp) newTx(ts event.Time, pkt uint32) *smtpTx {
	f := a.s.f
	a.depth++
	tx := &smtpTx{}
	tx.ev = event.SMTP{
		Meta:       event.Meta{Ref: a.s.t.f.Ref(pkt), TS: ts, UID: f.uid},
		Flow:       event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
		TransDepth: a.depth,
		Helo:       a.helo,
		TLS:        a.tls,
	}
	return tx
}

func (a *smtpApp) line(line []byte, ts event.Time, pkt uint32, wire int) {
	if a.dead {
		return
	}
	if a.inData {
		a.dataLine(line, ts, pkt, wire)
		return
	}
	cmd, arg, _ := strings.Cut(strings.TrimSpace(string(line)), " ")
	switch strings.ToUpper(cmd) {
	case "HELO", "EHLO":
		a.helo = strings.TrimSpace(arg)
	case "MAIL":
		a.finishTx()
		a.tx = a.newTx(ts, pkt)
		a.tx.ev.MailFrom = addrArg(arg, "FROM:")
	case "RCPT":
		if a.tx == nil {
			a.tx = a.newTx(ts, pkt)
		}
		if to := addrArg(arg, "TO:"); to != "" {
			a.tx.ev.RcptTo = append(a.tx.ev.RcptTo, to)
		}
	case "DATA":
		if a.tx == nil {
			a.tx = a.newTx(ts, pkt)
		}
		a.inData = true
		a.tx.inHead = true
	case "RSET":
		a.tx = nil
	case "STARTTLS":
		a.tls = true
		a.finishTx()
		// What follows is encrypted: the session is reported with tls set.
		tx := a.newTx(ts, pkt)
		tx.ev.TLS = true
		a.tx = tx
		a.finishTx()
		a.dead = true
	case "BDAT":
		a.finishTx() // CHUNKING: the message is binary-framed; its envelope is kept
		a.dead = true
	}
}

// addrArg reads the address of MAIL FROM:<a> or RCPT TO:<a> (parameters after it dropped).
func addrArg(arg, prefix string) string {
	arg = strings.TrimSpace(arg)
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = strings.TrimSpace(arg[len(prefix):])
	}
	if strings.HasPrefix(arg, "<") {
		if i := strings.IndexByte(arg, '>'); i >= 0 {
			return arg[1:i]
		}
	}
	if i := strings.IndexByte(arg, ' '); i >= 0 {
		arg = arg[:i]
	}
	return arg
}

func (a *smtpApp) dataLine(line []byte, ts event.Time, pkt uint32, wire int) {
	tx := a.tx
	if len(line) == 1 && line[0] == '.' {
		a.inData = false
		a.finishTx()
		return
	}
	if len(line) > 1 && line[0] == '.' {
		line = line[1:] // dot-stuffing
	}
	if tx.inHead {
		if len(line) == 0 {
			a.endHeaders()
			return
		}
		if line[0] == ' ' || line[0] == '\t' {
			tx.hdrValue += " " + strings.TrimSpace(string(line))
			return
		}
		a.header()
		name, value, ok := strings.Cut(string(line), ":")
		if ok {
			tx.hdrName, tx.hdrValue = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		}
		return
	}
	if len(line) > 2 && line[0] == '-' && line[1] == '-' {
		for _, b := range tx.bounds {
			if bytes.HasPrefix(line[2:], []byte(b)) {
				rest := line[2+len(b):]
				a.endPart()
				if !bytes.HasPrefix(rest, []byte("--")) {
					tx.part = &mimePart{ts: ts, pkt: pkt}
					tx.inHead = true
				}
				return
			}
		}
	}
	if p := tx.part; p != nil {
		p.wire += int64(wire)
		a.partBytes(p, line)
	}
}

// header applies the header just read to the message or the part.
func (a *smtpApp) header() {
	tx := a.tx
	name, value := tx.hdrName, tx.hdrValue
	tx.hdrName, tx.hdrValue = "", ""
	if name == "" {
		return
	}
	if tx.part == nil { // the message's own headers
		switch name {
		case "from":
			tx.ev.From = value
		case "to":
			for _, t := range strings.Split(value, ",") {
				if t = strings.TrimSpace(t); t != "" {
					tx.ev.To = append(tx.ev.To, t)
				}
			}
		case "subject":
			tx.ev.Subject = decodeWords(value)
		case "user-agent", "x-mailer":
			tx.ev.UserAgent = value
		}
	}
	switch name {
	case "content-type":
		mt, params, _ := mime.ParseMediaType(value)
		if b := params["boundary"]; b != "" && len(tx.bounds) < 16 {
			tx.bounds = append(tx.bounds, b)
		}
		if tx.part != nil {
			tx.part.ctype = mt
			if n := params["name"]; n != "" && tx.part.filename == "" {
				tx.part.filename = n
			}
		} else if !strings.HasPrefix(mt, "multipart/") && mt != "" {
			tx.part = &mimePart{ctype: mt, ts: tx.ev.TS, pkt: tx.ev.Ref.Line} // a single-part message
		}
	case "content-disposition":
		if tx.part != nil {
			if _, params, err := mime.ParseMediaType(value); err == nil && params["filename"] != "" {
				tx.part.filename = params["filename"]
			} else if i := strings.Index(strings.ToLower(value), "filename="); i >= 0 {
				tx.part.filename = strings.Trim(value[i+9:], "\"; ")
			}
		}
	case "content-transfer-encoding":
		if tx.part != nil {
			tx.part.encoding = strings.ToLower(value)
		} else {
			tx.part = &mimePart{encoding: strings.ToLower(value), ts: tx.ev.TS, pkt: tx.ev.Ref.Line}
		}
	}
}

func (a *smtpApp) endHeaders() {
	a.header()
	a.tx.inHead = false
}

// partBytes counts a body line of a part and keeps its first decoded bytes.
func (a *smtpApp) partBytes(p *mimePart, line []byte) {
	if p.encoding == "base64" {
		line = bytes.TrimSpace(line)
		n := len(line) / 4 * 3
		if bytes.HasSuffix(line, []byte("==")) {
			n -= 2
		} else if bytes.HasSuffix(line, []byte("=")) {
			n--
		}
		p.decoded += int64(max(n, 0))
		if len(p.head) < 64 {
			p.b64rest = append(p.b64rest, line...)
			if len(p.b64rest) >= 88 {
				if dec, err := decodeBase64(p.b64rest[:88]); err == nil {
					p.head = dec
				}
			}
		}
		return
	}
	p.decoded += int64(len(line)) + 2
	if room := 64 - len(p.head); room > 0 {
		p.head = append(p.head, line[:min(room, len(line))]...)
	}
}

// endPart reports the part just read when it is a file (it has a name).
func (a *smtpApp) endPart() {
	tx := a.tx
	p := tx.part
	tx.part = nil
	if p == nil || p.filename == "" {
		return
	}
	if len(p.head) == 0 && len(p.b64rest) >= 4 {
		if dec, err := decodeBase64(p.b64rest[:len(p.b64rest)/4*4]); err == nil {
			p.head = dec
		}
	}
	f := a.s.f
	tx.nparts++
	fuid := "F" + f.uid[1:] + "m" + strconv.FormatInt(tx.ev.TransDepth, 10) + "p" + strconv.Itoa(tx.nparts)
	mt := p.ctype
	if mt == "" || mt == "application/octet-stream" {
		if m := mimeOf(p.head); m != "" {
			mt = m
		}
	}
	tx.files = append(tx.files, event.File{
		Meta:         event.Meta{Ref: a.s.t.f.Ref(p.pkt), TS: p.ts, UID: fuid},
		Flow:         event.Flow{Src: f.orig, SrcPort: f.origPort, Dst: f.resp, DstPort: f.respPort},
		FUID:         fuid,
		TxHosts:      event.List{f.orig.String()},
		RxHosts:      event.List{f.resp.String()},
		ConnUIDs:     event.List{f.uid},
		Source:       "SMTP",
		Depth:        int64(tx.nparts),
		MimeType:     mt,
		Filename:     decodeWords(p.filename),
		LocalOrig:    event.Unset,
		IsOrig:       1,
		SeenBytes:    p.decoded,
		TotalBytes:   event.Unset,
		MissingBytes: 0,
	})
	tx.ev.FUIDs = append(tx.ev.FUIDs, fuid)
}

// finishTx reports the transaction being read.
func (a *smtpApp) finishTx() {
	tx := a.tx
	a.tx = nil
	if tx == nil {
		return
	}
	if tx.inHead {
		tx.part = nil
	}
	a.tx = tx
	a.endPart()
	a.tx = nil
	out := a.s.t.out
	out.SMTP(&tx.ev)
	for i := range tx.files {
		out.File(&tx.files[i])
	}
}

func (a *smtpApp) end() {
	a.finishTx()
}

// decodeWords decodes RFC 2047 encoded words (=?UTF-8?B?...?=), leaving the text as it is
// when it cannot.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
