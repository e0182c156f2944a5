package synth

import (
	"crypto/sha256"
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Capture writes a packet capture (pcap, Ethernet, microsecond timestamps) of conversations a
// test describes: TCP connections with their handshakes, data segments and closes, and UDP
// datagrams. The clock starts at the given time and moves on by Gap after each packet, or as
// Advance says.
type Capture struct {
	w   *pcapgo.Writer
	ts  time.Time
	Gap time.Duration
	err error
	buf gopacket.SerializeBuffer
	// MSS is the largest TCP payload a segment carries (default 1460).
	MSS int
	// Packets counts the packets written.
	Packets int
}

// NewCapture writes a pcap file header to w and returns a capture starting at start.
func NewCapture(w io.Writer, start time.Time) (*Capture, error) {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return &Capture{w: pw, ts: start, Gap: time.Millisecond, buf: gopacket.NewSerializeBuffer(), MSS: 1460}, nil
}

// Err is the first write error.
func (c *Capture) Err() error { return c.err }

// Now is the capture's clock.
func (c *Capture) Now() time.Time { return c.ts }

// Advance moves the clock on.
func (c *Capture) Advance(d time.Duration) { c.ts = c.ts.Add(d) }

var (
	macClient = net.HardwareAddr{0x02, 0, 0, 0, 0, 1}
	macServer = net.HardwareAddr{0x02, 0, 0, 0, 0, 2}
)

func (c *Capture) write(src, dst netip.Addr, l4 gopacket.SerializableLayer, payload []byte, ip4Proto layers.IPProtocol) {
	if c.err != nil {
		return
	}
	eth := &layers.Ethernet{SrcMAC: macClient, DstMAC: macServer, EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.NetworkLayer
	var ipl gopacket.SerializableLayer
	if src.Is4() {
		v := &layers.IPv4{Version: 4, TTL: 64, Protocol: ip4Proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		ip, ipl = v, v
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		v := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: ip4Proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		ip, ipl = v, v
	}
	switch t := l4.(type) {
	case *layers.TCP:
		t.SetNetworkLayerForChecksum(ip)
	case *layers.UDP:
		t.SetNetworkLayerForChecksum(ip)
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(c.buf, opts, eth, ipl, l4, gopacket.Payload(payload)); err != nil {
		c.err = err
		return
	}
	data := c.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(data), Length: len(data)}
	if err := c.w.WritePacket(ci, data); err != nil {
		c.err = err
	}
	c.Packets++
	c.ts = c.ts.Add(c.Gap)
}

// UDP writes one datagram.
func (c *Capture) UDP(src, dst netip.AddrPort, payload []byte) {
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	c.write(src.Addr(), dst.Addr(), u, payload, layers.IPProtocolUDP)
}

// TCPConn is a TCP connection being written.
type TCPConn struct {
	c              *Capture
	client, server netip.AddrPort
	cseq, sseq     uint32
}

// TCP writes a three-way handshake from client to server and returns the connection.
func (c *Capture) TCP(client, server netip.AddrPort) *TCPConn {
	t := &TCPConn{c: c, client: client, server: server, cseq: 1000, sseq: 5000}
	t.seg(true, &layers.TCP{SYN: true, Seq: t.cseq}, nil)
	t.cseq++
	t.seg(false, &layers.TCP{SYN: true, ACK: true, Seq: t.sseq, Ack: t.cseq}, nil)
	t.sseq++
	t.seg(true, &layers.TCP{ACK: true, Seq: t.cseq, Ack: t.sseq}, nil)
	return t
}

func (t *TCPConn) seg(fromClient bool, h *layers.TCP, payload []byte) {
	src, dst := t.client, t.server
	if !fromClient {
		src, dst = dst, src
	}
	h.SrcPort, h.DstPort, h.Window = layers.TCPPort(src.Port()), layers.TCPPort(dst.Port()), 65535
	t.c.write(src.Addr(), dst.Addr(), h, payload, layers.IPProtocolTCP)
}

// Send writes data from the client, in segments of at most MSS bytes, each acknowledged.
func (t *TCPConn) Send(data []byte) { t.send(true, data) }

// Reply writes data from the server.
func (t *TCPConn) Reply(data []byte) { t.send(false, data) }

func (t *TCPConn) send(fromClient bool, data []byte) {
	for len(data) > 0 {
		n := min(len(data), t.c.MSS)
		if fromClient {
			t.seg(true, &layers.TCP{ACK: true, PSH: true, Seq: t.cseq, Ack: t.sseq}, data[:n])
			t.cseq += uint32(n)
			t.seg(false, &layers.TCP{ACK: true, Seq: t.sseq, Ack: t.cseq}, nil)
		} else {
			t.seg(false, &layers.TCP{ACK: true, PSH: true, Seq: t.sseq, Ack: t.cseq}, data[:n])
			t.sseq += uint32(n)
			t.seg(true, &layers.TCP{ACK: true, Seq: t.cseq, Ack: t.sseq}, nil)
		}
		data = data[n:]
	}
}

// SendOutOfOrder writes two client segments in reverse order (the second first), as a network
// that reorders them would deliver them.
func (t *TCPConn) SendOutOfOrder(first, second []byte) {
	t.seg(true, &layers.TCP{ACK: true, PSH: true, Seq: t.cseq + uint32(len(first)), Ack: t.sseq}, second)
	t.seg(true, &layers.TCP{ACK: true, PSH: true, Seq: t.cseq, Ack: t.sseq}, first)
	t.cseq += uint32(len(first) + len(second))
	t.seg(false, &layers.TCP{ACK: true, Seq: t.sseq, Ack: t.cseq}, nil)
}

// Close writes the client's FIN, the server's FIN and the last ACK.
func (t *TCPConn) Close() {
	t.seg(true, &layers.TCP{FIN: true, ACK: true, Seq: t.cseq, Ack: t.sseq}, nil)
	t.cseq++
	t.seg(false, &layers.TCP{FIN: true, ACK: true, Seq: t.sseq, Ack: t.cseq}, nil)
	t.sseq++
	t.seg(true, &layers.TCP{ACK: true, Seq: t.cseq, Ack: t.sseq}, nil)
}

// Reset writes a RST from the client.
func (t *TCPConn) Reset() {
	t.seg(true, &layers.TCP{RST: true, ACK: true, Seq: t.cseq, Ack: t.sseq}, nil)
}

// ClientHello returns the first bytes Go's TLS client sends to a server named name (a TLS
// record holding its ClientHello), for captures of TLS sessions.
func ClientHello(name string) ([]byte, error) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: name, NextProtos: []string{"h2", "http/1.1"}})
		c.Handshake() //nolint:errcheck // the pipe closes under it
	}()
	buf := make([]byte, 4096)
	n, err := b.Read(buf)
	return buf[:n], err
}

// TLSClientHello returns a TLS 1.3 ClientHello record for server name, built byte by byte and
// the same on every call (its random and session id derive from the name): for captures that
// must not change from one generation to the next. It offers three TLS 1.3 and two TLS 1.2
// suites, and the extensions a browser sends first: SNI, supported groups, signature
// algorithms, ALPN (h2, http/1.1), supported versions (1.3, 1.2) and an X25519 key share.
func TLSClientHello(name string) []byte {
	u16 := func(b []byte, v int) []byte { return append(b, byte(v>>8), byte(v)) }
	ext := func(b []byte, typ int, body []byte) []byte { return append(u16(u16(b, typ), len(body)), body...) }
	seed := sha256.Sum256([]byte(name))
	var exts []byte
	sni := u16(nil, len(name)+3)
	sni = append(sni, 0)
	sni = append(u16(sni, len(name)), name...)
	exts = ext(exts, 0, sni)
	exts = ext(exts, 10, []byte{0, 6, 0, 0x1d, 0, 0x17, 0, 0x18})
	exts = ext(exts, 13, []byte{0, 8, 4, 3, 8, 4, 4, 1, 5, 3})
	exts = ext(exts, 16, []byte{0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'})
	exts = ext(exts, 43, []byte{4, 3, 4, 3, 3})
	ks := []byte{0, 36, 0, 0x1d, 0, 32}
	ks = append(ks, seed[:]...)
	exts = ext(exts, 51, ks)
	var body []byte
	body = u16(body, 0x0303)
	body = append(body, seed[:]...) // random
	body = append(body, 32)
	body = append(body, seed[:]...) // legacy session id
	body = u16(body, 10)
	for _, c := range []int{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f} {
		body = u16(body, c)
	}
	body = append(body, 1, 0) // compression: null
	body = append(u16(body, len(exts)), exts...)
	hs := append([]byte{1, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	rec := u16([]byte{22}, 0x0301)
	return append(u16(rec, len(hs)), hs...)
}

// TLSServerHello returns a TLS 1.3 ServerHello record answering TLSClientHello(name): suite
// TLS_AES_128_GCM_SHA256, supported_versions 1.3 and an X25519 key share, followed by a
// ChangeCipherSpec record (as servers send for middlebox compatibility).
func TLSServerHello(name string) []byte {
	seed := sha256.Sum256([]byte("server " + name))
	sid := sha256.Sum256([]byte(name))
	body := []byte{3, 3}
	body = append(body, seed[:]...)
	body = append(body, 32)
	body = append(body, sid[:]...)
	body = append(body, 0x13, 0x01, 0)
	exts := []byte{0, 43, 0, 2, 3, 4, 0, 51, 0, 36, 0, 0x1d, 0, 32}
	exts = append(exts, seed[:]...)
	body = append(body, byte(len(exts)>>8), byte(len(exts)))
	body = append(body, exts...)
	hs := append([]byte{2, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	rec := append([]byte{22, 3, 3, byte(len(hs) >> 8), byte(len(hs))}, hs...)
	return append(rec, 20, 3, 3, 0, 1, 1)
}
