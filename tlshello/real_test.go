package tlshello

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// streams reads a classic little-endian Ethernet pcap and returns, for each TCP connection
// direction, the payload bytes in sequence order from the first data segment on (a minimal
// reassembly: retransmissions dropped, no gaps expected), capped at limit bytes.
func streams(t *testing.T, path string, limit int) map[string][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(b[20:]) != 1 {
		t.Fatalf("%s: not a little-endian Ethernet pcap", path)
	}
	type dir struct {
		next uint32
		data []byte
	}
	dirs := map[string]*dir{}
	out := map[string][]byte{}
	for off := 24; off+16 <= len(b); {
		incl := int(binary.LittleEndian.Uint32(b[off+8:]))
		pkt := b[off+16 : min(off+16+incl, len(b))]
		off += 16 + incl
		if len(pkt) < 14+20 || binary.BigEndian.Uint16(pkt[12:]) != 0x0800 {
			continue // not IPv4 (the capture has no VLAN tags or IPv6 TLS)
		}
		ip := pkt[14:]
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if ip[9] != 6 || total > len(ip) || ihl+20 > total {
			continue
		}
		tcp := ip[ihl:total]
		doff := int(tcp[12]>>4) * 4
		if doff > len(tcp) {
			continue
		}
		payload := tcp[doff:]
		key := fmt.Sprintf("%d.%d.%d.%d:%d>%d.%d.%d.%d:%d", ip[12], ip[13], ip[14], ip[15], binary.BigEndian.Uint16(tcp[0:]),
			ip[16], ip[17], ip[18], ip[19], binary.BigEndian.Uint16(tcp[2:]))
		seq := binary.BigEndian.Uint32(tcp[4:])
		d := dirs[key]
		if len(payload) == 0 {
			continue
		}
		if d == nil {
			d = &dir{next: seq}
			dirs[key] = d
		}
		if seq != d.next || len(d.data) >= limit {
			continue // retransmission or out of order: the captures here need neither
		}
		d.data = append(d.data, payload...)
		d.next = seq + uint32(len(payload))
		out[key] = d.data
	}
	return out
}

// The AgentTesla capture's TLS: every ClientHello and ServerHello parses and gives the
// fingerprints tshark 4.0.17 computes (JA3, JA3S; FoxIO's python/ja4.py for JA4) and the
// ServerKeyExchange curves tshark shows (tls.handshake.server_named_curve).
func TestRealAgentTesla(t *testing.T) {
	p := filepath.Join(dataset(t, "agenttesla-pcap"), "Traces__0e328ab7-12b2-4843-8717-a5b3ebef33a8.pcap")
	ja3, ja4, ja3s, curves, snis := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	notTLS := 0
	for key, data := range streams(t, p, 1<<16) {
		if data[0] != recordHandshake {
			notTLS++
			if _, err := ParseClientHello(data); err == nil || err == ErrShort {
				t.Errorf("%s: non-TLS stream gave %v", key, err)
			}
			continue
		}
		if ch, err := ParseClientHello(data); err == nil {
			_, sum := ch.JA3()
			ja3[sum]++
			ja4[ch.JA4()]++
			snis[ch.ServerName]++
			continue
		}
		sh, err := ParseServerHello(data)
		if err != nil {
			t.Errorf("%s: neither hello: %v", key, err)
			continue
		}
		_, sum := sh.JA3S()
		ja3s[sum]++
		curves[CurveName(sh.Curve)]++
	}
	for _, c := range []struct {
		name      string
		got, want map[string]int
	}{
		{"JA3", ja3, map[string]int{"28a2c9bd18a11de089ef85a160da29e4": 20, "a0e9f5d64349fb13191bc781f81f42e1": 1}},
		{"JA4", ja4, map[string]int{"t12d1909h2_d83cc789557e_7af1ed941c26": 20, "t12d190800_d83cc789557e_7af1ed941c26": 1}},
		{"JA3S", ja3s, map[string]int{
			"42ec7b1db61428bf1cc6e01b9ef02b04": 2, "7d8fd34fdb13a7fff30d5a52846b6c4c": 6,
			"2fe9b0e731d3d41b2b84e8e1d6186836": 4, "67bfe5d15ae567fb35fd7837f0116eec": 3,
			"87b9bed0515be16c82bdc44d88a4a0ec": 4, "17e97216fa7f4ec8c43090c6eed97c25": 1,
			"ae4edc6faf64d08308082ad26be60767": 1,
		}},
		{"curve", curves, map[string]int{"secp256r1": 2, "secp384r1": 19}},
		{"SNI", snis, map[string]int{
			"activation-v2.sls.microsoft.com": 2, "arc.msn.com": 3, "fe3cr.delivery.mp.microsoft.com": 1,
			"login.live.com": 6, "settings-win.data.microsoft.com": 4, "slscr.update.microsoft.com": 3,
			"www.bing.com": 2,
		}},
	} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s counts:\n got  %v\n want %v", c.name, c.got, c.want)
		}
	}
	if notTLS == 0 {
		t.Error("no plain-text streams met (the capture has HTTP C2)")
	}
	t.Logf("%d client hellos, %d server hellos, %d other streams", sum(ja3), sum(ja3s), notTLS)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range slices.Collect(maps.Values(m)) {
		n += v
	}
	return n
}
