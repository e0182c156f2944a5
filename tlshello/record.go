package tlshello

import (
	"errors"
	"fmt"
)

// ErrShort means the bytes end before the hello does: the caller should wait for more of the
// stream and call again with the longer prefix. It is never wrapped, so == works.
var ErrShort = errors.New("tlshello: hello incomplete, more bytes needed")

// ErrNotTLS is wrapped by the errors for streams that do not start with a TLS handshake record:
// another protocol, a TLS alert or application data, or an SSLv2 hello.
var ErrNotTLS = errors.New("not a TLS handshake")

// ErrSSLv2 is wrapped (together with ErrNotTLS) by the error for an SSLv2-format ClientHello,
// which old clients send to stay compatible with SSLv2 servers. Such hellos carry no extensions;
// this package does not decode them.
var ErrSSLv2 = errors.New("SSLv2-format hello")

// ErrMalformed is wrapped by the errors for a hello whose lengths or fields are inconsistent.
var ErrMalformed = errors.New("malformed hello")

const (
	recordHandshake = 22 // TLS ContentType handshake (RFC 8446 section 5.1)

	typeClientHello = 1
	typeServerHello = 2

	// maxRecord is the longest record fragment accepted: 2^14 bytes of plaintext (RFC 8446
	// section 5.1) plus the 2048 bytes RFC 5246 allows for compression and protection, so that
	// lenient old stacks still parse.
	maxRecord = 1<<14 + 2048
	// maxHello bounds the length a hello may claim. Real hellos are a few hundred bytes; with
	// post-quantum key shares under 2 KiB; no client sends tens of kilobytes.
	maxHello = 1 << 16
)

// handshakeMessage finds the first handshake message of the stream b, which must be of type want,
// and returns its body (after the 4-byte handshake header) and the record layer version of the
// first record. The message may span several records; then its fragments are copied into one
// buffer, else the body aliases b. The last record may be cut short: the message is returned as
// soon as its bytes are there.
func handshakeMessage(b []byte, want uint8) (body []byte, recVersion uint16, err error) {
	if len(b) == 0 {
		return nil, 0, ErrShort
	}
	if b[0] != recordHandshake {
		if b[0]&0x80 != 0 && (len(b) < 3 || b[2] == typeClientHello) {
			// SSLv2 record header: 2-byte length with the high bit set, then message type 1.
			return nil, 0, fmt.Errorf("tlshello: %w: %w (record header %#02x)", ErrNotTLS, ErrSSLv2, b[0])
		}
		return nil, 0, fmt.Errorf("tlshello: %w: first record has content type %d, want %d (handshake)", ErrNotTLS, b[0], recordHandshake)
	}
	var (
		msg    []byte // the message's bytes so far (header included)
		copied bool   // msg is our own buffer, not an alias of b
		first  = true
	)
	for off := 0; ; {
		if len(b)-off < 5 {
			return nil, 0, ErrShort
		}
		h := b[off : off+5]
		if h[0] != recordHandshake {
			return nil, 0, fmt.Errorf("tlshello: %w: record at byte %d has content type %d before the hello ended", ErrMalformed, off, h[0])
		}
		if h[1] != 3 {
			return nil, 0, fmt.Errorf("tlshello: %w: record version %#04x is not SSL 3.0 or TLS", ErrNotTLS, uint16(h[1])<<8|uint16(h[2]))
		}
		if first {
			recVersion = uint16(h[1])<<8 | uint16(h[2])
			first = false
		}
		n := int(h[3])<<8 | int(h[4])
		if n > maxRecord {
			return nil, 0, fmt.Errorf("tlshello: %w: record at byte %d claims %d bytes, more than the %d allowed", ErrMalformed, off, n, maxRecord)
		}
		end := off + 5 + n
		cut := end > len(b)
		if cut {
			end = len(b)
		}
		frag := b[off+5 : end]
		switch {
		case msg == nil:
			msg = frag
		case !copied:
			msg = append(append(make([]byte, 0, len(msg)+len(frag)), msg...), frag...)
			copied = true
		default:
			msg = append(msg, frag...)
		}
		if len(msg) >= 1 && msg[0] != want {
			return nil, 0, fmt.Errorf("tlshello: %w: first handshake message is %s (type %d), want %s", ErrMalformed, handshakeName(msg[0]), msg[0], handshakeName(want))
		}
		if len(msg) >= 4 {
			l := int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3])
			if l > maxHello {
				return nil, 0, fmt.Errorf("tlshello: %w: %s claims %d bytes, more than the %d allowed", ErrMalformed, handshakeName(want), l, maxHello)
			}
			if len(msg) >= 4+l {
				return msg[4 : 4+l : 4+l], recVersion, nil
			}
		}
		if cut {
			return nil, 0, ErrShort
		}
		off = end
	}
}

func handshakeName(t uint8) string {
	switch t {
	case 0:
		return "HelloRequest"
	case typeClientHello:
		return "ClientHello"
	case typeServerHello:
		return "ServerHello"
	case 4:
		return "NewSessionTicket"
	case 11:
		return "Certificate"
	case 12:
		return "ServerKeyExchange"
	case 14:
		return "ServerHelloDone"
	case 16:
		return "ClientKeyExchange"
	case 20:
		return "Finished"
	}
	return "an unknown message"
}

// reader reads big-endian fields from a byte slice; the first failure sticks and later reads
// return zero values, so a parser checks ok once per field group.
type reader struct {
	b   []byte
	err string // what was being read when the bytes ran out
}

// fail records the first problem (a complete phrase: "truncated cipher_suites") and stops
// reading.
func (r *reader) fail(problem string) {
	if r.err == "" {
		r.err = problem
	}
	r.b = nil
}

func (r *reader) u8(what string) uint8 {
	if len(r.b) < 1 {
		r.fail("truncated " + what)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) u16(what string) uint16 {
	if len(r.b) < 2 {
		r.fail("truncated " + what)
		return 0
	}
	v := uint16(r.b[0])<<8 | uint16(r.b[1])
	r.b = r.b[2:]
	return v
}

func (r *reader) bytes(n int, what string) []byte {
	if n > len(r.b) {
		r.fail("truncated " + what)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// vec8 and vec16 read a vector with a 1- or 2-byte length prefix.
func (r *reader) vec8(what string) []byte  { return r.bytes(int(r.u8(what)), what) }
func (r *reader) vec16(what string) []byte { return r.bytes(int(r.u16(what)), what) }

func (r *reader) ok() bool { return r.err == "" }

// u16s appends the big-endian 16-bit values of b (even length) to dst.
func u16s(dst []uint16, b []byte) []uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		dst = append(dst, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return dst
}

// IsGREASE reports whether v is one of the sixteen GREASE values of RFC 8701 (0x0a0a, 0x1a1a
// ... 0xfafa) that clients sprinkle into cipher, extension, group and version lists to keep
// servers tolerant of unknown values.
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}
