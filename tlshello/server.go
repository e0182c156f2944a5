package tlshello

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
)

// helloRetryRandom is the fixed random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest"
// (RFC 8446 section 4.1.3).
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// ServerHello is what a server's first handshake message says.
type ServerHello struct {
	// RecordVersion is the version of the first record header; Version the hello's
	// legacy_version (0x0303 when TLS 1.3 is negotiated through supported_versions).
	RecordVersion, Version uint16
	// SupportedVersion is the version selected in supported_versions (ext 43), 0 when absent.
	SupportedVersion uint16
	// CipherSuite is the suite the server chose.
	CipherSuite uint16
	// CompressionMethod is the chosen legacy_compression_method (0, null).
	CompressionMethod uint8
	// SessionIDLen is the length of the echoed legacy_session_id.
	SessionIDLen int
	// Extensions lists the extension types in wire order.
	Extensions []uint16
	// ALPN is the protocol the server selected (ext 16), empty when none.
	ALPN string
	// KeyShareGroup is the group of the server's key_share (ext 51, TLS 1.3), 0 when absent.
	KeyShareGroup uint16
	// HelloRetry is set when the message is a HelloRetryRequest (TLS 1.3 servers send one to ask
	// the client for a different key share; a second ClientHello follows).
	HelloRetry bool
	// Curve is the named group of the key exchange as Zeek's ssl.log reports it: KeyShareGroup
	// in TLS 1.3; for an ECDHE suite before TLS 1.3, the named curve of the ServerKeyExchange
	// when that message is within the bytes given to ParseServerHello (it follows the
	// certificates). 0 when unknown.
	Curve uint16
}

// ParseServerHello parses the first bytes a server sent on a TLS connection, with the same
// conventions as ParseClientHello (ErrShort, ErrNotTLS, ErrMalformed). Bytes after the
// ServerHello are read only to find the ServerKeyExchange curve (see ServerHello.Curve); their
// absence or damage is not an error.
func ParseServerHello(b []byte) (*ServerHello, error) {
	body, rv, err := handshakeMessage(b, typeServerHello)
	if err != nil {
		return nil, err
	}
	h := &ServerHello{RecordVersion: rv}
	r := reader{b: body}
	h.Version = r.u16("legacy_version")
	random := r.bytes(32, "random")
	sid := r.vec8("legacy_session_id")
	h.SessionIDLen = len(sid)
	h.CipherSuite = r.u16("cipher_suite")
	h.CompressionMethod = r.u8("legacy_compression_method")
	if !r.ok() {
		return nil, malformed("ServerHello", r.err)
	}
	h.HelloRetry = bytes.Equal(random, helloRetryRandom[:])
	if len(r.b) > 0 {
		exts := r.vec16("extensions")
		if !r.ok() {
			return nil, malformed("ServerHello", r.err)
		}
		h.Extensions = make([]uint16, 0, countExtensions(exts))
		er := reader{b: exts}
		for len(er.b) > 0 {
			typ := er.u16("extension type")
			data := er.vec16("extension data")
			if !er.ok() {
				return nil, malformed("ServerHello", er.err)
			}
			h.Extensions = append(h.Extensions, typ)
			x := reader{b: data}
			switch typ {
			case ExtSupportedVersions:
				h.SupportedVersion = x.u16("supported_versions")
			case ExtALPN:
				list := reader{b: x.vec16("ALPN protocol list")}
				p := list.vec8("ALPN protocol")
				if !list.ok() {
					x.fail(list.err)
				}
				h.ALPN = string(p)
			case ExtKeyShare:
				// ServerHello: KeyShareEntry (group + key); HelloRetryRequest: the group alone.
				h.KeyShareGroup = x.u16("key_share group")
			}
			if !x.ok() {
				return nil, malformed("ServerHello", x.err)
			}
		}
	}
	if h.KeyShareGroup != 0 && !h.HelloRetry {
		h.Curve = h.KeyShareGroup
	} else if h.NegotiatedVersion() < 0x0304 && strings.Contains(CipherName(h.CipherSuite), "_ECDHE_") {
		h.Curve = serverKeyExchangeCurve(b)
	}
	return h, nil
}

// NegotiatedVersion is the protocol version the server chose: SupportedVersion when the
// server sent supported_versions (TLS 1.3), else Version. Zeek logs its VersionName.
func (h *ServerHello) NegotiatedVersion() uint16 {
	if h.SupportedVersion != 0 {
		return h.SupportedVersion
	}
	return h.Version
}

// JA3S returns the JA3S string of the hello and its MD5 in lower-case hex. JA3S (Salesforce,
// github.com/salesforce/ja3) joins with commas the decimal legacy_version, the decimal chosen
// cipher suite, and the decimal extension types in wire order joined by "-". The reference
// implementation keeps GREASE values here (servers do not send them).
func (h *ServerHello) JA3S() (raw, md5hex string) {
	buf := make([]byte, 0, 16+6*len(h.Extensions))
	buf = strconv.AppendUint(buf, uint64(h.Version), 10)
	buf = append(buf, ',')
	buf = strconv.AppendUint(buf, uint64(h.CipherSuite), 10)
	buf = append(buf, ',')
	for i, e := range h.Extensions {
		if i > 0 {
			buf = append(buf, '-')
		}
		buf = strconv.AppendUint(buf, uint64(e), 10)
	}
	sum := md5.Sum(buf)
	return string(buf), hex.EncodeToString(sum[:])
}

// serverKeyExchangeCurve walks the handshake messages after the ServerHello in the stream b
// and returns the named curve of an ECDHE ServerKeyExchange (RFC 8422 section 5.4:
// ECParameters curve_type 3 = named_curve, then the 2-byte NamedCurve), or 0 when b ends first,
// the message is not there, or anything is off. It allocates nothing: a message header or the
// three bytes wanted may straddle records, so they are gathered byte by byte.
func serverKeyExchangeCurve(b []byte) uint16 {
	var (
		hdr     [4]byte
		nhdr    int // bytes of hdr gathered
		skip    int // bytes of the current message body still to pass
		inSKE   bool
		ske     [3]byte
		nske    int
		started bool // past the ServerHello (the first message)
	)
	for off := 0; len(b)-off >= 5; {
		if b[off] != recordHandshake || b[off+1] != 3 {
			return 0 // ChangeCipherSpec, alert, application data: the plaintext flight is over
		}
		n := int(b[off+3])<<8 | int(b[off+4])
		end := min(off+5+n, len(b))
		for p := b[off+5 : end]; len(p) > 0; {
			if skip > 0 {
				if inSKE {
					for skip > 0 && len(p) > 0 && nske < len(ske) {
						ske[nske] = p[0]
						nske++
						p = p[1:]
						skip--
					}
					if nske == len(ske) {
						if ske[0] != 3 {
							return 0
						}
						return uint16(ske[1])<<8 | uint16(ske[2])
					}
				}
				k := min(skip, len(p))
				p = p[k:]
				skip -= k
				continue
			}
			hdr[nhdr] = p[0]
			nhdr++
			p = p[1:]
			if nhdr < len(hdr) {
				continue
			}
			nhdr = 0
			l := int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
			switch {
			case !started:
				started = true
			case hdr[0] == 12: // ServerKeyExchange
				if l < len(ske) {
					return 0
				}
				inSKE = true
			case hdr[0] == 14: // ServerHelloDone: no ServerKeyExchange in this flight
				return 0
			}
			skip = l
		}
		off += 5 + n
	}
	return 0
}
