package ftd

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// Problem reasons, counted in the summary.
const (
	reasonValue   = "ftd: bad value"
	reasonMissing = "ftd: missing field"
	reasonFields  = "ftd: not key-value pairs"
	reasonTime    = "ftd: no time"
	reasonBinary  = "ftd: binary data"
)

// lineError is why a line could not be read.
type lineError struct {
	reason string
	msg    string
}

func (e *lineError) Error() string { return e.msg }

func errorf(reason, format string, args ...any) *lineError {
	return &lineError{reason: reason, msg: fmt.Sprintf(format, args...)}
}

func clip(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}

func badValue(key string, v []byte) *lineError {
	return errorf(reasonValue, "%s: bad value %q", key, clip(v))
}

// What a line turned out to be.
type outcome uint8

const (
	outConn      outcome = iota // a connection record: events were made
	outStart                    // 430002 of a connection that was not blocked: its 430003 follows
	outIntrusion                // 430001
	outFile                     // 430004
	outMalware                  // 430005
	outOther                    // another Cisco message (%FTD-6-302013, %ASA-...)
	outNotCisco                 // a line without a Cisco message tag
)

// fields holds the values of the keys the reader uses, as views of the line; a key the
// message does not have, or has without a value, is nil.
type fields struct {
	srcIP, dstIP, srcPort, dstPort, protocol, icmpType, icmpCode []byte
	firstPacket, duration                                        []byte
	action, rule, user, appProto                                 []byte
	iBytes, rBytes, iPkts, rPkts                                 []byte
	url, userAgent, referer, refHost, httpResponse               []byte
	dnsQuery, dnsType, dnsResponse                               []byte
	sslServer, sslVersion, sslCipher                             []byte
}

// set stores the value of a key the reader uses; others are passed over.
func (f *fields) set(key, v []byte) {
	switch str(key) {
	case "SrcIP":
		f.srcIP = v
	case "DstIP":
		f.dstIP = v
	case "SrcPort":
		f.srcPort = v
	case "DstPort":
		f.dstPort = v
	case "Protocol":
		f.protocol = v
	case "ICMPType":
		f.icmpType = v
	case "ICMPCode":
		f.icmpCode = v
	case "FirstPacketSecond":
		f.firstPacket = v
	case "ConnectionDuration":
		f.duration = v
	case "AccessControlRuleAction":
		f.action = v
	case "AccessControlRuleName":
		f.rule = v
	case "User":
		f.user = v
	case "ApplicationProtocol":
		f.appProto = v
	case "InitiatorBytes":
		f.iBytes = v
	case "ResponderBytes":
		f.rBytes = v
	case "InitiatorPackets":
		f.iPkts = v
	case "ResponderPackets":
		f.rPkts = v
	case "URL":
		f.url = v
	case "UserAgent":
		f.userAgent = v
	case "HTTPReferer":
		f.referer = v
	case "ReferencedHost":
		f.refHost = v
	case "HTTPResponse":
		f.httpResponse = v
	case "DNSQuery":
		f.dnsQuery = v
	case "DNSRecordType":
		f.dnsType = v
	case "DNSResponseType":
		f.dnsResponse = v
	case "SSLServerName":
		f.sslServer = v
	case "SSLVersion":
		f.sslVersion = v
	case "SSLCipherSuite":
		f.sslCipher = v
	}
}

// keyEnd returns the index of the colon that ends a key starting at b[i], or -1 when no key
// starts there. A key is one to five words of letters, digits and underscores separated by
// single spaces ("SrcIP", "Prefilter Policy", "Tunnel or Prefilter Rule"), starting with an
// upper-case letter (or the one documented key that does not: originalClientSrcIP), at most
// 48 bytes, followed by a colon and a space or the end of the line.
func keyEnd(b []byte, i int) int {
	j, words := i, 0
	for {
		k := j
		for k < len(b) && keyChar[b[k]] {
			k++
		}
		if k == j || k-i > 48 {
			return -1
		}
		words++
		if k < len(b) && b[k] == ':' && (k+1 == len(b) || b[k+1] == ' ') {
			if !isUpper(b[i]) && str(b[i:k]) != "originalClientSrcIP" {
				return -1
			}
			return k
		}
		if k+1 < len(b) && b[k] == ' ' && words < 5 {
			j = k + 1
			continue
		}
		return -1
	}
}

// keyChar holds the bytes of a key's words.
var keyChar = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isLetter(byte(c)) || isDigit(byte(c)) || c == '_'
	}
	return t
}()

var sep = []byte(", ")

// readFields reads the "Key: Value" pairs of a message body from b[i:]. Pairs are separated by
// ", "; as values may hold ", " themselves (user agents, URLs, rule names), a value runs to
// the next ", " that is followed by a key.
func (p *parser) readFields(b []byte, i int) *lineError {
	f := &p.f
	*f = fields{}
	k := keyEnd(b, i)
	for i < len(b) {
		if k < 0 {
			return errorf(reasonFields, "no \"Key: value\" pair at byte %d: %q", i, clip(b[i:]))
		}
		v := k + 1
		for v < len(b) && b[v] == ' ' {
			v++
		}
		end, next := len(b), -1
		for j := v; j < len(b); {
			c := bytes.Index(b[j:], sep)
			if c < 0 {
				break
			}
			c += j
			if next = keyEnd(b, c+2); next >= 0 {
				end = c
				break
			}
			j = c + 2
		}
		val := b[v:end:end]
		for len(val) > 0 && (val[len(val)-1] == ' ' || val[len(val)-1] == '\t') {
			val = val[:len(val)-1]
		}
		if len(val) > 0 { // a key without a value is as if absent
			f.set(b[i:k], val)
		}
		i, k = end+len(sep), next
	}
	return nil
}

// maxDuration is the longest ConnectionDuration taken for one (ten years, in microseconds).
const maxDuration = 10 * 365 * 86400 * 1_000_000

// blankConn is the connection every record starts from: what FTD does not say is unset.
var blankConn = event.Conn{Duration: event.Unset, OrigBytes: event.Unset, RespBytes: event.Unset,
	LocalOrig: event.Unset, LocalResp: event.Unset, MissedBytes: event.Unset, OrigPkts: event.Unset,
	OrigIPBytes: event.Unset, RespPkts: event.Unset, RespIPBytes: event.Unset}

var blankHTTP = event.HTTP{TransDepth: event.Unset, RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset,
	StatusCode: event.Unset, ReqBytes: event.Unset, RespBytes: event.Unset}

var blankDNS = event.DNS{TransID: event.Unset, RTT: event.Unset, QClass: event.Unset, QType: event.Unset,
	RCode: event.Unset}

// parser turns lines into events; it reuses its events from record to record.
type parser struct {
	f    fields
	now  event.Time    // gives the year of a syslog time without one
	skip event.KindSet // kinds not to make
	conn event.Conn
	http event.HTTP
	dns  event.DNS
	tls  event.TLS
	// made tells which of the events the last record made.
	made event.KindSet
	// lower caches lower-cased application protocols that have no Zeek name.
	lower map[string]string
}

// parse reads one line (no line end, not blank). For a connection record it fills the events
// and sets p.made.
func (p *parser) parse(l []byte, ref event.Ref) (outcome, *lineError) {
	p.made = 0
	m, ok := findMnemonic(l)
	if !ok {
		if isBinary(l) {
			return 0, errorf(reasonBinary, "binary data where a syslog line belongs: %q", clip(l))
		}
		return outNotCisco, nil
	}
	switch m.id {
	case idConnStart, idConnEnd:
	case idIntrusion:
		return outIntrusion, nil
	case idFile:
		return outFile, nil
	case idMalware:
		return outMalware, nil
	default:
		return outOther, nil
	}
	if err := p.readFields(l, m.body); err != nil {
		return 0, err
	}
	f := &p.f
	if m.id == idConnStart && !blocked(f.action) {
		return outStart, nil
	}
	return outConn, p.record(l[:m.at], m.id, ref)
}

// record makes the events of a connection record from p.f and the syslog header h.
func (p *parser) record(h []byte, id int, ref event.Ref) *lineError {
	f := &p.f
	c := &p.conn
	*c = blankConn
	c.Ref = ref
	var err error
	if f.srcIP == nil {
		return errorf(reasonMissing, "no SrcIP")
	}
	if f.dstIP == nil {
		return errorf(reasonMissing, "no DstIP")
	}
	if c.Src, err = jsonl.ParseAddr(f.srcIP); err != nil {
		return badValue("SrcIP", f.srcIP)
	}
	if c.Dst, err = jsonl.ParseAddr(f.dstIP); err != nil {
		return badValue("DstIP", f.dstIP)
	}
	if f.srcPort != nil {
		if c.SrcPort, err = jsonl.ParsePort(f.srcPort); err != nil {
			return badValue("SrcPort", f.srcPort)
		}
	}
	if f.dstPort != nil {
		if c.DstPort, err = jsonl.ParsePort(f.dstPort); err != nil {
			return badValue("DstPort", f.dstPort)
		}
	}
	if f.protocol != nil {
		if s, ok := lookupFold(protocols, f.protocol); ok {
			c.Proto = s
		} else {
			c.Proto = str(f.protocol)
		}
	}
	if c.Proto == "icmp" && f.srcPort == nil && f.dstPort == nil {
		c.SrcPort, c.DstPort = p.icmp(f)
	}
	if f.duration != nil {
		us, err := jsonl.ParseMicros(f.duration)
		if err != nil || us < 0 || us > maxDuration {
			return badValue("ConnectionDuration", f.duration)
		}
		c.Duration = event.Duration(us)
	}
	counts := [...]struct {
		key string
		v   []byte
		to  *int64
	}{{"InitiatorBytes", f.iBytes, &c.OrigBytes}, {"ResponderBytes", f.rBytes, &c.RespBytes},
		{"InitiatorPackets", f.iPkts, &c.OrigPkts}, {"ResponderPackets", f.rPkts, &c.RespPkts}}
	for _, n := range counts {
		if n.v == nil {
			continue
		}
		v, err := jsonl.ParseInt(n.v)
		if err != nil || v < 0 {
			return badValue(n.key, n.v)
		}
		*n.to = v
	}
	c.OrigIPBytes, c.RespIPBytes = c.OrigBytes, c.RespBytes

	hdr := parseHeader(h, p.now)
	c.Sensor = str(hdr.host)
	switch {
	case f.firstPacket != nil:
		ts, ok := parseISO(f.firstPacket)
		if !ok {
			return badValue("FirstPacketSecond", f.firstPacket)
		}
		c.TS = ts
	case hdr.hasTS:
		c.TS = hdr.ts
		if id == idConnEnd && c.Duration > 0 && int64(c.TS) >= int64(c.Duration) {
			// logged at the end: the start is a duration before
			c.TS -= event.Time(c.Duration)
		}
	default:
		return errorf(reasonTime, "no FirstPacketSecond and no time in the syslog header %q", clip(h))
	}

	c.Action = intern(f.action, actions)
	c.Rule = str(f.rule)
	if _, none := lookupFold(noUser, f.user); !none {
		c.User = str(f.user)
	}
	c.Service = p.service(f.appProto)
	if !p.skip.Has(event.KindConn) {
		p.made = p.made.With(event.KindConn)
	}

	scheme, urlHost, uri := splitURL(f.url)
	https := equalFold(scheme, "https")
	plain := len(f.url) > 0 && (len(scheme) == 0 || equalFold(scheme, "http"))
	if !p.skip.Has(event.KindHTTP) && (len(f.userAgent) > 0 || len(f.referer) > 0 || plain) {
		p.makeHTTP(f, urlHost, uri)
	}
	if !p.skip.Has(event.KindTLS) {
		name := f.sslServer
		if len(name) == 0 && https {
			name = urlHost
		}
		if len(name) > 0 && (https || f.sslServer != nil || c.Service == "ssl") {
			p.makeTLS(f, name)
		}
	}
	if !p.skip.Has(event.KindDNS) && len(f.dnsQuery) > 0 {
		p.makeDNS(f)
	}
	return nil
}

// icmp returns the ICMP type and code as Zeek writes them in the ports: FTD names them
// ("Echo Request", "No Code") or gives numbers; a name it does not know is 0.
func (p *parser) icmp(f *fields) (uint16, uint16) {
	var typ, code uint16
	if f.icmpType != nil {
		if n, err := jsonl.ParsePort(f.icmpType); err == nil {
			typ = n
		} else if isICMP6(f.protocol) {
			typ, _ = lookupFold(icmp6Types, f.icmpType)
		} else {
			typ, _ = lookupFold(icmpTypes, f.icmpType)
		}
	}
	if f.icmpCode != nil {
		if n, err := jsonl.ParsePort(f.icmpCode); err == nil {
			code = n
		} else {
			code, _ = lookupFold(icmpCodes, f.icmpCode)
		}
	}
	return typ, code
}

// service maps ApplicationProtocol to Zeek's service name, or lower-cases it.
func (p *parser) service(app []byte) string {
	if len(app) == 0 {
		return ""
	}
	if s, ok := lookupFold(services, app); ok {
		return s
	}
	if s, ok := p.lower[str(app)]; ok {
		return s
	}
	s := strings.ToLower(str(app))
	if s == str(app) {
		return s // a view of the line: nothing to cache
	}
	if p.lower == nil {
		p.lower = map[string]string{}
	}
	if len(p.lower) < 1024 {
		p.lower[strings.Clone(str(app))] = s
	}
	return s
}

var slash = "/"

func (p *parser) makeHTTP(f *fields, urlHost, uri []byte) {
	c := &p.conn
	h := &p.http
	*h = blankHTTP
	h.Meta = c.Meta
	h.Flow = c.Flow
	host := urlHost
	if len(f.refHost) > 0 {
		host = stripPort(f.refHost)
	}
	h.Host = str(host)
	h.URL = str(f.url)
	if len(f.url) > 0 {
		h.URI = str(uri)
		if len(uri) == 0 {
			h.URI = slash
		}
	}
	h.UserAgent = str(f.userAgent)
	h.Referrer = str(f.referer)
	if n, err := jsonl.ParseInt(f.httpResponse); err == nil && n >= 100 && n <= 999 {
		h.StatusCode = n
	}
	h.Username = c.User
	h.Action = c.Action
	p.made = p.made.With(event.KindHTTP)
}

func (p *parser) makeTLS(f *fields, name []byte) {
	c := &p.conn
	t := &p.tls
	*t = event.TLS{Meta: c.Meta, Flow: c.Flow}
	t.ServerName = str(name)
	if v, ok := lookupFold(tlsVersions, f.sslVersion); ok {
		t.Version = v
	} else {
		t.Version = str(f.sslVersion)
	}
	t.Cipher = str(f.sslCipher)
	t.Established = !blocked(f.action)
	p.made = p.made.With(event.KindTLS)
}

func (p *parser) makeDNS(f *fields) {
	c := &p.conn
	d := &p.dns
	*d = blankDNS
	d.Meta = c.Meta
	d.Flow = c.Flow
	d.Proto = c.Proto
	d.Query = str(f.dnsQuery)
	if len(f.dnsType) > 0 {
		if t, ok := lookupFold(dnsTypes, f.dnsType); ok {
			d.QType, d.QTypeName = t.num, t.name
		} else if n, err := jsonl.ParseInt(f.dnsType); err == nil && n >= 0 && n <= 65535 {
			d.QType = n
		} else {
			d.QTypeName = str(f.dnsType)
		}
	}
	if len(f.dnsResponse) > 0 {
		if r, ok := lookupFold(rcodes, f.dnsResponse); ok {
			d.RCode, d.RCodeName = r.num, r.name
		} else {
			d.RCodeName = str(f.dnsResponse)
		}
	}
	p.made = p.made.With(event.KindDNS)
}

// splitURL splits a URL as FTD logs it ("http://host:8080/path?q", "https://host", or without
// a scheme) into its scheme, host (no user, port or IPv6 brackets) and path with query.
func splitURL(u []byte) (scheme, host, uri []byte) {
	rest := u
	if k := bytes.Index(u, []byte("://")); k > 0 {
		scheme, rest = u[:k], u[k+3:]
	}
	end := len(rest)
	for i, c := range rest {
		if c == '/' || c == '?' || c == '#' {
			end = i
			break
		}
	}
	auth := rest[:end]
	uri = rest[end:]
	if k := bytes.LastIndexByte(auth, '@'); k >= 0 {
		auth = auth[k+1:]
	}
	return scheme, stripPort(auth), uri
}

// stripPort drops a host's port and an IPv6 literal's brackets.
func stripPort(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if k := bytes.IndexByte(h, ']'); k > 0 {
			return h[1:k]
		}
		return h
	}
	if k := bytes.LastIndexByte(h, ':'); k >= 0 && bytes.IndexByte(h[:k], ':') < 0 {
		return h[:k]
	}
	return h
}

func equalFold(b []byte, s string) bool { return strings.EqualFold(str(b), s) }

// isBinary reports a line with bytes no syslog line holds: NUL and other control characters.
func isBinary(l []byte) bool {
	for _, c := range l {
		if c < ' ' && c != '\t' {
			return true
		}
	}
	return false
}
