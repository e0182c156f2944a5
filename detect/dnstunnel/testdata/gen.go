//go:build ignore

// gen writes the Zeek dns.log fixtures of this folder (TSV, the header and fields of Zeek's
// default dns.log), one function per fixture, every value drawn from a PCG seeded with a
// constant, so that a rerun writes the same bytes:
//
//	cd detect/dnstunnel && go run testdata/gen.go testdata
//
// It prints what it planted (queries a minute, unique names per domain and per client in 15
// minutes, name and label lengths, NXDOMAIN counts) to stderr; README.md copies those counts.
// All times are on 2026-03-02 UTC. Internal clients are 10.30.0.x, the internal resolver is
// 10.30.0.53. Files over 300 KB are written gzipped (.log.gz).
//
// Values follow what Zeek writes (scripts/base/protocols/dns/main.zeek): query names lower
// case, rtt and RA set only when an answer record came back (so NXDOMAIN and NODATA rows have
// rtt "-"), a query nobody answered has rcode "-" and is written when Zeek expires its
// connection (about a minute later), answers as A/AAAA addresses, CNAME/MX/PTR/SRV names,
// "TXT <len> <text>", and "<unknown type=10>" for NULL records (Zeek has no NULL parser).
// Rows are in the order Zeek writes them (when the reply arrives), not strictly by ts. Every
// query from one source port to one server within a minute of the last shares a uid, as one
// Zeek UDP connection (dnscat2 and iodine keep one socket for their whole session).
//
// dnscat2.log.gz: dnscat2 (iagox86, doc/protocol.md and client/tunnel_drivers/driver_dns.c)
// from 10.30.0.21 through the resolver under c2.dnscat-lab.example for 30 minutes: ENC and SYN,
// encrypted MSG polls every second (34 hex characters), three short commands, a 67-second
// download of a file (1,800 full packets: 100 bytes, 200 hex characters in labels of 60, names
// of 225 characters), FIN. TXT, CNAME and MX at random as the client's default types. The
// client's own 100 everyday lookups (A+AAAA pairs) are in the same file.
// dnscat2-prefix.log: a short dnscat2 session without a domain (names dnscat.<hex>) from
// 10.30.0.22 straight to 203.0.113.53, 200 queries in under 5 minutes.
// atomic-t1071-004.log: Atomic Red Team T1071.004 tests 1-3 from 10.30.0.23 (1,001 TXT queries
// in 39 s; the beacon script for 30 minutes; the domain-length script, 28 to 253 characters),
// answered NXDOMAIN or not at all. Atomic's T1071-dns-beacon.ps1 sends one query a loop; the
// sub2domain/sub3domain queries every 3rd and 7th loop belong to Microsoft's SC-200 lab copy
// of it (c2.ps1), not to Atomic, and are not here.
// resolver.log.gz: a base32 TXT tunnel under t.tunnel-lab.example from 10.30.0.24 (1,500
// names in 40 minutes), seen twice: client -> resolver, and resolver -> its upstream
// 198.51.100.53, plus 40 clients 10.30.1.1-40 whose everyday lookups the resolver forwards when
// its cache misses.
// dga-nxdomain.log: 300 DGA names (.com/.net/.info) from 10.30.0.25, 297 NXDOMAIN; three
// clients 10.30.0.26-28 with about 60 search-suffix NXDOMAIN each under corp.example.
// benign-busy.log.gz: a mail server's DNSBL lookups, McAfee GTI and Sophos reputation lookups,
// Windows (footprintdns, AD SRV, PTR, ip6.arpa, AWS ELB) and 60 hosts spreading over a thousand
// cloudfront.net and akamaiedge.net names.
// dns-beacon.log: an A query for one name every 60 s +-10% for 6 hours from 10.30.0.40
// (answer 0.0.0.0), and time.windows.com every 900 s +-1 s from 10.30.0.41.
// iodine-lab.log.gz: an iodine session (yarrick/iodine doc/proto_00000502.txt, src/client.c)
// from 10.30.0.42: the handshake (NULL type check, version, login, IP, case check, lazy mode,
// fragment size probes), then 10 minutes of base32 data and pings as NULL queries.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base32"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/dnsname"
)

// Query types.
const (
	tA     = 1
	tNS    = 2
	tCNAME = 5
	tSOA   = 6
	tNULL  = 10
	tPTR   = 12
	tMX    = 15
	tTXT   = 16
	tAAAA  = 28
	tSRV   = 33
	tANY   = 255
)

var qtypeNames = map[int]string{tA: "A", tNS: "NS", tCNAME: "CNAME", tSOA: "SOA", tNULL: "NULL", tPTR: "PTR",
	tMX: "MX", tTXT: "TXT", tAAAA: "AAAA", tSRV: "SRV", tANY: "*"}

var rcodeNames = map[int]string{0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}

const (
	resolver = "10.30.0.53"
	sec      = int64(1e6) // times are microseconds
	ms       = int64(1e3)
)

var day = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMicro()

// at is a time of the fixture day.
func at(h, m int, s float64) int64 {
	return day + int64(h)*3600*sec + int64(m)*60*sec + int64(math.Round(s*1e6))
}

// rec is one dns.log row.
type rec struct {
	ts, logAt              int64 // logAt: when Zeek writes the row (reply, or connection expiry)
	orig                   string
	oport                  int
	resp                   string
	rport                  int
	tid                    int
	rtt                    int64 // -1: unset
	query                  string
	qtype                  int
	rcode                  int // -1: unset (no reply)
	aa, tc, rd, ra, reject bool
	answers                []string
	ttls                   []int
	uid                    string
}

type fixture struct {
	rng  *rand.Rand
	recs []*rec
}

func newFixture(seed uint64) *fixture {
	return &fixture{rng: rand.New(rand.NewPCG(0x51_1ce_d25, seed))}
}

// dur is a random duration in [lo, hi) seconds.
func (f *fixture) dur(lo, hi float64) int64 {
	return int64((lo + f.rng.Float64()*(hi-lo)) * 1e6)
}

// winPort and linuxPort are ephemeral source ports (Windows 49152-65535, Linux 32768-60999).
func (f *fixture) winPort() int   { return 49152 + f.rng.IntN(16384) }
func (f *fixture) linuxPort() int { return 32768 + f.rng.IntN(28232) }

func (f *fixture) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(f.rng.IntN(256))
	}
	return fmt.Sprintf("%x", b)
}

func (f *fixture) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(f.rng.IntN(256))
	}
	return b
}

func (f *fixture) pick(s []string) string { return s[f.rng.IntN(len(s))] }

// q adds a query with RD set and no reply yet: unanswered, Zeek writes it when the
// connection expires.
func (f *fixture) q(ts int64, orig string, oport int, resp, name string, qtype int) *rec {
	r := &rec{ts: ts, logAt: ts + 65*sec + f.dur(0, 5), orig: orig, oport: oport, resp: resp, rport: 53,
		tid: f.rng.IntN(65536), rtt: -1, query: name, qtype: qtype, rcode: -1, rd: true}
	f.recs = append(f.recs, r)
	return r
}

// ans: NOERROR with answer records after rtt.
func (r *rec) ans(rtt int64, answers []string, ttls []int) *rec {
	r.rtt, r.rcode, r.ra, r.answers, r.ttls, r.logAt = rtt, 0, true, answers, ttls, r.ts+rtt
	return r
}

// ans1: one answer.
func (r *rec) ans1(rtt int64, answer string, ttl int) *rec {
	return r.ans(rtt, []string{answer}, []int{ttl})
}

// nx: NXDOMAIN with the zone's SOA in the authority section: no rtt, RA not logged, not
// rejected.
func (r *rec) nx(after int64) *rec {
	r.rcode, r.logAt = 3, r.ts+after
	return r
}

// local: the resolver answers from its own zone (corp.example, AD-integrated) at once, as
// the zone's authority.
func (r *rec) local(f *fixture) *rec {
	r.rtt = f.dur(0.0002, 0.0008)
	r.logAt = r.ts + r.rtt
	r.aa = len(r.answers) > 0
	return r
}

// nodata: NOERROR without answers.
func (r *rec) nodata(after int64) *rec {
	r.rcode, r.logAt = 0, r.ts+after
	return r
}

// site is an everyday name and what the resolver answers for it.
type site struct {
	name  string
	chain []string // CNAMEs, in answer order
	v4    []string
	v6    []string
	ttl   int
}

var everyday = []site{
	{"www.google.com", nil, []string{"142.250.72.196"}, []string{"2607:f8b0:4005:80b::2004"}, 300},
	{"outlook.office365.com", []string{"outlook.ha.office365.com", "outlook.ms-acdc.office.com"}, []string{"52.96.165.18", "52.96.91.34", "40.99.150.50", "52.96.164.226"}, []string{"2603:1036:304:2806::2", "2603:1036:304:2803::2"}, 30},
	{"login.microsoftonline.com", []string{"login.mso.msidentity.com", "ak.privatelink.msidentity.com", "www.tm.ak.prd.aadg.trafficmanager.net"}, []string{"20.190.151.68", "40.126.23.160", "20.190.151.7"}, nil, 60},
	{"teams.microsoft.com", []string{"teams.office.com", "tmc-g2.tm-4.office.com", "teams-office-com.s-0005.s-msedge.net", "s-0005.s-msedge.net"}, []string{"52.113.194.132"}, []string{"2620:1ec:42::132"}, 120},
	{"www.bing.com", []string{"www-www.bing.com.trafficmanager.net", "www.bing.com.edgekey.net", "e86303.dscx.akamaiedge.net"}, []string{"23.212.249.146", "23.212.249.154"}, []string{"2600:1406:3a00:21::173e:2e69"}, 20},
	{"graph.microsoft.com", []string{"ags.privatelink.msidentity.com", "www.tm.ags.prd.aadg.trafficmanager.net"}, []string{"20.190.151.9", "40.126.23.163"}, nil, 60},
	{"settings-win.data.microsoft.com", []string{"atm-settingsfe-prod-geo2.trafficmanager.net", "settings-prod-wus2-2.westus2.cloudapp.azure.com"}, []string{"20.69.137.228"}, nil, 300},
	{"ctldl.windowsupdate.com", []string{"ctldl.windowsupdate.com.delivery.microsoft.com", "wu-b-net.trafficmanager.net", "ctldl.windowsupdate.com.edgesuite.net", "a767.dspw65.akamai.net"}, []string{"23.46.228.143", "23.46.228.136"}, nil, 20},
	{"www.msftconnecttest.com", []string{"ncsi-geo.trafficmanager.net", "www.msftncsi.com.edgesuite.net", "a1961.g2.akamai.net"}, []string{"23.200.0.10", "23.200.0.24"}, nil, 20},
	{"github.com", nil, []string{"140.82.112.3"}, nil, 60},
	{"api.github.com", nil, []string{"140.82.113.6"}, nil, 60},
	{"slack.com", nil, []string{"54.192.18.88", "54.192.18.32", "54.192.18.5", "54.192.18.118"}, nil, 60},
	{"zoom.us", nil, []string{"170.114.52.2"}, nil, 600},
	{"www.youtube.com", []string{"youtube-ui.l.google.com"}, []string{"142.250.191.46", "142.250.72.206", "172.217.14.110"}, []string{"2607:f8b0:4005:810::200e"}, 300},
	{"fonts.googleapis.com", nil, []string{"142.250.72.170"}, []string{"2607:f8b0:4005:80e::200a"}, 300},
	{"update.googleapis.com", nil, []string{"142.250.68.35"}, []string{"2607:f8b0:4005:812::2003"}, 300},
	{"clients4.google.com", []string{"clients.l.google.com"}, []string{"142.250.72.174"}, []string{"2607:f8b0:4005:80c::200e"}, 300},
	{"ocsp.digicert.com", []string{"ocsp.edge.digicert.com", "fp2e7a.wpc.2be4.phicdn.net", "fp2e7a.wpc.phicdn.net"}, []string{"192.229.211.108"}, []string{"2606:2800:233:fa02:67b:9ff6:5107:833"}, 3600},
	{"edge.microsoft.com", []string{"edge-microsoft-com.dual-a-0036.a-msedge.net", "dual-a-0036.a-msedge.net"}, []string{"13.107.21.239", "204.79.197.239"}, []string{"2620:1ec:c11::239"}, 120},
	{"www.wikipedia.org", []string{"dyna.wikimedia.org"}, []string{"208.80.154.224"}, []string{"2620:0:861:ed1a::1"}, 600},
	{"www.amazon.com", []string{"tp.47cf2c8c9-frontier.amazon.com", "d3ag4hukkh62yn.cloudfront.net"}, []string{"18.164.116.29"}, nil, 60},
	{"d2v9y0dukr6mq2.cloudfront.net", nil, []string{"13.249.85.22", "13.249.85.43", "13.249.85.54", "13.249.85.71"}, nil, 60},
}

// internal names of corp.example, answered by the internal resolver.
var internal = []site{
	{"dc01.corp.example", nil, []string{"10.30.0.10"}, nil, 1200},
	{"dc02.corp.example", nil, []string{"10.30.0.11"}, nil, 1200},
	{"fileserver01.corp.example", nil, []string{"10.30.0.60"}, nil, 1200},
	{"intranet.corp.example", []string{"web01.corp.example"}, []string{"10.30.0.70"}, nil, 1200},
	{"mail.corp.example", nil, []string{"10.30.0.30"}, nil, 1200},
	{"sharepoint.corp.example", nil, []string{"10.30.0.71"}, nil, 1200},
	{"print01.corp.example", nil, []string{"10.30.0.80"}, nil, 1200},
	{"wsus.corp.example", nil, []string{"10.30.0.61"}, nil, 1200},
}

// lookup adds a query for s answered by a resolver (chain and addresses); cached answers
// come back in under a millisecond with part of their TTL used up.
func (f *fixture) lookup(ts int64, orig string, oport int, resp string, s site, qtype int, cached bool) *rec {
	r := f.q(ts, orig, oport, resp, s.name, qtype)
	rtt := f.dur(0.008, 0.045)
	used := 0
	if cached {
		rtt = f.dur(0.0002, 0.0009)
		used = f.rng.IntN(s.ttl)
	}
	addrs := s.v4
	if qtype == tAAAA {
		addrs = s.v6
	}
	if len(s.chain) == 0 && len(addrs) == 0 {
		return r.nodata(rtt)
	}
	var answers []string
	var ttls []int
	for _, c := range s.chain {
		answers = append(answers, c)
		ttls = append(ttls, max(1, 3600-used))
	}
	for _, a := range addrs {
		answers = append(answers, a)
		ttls = append(ttls, max(1, s.ttl-used))
	}
	return r.ans(rtt, answers, ttls)
}

// --- dnscat2 ---------------------------------------------------------------------------

// dnscat is a dnscat2 client's DNS side: packets hex encoded, cut into labels of at most 60
// characters (driver_dns.c: MAX_FIELD_LENGTH 62), the domain appended, or "dnscat." prepended
// when there is none. Encrypted packets (the default) are header (packet_id, type, session_id:
// 5 bytes), signature (6), nonce (2) and the encrypted body.
type dnscat struct {
	f      *fixture
	client string
	port   int
	server string
	domain string // "" for the dnscat. prefix form
	sid    uint16
	nonce  uint16 // the client's; the server keeps its own
	snonce uint16
	rtt    func() int64
	max    int // the longest packet in bytes (MAX_DNSCAT_LENGTH)
}

const (
	dcSYN = 0x00
	dcMSG = 0x01
	dcFIN = 0x02
	dcENC = 0x03
)

func (d *dnscat) header(typ byte) []byte {
	pid := d.f.rng.IntN(65536)
	return []byte{byte(pid >> 8), byte(pid), typ, byte(d.sid >> 8), byte(d.sid)}
}

// enc is a client's encrypted packet with a body of n bytes, srv the server's.
func (d *dnscat) enc(typ byte, n int) []byte { return d.sealed(typ, n, &d.nonce) }
func (d *dnscat) srv(typ byte, n int) []byte { return d.sealed(typ, n, &d.snonce) }

func (d *dnscat) sealed(typ byte, n int, nonce *uint16) []byte {
	p := d.header(typ)
	p = append(p, d.f.bytes(6)...)
	p = append(p, byte(*nonce>>8), byte(*nonce))
	*nonce++
	return append(p, d.f.bytes(n)...)
}

// name writes a packet as the client does.
func (d *dnscat) name(p []byte) string {
	var b strings.Builder
	if d.domain == "" {
		b.WriteString("dnscat.")
	}
	section := 0
	for i, c := range p {
		fmt.Fprintf(&b, "%02x", c)
		section += 2
		if i+1 != len(p) && section+2 >= 62 {
			section = 0
			b.WriteByte('.')
		}
	}
	if d.domain != "" {
		b.WriteString("." + d.domain)
	}
	return b.String()
}

// answer writes the server's reply packet for the record type (driver_dns.rb): TXT the bare
// hex, CNAME and MX the hex in slices of 63 with the domain (or dnscat.) added.
func (d *dnscat) answer(qtype int, p []byte) string {
	h := fmt.Sprintf("%x", p)
	if qtype == tTXT {
		return fmt.Sprintf("TXT %d %s", len(h), h)
	}
	var parts []string
	for len(h) > 63 {
		parts = append(parts, h[:63])
		h = h[63:]
	}
	parts = append(parts, h)
	if d.domain == "" {
		return "dnscat." + strings.Join(parts, ".")
	}
	return strings.Join(parts, ".") + "." + d.domain
}

var dnscatTypes = []int{tTXT, tCNAME, tMX} // DEFAULT_TYPES "TXT,CNAME,MX", one at random a packet

// x sends up and gets down back; it returns when the reply arrived.
func (d *dnscat) x(ts int64, up, down []byte) int64 {
	if len(up) > d.max {
		panic(fmt.Sprintf("dnscat packet of %d bytes over %d", len(up), d.max))
	}
	qt := dnscatTypes[d.f.rng.IntN(len(dnscatTypes))]
	rtt := d.rtt()
	d.f.q(ts, d.client, d.port, d.server, d.name(up), qt).ans1(rtt, d.answer(qt, down), 60)
	return ts + rtt
}

// poll is an idle MSG both ways (seq and ack only: 4 bytes of body).
func (d *dnscat) poll(ts int64) int64 { return d.x(ts, d.enc(dcMSG, 4), d.srv(dcMSG, 4)) }

// upload sends n bytes of data from the client, packet after packet as each ack returns.
func (d *dnscat) upload(ts int64, n int) int64 {
	room := d.max - 13 - 4 // header, signature, nonce, seq and ack
	for n > 0 {
		k := min(n, room)
		t := d.x(ts, d.enc(dcMSG, 4+k), d.srv(dcMSG, 4))
		ts = t + d.f.dur(0.001, 0.006)
		n -= k
	}
	return ts
}

// command: the server's command arrives in the reply to a poll, and the client sends its
// output back at once.
func (d *dnscat) command(ts int64, cmd, out int) int64 {
	t := d.x(ts, d.enc(dcMSG, 4), d.srv(dcMSG, 4+cmd))
	return d.upload(t+d.f.dur(0.002, 0.010), out)
}

// session runs ENC, SYN, polls (every delay plus up to 50 ms) with the events at their
// times, and FIN at end.
func (d *dnscat) session(start, end int64, delay float64, events map[int64]func(int64) int64) {
	ts := start
	ts = d.x(ts, append(append(d.header(dcENC), 0, 0, 0, 0), d.f.bytes(64)...),
		append(append(d.header(dcENC), 0, 0, 0, 0), d.f.bytes(64)...)) + d.f.dur(0.05, 0.2)
	// SYN: isn, options OPT_NAME|OPT_COMMAND and the session name.
	ts = d.x(ts, d.enc(dcSYN, 4+len("command (ws-fin-07)")+1), d.srv(dcSYN, 4)) + d.f.dur(0.01, 0.05)
	keys := make([]int64, 0, len(events))
	for k := range events {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for ts < end {
		if len(keys) > 0 && ts >= keys[0] {
			ts = events[keys[0]](ts)
			keys = keys[1:]
		} else {
			d.poll(ts)
		}
		ts += int64(delay*1e6) + d.f.dur(0, 0.05)
	}
	d.x(ts, d.enc(dcFIN, 1), d.srv(dcFIN, 1))
}

// dnscat2: 30 minutes of a dnscat2 session through the resolver, a download of a file in
// the middle, and the client's ordinary lookups.
func dnscat2(f *fixture) {
	const client = "10.30.0.21"
	d := &dnscat{f: f, client: client, port: f.linuxPort(), server: resolver, domain: "c2.dnscat-lab.example",
		sid: uint16(f.rng.IntN(65536)), rtt: func() int64 { return f.dur(0.022, 0.038) }}
	d.max = 255/2 - len(d.domain) - 1 - (255/62 + 1) // MAX_DNSCAT_LENGTH: 100 bytes
	start, end := at(10, 0, 0.31), at(10, 29, 58)
	d.session(start, end, 1.0, map[int64]func(int64) int64{
		at(10, 3, 10): func(ts int64) int64 { return d.command(ts, 12, 420) },    // whoami; id; uname -a
		at(10, 6, 40): func(ts int64) int64 { return d.command(ts, 24, 2600) },   // ls -la /home/fin/Documents
		at(10, 12, 0): func(ts int64) int64 { return d.command(ts, 40, 149400) }, // download of a 149,400-byte file
		at(10, 21, 5): func(ts int64) int64 { return d.command(ts, 16, 900) },    // ps aux | grep
	})
	// the client's everyday lookups: glibc asks A and AAAA from one socket, one uid a pair.
	cache := map[string]int64{}
	for i := 0; i < 50; i++ {
		s := everyday[f.rng.IntN(20)]
		ts := start + f.dur(0, 1790)
		port := f.linuxPort()
		cached := cache[s.name] > ts-int64(s.ttl)*sec && cache[s.name] < ts
		f.lookup(ts, client, port, resolver, s, tA, cached)
		f.lookup(ts+f.dur(0.00005, 0.0003), client, port, resolver, s, tAAAA, cached)
		if !cached {
			cache[s.name] = ts
		}
	}
}

// dnscat2Prefix: dnscat2 with no domain, straight to the server, 200 queries.
func dnscat2Prefix(f *fixture) {
	d := &dnscat{f: f, client: "10.30.0.22", port: f.linuxPort(), server: "203.0.113.53",
		sid: uint16(f.rng.IntN(65536)), rtt: func() int64 { return f.dur(0.061, 0.094) }}
	d.max = 255/2 - len("dnscat") - 1 - (255/62 + 1) // 115 bytes
	start := at(11, 0, 4.2)
	// --delay 1500: ENC, SYN, polls, one exchange of 1,800 bytes (19 packets), FIN: 200.
	polls := 200 - 2 - 19 - 1
	ts := start
	ts = d.x(ts, append(append(d.header(dcENC), 0, 0, 0, 0), f.bytes(64)...),
		append(append(d.header(dcENC), 0, 0, 0, 0), f.bytes(64)...)) + f.dur(0.05, 0.2)
	ts = d.x(ts, d.enc(dcSYN, 4+len("command (build-02)")+1), d.srv(dcSYN, 4)) + f.dur(0.01, 0.05)
	for i := 0; i < polls; i++ {
		if i == 40 {
			ts = d.command(ts, 20, 1800)
		} else {
			d.poll(ts)
		}
		ts += 1500*ms + f.dur(0, 0.05)
	}
	d.x(ts, d.enc(dcFIN, 1), d.srv(dcFIN, 1))
}

// --- Atomic Red Team T1071.004 ---------------------------------------------------------

// atomic: tests 1 to 3 with their defaults (TXT, 127.0.0.1.nip.io) from a Windows host; the
// resolver has nothing for them (NXDOMAIN), a few beacon queries go unanswered.
func atomic(f *fixture) {
	const client = "10.30.0.23"
	const domain = "127.0.0.1.nip.io"
	// Test 1: for($i=0; $i -le 1000; $i++) { Resolve-DnsName -type TXT
	// "atomicredteam-$(Get-Random -Minimum 1 -Maximum 999999).127.0.0.1.nip.io" -QuickTimeout }
	ts := at(10, 0, 10.27)
	for i := 0; i <= 1000; i++ {
		rtt := f.dur(0.006, 0.024)
		f.q(ts, client, f.winPort(), resolver, fmt.Sprintf("atomicredteam-%d.%s", 1+f.rng.IntN(999998), domain), tTXT).nx(rtt)
		ts += rtt + f.dur(0.018, 0.030) // the loop's own PowerShell time
	}
	fmt.Fprintf(os.Stderr, "atomic test 1: 1,001 queries %s .. %s\n", time.UnixMicro(at(10, 0, 10.27)).UTC().Format("15:04:05.000"), time.UnixMicro(ts).UTC().Format("15:04:05.000"))
	// Test 3: T1071-dns-domain-length.ps1: names of length 28 to 253, labels growing to 63.
	const sub = "atomicredteamatomicredteamatomicredteamatomicredteamatomicredte"
	ts = at(10, 5, 2.6)
	l := [4]int{1, 1, 1, 1}
	for i := len(domain) + 12; i <= 253; i++ {
		name := fmt.Sprintf("%03d.%s.%s.%s.%s.%s", i, sub[:l[0]], sub[:l[1]], sub[:l[2]], sub[:l[3]], domain)
		if len(name) != i {
			panic("domain-length script: " + name)
		}
		rtt := f.dur(0.006, 0.024)
		f.q(ts, client, f.winPort(), resolver, name, tTXT).nx(rtt)
		ts += rtt + f.dur(0.018, 0.030)
		for k := range l {
			if l[k] < 63 {
				l[k]++
				break
			}
		}
	}
	fmt.Fprintf(os.Stderr, "atomic test 3: %d queries %s .. %s\n", 253-len(domain)-12+1, time.UnixMicro(at(10, 5, 2.6)).UTC().Format("15:04:05.000"), time.UnixMicro(ts).UTC().Format("15:04:05.000"))
	// Test 2: T1071-dns-beacon.ps1 -C2Interval 30 -C2Jitter 20 -RunTime 30: one query, then
	// Start-Sleep -Seconds (30 * ((Get-Random -Minimum -20 -Maximum 20) / 100 + 1)), until the
	// run time is over. Windows PowerShell 5.1 rounds the seconds to an int (half to even).
	ts = at(10, 10, 0.8)
	runEnd := ts + 30*60*sec
	beacons, gaps := 0, []float64{}
	defer func() {
		slices.Sort(gaps)
		fmt.Fprintf(os.Stderr, "atomic test 2: %d queries, gaps %.1f .. %.1f s, median %.1f s\n", beacons, gaps[0], gaps[len(gaps)-1], gaps[len(gaps)/2])
	}()
	for {
		beacons++
		now := ts
		r := f.q(ts, client, f.winPort(), resolver, fmt.Sprintf("atomicredteam.%d.%s", 1+f.rng.IntN(999998), domain), tTXT)
		took := f.dur(0.03, 0.06)
		if f.rng.IntN(20) == 0 {
			took = f.dur(1.0, 1.2) // -QuickTimeout gives up; Zeek never sees a reply
		} else {
			rtt := f.dur(0.006, 0.024)
			r.nx(rtt)
			took += rtt
		}
		jitter := float64(f.rng.IntN(40)-20)/100 + 1
		gap := took + int64(math.RoundToEven(30*jitter))*sec
		ts += gap
		if now >= runEnd {
			break
		}
		gaps = append(gaps, float64(gap)/1e6)
	}
}

// --- resolver ----------------------------------------------------------------------------

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func lowerB32(b []byte) string { return strings.ToLower(b32.EncodeToString(b)) }

// labels cuts s into labels of at most n characters.
func labels(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), ".")
}

// resolverCase: a base32 TXT tunnel from 10.30.0.24 and 40 ordinary clients, all through the
// resolver, which forwards to 198.51.100.53: the sensor sees both legs.
func resolverCase(f *fixture) {
	const client = "10.30.0.24"
	const upstream = "198.51.100.53"
	const domain = "t.tunnel-lab.example"
	start, end := at(10, 0, 0), at(10, 40, 0)
	// forward sends a query on from the resolver a few ms after it came in, and answers the
	// client after the upstream answered.
	forward := func(in *rec, answers []string, ttls []int) {
		out := f.q(in.ts+f.dur(0.0004, 0.003), resolver, f.linuxPort(), upstream, in.query, in.qtype)
		up := f.dur(0.015, 0.040)
		if answers == nil {
			out.nx(up)
			in.nx(out.ts - in.ts + up + f.dur(0.0002, 0.001))
			return
		}
		out.ans(up, answers, ttls)
		in.ans(out.ts-in.ts+up+f.dur(0.0002, 0.001), answers, ttls)
	}
	// The tunnel: 1,500 names, a 4-character sequence number and base32 data: polls carry
	// 10-16 bytes, data queries 40-90 bytes (labels of 63); TXT answers carry base32 too.
	ts := start + f.dur(1, 3)
	seq := f.rng.IntN(1 << 20)
	names := map[string]bool{}
	for len(names) < 1500 {
		var n int
		if f.rng.IntN(10) < 3 {
			n = 10 + f.rng.IntN(7)
		} else {
			n = 40 + f.rng.IntN(51)
		}
		seq++
		id := lowerB32([]byte{byte(seq >> 12), byte(seq >> 4), byte(seq << 4)})[:4]
		name := labels(id+lowerB32(f.bytes(n)), 63) + "." + domain
		names[name] = true
		in := f.q(ts, client, f.linuxPort(), resolver, name, tTXT)
		txt := lowerB32(f.bytes(8 + f.rng.IntN(60)))
		forward(in, []string{fmt.Sprintf("TXT %d %s", len(txt), txt)}, []int{0})
		ts += f.dur(0.4, 2.6) // 1.5 s on average: 40 a minute
	}
	if ts > end {
		panic("tunnel runs past the end")
	}
	// 40 clients, about 50 everyday lookups each (A, a third also AAAA); the resolver
	// forwards what it does not have cached.
	type lookup struct {
		ts    int64
		host  string
		port  int
		s     site
		qtype int
	}
	var lookups []lookup
	for c := 1; c <= 40; c++ {
		host := fmt.Sprintf("10.30.1.%d", c)
		n := 44 + f.rng.IntN(13)
		for i := 0; i < n; i++ {
			s := everyday[f.rng.IntN(len(everyday))]
			if f.rng.IntN(5) == 0 {
				s = internal[f.rng.IntN(len(internal))]
			}
			ts, port := start+f.dur(0, 2399), f.winPort()
			lookups = append(lookups, lookup{ts, host, port, s, tA})
			if f.rng.IntN(3) == 0 && !strings.HasSuffix(s.name, ".corp.example") {
				lookups = append(lookups, lookup{ts + f.dur(0.0001, 0.001), host, port, s, tAAAA})
			}
		}
	}
	sort.SliceStable(lookups, func(i, j int) bool { return lookups[i].ts < lookups[j].ts })
	type key struct {
		name  string
		qtype int
	}
	cache := map[key]int64{} // expiry
	for _, l := range lookups {
		k := key{l.s.name, l.qtype}
		switch {
		case strings.HasSuffix(l.s.name, ".corp.example"): // its own zone
			f.lookup(l.ts, l.host, l.port, resolver, l.s, l.qtype, false).local(f)
		case cache[k] > l.ts:
			f.lookup(l.ts, l.host, l.port, resolver, l.s, l.qtype, true)
		default:
			in := f.lookup(l.ts, l.host, l.port, resolver, l.s, l.qtype, false)
			cache[k] = l.ts + int64(l.s.ttl)*sec
			if in.rcode == 0 && len(in.answers) == 0 {
				f.q(l.ts+f.dur(0.0004, 0.003), resolver, f.linuxPort(), upstream, l.s.name, l.qtype).nodata(in.logAt - l.ts - f.dur(0.0001, 0.0002))
				continue
			}
			forward(in, in.answers, in.ttls)
		}
	}
}

// --- DGA and search-suffix NXDOMAIN ---------------------------------------------------------

func dga(f *fixture) {
	const client = "10.30.0.25"
	start := at(10, 5, 12.4)
	tlds := []string{"com", "net", "info"}
	for i := 0; i < 300; i++ {
		n := 12 + f.rng.IntN(9)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('a' + f.rng.IntN(26))
		}
		name := string(b) + "." + tlds[f.rng.IntN(3)]
		ts := start + int64(i)*2*sec + f.dur(0, 0.05)
		r := f.q(ts, client, f.winPort(), resolver, name, tA)
		switch i {
		case 117, 203, 266: // registered today: the C2
			r.ans1(f.dur(0.03, 0.09), "203.0.113.77", 300)
		default:
			r.nx(f.dur(0.02, 0.09))
		}
	}
	// Three ordinary Windows clients over an hour: internal and everyday lookups, and the
	// NXDOMAIN of their search suffix: wpad, devolution doubling the suffix, stale names.
	misses := []string{"wpad.corp.example", "isatap.corp.example", "fileserver01.corp.example.corp.example",
		"intranet.corp.example.corp.example", "sharepoint.corp.example.corp.example", "print02.corp.example",
		"oldapp.corp.example", "hr-portal.corp.example", "wpad.corp.example.corp.example"}
	for c := 26; c <= 28; c++ {
		host := fmt.Sprintf("10.30.0.%d", c)
		n := 56 + f.rng.IntN(9)
		for i := 0; i < n; i++ {
			ts := at(10, 0, 0) + f.dur(0, 3599)
			name := misses[f.rng.IntN(len(misses))]
			if i%5 == 0 {
				name = "wpad.corp.example" // WinHTTP auto-proxy, again and again
			}
			f.q(ts, host, f.winPort(), resolver, name, tA).nx(f.dur(0.0002, 0.0009))
		}
		for i := 0; i < 150; i++ {
			ts := at(10, 0, 0) + f.dur(0, 3599)
			if i%3 == 0 {
				f.lookup(ts, host, f.winPort(), resolver, everyday[f.rng.IntN(len(everyday))], tA, f.rng.IntN(2) == 0)
			} else {
				f.lookup(ts, host, f.winPort(), resolver, internal[f.rng.IntN(len(internal))], tA, false).local(f)
			}
		}
	}
}

// --- benign but busy ------------------------------------------------------------------------

func benign(f *fixture) {
	start := at(10, 0, 0)
	hour := func() int64 { return start + f.dur(0, 3599) }

	// Mail server: DNSBL lookups of 2,000 connecting addresses, zen.spamhaus.org and
	// bl.spamcop.net, most not listed.
	const mta = "10.30.0.30"
	seen := map[string]bool{}
	for len(seen) < 2000 {
		a, b, c, d := 1+f.rng.IntN(223), f.rng.IntN(256), f.rng.IntN(256), 1+f.rng.IntN(254)
		if a == 10 || a == 127 || a == 172 || a == 192 || a == 100 || a == 169 {
			continue
		}
		ip := fmt.Sprintf("%d.%d.%d.%d", a, b, c, d)
		if seen[ip] {
			continue
		}
		seen[ip] = true
		rev := fmt.Sprintf("%d.%d.%d.%d", d, c, b, a)
		ts := hour()
		listed := f.rng.IntN(100) < 9
		r := f.q(ts, mta, f.linuxPort(), resolver, rev+".zen.spamhaus.org", tA)
		if listed {
			codes := [][]string{{"127.0.0.2"}, {"127.0.0.3"}, {"127.0.0.4"}, {"127.0.0.2", "127.0.0.4"}, {"127.0.0.10"}, {"127.0.0.11"}}
			c := codes[f.rng.IntN(len(codes))]
			ttls := make([]int, len(c))
			for i := range ttls {
				ttls[i] = 60
			}
			r.ans(f.dur(0.02, 0.08), c, ttls)
		} else {
			r.nx(f.dur(0.02, 0.08))
		}
		r = f.q(ts+f.dur(0.0001, 0.0006), mta, f.linuxPort(), resolver, rev+".bl.spamcop.net", tA)
		if listed && f.rng.IntN(2) == 0 {
			r.ans1(f.dur(0.02, 0.09), "127.0.0.2", 2100)
		} else {
			r.nx(f.dur(0.02, 0.09))
		}
	}
	for _, dom := range []string{"gmail.com", "outlook.com", "yahoo.com", "corp-partner.example"} {
		for i := 0; i < 5; i++ {
			f.q(hour(), mta, f.linuxPort(), resolver, dom, tMX).ans1(f.dur(0.01, 0.04), "mx1."+dom, 3600)
		}
	}

	// Antivirus reputation: McAfee GTI (names of the shape Petr Spacek recorded for wtfbins:
	// <n>-0.19-<flags>.<hex>.1838.11b4.2fca.<n>.0.<26 hash chars>.avqs.mcafee.com, answered with
	// 127.x codes) and Sophos Live Protection (*.sophosxl.net, shape not verified).
	const av = "10.30.0.31"
	alnum := "0123456789abcdefghijklmnopqrstuvwxyz"
	for i := 0; i < 150; i++ {
		h := make([]byte, 26)
		for j := range h {
			h[j] = alnum[f.rng.IntN(len(alnum))]
		}
		pre := f.pick([]string{"13-0.19-b3000081", "a-0.19-a3000081", "c-0.19-230cf219"})
		mid := strconv.FormatInt(int64(f.rng.IntN(1<<24)), 16)
		name := fmt.Sprintf("%s.%s.1838.11b4.2fca.%s.0.%s.avqs.mcafee.com", pre, mid, f.pick([]string{"210", "400", "10"}), h)
		f.q(hour(), av, f.winPort(), resolver, name, tA).ans1(f.dur(0.02, 0.09), f.pick([]string{"127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.4.0"}), 300)
	}
	for i := 0; i < 60; i++ {
		name := fmt.Sprintf("%s.%d.f.sxl.sophosxl.net", f.hex(16), 1+f.rng.IntN(4))
		f.q(hour(), av, f.winPort(), resolver, name, tA).ans1(f.dur(0.02, 0.09), "127.0.0.1", 300)
	}

	// A Windows client: Microsoft footprint probes, AD SRV, PTR, ip6.arpa, AWS ELB names.
	const win = "10.30.0.32"
	for i := 0; i < 20; i++ {
		f.q(hour(), win, f.winPort(), resolver, f.hex(16)+".clo.footprintdns.com", tA).
			ans(f.dur(0.02, 0.06), []string{"clo.footprintdns.com.trafficmanager.net", "13.107.4.52"}, []int{60, 60})
	}
	guid := "54540b4e-6ae9-4836-97b1-0f52ff00a24a"
	srv := []string{"_ldap._tcp.dc._msdcs.corp.example", "_ldap._tcp.default-first-site-name._sites.dc._msdcs.corp.example",
		"_kerberos._tcp.dc._msdcs.corp.example", "_kerberos._udp.corp.example", "_ldap._tcp.pdc._msdcs.corp.example",
		"_gc._tcp.corp.example", "_ldap._tcp." + guid + ".domains._msdcs.corp.example"}
	for i := 0; i < 42; i++ {
		name := srv[i%len(srv)]
		targets := []string{"dc01.corp.example", "dc02.corp.example"}
		if strings.Contains(name, "pdc.") {
			targets = targets[:1]
		}
		ttls := []int{600, 600}[:len(targets)]
		f.q(hour(), win, f.winPort(), resolver, name, tSRV).ans(f.dur(0.0002, 0.0009), targets, ttls).aa = true
	}
	for i := 0; i < 30; i++ {
		o3, o4 := f.rng.IntN(3), 1+f.rng.IntN(200)
		name := fmt.Sprintf("%d.%d.30.10.in-addr.arpa", o4, o3)
		r := f.q(hour(), win, f.winPort(), resolver, name, tPTR)
		if i%6 == 5 {
			r.nx(f.dur(0.0002, 0.0009))
		} else {
			r.ans1(f.dur(0.0002, 0.0009), fmt.Sprintf("ws-%03d.corp.example", o4), 1200).aa = true
		}
	}
	for i := 0; i < 6; i++ {
		f.q(hour(), win, f.winPort(), resolver, fmt.Sprintf("%d.%d.212.23.in-addr.arpa", 100+f.rng.IntN(100), 249), tPTR).
			ans1(f.dur(0.02, 0.06), "a23-212-249-146.deploy.static.akamaitechnologies.com", 86400)
	}
	// ip6.arpa of 2001:db8:30::1f4c (nibbles reversed)
	nib := strings.ReplaceAll("2001:0db8:0030:0000:0000:0000:0000:1f4c", ":", "")
	var v6 []string
	for i := len(nib) - 1; i >= 0; i-- {
		v6 = append(v6, nib[i:i+1])
	}
	f.q(hour(), win, f.winPort(), resolver, strings.Join(v6, ".")+".ip6.arpa", tPTR).ans1(f.dur(0.0002, 0.0009), "ws-fin-12.corp.example", 1200).aa = true
	elbs := []string{"internal-api-prod-1234567890.us-east-1.elb.amazonaws.com", "web-prod-alb-987654321.us-east-1.elb.amazonaws.com",
		"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1122334455.us-east-1.elb.amazonaws.com"}
	for i := 0; i < 24; i++ {
		f.q(hour(), win, f.winPort(), resolver, elbs[i%3], tA).ans(f.dur(0.01, 0.04), []string{"3.215.66.120", "52.7.81.190"}, []int{60, 60})
	}
	for i := 0; i < 40; i++ {
		f.lookup(hour(), win, f.winPort(), resolver, everyday[f.rng.IntN(len(everyday))], tA, f.rng.IntN(2) == 0)
	}

	// 60 hosts spread their CDN lookups: 25 cloudfront.net and 25 akamaiedge.net names each,
	// four in five names no other host asks for.
	const cfAlpha = "0123456789abcdefghijklmnopqrstuvwxyz"
	cloudfront := func() string {
		b := make([]byte, 13)
		for i := range b {
			b[i] = cfAlpha[f.rng.IntN(len(cfAlpha))]
		}
		return "d" + string(b) + ".cloudfront.net"
	}
	akamai := func() string {
		return fmt.Sprintf("e%d.%s.akamaiedge.net", 1000+f.rng.IntN(99000), f.pick([]string{"a", "b", "dscb", "dscd", "dscg", "dscx", "dsce"}))
	}
	var popularCF, popularAK []string
	for i := 0; i < 20; i++ {
		popularCF = append(popularCF, cloudfront())
		popularAK = append(popularAK, akamai())
	}
	for h := 1; h <= 60; h++ {
		host := fmt.Sprintf("10.30.2.%d", h)
		for i := 0; i < 25; i++ {
			name := cloudfront()
			if f.rng.IntN(5) == 0 {
				name = f.pick(popularCF)
			}
			ips := make([]string, 4)
			for j := range ips {
				ips[j] = fmt.Sprintf("18.160.%d.%d", f.rng.IntN(256), 1+f.rng.IntN(254))
			}
			f.q(hour(), host, f.winPort(), resolver, name, tA).ans(f.dur(0.008, 0.04), ips, []int{60, 60, 60, 60})
			name = akamai()
			if f.rng.IntN(5) == 0 {
				name = f.pick(popularAK)
			}
			f.q(hour(), host, f.winPort(), resolver, name, tA).ans(f.dur(0.008, 0.04),
				[]string{fmt.Sprintf("23.%d.%d.%d", 32+f.rng.IntN(32), f.rng.IntN(256), 1+f.rng.IntN(254))}, []int{20})
		}
	}
}

// --- DNS beacon ----------------------------------------------------------------------------

func beacon(f *fixture) {
	const client = "10.30.0.40"
	name := f.hex(4) + ".update.cdn-sync-lab.example"
	ts, end := at(8, 0, 21.7), at(14, 0, 0)
	for ts < end {
		f.q(ts, client, f.winPort(), resolver, name, tA).ans1(f.dur(0.02, 0.05), "0.0.0.0", 1)
		ts += f.dur(54, 66)
	}
	ts = at(8, 3, 12.1)
	for ts < end {
		f.lookup(ts, "10.30.0.41", f.winPort(), resolver,
			site{"time.windows.com", []string{"twc.trafficmanager.net"}, []string{"168.61.215.74"}, nil, 900}, tA, false)
		ts += 900*sec + f.dur(-1, 1)
	}
}

// --- iodine --------------------------------------------------------------------------------

const iodineB32 = "abcdefghijklmnopqrstuvwxyz012345" // src/base32.c

var ib32 = base32.NewEncoding(iodineB32).WithPadding(base32.NoPadding)

type iodine struct {
	f       *fixture
	port    int
	domain  string
	chunkid int // trans_id: += 7727 a query (send_query)
	seed    int // rand_seed: the CMC of handshake queries
	datacmc int
	outseq  int
	inseq   int
	infrag  int
	queries int
	nullAns string
}

func (io *iodine) send(ts int64, name string, rtt int64) {
	io.chunkid = (io.chunkid + 7727) % 65536
	if io.chunkid == 0 {
		io.chunkid = 7727
	}
	r := io.f.q(ts, "10.30.0.42", io.port, resolver, name, tNULL).ans1(rtt, io.nullAns, 0)
	r.tid = io.chunkid
	io.queries++
}

func (io *iodine) cmc() string {
	s := io.seed
	io.seed++
	return string([]byte{iodineB32[(s>>10)&31], iodineB32[(s>>5)&31], iodineB32[s&31]})
}

// packet: a command char and base32 data, the rest of send_packet (build_hostname).
func (io *iodine) packet(cmd byte, data []byte) string {
	return string(cmd) + io.dotify(ib32.EncodeToString(data)) + "." + io.domain
}

// dotify puts a dot every 57 characters (inline_dotify).
func (io *iodine) dotify(s string) string { return labels(s, 57) }

// maxData is how many encoded characters fit a data query (build_hostname: 255 - the
// domain - 8, less one a 57 for the dots).
func (io *iodine) maxData() int {
	space := 255 - len(io.domain) - 8
	return space - space/57
}

func iodineCase(f *fixture) {
	io := &iodine{f: f, port: f.linuxPort(), domain: "t.iodine-lab.example", chunkid: f.rng.IntN(65536),
		seed: f.rng.IntN(1 << 15), nullAns: fmt.Sprintf("<unknown type=%d>", tNULL)}
	ts := at(13, 0, 2.05)
	step := func(lo, hi float64) int64 { return f.dur(lo, hi) }
	rtt := func() int64 { return f.dur(0.025, 0.045) }
	// qtype autodetect: y, codec r(aw), variant 1 (b), CMC.
	io.send(ts, "yrb"+io.cmc()+"."+io.domain, rtt())
	ts += step(0.05, 0.1)
	// version 0x00000502 and CMC
	io.send(ts, io.packet('v', []byte{0, 0, 5, 2, byte(io.seed >> 8), byte(io.seed)}), rtt())
	io.seed++
	ts += step(0.05, 0.1)
	// login: userid 0, MD5 of password xor challenge, CMC
	io.send(ts, io.packet('l', append(append([]byte{0}, f.bytes(16)...), byte(io.seed>>8), byte(io.seed))), rtt())
	io.seed++
	ts += step(0.05, 0.1)
	// ask for the server's address for raw mode (the raw UDP login after it gets no answer
	// through the resolver, and is not DNS: no dns.log row)
	io.send(ts, "ia"+io.cmc()+"."+io.domain, rtt())
	ts += step(1.0, 1.2)
	// EDNS0 check, then the upstream codec check: the resolver lowercases the name, so iodine
	// keeps base32. Zeek logs the name lower case and the byte \xe4 escaped.
	io.send(ts, "yrb"+io.cmc()+"."+io.domain, rtt())
	ts += step(0.05, 0.1)
	io.send(ts, "z"+io.cmc()+`aa-aaahhh-drink-mal-ein-j\xe4germeister-.`+io.domain, rtt())
	ts += step(0.05, 0.1)
	// lazy mode, then the downstream fragment size probes (768, 1152, 960, 1056, 1008,
	// 1032, 1020, 1026: r, 3 base32 characters of userid and size, d, 256 bytes of probe),
	// then set the fragment size.
	io.send(ts, "oal"+io.cmc()+"."+io.domain, rtt())
	ts += step(0.05, 0.1)
	for _, size := range []int{768, 1152, 960, 1056, 1008, 1032, 1020, 1026} {
		probe := bytes.Repeat([]byte{byte(max(1, io.seed&0xff))}, 256)
		probe[1] = byte(max(1, (io.seed>>8)&0xff))
		io.seed++
		enc := ib32.EncodeToString(probe)[:io.maxData()]
		name := "r" + string([]byte{iodineB32[(size>>10)&1], iodineB32[(size>>5)&31], iodineB32[size&31]}) + "d" +
			io.dotify(enc) + "." + io.domain
		io.send(ts, name, rtt())
		ts += step(0.05, 0.12)
	}
	io.send(ts, io.packet('n', []byte{0, 0x04, 0x02, byte(io.seed >> 8), byte(io.seed)}), rtt())
	io.seed++
	ts += step(0.1, 0.2)

	// Data: an ssh session and a copy, about 5 queries a second for 10 minutes. Upstream
	// packets: 0 (userid), 3 header characters, the data CMC, base32 data in labels of 57;
	// pings: p and base32 of userid, downstream seq/frag and 2 bytes of seed. Lazy mode: the
	// server holds a ping until it has data or the next query arrives.
	end := ts + 10*60*sec
	for ts < end {
		if f.rng.IntN(100) < 42 { // upstream data: one fragment
			n := 20 + f.rng.IntN(120)
			if f.rng.IntN(4) == 0 {
				n = 140 // a full fragment of the copy
			}
			enc := ib32.EncodeToString(f.bytes(n))
			if len(enc) > io.maxData() {
				enc = enc[:io.maxData()]
			}
			frag := 0
			code1 := ((io.outseq & 7) << 2) | ((frag & 15) >> 2)
			code2 := ((frag & 3) << 3) | (io.inseq & 7)
			code3 := ((io.infrag & 15) << 1) | 1
			hdr := []byte{'0', iodineB32[code1], iodineB32[code2], iodineB32[code3], "abcdefghijklmnopqrstuvwxyz0123456789"[io.datacmc]}
			io.datacmc = (io.datacmc + 1) % 36
			io.outseq = (io.outseq + 1) & 7
			io.send(ts, string(hdr)+io.dotify(enc)+"."+io.domain, rtt())
		} else { // ping
			data := []byte{0, byte((io.inseq&7)<<4 | io.infrag&15), byte(io.seed >> 8), byte(io.seed)}
			io.seed++
			held := rtt()
			if f.rng.IntN(3) == 0 {
				held = f.dur(0.2, 1.5)
			}
			io.send(ts, io.packet('p', data), held)
			if f.rng.IntN(2) == 0 {
				io.infrag = (io.infrag + 1) & 15
				if io.infrag == 0 {
					io.inseq = (io.inseq + 1) & 7
				}
			}
		}
		ts += step(0.08, 0.32) // about 5 a second
	}
}

// --- writing -------------------------------------------------------------------------------

const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (f *fixture) uid() string {
	n := 17
	if f.rng.IntN(20) == 0 {
		n = 16 // Zeek's base62 of a 96-bit number: sometimes a character shorter
	}
	b := []byte{'C'}
	for i := 0; i < n; i++ {
		b = append(b, b62[f.rng.IntN(62)])
	}
	return string(b)
}

// assignUIDs gives queries one uid per UDP connection: the same source port to the same
// server within a minute (Zeek's udp_inactivity_timeout) of the last query.
func (f *fixture) assignUIDs() {
	byTS := slices.Clone(f.recs)
	sort.SliceStable(byTS, func(i, j int) bool { return byTS[i].ts < byTS[j].ts })
	type key struct {
		o  string
		op int
		r  string
	}
	type conn struct {
		uid  string
		last int64
	}
	conns := map[key]*conn{}
	for _, r := range byTS {
		k := key{r.orig, r.oport, r.resp}
		c := conns[k]
		if c == nil || r.ts-c.last > 60*sec {
			c = &conn{uid: f.uid()}
			conns[k] = c
		}
		c.last = max(c.last, r.ts)
		r.uid = c.uid
	}
}

func stamp(us int64) string { return fmt.Sprintf("%d.%06d", us/sec, us%sec) }

func zeekTime(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02-15-04-05")
}

func tf(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

func (f *fixture) write(dir, name string) []*rec {
	f.assignUIDs()
	recs := slices.Clone(f.recs)
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].logAt != recs[j].logAt {
			return recs[i].logAt < recs[j].logAt
		}
		return recs[i].ts < recs[j].ts
	})
	var b bytes.Buffer
	first := recs[0].ts
	for _, r := range recs {
		first = min(first, r.ts)
	}
	open := first - first%(3600*sec)
	b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n")
	fmt.Fprintf(&b, "#open\t%s\n", zeekTime(open))
	b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n")
	b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n")
	for _, r := range recs {
		rtt, rcode, rname, answers, ttls := "-", "-", "-", "-", "-"
		if r.rtt >= 0 {
			rtt = fmt.Sprintf("%d.%06d", r.rtt/sec, r.rtt%sec)
		}
		if r.rcode >= 0 {
			rcode, rname = strconv.Itoa(r.rcode), rcodeNames[r.rcode]
		}
		if len(r.answers) > 0 {
			esc := make([]string, len(r.answers))
			for i, a := range r.answers {
				esc[i] = strings.ReplaceAll(a, ",", `\x2c`)
			}
			answers = strings.Join(esc, ",")
			t := make([]string, len(r.ttls))
			for i, v := range r.ttls {
				t[i] = fmt.Sprintf("%d.000000", v)
			}
			ttls = strings.Join(t, ",")
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%d\t%s\t%d\tudp\t%d\t%s\t%s\t1\tC_INTERNET\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t0\t%s\t%s\t%s\n",
			stamp(r.ts), r.uid, r.orig, r.oport, r.resp, r.rport, r.tid, rtt, r.query, r.qtype, qtypeNames[r.qtype],
			rcode, rname, tf(r.aa), tf(r.tc), tf(r.rd), tf(r.ra), answers, ttls, tf(r.reject))
	}
	last := recs[len(recs)-1].logAt
	fmt.Fprintf(&b, "#close\t%s\n", zeekTime(last+sec))
	out := b.Bytes()
	if b.Len() > 300_000 {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(out)
		w.Close()
		out = z.Bytes()
		name += ".gz"
	}
	if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
		panic(err)
	}
	report(name, recs, b.Len())
	return recs
}

// --- the counts ----------------------------------------------------------------------------

// registered is the registered domain the counts are kept under: the detection's own.
func registered(name string, private bool) string {
	return dnsname.Registered(dnsname.Canonical(name), private)
}

type clientStats struct {
	n, nx, noreply, maxName, maxLabel    int
	maxUnique                            int // the aggregate line: the most any one client has
	unique                               map[string]bool
	perMin, bytesMin, txtMin             map[int64]int
	maxMin, maxBytes, maxTXT, maxSlide60 int
	times                                []int64
	nxBy                                 map[string]int
}

// uniq15 is the most unique names in any 15 minutes of (ts, name) sorted by ts.
func uniq15(ts []int64, names []string) int {
	count := map[string]int{}
	best, lo := 0, 0
	for hi := range ts {
		count[names[hi]]++
		for ts[hi]-ts[lo] >= 15*60*sec {
			count[names[lo]]--
			if count[names[lo]] == 0 {
				delete(count, names[lo])
			}
			lo++
		}
		best = max(best, len(count))
	}
	return best
}

func report(file string, recs []*rec, size int) {
	w := os.Stderr
	byTS := slices.Clone(recs)
	sort.SliceStable(byTS, func(i, j int) bool { return byTS[i].ts < byTS[j].ts })
	fmt.Fprintf(w, "== %s: %d rows, %d bytes uncompressed, %s .. %s\n", file, len(recs), size,
		time.UnixMicro(byTS[0].ts).UTC().Format("15:04:05"), time.UnixMicro(byTS[len(byTS)-1].ts).UTC().Format("15:04:05"))
	cs := map[string]*clientStats{}
	var order []string
	for _, r := range byTS {
		c := cs[r.orig]
		if c == nil {
			c = &clientStats{unique: map[string]bool{}, perMin: map[int64]int{}, bytesMin: map[int64]int{}, txtMin: map[int64]int{}, nxBy: map[string]int{}}
			cs[r.orig] = c
			order = append(order, r.orig)
		}
		c.n++
		c.unique[r.query] = true
		m := r.ts / (60 * sec)
		c.perMin[m]++
		c.bytesMin[m] += len(r.query)
		if r.qtype == tTXT || r.qtype == tNULL || r.qtype == tANY {
			c.txtMin[m]++
		}
		c.times = append(c.times, r.ts)
		if r.rcode == 3 {
			c.nx++
			c.nxBy[registered(r.query, false)]++
		}
		if r.rcode < 0 {
			c.noreply++
		}
		c.maxName = max(c.maxName, len(r.query))
		for _, l := range strings.Split(r.query, ".") {
			c.maxLabel = max(c.maxLabel, len(l))
		}
	}
	for _, c := range cs {
		for _, v := range c.perMin {
			c.maxMin = max(c.maxMin, v)
		}
		for _, v := range c.bytesMin {
			c.maxBytes = max(c.maxBytes, v)
		}
		for _, v := range c.txtMin {
			c.maxTXT = max(c.maxTXT, v)
		}
		lo := 0
		for hi := range c.times {
			for c.times[hi]-c.times[lo] >= 60*sec {
				lo++
			}
			c.maxSlide60 = max(c.maxSlide60, hi-lo+1)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return cs[order[i]].n > cs[order[j]].n })
	line := func(name string, c *clientStats) {
		top := ""
		type kv struct {
			k string
			v int
		}
		var nxs []kv
		for k, v := range c.nxBy {
			nxs = append(nxs, kv{k, v})
		}
		sort.Slice(nxs, func(i, j int) bool { return nxs[i].v > nxs[j].v || nxs[i].v == nxs[j].v && nxs[i].k < nxs[j].k })
		for i, e := range nxs {
			if i == 3 {
				top += fmt.Sprintf(" +%d domains", len(nxs)-3)
				break
			}
			top += fmt.Sprintf(" %s:%d", e.k, e.v)
		}
		fmt.Fprintf(w, "  client %-13s queries %5d unique %5d | max/min %4d (60s window %4d) qbytes/min %6d TXT+NULL+ANY/min %4d | longest name %3d label %2d | NXDOMAIN %4d%s | no reply %d\n",
			name, c.n, max(len(c.unique), c.maxUnique), c.maxMin, c.maxSlide60, c.maxBytes, c.maxTXT, c.maxName, c.maxLabel, c.nx, top, c.noreply)
	}
	if len(order) <= 8 {
		for _, o := range order {
			line(o, cs[o])
		}
	} else {
		for _, o := range order[:5] {
			line(o, cs[o])
		}
		agg := &clientStats{unique: map[string]bool{}}
		for _, o := range order[5:] {
			c := cs[o]
			agg.n = max(agg.n, c.n)
			agg.nx = max(agg.nx, c.nx)
			agg.maxMin = max(agg.maxMin, c.maxMin)
			agg.maxSlide60 = max(agg.maxSlide60, c.maxSlide60)
			agg.maxBytes = max(agg.maxBytes, c.maxBytes)
			agg.maxTXT = max(agg.maxTXT, c.maxTXT)
			agg.maxName = max(agg.maxName, c.maxName)
			agg.maxLabel = max(agg.maxLabel, c.maxLabel)
			agg.noreply = max(agg.noreply, c.noreply)
			agg.maxUnique = max(agg.maxUnique, len(c.unique))
		}
		fmt.Fprintf(w, "  the other %d clients, the most any one has:\n", len(order)-5)
		line("(each)", agg)
	}
	for _, private := range []bool{false, true} {
		type dstat struct {
			names   map[string]bool
			clients map[string]bool
			n       int
		}
		ds := map[string]*dstat{}
		per := map[[2]string]*struct {
			ts    []int64
			names []string
		}{}
		for _, r := range byTS {
			d := registered(r.query, private)
			s := ds[d]
			if s == nil {
				s = &dstat{names: map[string]bool{}, clients: map[string]bool{}}
				ds[d] = s
			}
			s.n++
			s.names[r.query] = true
			s.clients[r.orig] = true
			k := [2]string{r.orig, d}
			p := per[k]
			if p == nil {
				p = &struct {
					ts    []int64
					names []string
				}{}
				per[k] = p
			}
			p.ts = append(p.ts, r.ts)
			p.names = append(p.names, r.query)
		}
		var doms []string
		for d := range ds {
			doms = append(doms, d)
		}
		sort.Slice(doms, func(i, j int) bool {
			a, b := len(ds[doms[i]].names), len(ds[doms[j]].names)
			return a > b || a == b && doms[i] < doms[j]
		})
		label := "registered domains (ICANN suffixes only)"
		if private {
			label = "registered domains (with private suffixes)"
		}
		fmt.Fprintf(w, "  %s, by unique names: %d domains\n", label, len(doms))
		for i, d := range doms {
			if i == 6 {
				break
			}
			s := ds[d]
			type cu struct {
				c string
				u int
			}
			var best []cu
			for k, p := range per {
				if k[1] == d {
					best = append(best, cu{k[0], uniq15(p.ts, p.names)})
				}
			}
			sort.Slice(best, func(i, j int) bool { return best[i].u > best[j].u || best[i].u == best[j].u && best[i].c < best[j].c })
			top := fmt.Sprintf("%d (%s)", best[0].u, best[0].c)
			if len(best) > 1 {
				top += fmt.Sprintf(", next %d (%s)", best[1].u, best[1].c)
			}
			fmt.Fprintf(w, "    %-30s unique %5d queries %5d clients %3d | most unique names in 15 min of one client: %s\n",
				d, len(s.names), s.n, len(s.clients), top)
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run testdata/gen.go <dir>")
		os.Exit(2)
	}
	dir := os.Args[1]
	fixtures := []struct {
		name string
		gen  func(*fixture)
	}{
		{"dnscat2.log", dnscat2},
		{"dnscat2-prefix.log", dnscat2Prefix},
		{"atomic-t1071-004.log", atomic},
		{"resolver.log", resolverCase},
		{"dga-nxdomain.log", dga},
		{"benign-busy.log", benign},
		{"dns-beacon.log", beacon},
		{"iodine-lab.log", iodineCase},
	}
	for i, fx := range fixtures {
		f := newFixture(uint64(i + 1))
		fx.gen(f)
		f.write(dir, fx.name)
	}
}
