package pcap

import (
	"bytes"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"

	"github.com/sluice-hunt/sluice/event"
)

// IP protocol numbers.
const (
	protoICMP  = 1
	protoTCP   = 6
	protoUDP   = 17
	protoICMP6 = 58
)

// packet is one decoded IP packet. Its slices alias the capture reader's buffer: valid until
// the next packet is read.
type packet struct {
	n            uint32 // ordinal in the capture, from 1
	ts           event.Time
	ci           gopacket.CaptureInfo
	src, dst     netip.Addr
	proto        uint8
	sport, dport uint16 // ICMP: type and code
	ipLen        int    // the IP packet's length (header and payload) as the header says
	tcp          *layers.TCP
	payload      []byte
	netFlow      gopacket.Flow
}

// decoder turns link-layer frames into packets with gopacket's layers, reusing one set of
// layer values for every packet (gopacket.DecodingLayerParser).
type decoder struct {
	eth     layers.Ethernet
	vlan    layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	lo      layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	udp     layers.UDP
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	defrag  *ip4defrag.IPv4Defragmenter
	// why and whyLong say why the last packet could not be decoded ("" when it is not IP).
	why, whyLong string
	p            packet
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}, defrag: ip4defrag.NewIPv4Defragmenter()}
	return d
}

func (d *decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	p := d.parsers[first]
	if p == nil {
		p = gopacket.NewDecodingLayerParser(first, &d.eth, &d.vlan, &d.sll, &d.sll2, &d.lo, &d.ip4, &d.ip6, &d.tcp, &d.udp, &d.icmp4, &d.icmp6)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	return p
}

// firstLayer is the layer a link type's frames start with.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14: // 12 and 14: raw IP on some BSDs
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// decode decodes one frame. It returns false for a frame that is not an IP packet sluice
// reads (why empty) or one that is broken (why says how).
func (d *decoder) decode(data []byte, lt layers.LinkType, n uint32) (*packet, bool) {
	d.why, d.whyLong = "", ""
	first, ok := firstLayer(lt, data)
	if !ok {
		d.why, d.whyLong = "unsupported link type", "link type "+lt.String()+" is not read"
		return nil, false
	}
	err := d.parser(first).DecodeLayers(data, &d.decoded)
	p := &d.p
	*p = packet{n: n}
	var ip, transport bool
	for _, l := range d.decoded {
		switch l {
		case layers.LayerTypeIPv4:
			ip = true
			p.src, _ = netip.AddrFromSlice(d.ip4.SrcIP)
			p.dst, _ = netip.AddrFromSlice(d.ip4.DstIP)
			p.proto = uint8(d.ip4.Protocol)
			p.ipLen = int(d.ip4.Length)
			p.netFlow = d.ip4.NetworkFlow()
		case layers.LayerTypeIPv6:
			ip = true
			p.src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			p.dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			p.proto = uint8(d.ip6.NextHeader)
			p.ipLen = 40 + int(d.ip6.Length)
			p.netFlow = d.ip6.NetworkFlow()
		case layers.LayerTypeTCP:
			transport = true
			p.sport, p.dport = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			p.tcp = &d.tcp
			p.payload = d.tcp.Payload
		case layers.LayerTypeUDP:
			transport = true
			p.sport, p.dport = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			p.payload = d.udp.Payload
		case layers.LayerTypeICMPv4:
			transport = true
			p.sport, p.dport = uint16(d.icmp4.TypeCode.Type()), uint16(d.icmp4.TypeCode.Code())
			p.payload = d.icmp4.Payload
		case layers.LayerTypeICMPv6:
			transport = true
			p.sport, p.dport = uint16(d.icmp6.TypeCode.Type()), uint16(d.icmp6.TypeCode.Code())
			p.payload = d.icmp6.Payload
		}
	}
	if !ip {
		if err != nil && !isUnsupported(err) && len(d.decoded) > 0 {
			d.why, d.whyLong = "bad packet", err.Error()
		}
		return nil, false
	}
	p.src, p.dst = p.src.Unmap(), p.dst.Unmap()
	if !transport && len(d.decoded) > 0 && d.decoded[len(d.decoded)-1] == layers.LayerTypeIPv4 &&
		(d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0) {
		return d.fragment(p)
	}
	if !transport {
		if err != nil && !isUnsupported(err) {
			d.why, d.whyLong = "bad packet", err.Error()
			return nil, false
		}
		// Another IP protocol (IPv6 extension headers, GRE, ESP, OSPF ...): not read.
		d.why = ""
		return nil, false
	}
	return p, true
}

func isUnsupported(err error) bool {
	_, ok := err.(gopacket.UnsupportedLayerType)
	return ok
}

// fragment hands an IPv4 fragment to the defragmenter; the packet is decoded when its last
// fragment completes it.
func (d *decoder) fragment(p *packet) (*packet, bool) {
	cp := d.ip4
	cp.Contents = bytes.Clone(d.ip4.Contents)
	cp.Payload = bytes.Clone(d.ip4.Payload)
	cp.Options = nil
	whole, err := d.defrag.DefragIPv4WithTimestamp(&cp, p.ci.Timestamp)
	if err != nil {
		d.why, d.whyLong = "bad ip fragment", err.Error()
		return nil, false
	}
	if whole == nil {
		d.why = "" // held until the datagram is whole
		return nil, false
	}
	var df gopacket.DecodeFeedback = gopacket.NilDecodeFeedback
	p.ipLen = int(whole.Length)
	switch whole.Protocol {
	case layers.IPProtocolUDP:
		if err := d.udp.DecodeFromBytes(whole.Payload, df); err != nil {
			d.why, d.whyLong = "bad packet", err.Error()
			return nil, false
		}
		p.sport, p.dport, p.payload = uint16(d.udp.SrcPort), uint16(d.udp.DstPort), d.udp.Payload
	case layers.IPProtocolTCP:
		if err := d.tcp.DecodeFromBytes(whole.Payload, df); err != nil {
			d.why, d.whyLong = "bad packet", err.Error()
			return nil, false
		}
		p.sport, p.dport, p.payload, p.tcp = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort), d.tcp.Payload, &d.tcp
	case layers.IPProtocolICMPv4:
		if err := d.icmp4.DecodeFromBytes(whole.Payload, df); err != nil {
			d.why, d.whyLong = "bad packet", err.Error()
			return nil, false
		}
		p.sport, p.dport, p.payload = uint16(d.icmp4.TypeCode.Type()), uint16(d.icmp4.TypeCode.Code()), d.icmp4.Payload
	}
	return p, true
}
