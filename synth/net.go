package synth

import (
	"strconv"
)

// The internal servers. Clients are numbered into 10.10.0.0-10.49.255.255, 172.16.0.0/12 and
// 192.168.0.0/16; planted hosts live in 10.50.0.0/24; planted external addresses are in the
// documentation networks 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24, which the
// background never uses.
var (
	resolverIP   = ip4(10, 1, 0, 53)
	mailRelayIP  = ip4(10, 1, 0, 25)
	fileServerIP = ip4(10, 1, 0, 45)
	intranetIP   = ip4(10, 1, 0, 80)
	buildIP      = ip4(10, 1, 0, 22)
	gitIP        = ip4(10, 1, 0, 23)
	backupIP     = ip4(10, 1, 0, 70)
	nasIP        = ip4(10, 1, 0, 71)
	dcIP         = ip4(10, 1, 0, 10)
)

const corpDomain = "corp.example"

// clientIP returns the address of background client i: about 65 % in 10/8, 20 % in
// 172.16/12, 15 % in 192.168/16, 250 hosts to a /24 (.1 to .250).
func clientIP(i int) uint32 {
	slot := i / 20
	switch k := i % 20; {
	case k < 13:
		n := slot*13 + k
		net := n / 250
		return ip4(10, byte(10+net/256), byte(net%256), byte(1+n%250))
	case k < 17:
		n := slot*4 + (k - 13)
		net := n / 250
		return ip4(172, byte(16+(net/256)%16), byte(net%256), byte(1+n%250))
	default:
		n := slot*3 + (k - 17)
		net := n / 250
		return ip4(192, 168, byte(net%256), byte(1+n%250))
	}
}

// maxHosts keeps client addresses inside their networks.
const maxHosts = 400_000

type client struct {
	ip  uint32
	os  int
	ua  string
	web bool // a planted host: takes part in web browsing only

	recent        [8]int32 // web destinations visited lately
	next, nrecent uint8
}

func (c *client) ephemeral(r *rng) uint16 {
	if c.os == osLinux {
		return uint16(r.between(32768, 60999))
	}
	return uint16(r.between(49152, 65535))
}

// dest is an external (or intranet) server with a DNS name.
type dest struct {
	ip, ip2 uint32 // ip2 is a second A record, 0 when none
	name    string
	cname   string
	ttl     int32
	flags   int
	cert    uint32 // index of the certificate fingerprint
}

// publicFirst are first octets of public unicast space the background draws from; it leaves
// out private, shared, reserved, multicast and documentation networks.
var publicFirst = []byte{
	13, 18, 20, 23, 31, 34, 35, 37, 40, 44, 45, 46, 50, 51, 52, 54, 62, 63, 64, 66, 69, 72, 74,
	76, 77, 78, 80, 81, 82, 85, 87, 88, 91, 93, 94, 95, 99, 104, 107, 108, 116, 128, 130, 140,
	142, 143, 144, 146, 151, 152, 157, 162, 163, 173, 176, 178, 185, 188, 193, 194, 195, 199,
	204, 205, 206, 208, 209, 212, 213, 216, 217,
}

// addrPool hands out distinct public addresses.
type addrPool struct {
	used map[uint32]bool
}

func (p *addrPool) next(r *rng) uint32 {
	for {
		ip := ip4(publicFirst[r.intn(len(publicFirst))], byte(r.intn(256)), byte(r.intn(256)), byte(1+r.intn(254)))
		if !p.used[ip] {
			p.used[ip] = true
			return ip
		}
	}
}

// buildDests makes n web destinations: the popular list first, then a made-up long tail.
func buildDests(r *rng, pool *addrPool, n int) []dest {
	n = max(n, len(popular))
	ds := make([]dest, 0, n)
	add := func(name, cname string, flags int) {
		d := dest{ip: pool.next(r), name: name, cname: cname, flags: flags, cert: uint32(len(ds))}
		if r.chance(0.3) {
			d.ip2 = pool.next(r)
		}
		d.ttl = []int32{60, 60, 300, 300, 300, 600, 3600}[r.intn(7)]
		ds = append(ds, d)
	}
	for _, s := range popular {
		add(s.name, s.cname, s.flags)
	}
	seen := map[string]bool{}
	for _, s := range popular {
		seen[s.name] = true
	}
	for len(ds) < n {
		name := tailName(r, len(ds))
		if seen[name] {
			continue
		}
		seen[name] = true
		flags := 0
		if r.chance(0.15) {
			flags |= fHTTP
		}
		if r.chance(0.03) {
			flags |= fUpload
		}
		cname := ""
		switch r.intn(10) {
		case 0:
			cname = name + ".edgekey.net"
		case 1:
			cname = "d" + base36(r, 13) + ".cloudfront.net"
		case 2:
			cname = name + ".cdn.cloudflare.net"
		}
		add(name, cname, flags)
	}
	return ds
}

// tailName makes up a plausible site name; i keeps names distinct when words run out.
func tailName(r *rng, i int) string {
	w1 := words[r.intn(len(words))]
	w2 := words[r.intn(len(words))]
	tld := tlds[r.intn(len(tlds))]
	pre := hostPrefixes[r.intn(len(hostPrefixes))]
	var dom string
	switch r.intn(4) {
	case 0:
		dom = w1 + w2
	case 1:
		dom = w1 + "-" + w2
	case 2:
		dom = w1 + strconv.Itoa(r.intn(100))
	default:
		dom = w1 + w2 + strconv.Itoa(i%1000)
	}
	if i >= 20000 {
		dom += strconv.Itoa(i)
	}
	return pre + "." + dom + "." + tld
}

func base36(r *rng, n int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.intn(36)]
	}
	return string(b)
}
