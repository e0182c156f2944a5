package pcap

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket/layers"

	"github.com/sluice-hunt/sluice/event"
)

// renderBytes is how much of a packet's payload its text shows.
const renderBytes = 160

// Records reads back the packets at the given ordinals as one line of text each: time,
// endpoints, protocol, TCP flags, payload length and the payload's first bytes (quoted).
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := map[uint32]string{}
	if len(positions) == 0 {
		return out, nil
	}
	pr, linkType, err := capture(r)
	if err != nil {
		return out, err
	}
	dec := newDecoder()
	want := positions
	var n uint32
	for len(want) > 0 {
		data, ci, err := pr.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		n++
		if n < want[0] {
			continue
		}
		for len(want) > 0 && want[0] == n {
			want = want[1:]
		}
		p, ok := dec.decode(data, linkType(&ci), n)
		if !ok {
			out[n] = fmt.Sprintf("packet %d %s: %d bytes (not an IP packet sluice reads)", n, event.FromStd(ci.Timestamp), ci.Length)
			continue
		}
		p.ts = event.FromStd(ci.Timestamp)
		out[n] = render(p)
	}
	return out, nil
}

func render(p *packet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "packet %d %s %s > %s %s", p.n, p.ts, hostPort(p.src, p.sport, p.proto), hostPort(p.dst, p.dport, p.proto), protoName(p.proto))
	if p.tcp != nil {
		b.WriteString(" [" + tcpFlags(p.tcp) + "] seq " + strconv.FormatUint(uint64(p.tcp.Seq), 10))
	}
	if p.proto == protoICMP || p.proto == protoICMP6 {
		fmt.Fprintf(&b, " type %d code %d", p.sport, p.dport)
	}
	fmt.Fprintf(&b, " len %d", len(p.payload))
	if len(p.payload) > 0 {
		show := p.payload[:min(len(p.payload), renderBytes)]
		b.WriteString(": ")
		b.WriteString(strconv.QuoteToASCII(string(show)))
		if len(show) < len(p.payload) {
			b.WriteString("...")
		}
	}
	return b.String()
}

func hostPort(a netip.Addr, port uint16, proto uint8) string {
	if proto != protoTCP && proto != protoUDP {
		return a.String()
	}
	return netip.AddrPortFrom(a, port).String()
}

func tcpFlags(t *layers.TCP) string {
	var f []byte
	for _, x := range []struct {
		on bool
		c  byte
	}{{t.SYN, 'S'}, {t.FIN, 'F'}, {t.RST, 'R'}, {t.PSH, 'P'}, {t.ACK, '.'}, {t.URG, 'U'}} {
		if x.on {
			f = append(f, x.c)
		}
	}
	return string(f)
}
