package synth

import (
	"strconv"
)

// The background: what the office does all day. Each session starts at t and makes records
// at or after t only (its DNS lookup first), which lets the sinks write in time order.

// Session kinds and their shares of background sessions.
const (
	kTLS = iota
	kHTTP
	kQUIC
	kSMB
	kNTP
	kSSH
	kSMTP
	kFailed
	kDNSOnly
)

var kindShare = []float64{
	kTLS:     0.615,
	kHTTP:    0.100,
	kQUIC:    0.075,
	kSMB:     0.045,
	kNTP:     0.020,
	kSSH:     0.010,
	kSMTP:    0.0004,
	kFailed:  0.040,
	kDNSOnly: 0.080,
}

var kindCDF = newCDF(kindShare)

func (g *gen) session(t int64) {
	switch kindCDF.sample(g.r) {
	case kTLS:
		g.tlsSession(t)
	case kHTTP:
		g.httpSession(t)
	case kQUIC:
		g.quicSession(t)
	case kSMB:
		g.smbSession(t)
	case kNTP:
		g.ntpSession(t)
	case kSSH:
		g.sshSession(t)
	case kSMTP:
		g.smtpSession(t)
	case kFailed:
		g.failedSession(t)
	default:
		g.dnsOnlySession(t)
	}
}

// pickWeb returns a client and a web destination for a TLS session. With Options.Pairs the
// pair is drawn from that many src/dst pairs, half by popularity and half uniformly.
func (g *gen) pickWeb() (ci, di int) {
	r := g.r
	if g.pairs > 0 {
		var p int
		if r.chance(0.5) {
			u := r.float()
			p = int(float64(g.pairs) * u * u * u * u)
		} else {
			p = r.intn(g.pairs)
		}
		p = min(p, g.pairs-1)
		return p % g.nbg, p / g.nbg
	}
	ci = g.webPick.sample(r)
	c := &g.clients[ci]
	if c.nrecent > 0 && r.chance(0.6) {
		// Browsing has locality: a page pulls from the same hosts for a while.
		return ci, int(c.recent[r.intn(int(c.nrecent))])
	}
	di = g.webPop.sample(r)
	c.recent[c.next] = int32(di)
	c.next = (c.next + 1) % uint8(len(c.recent))
	c.nrecent = min(c.nrecent+1, uint8(len(c.recent)))
	return ci, di
}

func (g *gen) tlsSession(t int64) {
	r := g.r
	ci, di := g.pickWeb()
	c := &g.clients[ci]
	d := &g.web[di]
	if r.chance(0.04) && !c.web {
		d, di = &g.intranet, -1
	}
	t = g.lookup(ci, di, d, t)
	dst := d.ip
	uid := r.id()
	sport := c.ephemeral(r)
	if r.chance(0.02) {
		g.s0(t, uid, c.ip, sport, dst, 443, c.os)
		return
	}
	var ob, rb int64
	if d.flags&fUpload != 0 && r.chance(0.3) {
		// A sync client sending a file: more out than in, but the service answers with
		// metadata and pulls changes, so never more than six times more out than in.
		ob = r.lognormInt(250_000, 1.4, 2_000, 25_000_000)
		rb = max(r.lognormInt(40_000, 1.2, 2_000, 5_000_000), ob/6)
	} else {
		rb = r.lognormInt(14_000, 1.9, 300, 150_000_000)
		ob = r.lognormInt(1_400, 0.9, 300, 2_000_000)
	}
	dur := g.durFor(ob, rb, 1.5e6, 4, 1500)
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: dst, dport: 443, proto: "tcp",
		service: "ssl", dur: dur, ob: ob, rb: rb}
	g.tcpEnd(&cn)
	g.conn(&cn)

	rtt := r.between(1000, 60000)
	s := sslRec{ts: t + rtt, uid: uid, src: c.ip, sport: sport, dst: dst, dport: 443,
		sni: d.name, established: true, cert: -1}
	if r.chance(0.02) {
		s.sni = ""
	}
	g.tlsParams(&s, int64(d.cert), c.os)
	g.ssl(&s)
}

// tlsParams fills version, cipher and handshake of a TLS session: mostly TLS 1.3 (the
// certificates are encrypted, so Zeek sees none), some TLS 1.2 with a full handshake or a
// resumption.
func (g *gen) tlsParams(s *sslRec, cert int64, os int) {
	r := g.r
	s.curve = "x25519"
	if r.chance(0.12) {
		s.curve = "secp256r1"
	}
	switch {
	case r.chance(0.72):
		s.version = "TLSv13"
		s.cipher = tls13Ciphers[r.intn(len(tls13Ciphers))]
		s.resumed = true // the middlebox-compatible session id echo
		s.hist = "CsiI"
		if os == osMac && r.chance(0.5) {
			s.cipher = "TLS_AES_128_GCM_SHA256"
		}
	case r.chance(0.7):
		s.version = "TLSv12"
		s.cipher = tls12Ciphers[r.intn(len(tls12Ciphers))]
		s.hist = "CsxknGIi"
		if r.chance(0.5) {
			s.hist = "CsxknGIti"
		}
		s.cert = cert
		s.issuer = cert % 7
	default:
		s.version = "TLSv12"
		s.cipher = tls12Ciphers[r.intn(len(tls12Ciphers))]
		s.curve = ""
		s.resumed = true
		s.hist = "CsiI"
	}
	if s.sni != "" {
		switch u := r.float(); {
		case u < 0.7:
			s.nextProto = "h2"
		case u < 0.85:
			s.nextProto = "http/1.1"
		}
	}
}

// tcpEnd sets the state, history and packet counts of a TCP session that carried data.
func (g *gen) tcpEnd(c *connRec) {
	switch u := g.r.float(); {
	case u < 0.86:
		c.state, c.hist = "SF", "ShADadFf"
	case u < 0.91:
		c.state, c.hist = "SF", "ShADadfF"
	case u < 0.955:
		c.state, c.hist = "RSTO", "ShADadR"
	default:
		c.state, c.hist = "RSTR", "ShADadr"
	}
	tcpConn(c)
}

// s0 logs a connection attempt that got no answer.
func (g *gen) s0(t int64, uid id, src uint32, sport uint16, dst uint32, dport uint16, os int) {
	syn := int64(52)
	if os == osLinux {
		syn = 60
	}
	c := connRec{ts: t, uid: uid, src: src, sport: sport, dst: dst, dport: dport, proto: "tcp",
		dur: -1, ob: -1, rb: -1, state: "S0", hist: "S", opk: 1, oipb: syn}
	if g.r.chance(0.6) {
		// SYN retransmissions: Zeek knows a duration and counts no payload.
		c.opk = 2 + g.r.between(0, 1)
		c.oipb = syn * c.opk
		c.dur = 1_000_000*(c.opk-1) + g.r.between(0, 20000)
		c.ob, c.rb = 0, 0
	}
	g.conn(&c)
}

func (g *gen) httpSession(t int64) {
	r := g.r
	ci := g.webPick.sample(r)
	c := &g.clients[ci]
	di := g.httpIdx[g.httpPop.sample(r)]
	d := &g.web[di]
	if d.flags&fPlain != 0 && !g.plainFits(c, d.name) {
		// Not this machine's update or certificate host: browse a site instead.
		for range 4 {
			di = g.httpIdx[g.httpPop.sample(r)]
			d = &g.web[di]
			if d.flags&fPlain == 0 || g.plainFits(c, d.name) {
				break
			}
		}
	}
	t = g.lookup(ci, di, d, t)
	uid := r.id()
	sport := c.ephemeral(r)
	port := uint16(80)
	host := d.name
	if d.name == "www.speedtest.net" && r.chance(0.5) {
		port = 8080 // speed test servers answer on 8080
		host = d.name + ":8080"
	}
	ua := c.ua
	if d.flags&fPlain != 0 {
		ua = systemUA(c.os, d.name)
	}
	nreq := 1
	for nreq < 8 && r.chance(0.4) {
		nreq++
	}
	rtt := r.between(2000, 70000)
	ts := t + rtt
	var ob, rb int64
	for i := 1; i <= nreq; i++ {
		h := httpRec{ts: ts, uid: uid, src: c.ip, sport: sport, dst: d.ip, dport: port, depth: i,
			method: "GET", host: host, ua: ua, status: 200}
		var mime string
		h.uri, mime = g.uri(g.scratch[:0], d, i)
		g.scratch = h.uri
		if d.flags&fPlain == 0 && i > 1 && r.chance(0.5) {
			h.referrer = "http://" + host + "/"
		}
		switch u := r.float(); {
		case u < 0.05 && d.flags&fPlain == 0:
			h.method = "POST"
			h.reqLen = r.lognormInt(700, 1.0, 20, 200_000)
			h.origFUID = r.id()
			h.origMime = "text/plain"
		case u < 0.07:
			h.method = "HEAD"
		}
		switch u := r.float(); {
		case u < 0.80:
		case u < 0.88:
			h.status = 304
		case u < 0.93:
			h.status = 302
		case u < 0.97:
			h.status = 404
			mime = "text/html"
		case u < 0.99:
			h.status = 301
		default:
			h.status = 500
			mime = "text/html"
		}
		if h.method != "HEAD" && h.status != 304 {
			switch h.status {
			case 200:
				h.respLen = r.lognormInt(6_000, 2.0, 14, 80_000_000)
			default:
				h.respLen = r.between(150, 1200)
			}
		}
		if h.respLen > 0 {
			h.respFUID = r.id()
			h.respMime = mime
		}
		ob += r.between(320, 760) + int64(len(ua)) + int64(len(h.uri)) + h.reqLen
		rb += r.between(180, 520) + h.respLen
		g.http(&h)
		if h.origMime != "" {
			g.file(&fileRec{ts: h.ts + r.between(100, 5000), fuid: h.origFUID, uid: uid, src: c.ip,
				sport: sport, dst: d.ip, dport: port, source: "HTTP", mime: h.origMime,
				dur: r.between(0, 2000), localOrig: true, isOrig: true, seen: h.reqLen,
				total: h.reqLen, hashKey: r.u64() >> 4})
		}
		if h.respMime != "" {
			total := h.respLen
			if r.chance(0.2) {
				total = -1 // chunked: no Content-Length
			}
			g.file(&fileRec{ts: h.ts + rtt + r.between(100, 20000), fuid: h.respFUID, uid: uid,
				src: c.ip, sport: sport, dst: d.ip, dport: port, source: "HTTP", mime: h.respMime,
				dur: int64(float64(h.respLen) / r.lognorm(2e6, 0.8) * 1e6), seen: h.respLen,
				total: total, hashKey: r.u64() >> 4})
		}
		ts += rtt + int64(float64(h.respLen)/2e6*1e6) + r.lognormInt(300_000, 1.2, 5000, 30_000_000)
	}
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: d.ip, dport: port, proto: "tcp",
		service: "http", ob: ob, rb: rb}
	cn.dur = ts - t + r.lognormInt(4_000_000, 1.0, 10_000, 120_000_000)
	g.tcpEnd(&cn)
	g.conn(&cn)
}

// plainFits tells whether a plain-HTTP system host is one this client's OS talks to.
func (g *gen) plainFits(c *client, host string) bool {
	switch host {
	case "deb.debian.org", "security.ubuntu.com":
		return c.os == osLinux
	case "ocsp.apple.com":
		return c.os == osMac
	case "www.msftconnecttest.com", "ctldl.windowsupdate.com", "download.windowsupdate.com", "tlu.dl.delivery.mp.microsoft.com":
		return c.os == osWindows
	case "detectportal.firefox.com":
		return c.os != osMac
	}
	return true
}

// uri makes up the request URI of request i to d and the MIME type of the answer.
func (g *gen) uri(b []byte, d *dest, i int) ([]byte, string) {
	r := g.r
	switch d.name {
	case "www.msftconnecttest.com":
		return append(b, "/connecttest.txt"...), "text/plain"
	case "detectportal.firefox.com":
		return append(b, "/canonical.html"...), "text/html"
	case "ctldl.windowsupdate.com":
		b = append(b, "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab?"...)
		b = g.appendHex(b, r.u64(), 16)
		return b, "application/vnd.ms-cab-compressed"
	case "ocsp.digicert.com", "ocsp.pki.goog", "r11.o.lencr.org", "ocsp.sectigo.com", "ocsp.apple.com":
		b = append(b, "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ"...)
		for range 44 {
			b = append(b, base64Chars[r.intn(64)])
		}
		return append(b, "%3D"...), "application/ocsp-response"
	case "crl3.digicert.com":
		return append(b, "/DigiCertGlobalRootG2.crl"...), "application/pkix-crl"
	case "download.windowsupdate.com", "tlu.dl.delivery.mp.microsoft.com":
		b = append(b, "/filestreamingservice/files/"...)
		b = g.appendHex(b, r.u64(), 32)
		return b, "application/octet-stream"
	case "deb.debian.org", "security.ubuntu.com":
		if i == 1 {
			return append(b, "/debian/dists/bookworm-updates/InRelease"...), "text/plain"
		}
		b = append(b, "/debian/pool/main/"...)
		b = append(b, words[r.intn(len(words))]...)
		b = append(b, "_1."...)
		b = strconv.AppendInt(b, int64(r.intn(40)), 10)
		return append(b, "-1_amd64.deb"...), "application/x-debian-package"
	}
	if i == 1 {
		switch r.intn(3) {
		case 0:
			return append(b, '/'), "text/html"
		case 1:
			b = append(b, '/')
			b = append(b, uriWords[r.intn(len(uriWords))]...)
			return b, "text/html"
		default:
			b = append(b, '/')
			b = append(b, uriWords[r.intn(len(uriWords))]...)
			b = append(b, '/')
			b = append(b, words[r.intn(len(words))]...)
			return append(b, ".html"...), "text/html"
		}
	}
	a := assetExt[r.intn(len(assetExt))]
	b = append(b, "/static/"...)
	b = append(b, words[r.intn(len(words))]...)
	b = append(b, '.')
	b = g.appendHex(b, r.u64(), 8)
	b = append(b, a.ext...)
	return b, a.mime
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func (g *gen) quicSession(t int64) {
	r := g.r
	ci := g.webPick.sample(r)
	c := &g.clients[ci]
	di := g.quicIdx[g.quicPop.sample(r)]
	d := &g.web[di]
	t = g.lookup(ci, di, d, t)
	uid := r.id()
	sport := c.ephemeral(r)
	rb := r.lognormInt(40_000, 2.0, 1_200, 200_000_000)
	ob := max(r.lognormInt(3_500, 1.1, 1_250, 5_000_000), rb/25)
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: d.ip, dport: 443, proto: "udp",
		service: "quic,ssl", dur: g.durFor(ob, rb, 3e6, 3, 1200), ob: ob, rb: rb, state: "SF", hist: "Dd"}
	udpConn(&cn, (ob+1199)/1200+1, (rb+1249)/1250+1)
	g.conn(&cn)
	g.ssl(&sslRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: d.ip, dport: 443,
		version: "TLSv13", cipher: "TLS_AES_128_GCM_SHA256", curve: "x25519", sni: d.name,
		resumed: true, hist: "Cs", cert: -1})
}

func (g *gen) smbSession(t int64) {
	r := g.r
	ci := g.bgPick.sample(r)
	c := &g.clients[ci]
	if c.os == osLinux && r.chance(0.7) {
		ci = g.bgPick.sample(r)
		c = &g.clients[ci]
	}
	uid := r.id()
	sport := c.ephemeral(r)
	rb := r.lognormInt(150_000, 2.2, 400, 300_000_000)
	ob := r.lognormInt(20_000, 2.0, 400, 50_000_000)
	ob = max(g.altBudget(t, c.ip, fileServerIP, 445, ob), 300)
	svc := "smb"
	if r.chance(0.35) {
		svc = "gssapi,smb,krb"
	}
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: fileServerIP, dport: 445, proto: "tcp",
		service: svc, dur: g.durFor(ob, rb, 20e6, 20, 1500), ob: ob, rb: rb}
	g.tcpEnd(&cn)
	g.conn(&cn)
}

func (g *gen) ntpSession(t int64) {
	r := g.r
	ci := g.bgPick.sample(r)
	c := &g.clients[ci]
	ni := r.intn(len(g.ntp))
	switch c.os {
	case osWindows:
		ni = 0
	case osMac:
		ni = 4
	}
	d := &g.ntp[ni]
	t = g.lookup(ci, 1<<24+ni, d, t)
	cn := connRec{ts: t, uid: r.id(), src: c.ip, sport: 123, dst: d.ip, dport: 123, proto: "udp",
		service: "ntp", dur: r.lognormInt(25_000, 0.6, 3000, 500_000), ob: 48, rb: 48, state: "SF", hist: "Dd"}
	if c.os != osWindows {
		cn.sport = c.ephemeral(r)
	}
	udpConn(&cn, 1, 1)
	g.conn(&cn)
}

func (g *gen) sshSession(t int64) {
	r := g.r
	ci := g.admins[r.intn(len(g.admins))]
	c := &g.clients[ci]
	dst := buildIP
	if r.chance(0.4) {
		dst = gitIP
	}
	if r.chance(0.15) && g.github.ip != 0 {
		t = g.lookup(ci, 1<<25, &g.github, t)
		dst = g.github.ip
	}
	uid := r.id()
	ob := r.lognormInt(6_000, 1.4, 1_500, 20_000_000)
	rb := ob * r.between(2, 20)
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: c.ephemeral(r), dst: dst, dport: 22, proto: "tcp",
		service: "ssh", dur: g.durFor(ob, rb, 2e6, 60, 1800), ob: ob, rb: rb}
	g.tcpEnd(&cn)
	g.conn(&cn)
}

// smtpSession is the mail relay delivering one message to an outside mail exchanger.
func (g *gen) smtpSession(t int64) {
	r := g.r
	mi := g.mxPop.sample(r)
	d := &g.mx[mi]
	relay := client{ip: mailRelayIP, os: osLinux}
	key := uint64(1)<<63 | uint64(mi)
	if !g.cached(key, t, int64(d.ttl)*1e6) {
		t += g.dnsQuery(&relay, d, t) + 500
	}
	// The relay sends each exchanger under 1 MB a day, at any Conns: a busy relay's one-way
	// flows are a false positive of the upload analytics, which the day keeps out of the truth.
	day := t / 86_400e6
	if day != g.mxDay {
		clear(g.mxSent)
		g.mxDay = day
	}
	ob := g.altBudget(t, mailRelayIP, d.ip, 25, r.lognormInt(18_000, 1.1, 800, 300_000))
	ob = max(ob, 600)
	if g.mxSent[mi]+ob > 900_000 {
		return
	}
	g.mxSent[mi] += ob
	rb := r.between(380, 720)
	cn := connRec{ts: t, uid: r.id(), src: mailRelayIP, sport: relay.ephemeral(r), dst: d.ip, dport: 25,
		proto: "tcp", service: "smtp", dur: g.durFor(ob, rb, 1e6, 1.5, 300), ob: ob, rb: rb}
	g.tcpEnd(&cn)
	g.conn(&cn)
}

// failedSession is a connection that went nowhere: no answer from outside, or a reset from a
// closed port inside.
func (g *gen) failedSession(t int64) {
	r := g.r
	ci := g.bgPick.sample(r)
	c := &g.clients[ci]
	uid := r.id()
	sport := c.ephemeral(r)
	if r.chance(0.55) {
		d := &g.web[g.webPop.sample(r)]
		port := uint16(443)
		if r.chance(0.15) {
			port = 80
		}
		g.s0(t, uid, c.ip, sport, d.ip, port, c.os)
		return
	}
	dst := g.clients[r.intn(g.nbg)].ip
	port := closedPorts[r.intn(len(closedPorts))]
	syn := int64(52)
	if c.os == osLinux {
		syn = 60
	}
	if r.chance(0.3) {
		g.s0(t, uid, c.ip, sport, dst, port, c.os)
		return
	}
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: dst, dport: port, proto: "tcp",
		dur: r.between(150, 2500), ob: 0, rb: 0, state: "REJ", hist: "Sr", opk: 1, oipb: syn, rpk: 1, ripb: 40}
	g.conn(&cn)
}

// closedPorts are what clients try on each other and get refused.
var closedPorts = []uint16{3389, 135, 5985, 22, 8080, 9100, 515, 5357}

// dnsOnlySession is a lookup with no connection after it: reverse lookups, domain controller
// discovery, proxy auto-discovery, prefetching.
func (g *gen) dnsOnlySession(t int64) {
	r := g.r
	ci := g.bgPick.sample(r)
	c := &g.clients[ci]
	uid := r.id()
	sport := c.ephemeral(r)
	q := dnsRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
		trans: uint16(r.intn(65536)), rtt: r.between(250, 3000), rcode: 0, rd: true, ra: true, aa: true}
	g.ansReset()
	switch u := r.float(); {
	case u < 0.25:
		other := g.clients[r.intn(g.nbg)].ip
		q.query = string(appendPTR(nil, other))
		q.qtype = 12
		if r.chance(0.7) {
			name := "ws-" + strconv.FormatUint(uint64(other&0xffff), 16) + "." + corpDomain
			g.ansName(name, 1200)
		} else {
			q.rcode = 3
		}
	case u < 0.45:
		q.query = "_ldap._tcp.dc._msdcs." + corpDomain
		q.qtype = 33
		g.ansName("dc01."+corpDomain, 600)
	case u < 0.55:
		q.query = "wpad." + corpDomain
		q.qtype = 1
		q.rcode = 3
	case u < 0.62:
		q.query = "dc01." + corpDomain
		q.qtype = 1
		g.ansIP(dcIP, 1200)
	default:
		d := &g.web[g.webPop.sample(r)]
		q.query = d.name
		q.qtype = 1
		q.aa = false
		q.rtt = r.lognormInt(22000, 0.8, 300, 900000)
		if d.cname != "" {
			g.ansName(d.cname, int64(d.ttl))
		}
		g.ansIP(d.ip, int64(d.ttl))
		if r.chance(0.01) {
			q.rcode, q.rtt, q.ra = -1, -1, false // no answer came back
			g.ansReset()
		}
	}
	g.dns(&q)
	qsize := int64(len(q.query)) + 18
	cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
		service: "dns", dur: max(q.rtt, 0), ob: qsize, rb: qsize + g.ansWire(), state: "SF", hist: "Dd"}
	if q.rtt < 0 {
		// One packet and no reply: Zeek knows no duration and logs no byte counts.
		cn.dur, cn.ob, cn.rb, cn.state, cn.hist = -1, -1, -1, "S0", "D"
		cn.opk, cn.oipb = 1, qsize+28
	} else {
		udpConn(&cn, 1, 1)
	}
	g.conn(&cn)
}

// appendPTR writes the reverse-lookup name of ip.
func appendPTR(b []byte, ip uint32) []byte {
	for i := 0; i < 4; i++ {
		b = strconv.AppendUint(b, uint64(ip>>(8*i)&0xff), 10)
		b = append(b, '.')
	}
	return append(b, "in-addr.arpa"...)
}
