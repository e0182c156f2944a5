package synth

import (
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Planted cases: attack traffic and look-alike benign traffic, placed at fixed hours of the
// day (UTC, from the first whole hour at or after Options.Start) and recorded in the Truth.
// See README.md for the reasoning behind each number.

// plantedHosts are the internal hosts of the planted cases, in the order of the constants
// below. They also browse the web like everyone else, but take no part in the background's
// SMB, SSH, NTP or mail, so that nothing but the planted traffic touches those ports from them.
var plantedHosts = []struct {
	ip uint32
	os int
}{
	{ip4(10, 50, 0, 11), osWindows}, // beacon
	{ip4(10, 50, 0, 12), osWindows}, // DNS tunnel
	{ip4(10, 50, 0, 13), osWindows}, // 2.5 GB upload
	{ip4(10, 50, 0, 14), osLinux},   // 9 h session on 4444
	{ip4(10, 50, 0, 15), osLinux},   // 13 h SSH series
	{ip4(10, 50, 0, 16), osLinux},   // SSH on 443
	{ip4(10, 50, 0, 17), osWindows}, // HTTP C2 panel on 8888
	{ip4(10, 50, 0, 18), osWindows}, // DNS over TCP 8053
	{ip4(10, 50, 0, 19), osLinux},   // HTTP on 8080 (benign)
	{ip4(10, 50, 0, 20), osWindows}, // FTP 60 MB
	{ip4(10, 50, 0, 21), osWindows}, // SMTP 587 12 MB
	{ip4(10, 50, 0, 22), osWindows}, // SMB 445 40 MB in 4 connections
	{ip4(10, 50, 0, 23), osWindows}, // FTP exactly 10,000,000 bytes
	{ip4(10, 50, 0, 24), osWindows}, // zips named .jpg posted by PowerShell
	{ip4(10, 50, 0, 25), osWindows}, // dead C2: 404 every 10 minutes
}

const (
	hBeacon = iota
	hTunnel
	hUpload
	hLongConn
	hSSHSeries
	hSSH443
	hHTTP8888
	hDNS8053
	hHTTP8080
	hFTP60
	hSMTP587
	hSMB445
	hFTP10
	hArchive
	hDeadC2
)

// The detections' ids. beacon and dns-tunnel are the ids the later detections are expected
// to take.
const (
	detPortMismatch = "protocol-port-mismatch"
	detAltProto     = "alt-protocol-volume"
	detUpload       = "upload-volume"
	detLongConn     = "long-connection"
	detBeacon       = "beacon"
	detDNSTunnel    = "dns-tunnel"
	detArchive      = "archive-http-upload"
	detSuspUA       = "suspicious-user-agent"
	detErrorURL     = "error-only-url"
)

type action struct {
	t  int64
	fn func(t int64)
}

// activity is one planted behaviour; its time span is learned as its records are made.
type activity struct {
	src, dst    uint32
	port        uint16
	proto       string
	domain      string
	first, last int64
}

func (a *activity) touch(ts, dur int64) {
	if a.first == 0 || ts < a.first {
		a.first = ts
	}
	a.last = max(a.last, ts+max(dur, 0))
}

// expectation ties an activity to what one detection must do with it.
type expectation struct {
	act       *activity
	name, det string
	negative  bool
	risk      int
	note      string
}

func (g *gen) plant(t int64, fn func(int64)) { g.plants = append(g.plants, action{t, fn}) }

func (g *gen) expect(a *activity, name, det string, negative bool, risk int, note string) {
	g.expects = append(g.expects, expectation{a, name, det, negative, risk, note})
}

// pclient is the index in g.clients of planted host h.
func (g *gen) pclient(h int) int { return g.nbg + h }

// pconn logs a planted connection and widens its activity.
func (g *gen) pconn(a *activity, c *connRec) {
	a.touch(c.ts, c.dur)
	g.conn(c)
}

// split divides total into n parts of roughly equal size (within ±spread), summing exactly.
func split(r *rng, total int64, n int, spread float64) []int64 {
	w := make([]float64, n)
	var sum float64
	for i := range w {
		w[i] = 1 - spread + 2*spread*r.float()
		sum += w[i]
	}
	out := make([]int64, n)
	var acc int64
	for i := range out {
		if i == n-1 {
			out[i] = total - acc
			break
		}
		out[i] = int64(float64(total) * w[i] / sum)
		acc += out[i]
	}
	return out
}

func (g *gen) schedulePlants() error {
	base := g.opt.Start.UTC().Truncate(time.Hour)
	if base.Before(g.opt.Start) {
		base = base.Add(time.Hour)
	}
	b := base.UnixMicro()
	at := func(h, m int) int64 { return b + int64(h)*3600e6 + int64(m)*60e6 }
	r := g.pr

	g.plantBeacon(at(8, 0)+r.between(0, 30e6), at(18, 0))
	g.plantTunnel(at(13, 2), at(13, 52))
	g.plantUpload(at(2, 10))
	g.plantBackup(at(2, 0))
	g.plantLongConn(at(6, 30) + r.between(0, 60e6))
	g.plantSSHSeries(at(5, 0) + r.between(0, 60e6))
	g.plantSSH443([]int64{at(10, 15), at(11, 40), at(15, 5), at(16, 30)})
	g.plantHTTP8888(at(9, 0))
	g.plantDNS8053(at(11, 0))
	g.plantHTTP8080(at(8, 30))
	g.plantArchiveUpload(at(12, 20))
	g.plantDeadC2(at(12, 0), at(16, 0))
	g.plantVolume(hFTP60, ip4(203, 0, 113, 21), 21, "ftp", "ftp.quickdrop-transfer.example",
		[]int64{at(14, 5), at(14, 12), at(14, 20), at(14, 28), at(14, 36), at(14, 44)}, 60_500_000,
		func(a *activity) {
			g.expect(a, "ftp-exfil-60mb", detAltProto, false, 90,
				"6 FTP connections on port 21 in one UTC hour (14:00-15:00) sending 60,500,000 bytes in all: count >= 5 and bytes > 50,000,000, the seed's risk 9 (90 on sluice's scale)")
			g.expect(a, "ftp-exfil-60mb", detUpload, false, 0,
				"60.5 MB out and about 7 kB back: an asymmetric pair")
		})
	g.plantVolume(hSMTP587, ip4(198, 51, 100, 25), 587, "smtp", "mail.postbox-relay.example",
		[]int64{at(15, 10), at(15, 18), at(15, 27), at(15, 36), at(15, 45)}, 12_400_000,
		func(a *activity) {
			g.expect(a, "smtp-exfil-12mb", detAltProto, false, 80,
				"5 SMTP submission connections on port 587 in one UTC hour (15:00-16:00) sending 12,400,000 bytes: count >= 5 and bytes > 10,000,000, the seed's risk 8 (80 on sluice's scale)")
			g.expect(a, "smtp-exfil-12mb", detUpload, false, 0,
				"12.4 MB out and about 7 kB back from a workstation: an asymmetric pair")
			g.expect(a, "smtp-exfil-12mb", detPortMismatch, true, 0,
				"SMTP on 587, the submission port (RFC 6409): expected for smtp in sluice's default table; the seed's literal table (smtp only on 25) would report it")
		})
	g.plantVolume(hSMB445, fileServerIP, 445, "smb", "",
		[]int64{at(16, 5), at(16, 17), at(16, 29), at(16, 41)}, 40_000_000,
		func(a *activity) {
			g.expect(a, "smb-4-conns-40mb", detAltProto, true, 0,
				"40,000,000 bytes to the file server on 445 in one UTC hour but only 4 connections: count < 5")
			g.expect(a, "smb-4-conns-40mb", detUpload, true, 0,
				"both ends internal: not an asymmetric pair (exclude_internal)")
		})
	g.plantVolume(hFTP10, ip4(192, 0, 2, 21), 21, "ftp", "ftp.archive-mirror.example",
		[]int64{at(17, 3), at(17, 9), at(17, 15), at(17, 21), at(17, 27), at(17, 33), at(17, 39), at(17, 45)}, 10_000_000,
		func(a *activity) {
			g.expect(a, "ftp-exactly-10mb", detAltProto, true, 0,
				"8 FTP connections in one UTC hour (17:00-18:00) sending exactly 10,000,000 bytes: the seed wants total_bytes > 10000000, so the boundary stays silent")
			g.expect(a, "ftp-exactly-10mb", detUpload, false, 0,
				"10 MB out and under 8 kB back: an asymmetric pair")
		})

	slices.SortStableFunc(g.plants, func(x, y action) int {
		switch {
		case x.t < y.t:
			return -1
		case x.t > y.t:
			return 1
		}
		return 0
	})
	for _, p := range g.plants {
		if err := g.checkTime(p.t, "activity"); err != nil {
			return err
		}
	}
	if n := len(g.plants); n > 0 {
		// The longest planted records must end inside the span too.
		if err := g.checkTime(at(19, 0), "the 13-hour SSH series"); err != nil {
			return err
		}
	}
	return nil
}

// pdns logs a planted host's lookup of name (answer ip) unless it has a fresh answer, and
// returns when the connection may start.
// The planted hosts keep these answers in a cache of their own, apart from the background's,
// so that the background cannot change when they look up.
func (g *gen) pdns(h int, key int, name string, ip uint32, ttl int32, t int64) int64 {
	k := uint64(h)<<32 | uint64(key)
	if exp, ok := g.plantCache[k]; ok && exp > t {
		return t
	}
	g.plantCache[k] = t + int64(ttl)*1e6
	d := dest{ip: ip, name: name, ttl: ttl}
	rtt := g.dnsQuery(&g.clients[g.pclient(h)], &d, t)
	return t + rtt + g.r.between(200, 4000)
}

func (g *gen) plantBeacon(start, end int64) {
	a := &activity{src: plantedHosts[hBeacon].ip, dst: ip4(203, 0, 113, 80), port: 443, proto: "tcp",
		domain: "cdn-update.example-c2.net"}
	g.expect(a, "https-beacon", detBeacon, false, 0,
		"one HTTPS connection every 60 s with 20 % jitter (48-72 s) for 10 hours, about 600 in all; SNI cdn-update.example-c2.net resolved every 5 minutes (TTL 300); constant sizes (about 1,480 bytes out, 3,900 in); a self-signed certificate")
	g.expect(a, "https-beacon", detLongConn, true, 0,
		"gaps of 48-72 s between short connections: never an unbroken series")
	g.expect(a, "https-beacon", detUpload, true, 0, "receives more than it sends")
	for t := start; t < end; t += int64(60e6 * (0.8 + 0.4*g.pr.float())) {
		g.plant(t, func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hBeacon)]
			t = g.pdns(hBeacon, 1, a.domain, a.dst, 300, t)
			uid := r.id()
			sport := c.ephemeral(r)
			ob := 1480 + r.between(-40, 40)
			rb := 3900 + r.between(-150, 150)
			if r.chance(0.04) {
				rb = r.between(20_000, 60_000) // a task
			}
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 443, proto: "tcp",
				service: "ssl", dur: r.between(250_000, 900_000), ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
			g.ssl(&sslRec{ts: t + r.between(20_000, 60_000), uid: uid, src: c.ip, sport: sport, dst: a.dst,
				dport: 443, version: "TLSv12", cipher: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
				curve: "secp256r1", sni: a.domain, established: true, hist: "CsxknGIi",
				cert: 1<<32 | 80, selfSigned: true})
		})
	}
}

const b32 = "abcdefghijklmnopqrstuvwxyz234567"

func appendB32(b []byte, r *rng, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, b32[r.intn(32)])
	}
	return b
}

func (g *gen) plantTunnel(start, end int64) {
	a := &activity{src: plantedHosts[hTunnel].ip, dst: resolverIP, port: 53, proto: "udp",
		domain: "t.exfil-dns.example"}
	g.expect(a, "dns-tunnel", detDNSTunnel, false, 0,
		"3,000 TXT queries in 50 minutes (13:02-13:52) for unique names of 56 + 24 base32 characters under t.exfil-dns.example, through the internal resolver")
	g.expect(a, "dns-tunnel", detLongConn, true, 0,
		"the queries form a 50-minute series to the resolver: under the 1-hour band")
	g.expect(a, "dns-tunnel", detAltProto, true, 0,
		"3,000 connections to port 53 in an hour but only about 0.3 MB: under 10,000,000 bytes")
	const n = 3000
	gaps := make([]float64, n)
	var sum float64
	for i := range gaps {
		gaps[i] = 0.2 + g.pr.exp()
		sum += gaps[i]
	}
	t := float64(start)
	span := float64(end - start)
	for i := 0; i < n; i++ {
		seq := i
		g.plant(int64(t), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hTunnel)]
			q := make([]byte, 0, 104)
			q = strconv.AppendInt(q, int64(0x1000+seq), 16)
			q = appendB32(q, r, 52)
			q = append(q, '.')
			q = appendB32(q, r, 24)
			q = append(q, ".t.exfil-dns.example"...)
			txt := string(appendB32(nil, r, 32))
			uid := r.id()
			sport := c.ephemeral(r)
			rtt := r.lognormInt(45_000, 0.5, 8_000, 900_000)
			g.ansReset()
			g.ansTXT(txt, 0)
			g.dns(&dnsRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
				trans: uint16(r.intn(65536)), rtt: rtt, query: string(q), qtype: 16, rcode: 0, rd: true, ra: true})
			qsize := int64(len(q)) + 18
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: resolverIP, dport: 53, proto: "udp",
				service: "dns", dur: rtt, ob: qsize, rb: qsize + 12 + 1 + int64(len(txt)) + 10, state: "SF", hist: "Dd"}
			udpConn(&cn, 1, 1)
			g.pconn(a, &cn)
		})
		t += gaps[i] / sum * span
	}
}

func (g *gen) plantUpload(start int64) {
	a := &activity{src: plantedHosts[hUpload].ip, dst: ip4(198, 51, 100, 23), port: 443, proto: "tcp",
		domain: "upload.dropvault.example"}
	g.expect(a, "https-upload-2.5gb", detUpload, false, 0,
		"2,500,000,000 bytes out over 443 in 50 connections between 02:10 and 05:10, about 1.5 MB back (ratio above 1,000); the day's largest external uploader")
	g.expect(a, "https-upload-2.5gb", detLongConn, true, 0,
		"50 connections of at most 140 s, 216 s apart: gaps of over a minute")
	sizes := split(g.pr, 2_500_000_000, 50, 0.1)
	for i, ob := range sizes {
		ob := ob
		g.plant(start+int64(i)*216e6+g.pr.between(0, 10e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hUpload)]
			t = g.pdns(hUpload, 2, a.domain, a.dst, 600, t)
			uid := r.id()
			sport := c.ephemeral(r)
			rb := r.between(18_000, 42_000)
			dur := int64(float64(ob) / float64(r.between(380_000, 450_000)) * 1e6)
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 443, proto: "tcp",
				service: "ssl", dur: dur, ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
			s := sslRec{ts: t + r.between(20_000, 60_000), uid: uid, src: c.ip, sport: sport, dst: a.dst,
				dport: 443, sni: a.domain, established: true, cert: -1}
			g.tlsParams(&s, 1<<32|23, c.os)
			g.ssl(&s)
		})
	}
}

func (g *gen) plantBackup(start int64) {
	a := &activity{src: backupIP, dst: nasIP, port: 22, proto: "tcp"}
	g.expect(a, "internal-backup", detUpload, true, 0,
		"the backup server copies about 36 GB over SSH to the NAS (24 connections, 02:00-04:00): internal to internal, so no asymmetric finding; it does top the seed's list of uploaders")
	g.expect(a, "internal-backup", detLongConn, true, 0, "connections of about 4 minutes, 5 minutes apart")
	for i := 0; i < 24; i++ {
		g.plant(start+int64(i)*300e6+g.pr.between(0, 5e6), func(t int64) {
			r := g.r
			ob := r.between(1_400_000_000, 1_600_000_000)
			rb := r.between(2_000_000, 4_000_000)
			cn := connRec{ts: t, uid: r.id(), src: backupIP, sport: uint16(r.between(32768, 60999)), dst: nasIP,
				dport: 22, proto: "tcp", service: "ssh", dur: ob / 6_500_000 * 1e6, ob: ob, rb: rb,
				state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

func (g *gen) plantLongConn(start int64) {
	a := &activity{src: plantedHosts[hLongConn].ip, dst: ip4(203, 0, 113, 44), port: 4444, proto: "tcp"}
	g.expect(a, "9h-session-4444", detLongConn, false, 0,
		"one TCP connection of 9 hours (32,403 s) to port 4444, no application protocol identified: RITA's 8-hour band")
	g.expect(a, "9h-session-4444", detUpload, true, 0, "2.1 MB out, 5.6 MB in")
	g.plant(start, func(t int64) {
		r := g.r
		c := &g.clients[g.pclient(hLongConn)]
		cn := connRec{ts: t, uid: r.id(), src: c.ip, sport: c.ephemeral(r), dst: a.dst, dport: 4444, proto: "tcp",
			dur: 32_403_184_517, ob: 2_143_877, rb: 5_612_090, state: "SF", hist: "ShADadfF"}
		tcpConn(&cn)
		cn.opk += 1080 // keep-alives
		cn.rpk += 1080
		cn.oipb += 1080 * 52
		cn.ripb += 1080 * 52
		g.pconn(a, &cn)
	})
}

func (g *gen) plantSSHSeries(start int64) {
	a := &activity{src: plantedHosts[hSSHSeries].ip, dst: ip4(198, 51, 100, 61), port: 22, proto: "tcp"}
	g.expect(a, "13h-ssh-series", detLongConn, false, 0,
		"about 155 SSH connections of 5 minutes each, back to back (1-4 s apart) for over 13 hours from 05:00: an unbroken series in RITA's 12-hour band")
	g.expect(a, "13h-ssh-series", detUpload, true, 0, "receives more than it sends")
	end := start + 13*3600e6
	for t := start; t < end; {
		dur := 300e6 + g.pr.between(-15e6, 15e6)
		g.plant(t, func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hSSHSeries)]
			ob := r.lognormInt(25_000, 0.6, 4_000, 400_000)
			rb := ob * r.between(2, 5)
			cn := connRec{ts: t, uid: r.id(), src: c.ip, sport: c.ephemeral(r), dst: a.dst, dport: 22,
				proto: "tcp", service: "ssh", dur: dur, ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
		t += dur + g.pr.between(1e6, 4e6)
	}
}

func (g *gen) plantSSH443(starts []int64) {
	a := &activity{src: plantedHosts[hSSH443].ip, dst: ip4(203, 0, 113, 17), port: 443, proto: "tcp"}
	g.expect(a, "ssh-on-443", detPortMismatch, false, 0,
		"4 SSH sessions (Zeek service ssh) to an external host on tcp/443")
	g.expect(a, "ssh-on-443", detUpload, true, 0, "receives more than it sends")
	for _, s := range starts {
		g.plant(s+g.pr.between(0, 60e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hSSH443)]
			ob := r.between(200_000, 800_000)
			rb := r.between(1_000_000, 4_000_000)
			cn := connRec{ts: t, uid: r.id(), src: c.ip, sport: c.ephemeral(r), dst: a.dst, dport: 443,
				proto: "tcp", service: "ssh", dur: r.between(600e6, 1700e6), ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

func (g *gen) plantHTTP8888(start int64) {
	a := &activity{src: plantedHosts[hHTTP8888].ip, dst: ip4(198, 51, 100, 88), port: 8888, proto: "tcp"}
	g.expect(a, "http-c2-panel-8888", detPortMismatch, false, 0,
		"12 HTTP connections (POST /gate.php, GET /panel/tasks) to an external host on tcp/8888")
	const ua = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/7.0)"
	host := "198.51.100.88:8888"
	for i := 0; i < 12; i++ {
		g.plant(start+int64(i)*1200e6+g.pr.between(-60e6, 60e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hHTTP8888)]
			uid := r.id()
			sport := c.ephemeral(r)
			rtt := r.between(30_000, 90_000)
			ts := t + rtt
			var ob, rb int64
			nreq := 1 + r.intn(2)
			for d := 1; d <= nreq; d++ {
				h := httpRec{ts: ts, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8888, depth: d,
					host: host, ua: ua, status: 200, respFUID: r.id(), respMime: "text/plain"}
				if d == 1 {
					h.method, h.uri = "POST", []byte("/gate.php")
					h.reqLen = r.between(300, 2000)
					h.origFUID, h.origMime = r.id(), "text/plain"
					h.respLen = r.between(60, 400)
				} else {
					h.method = "GET"
					h.uri = g.appendHex([]byte("/panel/tasks?id="), r.u64(), 8)
					h.respLen = r.between(100, 600)
					h.respMime = "text/html"
				}
				g.http(&h)
				if h.origMime != "" {
					g.file(&fileRec{ts: ts + 500, fuid: h.origFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
						dport: 8888, source: "HTTP", mime: h.origMime, dur: 0, localOrig: true, isOrig: true,
						seen: h.reqLen, total: h.reqLen, hashKey: r.u64() >> 4})
				}
				g.file(&fileRec{ts: ts + rtt, fuid: h.respFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
					dport: 8888, source: "HTTP", mime: h.respMime, dur: 0, seen: h.respLen, total: h.respLen,
					hashKey: r.u64() >> 4})
				ob += 250 + int64(len(ua)) + int64(len(h.uri)) + h.reqLen
				rb += 180 + h.respLen
				ts += rtt + r.between(200_000, 2_000_000)
			}
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8888, proto: "tcp",
				service: "http", dur: ts - t + r.between(100_000, 1_000_000), ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

func (g *gen) plantDNS8053(start int64) {
	a := &activity{src: plantedHosts[hDNS8053].ip, dst: ip4(192, 0, 2, 53), port: 8053, proto: "tcp",
		domain: "relay-ns.example"}
	g.expect(a, "dns-on-tcp-8053", detPortMismatch, false, 0,
		"6 DNS-over-TCP connections (Zeek service dns, TXT queries under relay-ns.example) to an external host on tcp/8053")
	for i := 0; i < 6; i++ {
		g.plant(start+int64(i)*37*60e6+g.pr.between(0, 30e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hDNS8053)]
			uid := r.id()
			sport := c.ephemeral(r)
			ts := t + r.between(30_000, 80_000)
			var ob, rb int64
			n := 1 + r.intn(3)
			for q := 0; q < n; q++ {
				name := string(g.appendHex([]byte("cfg-"), r.u64(), 6)) + ".relay-ns.example"
				txt := string(appendB32(nil, r, 48))
				rtt := r.between(30_000, 90_000)
				g.ansReset()
				g.ansTXT(txt, 60)
				g.dns(&dnsRec{ts: ts, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8053, proto: "tcp",
					trans: uint16(r.intn(65536)), rtt: rtt, query: name, qtype: 16, rcode: 0, rd: true, ra: true})
				ob += int64(len(name)) + 20
				rb += int64(len(name)) + 20 + 13 + int64(len(txt)) + 10
				ts += rtt + r.between(5_000, 50_000)
			}
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8053, proto: "tcp",
				service: "dns", dur: ts - t + r.between(5_000, 40_000), ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

func (g *gen) plantHTTP8080(start int64) {
	a := &activity{src: plantedHosts[hHTTP8080].ip, dst: ip4(192, 0, 2, 80), port: 8080, proto: "tcp",
		domain: "mirror.pkgrepo.example"}
	g.expect(a, "http-on-8080", detPortMismatch, true, 0,
		"a Linux host updating from a package mirror over HTTP on tcp/8080, a port the seed expects for http: must stay silent")
	const ua = "Debian APT-HTTP/1.3 (2.6.1)"
	host := a.domain + ":8080"
	for i := 0; i < 20; i++ {
		g.plant(start+int64(i)*27*60e6+g.pr.between(0, 120e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hHTTP8080)]
			t = g.pdns(hHTTP8080, 3, a.domain, a.dst, 300, t)
			uid := r.id()
			sport := c.ephemeral(r)
			rtt := r.between(8_000, 30_000)
			ts := t + rtt
			var ob, rb int64
			n := 1 + r.intn(3)
			for d := 1; d <= n; d++ {
				h := httpRec{ts: ts, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8080, depth: d,
					method: "GET", host: host, ua: ua, status: 304}
				if d == 1 {
					h.uri = []byte("/debian/dists/bookworm/InRelease")
					if r.chance(0.3) {
						h.status, h.respLen = 200, r.between(150_000, 160_000)
					}
				} else {
					h.uri = []byte("/debian/pool/main/" + words[r.intn(len(words))] + "_2." + strconv.Itoa(r.intn(30)) + "-1_amd64.deb")
					h.status, h.respLen = 200, r.lognormInt(400_000, 1.2, 20_000, 40_000_000)
				}
				if h.respLen > 0 {
					h.respFUID = r.id()
					h.respMime = "application/x-debian-package"
					if d == 1 {
						h.respMime = "text/plain"
					}
					g.file(&fileRec{ts: ts + rtt, fuid: h.respFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
						dport: 8080, source: "HTTP", mime: h.respMime, dur: h.respLen / 5, seen: h.respLen,
						total: h.respLen, hashKey: r.u64() >> 4})
				}
				g.http(&h)
				ob += 200 + int64(len(ua)+len(h.uri))
				rb += 250 + h.respLen
				ts += rtt + h.respLen/5 + r.between(1_000, 20_000)
			}
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 8080, proto: "tcp",
				service: "http", dur: ts - t + r.between(10_000, 200_000), ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

// plantVolume plants connections from planted host h to dst:port sending total bytes in
// all, split over the given start times; name, when set, is looked up first.
func (g *gen) plantVolume(h int, dst uint32, port uint16, service, name string, starts []int64, total int64, expect func(*activity)) {
	a := &activity{src: plantedHosts[h].ip, dst: dst, port: port, proto: "tcp", domain: name}
	expect(a)
	sizes := split(g.pr, total, len(starts), 0.08)
	for i, s := range starts {
		ob := sizes[i]
		g.plant(s+g.pr.between(0, 60e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(h)]
			if name != "" {
				t = g.pdns(h, 10+h, name, dst, 300, t)
			}
			rb := r.between(700, 1_500)
			if service == "smb" {
				rb = r.between(200_000, 500_000)
			}
			dur := int64(float64(ob) / float64(r.between(800_000, 1_500_000)) * 1e6)
			cn := connRec{ts: t, uid: r.id(), src: c.ip, sport: c.ephemeral(r), dst: dst, dport: port, proto: "tcp",
				service: service, dur: dur, ob: ob, rb: rb, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

// finishTruth turns the expectations into cases once the activities' spans are known.
func (g *gen) finishTruth() {
	for _, e := range g.expects {
		a := e.act
		g.truth.Cases = append(g.truth.Cases, Case{
			Name:      e.name,
			Detection: e.det,
			Negative:  e.negative,
			Src:       addr(a.src),
			Dst:       addr(a.dst),
			DstPort:   a.port,
			Proto:     a.proto,
			Domain:    a.domain,
			Start:     time.UnixMicro(a.first).UTC(),
			End:       time.UnixMicro(a.last).UTC(),
			Risk:      e.risk,
			Note:      e.note,
		})
	}
}

func addr(ip uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)})
}

// plantArchiveUpload posts three zip archives named as photos to an upload site nobody else
// uses, with PowerShell's user agent: Zeek's file analysis sees application/zip under .jpg names.
func (g *gen) plantArchiveUpload(start int64) {
	a := &activity{src: plantedHosts[hArchive].ip, dst: ip4(203, 0, 113, 77), port: 80, proto: "tcp",
		domain: "upload.pixdrop-share.example"}
	g.expect(a, "renamed-zip-http-upload", detArchive, false, 60,
		"3 POSTs of /api/v1/upload carrying zip archives named IMG_2291.jpg..IMG_2293.jpg (18.4 MB): a renamed archive (50) to an external host (+10)")
	g.expect(a, "renamed-zip-http-upload", detSuspUA, false, 45,
		"PowerShell's user agent (script, 25) to a host no other source visits (rare external, +20)")
	g.expect(a, "renamed-zip-http-upload", detUpload, false, 0,
		"18.4 MB out, a few hundred bytes back: an asymmetric pair")
	const ua = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4412"
	names := []string{"IMG_2291.jpg", "IMG_2292.jpg", "IMG_2293.jpg"}
	sizes := split(g.pr, 18_400_000, 3, 0.2)
	for i, size := range sizes {
		name, size := names[i], size
		g.plant(start+int64(i)*420e6+g.pr.between(0, 20e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hArchive)]
			t = g.pdns(hArchive, 3, a.domain, a.dst, 300, t)
			uid := r.id()
			sport := c.ephemeral(r)
			rtt := r.between(20_000, 60_000)
			send := size * 1e6 / r.between(2_000_000, 4_000_000) // 2-4 MB/s
			h := httpRec{ts: t + rtt, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 80, depth: 1,
				method: "POST", host: a.domain, uri: []byte("/api/v1/upload"), ua: ua, reqLen: size,
				respLen: r.between(40, 120), status: 200, origFUID: r.id(), origMime: "application/zip",
				respFUID: r.id(), respMime: "text/plain", origFilenames: name}
			g.http(&h)
			g.file(&fileRec{ts: t + rtt + 500, fuid: h.origFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
				dport: 80, source: "HTTP", mime: h.origMime, filename: name, dur: send, localOrig: true, isOrig: true,
				seen: size, total: size, hashKey: r.u64() >> 4})
			g.file(&fileRec{ts: t + rtt + send, fuid: h.respFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
				dport: 80, source: "HTTP", mime: h.respMime, dur: 0, seen: h.respLen, total: h.respLen,
				hashKey: r.u64() >> 4})
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 80, proto: "tcp",
				service: "http", dur: rtt + send + rtt, ob: size + 380 + int64(len(ua)), rb: 210 + h.respLen,
				state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}

// plantDeadC2 asks a gone C2 server for tasks every 10 minutes and gets 404 every time.
func (g *gen) plantDeadC2(start, end int64) {
	a := &activity{src: plantedHosts[hDeadC2].ip, dst: ip4(198, 51, 100, 140), port: 80, proto: "tcp",
		domain: "cdn.telemetry-sync.example"}
	g.expect(a, "dead-c2-404", detErrorURL, false, 35,
		"24 GETs of /api/v2/check (a new id each time) every 10 minutes from 12:00 to 16:00, every one answered 404, from one host: 15 + 20 (a single source)")
	g.expect(a, "dead-c2-404", detBeacon, false, 0,
		"the same 24 calls: a 10-minute heartbeat to one name (jitter under 40 s)")
	const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	for t0 := start; t0 < end; t0 += 600e6 {
		g.plant(t0+g.pr.between(0, 40e6), func(t int64) {
			r := g.r
			c := &g.clients[g.pclient(hDeadC2)]
			t = g.pdns(hDeadC2, 4, a.domain, a.dst, 300, t)
			uid := r.id()
			sport := c.ephemeral(r)
			rtt := r.between(25_000, 70_000)
			h := httpRec{ts: t + rtt, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 80, depth: 1,
				method: "GET", host: a.domain, uri: g.appendHex([]byte("/api/v2/check?id="), r.u64(), 12), ua: ua,
				respLen: 153, status: 404, respFUID: r.id(), respMime: "text/html"}
			g.http(&h)
			g.file(&fileRec{ts: t + 2*rtt, fuid: h.respFUID, uid: uid, src: c.ip, sport: sport, dst: a.dst,
				dport: 80, source: "HTTP", mime: h.respMime, dur: 0, seen: h.respLen, total: h.respLen,
				hashKey: r.u64() >> 4})
			cn := connRec{ts: t, uid: uid, src: c.ip, sport: sport, dst: a.dst, dport: 80, proto: "tcp",
				service: "http", dur: 3 * rtt, ob: 420 + int64(len(ua)), rb: 330, state: "SF", hist: "ShADadFf"}
			tcpConn(&cn)
			g.pconn(a, &cn)
		})
	}
}
