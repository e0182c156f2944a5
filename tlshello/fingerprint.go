package tlshello

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// JA3 returns the JA3 string of the hello and its MD5 in lower-case hex. JA3 (Salesforce,
// github.com/salesforce/ja3) joins with commas five fields of decimal numbers: the hello's
// legacy_version; the cipher suites; the extension types in wire order; the supported groups;
// the EC point formats; the values of each list joined by "-", GREASE values left out, and an
// absent list left empty ("769,4-5-10,,,").
func (h *ClientHello) JA3() (raw, md5hex string) {
	n := 6 + 6*(len(h.CipherSuites)+len(h.Extensions)+len(h.SupportedGroups)) + 4*len(h.ECPointFormats)
	buf := make([]byte, 0, n)
	buf = strconv.AppendUint(buf, uint64(h.Version), 10)
	buf = append(buf, ',')
	buf = appendDecimals(buf, h.CipherSuites)
	buf = append(buf, ',')
	buf = appendDecimals(buf, h.Extensions)
	buf = append(buf, ',')
	buf = appendDecimals(buf, h.SupportedGroups)
	buf = append(buf, ',')
	for i, f := range h.ECPointFormats {
		if i > 0 {
			buf = append(buf, '-')
		}
		buf = strconv.AppendUint(buf, uint64(f), 10)
	}
	sum := md5.Sum(buf)
	return string(buf), hex.EncodeToString(sum[:])
}

func appendDecimals(buf []byte, vs []uint16) []byte {
	sep := false
	for _, v := range vs {
		if IsGREASE(v) {
			continue
		}
		if sep {
			buf = append(buf, '-')
		}
		sep = true
		buf = strconv.AppendUint(buf, uint64(v), 10)
	}
	return buf
}

// JA4 returns the JA4 fingerprint of the hello as sent over TCP (FoxIO, github.com/FoxIO-LLC/ja4,
// technical_details/JA4.md), for example t13d1516h2_8daaf6152771_e5627efa2ab1. The package
// documentation spells out each part.
func (h *ClientHello) JA4() string {
	var st ja4Scratch
	a := h.ja4a()
	b, c := h.ja4bc(&st, true)
	out := make([]byte, 0, 10+1+12+1+12)
	out = append(out, a[:]...)
	out = append(out, '_')
	out = appendHash12(out, b)
	out = append(out, '_')
	out = appendHash12(out, c)
	return string(out)
}

// JA4R returns the raw form of JA4 that the specification calls JA4_r: the first part, then
// the sorted cipher list and the sorted extension list (without SNI and ALPN) followed by "_"
// and the signature algorithms, all in 4-digit hex, unhashed.
func (h *ClientHello) JA4R() string { return h.ja4raw(true) }

// JA4RO returns the raw form in original order that the specification calls JA4_ro: ciphers
// and extensions in wire order, SNI and ALPN kept (GREASE still dropped).
func (h *ClientHello) JA4RO() string { return h.ja4raw(false) }

func (h *ClientHello) ja4raw(sorted bool) string {
	var st ja4Scratch
	a := h.ja4a()
	b, c := h.ja4bc(&st, sorted)
	out := make([]byte, 0, len(a)+2+len(b)+len(c))
	out = append(out, a[:]...)
	out = append(out, '_')
	out = append(out, b...)
	out = append(out, '_')
	out = append(out, c...)
	return string(out)
}

// ja4a is the readable first part: t, version, d/i, cipher count, extension count, ALPN.
func (h *ClientHello) ja4a() [10]byte {
	var a [10]byte
	a[0] = 't'
	v := ja4Version(h.JA4Version())
	a[1], a[2] = v[0], v[1]
	a[3] = 'i'
	if slices.Contains(h.Extensions, ExtServerName) {
		a[3] = 'd'
	}
	put2(a[4:6], countNonGREASE(h.CipherSuites))
	put2(a[6:8], countNonGREASE(h.Extensions))
	a[8], a[9] = '0', '0'
	if len(h.ALPN) > 0 {
		a[8], a[9] = alpnChars(h.ALPN[0])
	}
	return a
}

// JA4Version is the version JA4 reports: the highest non-GREASE value of supported_versions
// when the client sent any, else the hello's legacy_version (the record version is ignored).
func (h *ClientHello) JA4Version() uint16 {
	var best uint16
	for _, v := range h.SupportedVersions {
		if !IsGREASE(v) && v > best {
			best = v
		}
	}
	if best == 0 {
		return h.Version
	}
	return best
}

func ja4Version(v uint16) string {
	switch v {
	case 0x0304:
		return "13"
	case 0x0303:
		return "12"
	case 0x0302:
		return "11"
	case 0x0301:
		return "10"
	case 0x0300:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

func countNonGREASE(vs []uint16) int {
	n := 0
	for _, v := range vs {
		if !IsGREASE(v) {
			n++
		}
	}
	return n
}

// put2 writes n as two decimal digits, capped at 99.
func put2(dst []byte, n int) {
	n = min(n, 99)
	dst[0] = byte('0' + n/10)
	dst[1] = byte('0' + n%10)
}

// alpnChars gives the two ALPN characters of JA4: the first and last byte of the first
// protocol when both are ASCII letters or digits; else the first and last character of the
// protocol's hex form (0xab 0xcd -> "ad", 0x30 0xab -> "3b"); "00" for an empty protocol.
func alpnChars(p string) (byte, byte) {
	if p == "" {
		return '0', '0'
	}
	f, l := p[0], p[len(p)-1]
	if isAlnum(f) && isAlnum(l) {
		return f, l
	}
	const digits = "0123456789abcdef"
	return digits[f>>4], digits[l&0x0f]
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// ja4Scratch holds the buffers for one fingerprint so that typical hellos need no heap.
type ja4Scratch struct {
	vals [128]uint16
	text [1024]byte
}

// ja4bc writes into st the raw second and third parts: the cipher list, and the extension list
// followed by "_" and the signature algorithms when there are any. sorted selects JA4_r (both
// lists sorted, SNI and ALPN dropped from the extensions) or JA4_ro (wire order, all kept).
// GREASE values are dropped everywhere.
func (h *ClientHello) ja4bc(st *ja4Scratch, sorted bool) (b, c []byte) {
	text := st.text[:0]
	vals := st.vals[:0]
	for _, v := range h.CipherSuites {
		if !IsGREASE(v) {
			vals = append(vals, v)
		}
	}
	if sorted {
		slices.Sort(vals)
	}
	text = appendHexList(text, vals)
	nb := len(text)

	vals = vals[:0]
	for _, v := range h.Extensions {
		if IsGREASE(v) || sorted && (v == ExtServerName || v == ExtALPN) {
			continue
		}
		vals = append(vals, v)
	}
	if sorted {
		slices.Sort(vals)
	}
	text = appendHexList(text, vals)
	if len(vals) > 0 || !sorted {
		sigs := false
		for _, v := range h.SignatureAlgorithms {
			if IsGREASE(v) {
				continue
			}
			if !sigs {
				text = append(text, '_')
				sigs = true
			} else {
				text = append(text, ',')
			}
			text = appendHex4(text, v)
		}
	}
	return text[:nb:nb], text[nb:]
}

func appendHexList(dst []byte, vs []uint16) []byte {
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendHex4(dst, v)
	}
	return dst
}

func appendHex4(dst []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(dst, digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf])
}

// appendHash12 appends the first 12 hex digits of the SHA-256 of s, or twelve zeros when s is
// empty (JA4's mark for an empty list).
func appendHash12(dst, s []byte) []byte {
	if len(s) == 0 {
		return append(dst, "000000000000"...)
	}
	sum := sha256.Sum256(s)
	var x [12]byte
	hex.Encode(x[:], sum[:6])
	return append(dst, x[:]...)
}
