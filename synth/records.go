package synth

import "strconv"

// The record renderers: one per log, each appending one TSV line to its sink. They take
// their record by pointer and keep nothing, so the records live on the caller's stack.

type connRec struct {
	ts           int64
	uid          id
	src, dst     uint32
	sport, dport uint16
	proto        string
	service      string
	dur, ob, rb  int64 // -1: unset
	state, hist  string
	opk, oipb    int64
	rpk, ripb    int64
}

func (g *gen) nextSeq() uint64 { g.seq++; return g.seq }

func (g *gen) conn(c *connRec) {
	g.counts[logConn]++
	s := g.sinks[logConn]
	if s == nil {
		return
	}
	b := s.buf
	off := len(b)
	b = appendTime(b, c.ts)
	b = append(b, '\t')
	b = appendID(b, 'C', c.uid)
	b = appendFlow(b, c.src, c.sport, c.dst, c.dport)
	b = append(b, c.proto...)
	b = append(b, '\t')
	b = appendStr(b, c.service)
	b = append(b, '\t')
	b = appendInterval(b, c.dur)
	b = append(b, '\t')
	b = appendCount(b, c.ob)
	b = append(b, '\t')
	b = appendCount(b, c.rb)
	b = append(b, '\t')
	b = append(b, c.state...)
	b = append(b, '\t')
	b = appendBool(b, isPrivate(c.src))
	b = append(b, '\t')
	b = appendBool(b, isPrivate(c.dst))
	b = append(b, "\t0\t"...)
	b = append(b, c.hist...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, c.opk, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, c.oipb, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, c.rpk, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, c.ripb, 10)
	b = append(b, "\t-\n"...)
	s.add(c.ts, g.nextSeq(), off, b)
}

// appendFlow writes the four endpoint fields between tabs: "\t" orig_h "\t" orig_p ... "\t".
func appendFlow(b []byte, src uint32, sport uint16, dst uint32, dport uint16) []byte {
	b = append(b, '\t')
	b = appendIP(b, src)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(sport), 10)
	b = append(b, '\t')
	b = appendIP(b, dst)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(dport), 10)
	return append(b, '\t')
}

// tcpConn fills packet and IP byte counts of a TCP connection that carried data: segments of
// up to 1,448 bytes, an ACK for every other segment received, 52-byte headers (IP + TCP with
// timestamps).
func tcpConn(c *connRec) {
	od := (c.ob + 1447) / 1448
	rd := (c.rb + 1447) / 1448
	c.opk = 3 + od + rd/2
	c.rpk = 2 + rd + od/2
	c.oipb = c.ob + 52*c.opk
	c.ripb = c.rb + 52*c.rpk
}

// udpConn fills packet and IP byte counts of a UDP flow.
func udpConn(c *connRec, opk, rpk int64) {
	c.opk, c.rpk = opk, rpk
	c.oipb = c.ob + 28*opk
	c.ripb = c.rb + 28*rpk
}

type dnsRec struct {
	ts           int64
	uid          id
	src, dst     uint32
	sport, dport uint16
	proto        string
	trans        uint16
	rtt          int64 // -1: no reply
	query        string
	qtype        int
	rcode        int // -1: no reply
	aa, rd, ra   bool
	rejected     bool
}

var qtypeNames = map[int]string{1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 65: "HTTPS"}

var rcodeNames = [...]string{0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}

// The answers of the next DNS record are collected in g.ans and g.ttls.
func (g *gen) ansReset() { g.ans, g.ttls = g.ans[:0], g.ttls[:0] }

func (g *gen) ansSep() {
	if len(g.ans) > 0 {
		g.ans = append(g.ans, ',')
		g.ttls = append(g.ttls, ',')
	}
}

func (g *gen) ansName(name string, ttl int64) {
	g.ansSep()
	g.ans = append(g.ans, name...)
	g.ttls = appendTTL(g.ttls, ttl)
}

func (g *gen) ansIP(ip uint32, ttl int64) {
	g.ansSep()
	g.ans = appendIP(g.ans, ip)
	g.ttls = appendTTL(g.ttls, ttl)
}

func (g *gen) ansTXT(txt string, ttl int64) {
	g.ansSep()
	g.ans = append(g.ans, "TXT "...)
	g.ans = strconv.AppendInt(g.ans, int64(len(txt)), 10)
	g.ans = append(g.ans, ' ')
	g.ans = append(g.ans, txt...)
	g.ttls = appendTTL(g.ttls, ttl)
}

func appendTTL(b []byte, secs int64) []byte {
	b = strconv.AppendInt(b, secs, 10)
	return append(b, ".000000"...)
}

// ansWire is the size on the wire of the answers collected so far (compressed names).
func (g *gen) ansWire() int64 {
	var n int64
	item := 0
	for i := 0; i <= len(g.ans); i++ {
		if i == len(g.ans) || g.ans[i] == ',' {
			n += 12 + int64(i-item)
			item = i + 1
		}
	}
	return n
}

func (g *gen) dns(d *dnsRec) {
	g.counts[logDNS]++
	s := g.sinks[logDNS]
	if s == nil {
		return
	}
	b := s.buf
	off := len(b)
	b = appendTime(b, d.ts)
	b = append(b, '\t')
	b = appendID(b, 'C', d.uid)
	b = appendFlow(b, d.src, d.sport, d.dst, d.dport)
	b = append(b, d.proto...)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(d.trans), 10)
	b = append(b, '\t')
	b = appendInterval(b, d.rtt)
	b = append(b, '\t')
	b = append(b, d.query...)
	b = append(b, "\t1\tC_INTERNET\t"...)
	b = strconv.AppendInt(b, int64(d.qtype), 10)
	b = append(b, '\t')
	b = append(b, qtypeNames[d.qtype]...)
	b = append(b, '\t')
	if d.rcode < 0 {
		b = append(b, "-\t-"...)
	} else {
		b = strconv.AppendInt(b, int64(d.rcode), 10)
		b = append(b, '\t')
		b = append(b, rcodeNames[d.rcode]...)
	}
	b = append(b, '\t')
	b = appendBool(b, d.aa)
	b = append(b, "\tF\t"...)
	b = appendBool(b, d.rd)
	b = append(b, '\t')
	b = appendBool(b, d.ra)
	b = append(b, "\t0\t"...)
	if len(g.ans) == 0 {
		b = append(b, "-\t-"...)
	} else {
		b = append(b, g.ans...)
		b = append(b, '\t')
		b = append(b, g.ttls...)
	}
	b = append(b, '\t')
	b = appendBool(b, d.rejected)
	b = append(b, '\n')
	s.add(d.ts, g.nextSeq(), off, b)
}

type httpRec struct {
	ts            int64
	uid           id
	src, dst      uint32
	sport, dport  uint16
	depth         int
	method        string
	host          string
	uri           []byte
	referrer      string
	ua            string
	reqLen        int64
	respLen       int64
	status        int
	origFUID      id
	origMime      string // "" when no request body was seen as a file
	respFUID      id
	respMime      string // "" when no response body was seen as a file
	origFilenames string
}

var statusMsgs = map[int]string{
	200: "OK", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently", 302: "Found",
	304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
	500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}

func (g *gen) http(h *httpRec) {
	g.counts[logHTTP]++
	s := g.sinks[logHTTP]
	if s == nil {
		return
	}
	b := s.buf
	off := len(b)
	b = appendTime(b, h.ts)
	b = append(b, '\t')
	b = appendID(b, 'C', h.uid)
	b = appendFlow(b, h.src, h.sport, h.dst, h.dport)
	b = strconv.AppendInt(b, int64(h.depth), 10)
	b = append(b, '\t')
	b = appendStr(b, h.method)
	b = append(b, '\t')
	b = appendStr(b, h.host)
	b = append(b, '\t')
	if len(h.uri) == 0 {
		b = append(b, '-')
	} else {
		b = append(b, h.uri...)
	}
	b = append(b, '\t')
	b = appendStr(b, h.referrer)
	b = append(b, "\t1.1\t"...)
	b = appendStr(b, h.ua)
	b = append(b, "\t-\t"...) // origin
	b = strconv.AppendInt(b, h.reqLen, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, h.respLen, 10)
	b = append(b, '\t')
	if h.status == 0 {
		b = append(b, "-\t-"...)
	} else {
		b = strconv.AppendInt(b, int64(h.status), 10)
		b = append(b, '\t')
		b = append(b, statusMsgs[h.status]...)
	}
	b = append(b, "\t-\t-\t(empty)\t-\t-\t-\t"...) // info_code info_msg tags username password proxied
	if h.origMime != "" {
		b = appendID(b, 'F', h.origFUID)
		b = append(b, '\t')
		b = appendStr(b, h.origFilenames)
		b = append(b, '\t')
		b = append(b, h.origMime...)
	} else {
		b = append(b, "-\t-\t-"...)
	}
	b = append(b, '\t')
	if h.respMime != "" {
		b = appendID(b, 'F', h.respFUID)
		b = append(b, "\t-\t"...)
		b = append(b, h.respMime...)
	} else {
		b = append(b, "-\t-\t-"...)
	}
	b = append(b, '\n')
	s.add(h.ts, g.nextSeq(), off, b)
}

type sslRec struct {
	ts           int64
	uid          id
	src, dst     uint32
	sport, dport uint16
	version      string
	cipher       string
	curve        string
	sni          string
	resumed      bool
	nextProto    string
	established  bool
	hist         string
	cert         int64 // -1: certificates not seen (TLS 1.3, resumption); else the leaf's index
	issuer       int64 // the intermediate's index
	selfSigned   bool
}

func (g *gen) ssl(t *sslRec) {
	g.counts[logSSL]++
	s := g.sinks[logSSL]
	if s == nil {
		return
	}
	b := s.buf
	off := len(b)
	b = appendTime(b, t.ts)
	b = append(b, '\t')
	b = appendID(b, 'C', t.uid)
	b = appendFlow(b, t.src, t.sport, t.dst, t.dport)
	b = append(b, t.version...)
	b = append(b, '\t')
	b = append(b, t.cipher...)
	b = append(b, '\t')
	b = appendStr(b, t.curve)
	b = append(b, '\t')
	b = appendStr(b, t.sni)
	b = append(b, '\t')
	b = appendBool(b, t.resumed)
	b = append(b, "\t-\t"...) // last_alert
	b = appendStr(b, t.nextProto)
	b = append(b, '\t')
	b = appendBool(b, t.established)
	b = append(b, '\t')
	b = append(b, t.hist...)
	b = append(b, '\t')
	if t.cert < 0 {
		b = append(b, "-\t-\t-\t-"...)
	} else {
		b = g.appendHex(b, uint64(t.cert)|1<<40, 64)
		if !t.selfSigned {
			b = append(b, ',')
			b = g.appendHex(b, uint64(t.issuer)|2<<40, 64)
		}
		b = append(b, "\t(empty)\t"...)
		if t.sni == "" {
			b = append(b, '-')
		} else {
			b = append(b, 'T')
		}
		b = append(b, '\t')
		if t.selfSigned {
			b = append(b, "self signed certificate"...)
		} else {
			b = append(b, "ok"...)
		}
	}
	b = append(b, '\n')
	s.add(t.ts, g.nextSeq(), off, b)
}

// appendHex writes n hex digits derived from key and the seed: the same key gives the same
// digits (a certificate keeps its fingerprint all day).
func (g *gen) appendHex(b []byte, key uint64, n int) []byte {
	const hexd = "0123456789abcdef"
	x := key ^ uint64(g.opt.Seed)*0x9e3779b97f4a7c15
	for n > 0 {
		v := splitmix(&x)
		for i := 0; i < 16 && n > 0; i++ {
			b = append(b, hexd[v&15])
			v >>= 4
			n--
		}
	}
	return b
}

type fileRec struct {
	ts           int64
	fuid, uid    id
	src, dst     uint32
	sport, dport uint16
	source       string
	mime         string
	filename     string
	dur          int64
	localOrig    bool
	isOrig       bool
	seen         int64
	total        int64 // -1: unknown (no Content-Length)
	hashKey      uint64
}

func (g *gen) file(f *fileRec) {
	g.counts[logFiles]++
	s := g.sinks[logFiles]
	if s == nil {
		return
	}
	b := s.buf
	off := len(b)
	b = appendTime(b, f.ts)
	b = append(b, '\t')
	b = appendID(b, 'F', f.fuid)
	b = append(b, '\t')
	b = appendID(b, 'C', f.uid)
	b = appendFlow(b, f.src, f.sport, f.dst, f.dport)
	b = append(b, f.source...)
	b = append(b, "\t0\tMD5,SHA1,SHA256\t"...)
	b = appendStr(b, f.mime)
	b = append(b, '\t')
	b = appendStr(b, f.filename)
	b = append(b, '\t')
	b = appendInterval(b, f.dur)
	b = append(b, '\t')
	b = appendBool(b, f.localOrig)
	b = append(b, '\t')
	b = appendBool(b, f.isOrig)
	b = append(b, '\t')
	b = strconv.AppendInt(b, f.seen, 10)
	b = append(b, '\t')
	b = appendCount(b, f.total)
	b = append(b, "\t0\t0\tF\t-\t"...) // missing_bytes overflow_bytes timedout parent_fuid
	b = g.appendHex(b, f.hashKey|3<<60, 32)
	b = append(b, '\t')
	b = g.appendHex(b, f.hashKey|4<<60, 40)
	b = append(b, '\t')
	b = g.appendHex(b, f.hashKey|5<<60, 64)
	b = append(b, "\t-\t-\t-\n"...)
	s.add(f.ts, g.nextSeq(), off, b)
}
