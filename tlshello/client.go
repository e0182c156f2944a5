package tlshello

import "fmt"

// Extension type numbers (IANA TLS ExtensionType Values) this package reads.
const (
	ExtServerName          = 0x0000 // server_name, RFC 6066
	ExtSupportedGroups     = 0x000a // supported_groups (elliptic_curves), RFC 8422 / RFC 8446
	ExtECPointFormats      = 0x000b // ec_point_formats, RFC 8422
	ExtSignatureAlgorithms = 0x000d // signature_algorithms, RFC 8446
	ExtALPN                = 0x0010 // application_layer_protocol_negotiation, RFC 7301
	ExtSupportedVersions   = 0x002b // supported_versions, RFC 8446
	ExtKeyShare            = 0x0033 // key_share, RFC 8446
)

// ClientHello is what a client's first handshake message says. Lists keep the wire order and
// every value, GREASE included; the fingerprints drop GREASE themselves. A ClientHello may be
// reused with Parse: its slices are truncated and refilled, so a long-lived one parses without
// allocating beyond the two strings (server name, protocols).
type ClientHello struct {
	// RecordVersion is the version field of the first record header (TLS 1.3 clients write
	// 0x0301 there); Version is the hello's legacy_version (client_version), 0x0303 for TLS 1.3.
	RecordVersion, Version uint16
	// SessionIDLen is the length of the legacy_session_id (32 from TLS 1.3 clients, 0 or 32
	// from older ones).
	SessionIDLen int
	// CipherSuites lists cipher_suites, signalling values (0x00ff, 0x5600) included.
	CipherSuites []uint16
	// CompressionMethods lists legacy_compression_methods (normally just 0, null).
	CompressionMethods []uint8
	// Extensions lists the extension types in wire order. HasExtensions tells a hello with an
	// empty extensions block apart from one that ends before it (SSL 3.0 style).
	Extensions    []uint16
	HasExtensions bool
	// ServerName is the first host_name of server_name (ext 0), the SNI; empty when absent.
	ServerName string
	// ALPN lists the protocol names of application_layer_protocol_negotiation (ext 16) in the
	// client's order of preference, byte for byte (not necessarily UTF-8).
	ALPN []string
	// SupportedVersions lists supported_versions (ext 43).
	SupportedVersions []uint16
	// SupportedGroups lists supported_groups (ext 10), the old elliptic_curves.
	SupportedGroups []uint16
	// ECPointFormats lists ec_point_formats (ext 11).
	ECPointFormats []uint8
	// SignatureAlgorithms lists signature_algorithms (ext 13) in the client's order.
	SignatureAlgorithms []uint16
	// KeyShareGroups lists the groups of the key_share entries (ext 51).
	KeyShareGroups []uint16

	// The lists above are carved from these, one allocation each per hello (none when reused).
	u16 []uint16
	u8  []uint8
}

// ParseClientHello parses the first bytes a client sent on a TLS connection: one or more TLS
// records of type handshake (22) carrying a ClientHello, which may span records. It returns
// ErrShort when b ends inside the hello (call again with more of the stream), an error wrapping
// ErrNotTLS when the stream is not TLS (ErrSSLv2 too for an SSLv2-format hello), and one
// wrapping ErrMalformed when the hello's lengths do not add up. The result does not alias b.
func ParseClientHello(b []byte) (*ClientHello, error) {
	h := new(ClientHello)
	if err := h.Parse(b); err != nil {
		return nil, err
	}
	return h, nil
}

// Parse is ParseClientHello into h, reusing h's memory: the lists of an earlier Parse are
// overwritten (copy what must outlive the next call; strings are never reused). After ErrShort
// h is unchanged; after another error it may hold part of the hello.
func (h *ClientHello) Parse(b []byte) error {
	body, rv, err := handshakeMessage(b, typeClientHello)
	if err != nil {
		return err
	}
	h.reset(len(body))
	h.RecordVersion = rv
	r := reader{b: body}
	h.Version = r.u16("legacy_version")
	r.bytes(32, "random")
	sid := r.vec8("legacy_session_id")
	h.SessionIDLen = len(sid)
	cs := r.vec16("cipher_suites")
	comp := r.vec8("legacy_compression_methods")
	if !r.ok() {
		return malformed("ClientHello", r.err)
	}
	if len(sid) > 32 {
		return malformed("ClientHello", fmt.Sprintf("legacy_session_id of %d bytes (at most 32)", len(sid)))
	}
	if len(cs)%2 != 0 {
		return malformed("ClientHello", fmt.Sprintf("cipher_suites of odd length %d", len(cs)))
	}
	h.CipherSuites = h.take16(cs)
	h.CompressionMethods = h.take8(comp)
	if len(r.b) == 0 {
		return nil // no extensions block (SSL 3.0 / early TLS clients)
	}
	h.HasExtensions = true
	exts := r.vec16("extensions")
	if !r.ok() {
		return malformed("ClientHello", r.err)
	}
	h.Extensions = h.alloc16(countExtensions(exts))
	er := reader{b: exts}
	for len(er.b) > 0 {
		typ := er.u16("extension type")
		data := er.vec16("extension data")
		if !er.ok() {
			return malformed("ClientHello", er.err)
		}
		h.Extensions = append(h.Extensions, typ)
		if err := h.extension(typ, data); err != nil {
			return err
		}
	}
	return nil
}

// reset empties h for a hello of n bytes, keeping its buffers. Every 16-bit value of the
// hello takes two of its bytes, so an arena of n/2 values holds all the lists.
func (h *ClientHello) reset(n int) {
	u16, u8, alpn := h.u16[:0], h.u8[:0], h.ALPN[:0]
	if cap(u16) < n/2 {
		u16 = make([]uint16, 0, n/2)
	}
	*h = ClientHello{u16: u16, u8: u8, ALPN: alpn}
}

// alloc16 carves an empty list of capacity n from the arena; appending beyond n copies it out.
func (h *ClientHello) alloc16(n int) []uint16 {
	if cap(h.u16)-len(h.u16) < n {
		h.u16 = make([]uint16, 0, max(n, 64))
	}
	l := len(h.u16)
	h.u16 = h.u16[:l+n]
	return h.u16[l:l:(l + n)]
}

// take16 decodes the big-endian 16-bit values of b into a list carved from the arena.
func (h *ClientHello) take16(b []byte) []uint16 { return u16s(h.alloc16(len(b)/2), b) }

// take8 copies b into a list carved from the byte arena.
func (h *ClientHello) take8(b []byte) []uint8 {
	if cap(h.u8)-len(h.u8) < len(b) {
		h.u8 = make([]uint8, 0, max(len(b), 16))
	}
	l := len(h.u8)
	h.u8 = append(h.u8, b...)
	return h.u8[l:len(h.u8):len(h.u8)]
}

// countExtensions counts the entries of an extensions block (stopping where it is malformed).
func countExtensions(b []byte) int {
	n := 0
	for len(b) >= 4 {
		l := int(b[2])<<8 | int(b[3])
		if 4+l > len(b) {
			break
		}
		b = b[4+l:]
		n++
	}
	return n
}

// appendList adds vs to a list, copying only when the list already has values (a repeated
// extension).
func appendList[T any](list, vs []T) []T {
	if len(list) == 0 {
		return vs
	}
	return append(list, vs...)
}

// extension decodes the extensions this package keeps. A repeated extension (which RFC 8446
// forbids) adds to the lists; the first server name wins.
func (h *ClientHello) extension(typ uint16, data []byte) error {
	r := reader{b: data}
	switch typ {
	case ExtServerName:
		// ServerNameList: 2-byte length, then entries of name_type (0 = host_name) and a
		// 2-byte-length name (RFC 6066 section 3). An empty extension is legal in a server's
		// reply only, but some clients send it; it still counts as present.
		if len(data) == 0 {
			return nil
		}
		list := reader{b: r.vec16("server_name list")}
		for r.ok() && len(list.b) > 0 {
			nt := list.u8("server_name type")
			name := list.vec16("server_name")
			if !list.ok() {
				return malformed("ClientHello", list.err)
			}
			if nt == 0 && h.ServerName == "" && len(name) > 0 {
				h.ServerName = string(name)
			}
		}
	case ExtALPN:
		// One string holds all the names; the list's entries are substrings of it.
		raw := r.vec16("ALPN protocol list")
		all := string(raw)
		list := reader{b: raw}
		for r.ok() && len(list.b) > 0 {
			start := len(raw) - len(list.b) + 1
			p := list.vec8("ALPN protocol")
			if !list.ok() {
				return malformed("ClientHello", list.err)
			}
			h.ALPN = append(h.ALPN, all[start:start+len(p)])
		}
	case ExtSupportedGroups:
		h.SupportedGroups = appendList(h.SupportedGroups, h.take16(r.even(r.vec16("supported_groups"), "supported_groups")))
	case ExtECPointFormats:
		h.ECPointFormats = appendList(h.ECPointFormats, h.take8(r.vec8("ec_point_formats")))
	case ExtSignatureAlgorithms:
		h.SignatureAlgorithms = appendList(h.SignatureAlgorithms, h.take16(r.even(r.vec16("signature_algorithms"), "signature_algorithms")))
	case ExtSupportedVersions:
		h.SupportedVersions = appendList(h.SupportedVersions, h.take16(r.even(r.vec8("supported_versions"), "supported_versions")))
	case ExtKeyShare:
		raw := r.vec16("key_share list")
		list := reader{b: raw}
		groups := h.alloc16(len(raw) / 4) // an entry takes at least 4 bytes
		for r.ok() && len(list.b) > 0 {
			g := list.u16("key_share group")
			list.vec16("key_exchange")
			if !list.ok() {
				return malformed("ClientHello", list.err)
			}
			groups = append(groups, g)
		}
		h.KeyShareGroups = appendList(h.KeyShareGroups, groups)
	default:
		return nil
	}
	if !r.ok() {
		return malformed("ClientHello", r.err)
	}
	return nil
}

// even checks that a list of 16-bit values has an even length.
func (r *reader) even(v []byte, what string) []byte {
	if r.ok() && len(v)%2 != 0 {
		r.fail(what + " of odd length")
		return nil
	}
	return v
}

func malformed(msg, problem string) error {
	return fmt.Errorf("tlshello: %w: %s: %s", ErrMalformed, msg, problem)
}
