package pcap

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// FormatName is the name the format registers under.
const FormatName = "pcap"

func init() {
	source.Register(source.Format{Name: FormatName, Sniff: Sniff, Read: Read, Records: Records})
}

// The first four bytes of a capture: pcap in either byte order, microsecond or nanosecond
// timestamps, and pcapng's section header block.
var magics = [][]byte{
	{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, // pcap, microseconds
	{0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, // pcap, nanoseconds
	{0x0a, 0x0d, 0x0d, 0x0a}, // pcapng section header block
}

// Sniff claims an input that starts with a pcap or pcapng magic number (the name does not
// matter).
func Sniff(head []byte, _ string) bool {
	if len(head) < 24 {
		return false
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// Options tune flow tracking. The zero value of a field means its default.
type Options struct {
	// TCPIdle, UDPIdle and ICMPIdle end a flow that has seen no packet for that long (Zeek's
	// tcp_inactivity_timeout, udp_inactivity_timeout, icmp_inactivity_timeout: 5 min, 1 min,
	// 1 min).
	TCPIdle, UDPIdle, ICMPIdle time.Duration
	// Active, when set, reports a flow that has lasted this long and goes on counting it as a
	// new record with the same uid (NetFlow's active timeout). Default 0: never.
	Active time.Duration
	// CloseDelay is how long a TCP connection is kept after it closed (both FINs or a RST) to
	// catch its last packets (Zeek's tcp_close_delay: 5 s).
	CloseDelay time.Duration
	// MaxFlows bounds the flow table: past it the flows idle the longest are reported early.
	MaxFlows int
	// BodyBytes is how much of each HTTP request body is kept (event.HTTP.Body).
	BodyBytes int
}

// DefaultOptions are the options Read uses.
func DefaultOptions() Options {
	return Options{
		TCPIdle:    5 * time.Minute,
		UDPIdle:    time.Minute,
		ICMPIdle:   time.Minute,
		CloseDelay: 5 * time.Second,
		MaxFlows:   1 << 20,
		BodyBytes:  512,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.TCPIdle <= 0 {
		o.TCPIdle = d.TCPIdle
	}
	if o.UDPIdle <= 0 {
		o.UDPIdle = d.UDPIdle
	}
	if o.ICMPIdle <= 0 {
		o.ICMPIdle = d.ICMPIdle
	}
	if o.CloseDelay <= 0 {
		o.CloseDelay = d.CloseDelay
	}
	if o.MaxFlows <= 0 {
		o.MaxFlows = d.MaxFlows
	}
	if o.BodyBytes <= 0 {
		o.BodyBytes = d.BodyBytes
	}
	return o
}

// Read reads a capture with the options sluice.yaml gives (FileInfo.Options), else the
// defaults.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	opt, _ := f.Options[FormatName].(Options)
	return ReadOptions(ctx, r, f, st, emit, opt)
}

// packetReader is what pcapgo's two readers have in common.
type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// capture opens r as pcap or pcapng and returns its packet reader and a function giving the
// link type of a packet.
func capture(r io.Reader) (packetReader, func(ci *gopacket.CaptureInfo) layers.LinkType, error) {
	br := newPeekReader(r)
	head, _ := br.peek(4)
	if bytes.Equal(head, magics[4]) {
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{SkipUnknownVersion: true})
		if err != nil {
			return nil, nil, fmt.Errorf("pcapng: %w", err)
		}
		return ng, func(ci *gopacket.CaptureInfo) layers.LinkType {
			if iface, err := ng.Interface(ci.InterfaceIndex); err == nil {
				return iface.LinkType
			}
			return ng.LinkType()
		}, nil
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("pcap: %w", err)
	}
	lt := pr.LinkType()
	return pr, func(*gopacket.CaptureInfo) layers.LinkType { return lt }, nil
}

// ReadOptions reads a capture: packets are decoded and tracked as flows in this goroutine,
// and the events they yield are handed to jobs in batches.
func ReadOptions(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error, opt Options) error {
	pr, linkType, err := capture(r)
	if err != nil {
		return err
	}
	t := newTracker(f, opt.withDefaults(), st, emit)
	dec := newDecoder()
	var n uint32
	var readErr error
	for {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if t.out.err != nil {
				return t.out.err
			}
		}
		data, ci, err := pr.ZeroCopyReadPacketData()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		n++
		if n == 0 { // 2^32 packets: positions would wrap
			st.Problem(source.Problem{File: f.Name, Msg: "more than 4294967295 packets: the rest is not read"})
			break
		}
		p, ok := dec.decode(data, linkType(&ci), n)
		if !ok {
			if dec.why != "" {
				st.Skip(f, n, dec.why, fmt.Sprintf("packet %d: %s", n, dec.whyLong))
			} else {
				st.Ignored["packet (not tcp, udp, icmp)"]++
			}
			t.tick(event.FromStd(ci.Timestamp))
			continue
		}
		p.ts = event.FromStd(ci.Timestamp)
		p.ci = ci
		t.packet(p)
	}
	t.finish()
	if t.err != nil {
		return t.err
	}
	if readErr != nil {
		// The packets before are read and their flows reported; the input is listed as one
		// that could not be read to its end.
		if errors.Is(readErr, io.ErrUnexpectedEOF) {
			return fmt.Errorf("packet %d: capture cut short: %w", n+1, readErr)
		}
		st.Skipped["bad pcap record"]++
		return fmt.Errorf("packet %d: %w: a capture cannot be read past a bad record header", n+1, readErr)
	}
	return nil
}

// peekReader lets capture look at the magic before pcapgo reads the header.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		b := make([]byte, n-len(p.buf))
		m, err := p.r.Read(b)
		p.buf = append(p.buf, b[:m]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// be16 reads a big-endian uint16.
func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
