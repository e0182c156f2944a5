package panos

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// parser reads records into events. The events are reused from record to record.
type parser struct {
	sp     splitter
	lay    *layout // the layout of the current record
	dd     dedupe
	conn   event.Conn
	http   event.HTTP
	file   event.File
	notice event.Notice
}

// get returns field f of the current record, or nil when the record has no such column.
func (p *parser) get(f fieldID) []byte {
	c := int(p.lay.col[f])
	if c < 0 || c >= len(p.sp.fields) {
		return nil
	}
	return p.sp.fields[c]
}

// outcome is what became of a record.
type outcome struct {
	kind event.Kind
	key  string // the log type it is counted under
	read bool   // read (an event, or counted for a kind no detection reads); else ignored
}

// record reads one line (trimmed, not blank). hdr is the layout of an exported CSV file's
// columns, nil for syslog lines (positional). It sends the event to sink unless skip has its
// kind.
func (p *parser) record(l []byte, hdr *layout, ref event.Ref, skip event.KindSet, sink event.Sink) (outcome, *skipError) {
	var typ []byte
	if hdr == nil {
		l = l[csvStart(l):]
		p.sp.reset(l)
		if err := p.sp.to(colType + 1); err != nil {
			return outcome{}, err
		}
		if len(p.sp.fields) <= colType || !isTypeWord(p.sp.fields[colType]) {
			if len(p.sp.fields) > colType && knownType(p.sp.fields[colType-1]) {
				return outcome{}, skipf("Strata Logging Service layout", "log type in the third field, not the fourth: the layout of Strata Logging Service (Cortex Data Lake) forwarding, which this reader does not read")
			}
			return outcome{}, skipf("not a PAN-OS record", "no log type (TRAFFIC, THREAT ...) in the fourth field: %q", cut(l, 60))
		}
		typ = p.sp.fields[colType]
		switch string(typ) {
		case "TRAFFIC":
			p.lay = trafficLayout
		case "THREAT":
			p.lay = threatLayout
		default:
			return outcome{key: ignoredType(typ)}, nil
		}
		if err := p.sp.to(p.lay.max); err != nil {
			return outcome{}, err
		}
	} else {
		p.lay = hdr
		p.sp.reset(l)
		if err := p.sp.to(hdr.max); err != nil {
			return outcome{}, err
		}
		typ = p.get(fType)
		switch string(typ) {
		case "TRAFFIC", "THREAT":
		case "":
			return outcome{}, skipf("too few fields", "%d fields, none in the Type column (column %d of the header)", len(p.sp.fields), hdr.col[fType]+1)
		default:
			return outcome{key: ignoredType(typ)}, nil
		}
	}
	if len(p.sp.fields) < p.lay.need {
		return outcome{}, skipf("too few fields", "%s record of %d fields; PAN-OS 6.0 and later write at least %d", typ, len(p.sp.fields), p.lay.need)
	}
	sub := p.get(fSubtype)
	var o outcome
	if typ[1] == 'R' { // TRAFFIC
		switch string(sub) {
		case "end", "drop", "deny":
			o = outcome{kind: event.KindConn, key: logTraffic, read: true}
		case "start":
			o = outcome{key: logStart}
		default:
			return outcome{key: "panos-traffic-other"}, nil
		}
	} else {
		switch string(sub) {
		case "url":
			o = outcome{kind: event.KindHTTP, key: logURL, read: true}
		case "file", "wildfire":
			o = outcome{kind: event.KindFile, key: logFile, read: true}
		default:
			o = outcome{kind: event.KindNotice, key: logThreat, read: true}
		}
	}
	if k, ok := recordKey(p.get(fSerial), typ, p.get(fSeqno)); ok && p.dd.seen(k) {
		return outcome{key: logDuplicate}, nil
	}
	if !o.read || skip.Has(o.kind) {
		return o, nil
	}
	var err *skipError
	switch o.kind {
	case event.KindConn:
		err = p.traffic(ref, sink)
	case event.KindHTTP:
		err = p.url(ref, sink)
	case event.KindFile:
		err = p.fileRec(ref, sink)
	default:
		err = p.threat(sub, ref, sink)
	}
	return o, err
}

func cut(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// common is what every record read has: its time (Generated Time) and the session's endpoints.
type common struct {
	ts       event.Time
	src, dst netip.Addr
	sp, dp   uint16
}

// common reads the common fields. required says that the record needs both addresses and its
// generated time (TRAFFIC and url records); others fall back to the receive time.
func (p *parser) common(required bool) (common, *skipError) {
	var c common
	var ok bool
	gen := p.get(fGenerated)
	if c.ts, ok = parseTime(gen); !ok {
		if len(gen) > 0 || required {
			return c, skipf("bad time", "generated time %q", cut(gen, 40))
		}
		if c.ts, ok = parseTime(p.get(fReceive)); !ok {
			return c, skipf("bad time", "no generated time and receive time %q", cut(p.get(fReceive), 40))
		}
	}
	if c.src, ok = parseAddr(p.get(fSrc)); !ok {
		return c, skipf("bad address", "source address %q", cut(p.get(fSrc), 60))
	}
	if c.dst, ok = parseAddr(p.get(fDst)); !ok {
		return c, skipf("bad address", "destination address %q", cut(p.get(fDst), 60))
	}
	if required && (!c.src.IsValid() || !c.dst.IsValid()) {
		return c, skipf("bad address", "no source or destination address")
	}
	if c.sp, ok = parsePort(p.get(fSport)); !ok {
		return c, skipf("bad number", "source port %q", cut(p.get(fSport), 20))
	}
	if c.dp, ok = parsePort(p.get(fDport)); !ok {
		return c, skipf("bad number", "destination port %q", cut(p.get(fDport), 20))
	}
	return c, nil
}

func (p *parser) meta(ts event.Time, ref event.Ref) event.Meta {
	m := event.Meta{Ref: ref, TS: ts, Sensor: str(p.get(fSerial))}
	if id := p.get(fSessionID); len(id) > 0 && !(len(id) == 1 && id[0] == '0') {
		m.UID = str(id)
	}
	return m
}

// noTime is 1971-01-01: an earlier time is PAN-OS's zero time in the firewall's zone.
const noTime = event.Time(365 * 86400 * 1_000_000)

// traffic maps a TRAFFIC end, drop or deny record to an event.Conn.
func (p *parser) traffic(ref event.Ref, sink event.Sink) *skipError {
	c, err := p.common(true)
	if err != nil {
		return err
	}
	e := &p.conn
	*e = event.Conn{}
	ts := c.ts
	if st := p.get(fStart); len(st) > 0 {
		t, ok := parseTime(st)
		if !ok {
			return skipf("bad time", "start time %q", cut(st, 40))
		}
		if t >= noTime { // PAN-OS writes its zero time (1970/01/01, local) when it has no start
			ts = t
		}
	}
	e.Meta = p.meta(ts, ref)
	e.Flow = event.Flow{Src: c.src, SrcPort: c.sp, Dst: c.dst, DstPort: c.dp}
	e.Proto = proto(p.get(fProto))
	e.Service = service(p.get(fApp))
	secs, ok := parseCount(p.get(fElapsed))
	if !ok {
		return skipf("bad number", "elapsed time %q", cut(p.get(fElapsed), 20))
	}
	e.Duration = event.Duration(secs)
	if secs > 0 {
		e.Duration = event.Duration(secs * 1_000_000)
	}
	if e.OrigBytes, ok = parseCount(p.get(fBytesSent)); !ok {
		return skipf("bad number", "bytes sent %q", cut(p.get(fBytesSent), 20))
	}
	if e.RespBytes, ok = parseCount(p.get(fBytesRecv)); !ok {
		return skipf("bad number", "bytes received %q", cut(p.get(fBytesRecv), 20))
	}
	if e.OrigPkts, ok = parseCount(p.get(fPktsSent)); !ok {
		return skipf("bad number", "packets sent %q", cut(p.get(fPktsSent), 20))
	}
	if e.RespPkts, ok = parseCount(p.get(fPktsRecv)); !ok {
		return skipf("bad number", "packets received %q", cut(p.get(fPktsRecv), 20))
	}
	e.OrigIPBytes, e.RespIPBytes = e.OrigBytes, e.RespBytes
	e.LocalOrig, e.LocalResp = event.Unset, event.Unset
	e.MissedBytes = event.Unset
	e.Action = str(p.get(fAction))
	e.Rule = str(p.get(fRule))
	e.User = str(p.get(fSrcUser))
	e.ConnState = connState(e.Proto, e.Action, p.get(fEndReason), e.RespPkts, e.RespBytes)
	sink.Conn(e)
	return nil
}

// proto names the transport as Zeek does: tcp, udp, icmp (ICMPv6 too); others as logged.
func proto(b []byte) string {
	switch string(b) {
	case "tcp":
		return "tcp"
	case "udp":
		return "udp"
	case "icmp", "ipv6-icmp", "icmp6", "icmpv6":
		return "icmp"
	}
	return str(b)
}

// service is the application App-ID named, or "" when it named none: a session too short to
// tell (incomplete, insufficient-data), one no application applies to (not-applicable: a
// session dropped before identification), or traffic App-ID could not classify (unknown-tcp,
// unknown-udp, unknown-p2p, unknown).
func service(b []byte) string {
	switch string(b) {
	case "", "incomplete", "insufficient-data", "not-applicable", "unknown-tcp", "unknown-udp", "unknown-p2p", "unknown":
		return ""
	}
	return str(b)
}

// connState says in Zeek's conn_state words what the record says of the session: S0 (an
// attempt without a reply), REJ (refused by a reset), SF (closed normally: a TCP FIN, or UDP
// and ICMP with packets both ways), RSTO and RSTR (reset by the originator, the responder).
// Other sessions (aged out, ended by a threat or a policy change ...) get "": PAN-OS does not
// say enough to place them.
func connState(proto, action string, reason []byte, respPkts, respBytes int64) string {
	switch {
	case strings.HasPrefix(action, "reset"):
		return "REJ" // reset-client, reset-server, reset-both: the firewall refused the session
	case action != "allow" && action != "":
		return "S0" // deny, drop, drop-icmp ...: blocked, nothing came back
	case respPkts == 0 || respPkts < 0 && respBytes == 0:
		return "S0"
	}
	switch string(reason) {
	case "tcp-fin":
		return "SF"
	case "tcp-rst-from-client":
		return "RSTO"
	case "tcp-rst-from-server":
		return "RSTR"
	}
	if proto == "udp" || proto == "icmp" {
		return "SF"
	}
	return ""
}

// url maps a THREAT url record (URL filtering) to an event.HTTP.
func (p *parser) url(ref event.Ref, sink event.Sink) *skipError {
	c, err := p.common(true)
	if err != nil {
		return err
	}
	e := &p.http
	*e = event.HTTP{}
	e.Meta = p.meta(c.ts, ref)
	e.Flow = event.Flow{Src: c.src, SrcPort: c.sp, Dst: c.dst, DstPort: c.dp}
	e.URL = str(p.get(fMisc))
	e.Host, e.URI = splitURL(e.URL)
	e.Method = method(p.get(fMethod))
	e.UserAgent = str(p.get(fUserAgent))
	e.Referrer = str(p.get(fReferer))
	e.Username = str(p.get(fSrcUser))
	e.Action = str(p.get(fAction))
	if ct := p.get(fContentType); len(ct) > 0 {
		e.RespMimeTypes = event.List{str(ct)}
	}
	e.TransDepth, e.RequestBodyLen, e.ResponseBodyLen = event.Unset, event.Unset, event.Unset
	e.StatusCode, e.ReqBytes, e.RespBytes = event.Unset, event.Unset, event.Unset
	sink.HTTP(e)
	return nil
}

// splitURL splits the URL a URL filtering log holds, host and path without a scheme
// ("www.example.com/index.html"; a scheme is taken off when there is one), into the host
// (without a port or IPv6 brackets) and the path with its query. The path is "" when the log
// has none.
func splitURL(u string) (host, uri string) {
	if i := strings.Index(u, "://"); i > 0 && i < 10 {
		u = u[i+3:]
	}
	host = u
	if i := strings.IndexAny(u, "/?"); i >= 0 {
		host, uri = u[:i], u[i:]
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[1:i], uri
		}
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		host = host[:i]
	}
	return host, uri
}

// method returns the HTTP method in upper case, as requests spell it; PAN-OS logs it in lower
// case (get, post ...).
func method(b []byte) string {
	switch string(b) {
	case "get":
		return "GET"
	case "post":
		return "POST"
	case "head":
		return "HEAD"
	case "put":
		return "PUT"
	case "delete":
		return "DELETE"
	case "options":
		return "OPTIONS"
	case "connect":
		return "CONNECT"
	case "trace":
		return "TRACE"
	case "patch":
		return "PATCH"
	}
	if bytes.ContainsFunc(b, func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		return strings.ToUpper(string(b))
	}
	return str(b)
}

// fileRec maps a THREAT file (file blocking) or wildfire (WildFire submission) record to an
// event.File.
func (p *parser) fileRec(ref event.Ref, sink event.Sink) *skipError {
	c, err := p.common(false)
	if err != nil {
		return err
	}
	e := &p.file
	*e = event.File{}
	e.Meta = p.meta(c.ts, ref)
	e.Flow = event.Flow{Src: c.src, SrcPort: c.sp, Dst: c.dst, DstPort: c.dp}
	e.Filename = str(p.get(fMisc))
	e.Source = fileSource(p.get(fApp))
	e.IsOrig = direction(p.get(fDirection))
	if d := p.get(fFileDigest); len(d) == 64 && isHex(d) {
		e.SHA256 = str(d)
	}
	e.Depth, e.Duration, e.LocalOrig = event.Unset, event.Unset, event.Unset
	e.SeenBytes, e.TotalBytes, e.MissingBytes = event.Unset, event.Unset, event.Unset
	sink.File(e)
	return nil
}

// fileSource names the protocol that carried a file as Zeek's files.log does (HTTP, FTP_DATA,
// SMTP, SMB ...), from the application PAN-OS identified; other applications in upper case.
func fileSource(app []byte) string {
	switch string(app) {
	case "web-browsing", "http":
		return "HTTP"
	case "ftp", "ftp-data":
		return "FTP_DATA"
	case "smtp", "smtp-base":
		return "SMTP"
	case "pop3":
		return "POP3"
	case "imap":
		return "IMAP"
	case "ms-ds-smb", "ms-ds-smbv1", "ms-ds-smbv2", "ms-ds-smbv3", "smb", "netbios-ss":
		return "SMB"
	case "ssl":
		return "SSL"
	case "":
		return ""
	}
	return strings.ToUpper(string(app))
}

// direction tells whether the client (the session's originator) sent what the record is about:
// PAN-OS writes client-to-server and server-to-client (with spaces in some releases).
func direction(b []byte) int8 {
	switch string(b) {
	case "client-to-server", "client to server":
		return 1
	case "server-to-client", "server to client":
		return 0
	}
	return event.Unset
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// threat maps the other THREAT subtypes (vulnerability, spyware, virus, wildfire-virus, flood,
// scan, packet, data ...) to an event.Notice.
func (p *parser) threat(sub []byte, ref event.Ref, sink event.Sink) *skipError {
	c, err := p.common(false)
	if err != nil {
		return err
	}
	e := &p.notice
	*e = event.Notice{}
	e.Meta = p.meta(c.ts, ref)
	e.Flow = event.Flow{Src: c.src, SrcPort: c.sp, Dst: c.dst, DstPort: c.dp}
	e.Note = noteName(sub)
	e.Msg = str(p.get(fThreat))
	e.Sub = str(p.get(fMisc))
	e.NoticeSrc, e.NoticeDst, e.Port = c.src, c.dst, c.dp
	if a := p.get(fAction); len(a) > 0 {
		e.Actions = event.List{str(a)}
	}
	sink.Notice(e)
	return nil
}

// noteName is the notice's name: "PAN-OS::" and the threat subtype.
func noteName(sub []byte) string {
	switch string(sub) {
	case "vulnerability":
		return "PAN-OS::vulnerability"
	case "spyware":
		return "PAN-OS::spyware"
	case "virus":
		return "PAN-OS::virus"
	case "wildfire-virus":
		return "PAN-OS::wildfire-virus"
	case "ml-virus":
		return "PAN-OS::ml-virus"
	case "flood":
		return "PAN-OS::flood"
	case "scan":
		return "PAN-OS::scan"
	case "packet":
		return "PAN-OS::packet"
	case "data":
		return "PAN-OS::data"
	}
	return "PAN-OS::" + string(sub)
}

// job parses one block of lines.
type job struct {
	block []byte
	first uint32
	hdr   *layout // nil: syslog lines
	f     source.FileInfo
	// before are the parts of blocks before (oldest first), whose last records seed the
	// duplicate window.
	before []blockPart
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	var p parser
	p.seed(j.before)
	line := j.first
	block := j.block
	read := map[string]int64{}
	for len(block) > 0 {
		l := block
		if k := bytes.IndexByte(block, '\n'); k >= 0 {
			l, block = block[:k], block[k+1:]
		} else {
			block = nil
		}
		if l = trimLine(l); len(l) > 0 {
			o, err := p.record(l, j.hdr, j.f.Ref(line), j.f.Skip, sink)
			switch {
			case err != nil:
				st.Skip(j.f, line, err.reason, err.msg)
			case o.read:
				read[o.key]++
			default:
				st.Ignored[o.key]++
			}
		}
		line++
	}
	for k, n := range read {
		st.Read[k] += n
	}
}

// seed fills the duplicate window with the keys of the last window records before the job's
// block.
func (p *parser) seed(before []blockPart) {
	type span struct {
		b   []byte
		hdr *layout
	}
	var lines [window]span // the last lines, last first
	n := 0
	for i := len(before) - 1; i >= 0 && n < window; i-- {
		b := before[i].b
		end := len(b)
		if end > 0 && b[end-1] == '\n' {
			end--
		}
		for n < window {
			s := bytes.LastIndexByte(b[:end], '\n') + 1
			lines[n] = span{b[s:end], before[i].hdr}
			n++
			if s == 0 {
				break
			}
			end = s - 1
		}
	}
	for i := n - 1; i >= 0; i-- {
		if l := trimLine(lines[i].b); len(l) > 0 {
			if k, ok := p.key(l, lines[i].hdr); ok {
				p.dd.seen(k)
			}
		}
	}
}

// key returns the duplicate key of a line without reading the rest of it.
func (p *parser) key(l []byte, hdr *layout) (uint64, bool) {
	var typ []byte
	if hdr == nil {
		l = l[csvStart(l):]
		p.sp.reset(l)
		if p.sp.to(colType+1) != nil || len(p.sp.fields) <= colType {
			return 0, false
		}
		typ = p.sp.fields[colType]
		switch string(typ) {
		case "TRAFFIC":
			p.lay = trafficLayout
		case "THREAT":
			p.lay = threatLayout
		default:
			return 0, false
		}
	} else {
		p.lay = hdr
		p.sp.reset(l)
	}
	n := max(p.lay.col[fSeqno], p.lay.col[fSerial], p.lay.col[fType])
	if p.lay.col[fSeqno] < 0 || p.sp.to(int(n)+1) != nil {
		return 0, false
	}
	if hdr != nil {
		typ = p.get(fType)
	}
	return recordKey(p.get(fSerial), typ, p.get(fSeqno))
}
