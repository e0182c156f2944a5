package filetype

import "bytes"

// Sniff recognises a file type from the first bytes of content: a request body, a multipart
// part's Head, a file's start. It needs each format's whole signature (see the package doc
// for the signatures and how many bytes each needs) and looks no further than the first
// 4 KiB. When the raw bytes match nothing, it tries them as base64 (bare or in a data: URL),
// as percent-encoding (a form value) and as percent-encoded base64, and reports a match with
// Type.Encoding set. It does not allocate.
func Sniff[B string | []byte](head B) (Type, bool) {
	return sniff(asBytes(head))
}

func sniff(b []byte) (Type, bool) {
	if t, ok := sniffRaw(b); ok {
		return t, true
	}
	return sniffEncoded(b)
}

// Signatures. The references are in the package doc.
const (
	sigZipLocal   = "PK\x03\x04"
	sigZipEnd     = "PK\x05\x06"
	sigZipSpan    = "PK\x07\x08PK\x03\x04"
	sigZipTmpSpan = "PK00PK\x03\x04"
	sig7z         = "7z\xbc\xaf\x27\x1c"
	sigRar        = "Rar!\x1a\x07\x00"
	sigRar5       = "Rar!\x1a\x07\x01\x00"
	sigXz         = "\xfd7zXZ\x00"
	sigZstd       = "\x28\xb5\x2f\xfd"
	sigCab        = "MSCF\x00\x00\x00\x00"
	sigLz4        = "\x04\x22\x4d\x18"
	sigPNG        = "\x89PNG\r\n\x1a\n"
	sigDeb        = "!<arch>\ndebian-binary"
)

// sniffRaw matches the signatures against b as it is.
func sniffRaw(b []byte) (Type, bool) {
	if len(b) == 0 {
		return Type{}, false
	}
	switch b[0] {
	case 'P':
		if t, ok := sniffZip(b); ok {
			return t, true
		}
	case '7':
		if hasPrefix(b, sig7z) {
			return type7z, true
		}
	case 'R':
		if hasPrefix(b, sigRar) {
			return typeRar, true
		}
		if hasPrefix(b, sigRar5) {
			return typeRar5, true
		}
	case 0x1f:
		// gzip (RFC 1952 2.3.1): ID1 ID2, CM 8 = deflate, FLG with its reserved bits 5-7 clear.
		if len(b) >= 4 && b[1] == 0x8b && b[2] == 8 && b[3]&0xe0 == 0 {
			return typeGzip, true
		}
		// compress: 1f 9d, then the flags byte: block mode 0x80, bits 5-6 unused, maximum
		// code width 9-16 in the low five bits.
		if len(b) >= 3 && b[1] == 0x9d && b[2]&0x60 == 0 && b[2]&0x1f >= 9 && b[2]&0x1f <= 16 {
			return typeCompress, true
		}
	case 'B':
		// bzip2: "BZh" + block size '1'-'9', then the first block's magic (pi, 0x314159265359)
		// or, for an empty stream, the end-of-stream magic (sqrt(pi), 0x177245385090); both
		// start byte-aligned right after the 4-byte stream header.
		if len(b) >= 10 && b[1] == 'Z' && b[2] == 'h' && '1' <= b[3] && b[3] <= '9' &&
			(string(b[4:10]) == "\x31\x41\x59\x26\x53\x59" || string(b[4:10]) == "\x17\x72\x45\x38\x50\x90") {
			return typeBzip2, true
		}
	case 0xfd:
		if hasPrefix(b, sigXz) {
			return typeXz, true
		}
	case 0x28:
		// zstd frame (RFC 8878 3.1.1): magic 0xFD2FB528 little-endian, then the frame header
		// descriptor whose reserved bit 3 must be zero.
		if len(b) >= 5 && hasPrefix(b, sigZstd) && b[4]&0x08 == 0 {
			return typeZstd, true
		}
	case 'M':
		if hasPrefix(b, sigCab) {
			return typeCab, true
		}
	case 'L':
		// lzip: "LZIP" and the version number, 1 (0 in files from before lzip 1.4 was out).
		if len(b) >= 5 && string(b[:4]) == "LZIP" && b[4] <= 1 {
			return typeLzip, true
		}
		// lrzip: "LRZI" and major version 0.
		if len(b) >= 5 && string(b[:4]) == "LRZI" && b[4] == 0 {
			return typeLrzip, true
		}
	case 0x60:
		if isArj(b) {
			return typeArj, true
		}
	case '0':
		if isCpio(b) {
			return typeCpio, true
		}
	case 0x04:
		// LZ4 frame: magic 0x184D2204 little-endian, then FLG: version 01 in bits 7-6,
		// reserved bit 1 clear.
		if len(b) >= 5 && hasPrefix(b, sigLz4) && b[4]&0xc2 == 0x40 {
			return typeLz4, true
		}
	case 'x':
		// xar: "xar!", header size (big-endian uint16, at least 28), version 1.
		if len(b) >= 8 && string(b[:4]) == "xar!" && int(b[4])<<8|int(b[5]) >= 28 && b[6] == 0 && b[7] == 1 {
			return typeXar, true
		}
	case 'S':
		// StuffIt: classic "SIT!" with "rLau" at offset 10; StuffIt 5 "StuffIt (c)".
		if len(b) >= 14 && string(b[:4]) == "SIT!" && string(b[10:14]) == "rLau" {
			return typeStuffit, true
		}
		if hasPrefix(b, "StuffIt (c)") {
			return typeStuffit, true
		}
	case 0xed:
		// RPM lead: ed ab ee db, major version 3 or 4.
		if len(b) >= 5 && string(b[:4]) == "\xed\xab\xee\xdb" && (b[4] == 3 || b[4] == 4) {
			return typeRpm, true
		}
	case '!':
		if hasPrefix(b, sigDeb) {
			return typeDeb, true
		}
	case 0x89:
		if hasPrefix(b, sigPNG) {
			return typePNG, true
		}
	case 0xff:
		// JPEG: SOI (ff d8) and the next marker's ff.
		if len(b) >= 3 && b[1] == 0xd8 && b[2] == 0xff {
			return typeJPEG, true
		}
	case 'G':
		if hasPrefix(b, "GIF87a") || hasPrefix(b, "GIF89a") {
			return typeGIF, true
		}
	case '%':
		if hasPrefix(b, "%PDF-") {
			return typePDF, true
		}
	}
	// Signatures past the first byte.
	switch {
	case isLzh(b):
		return typeLzh, true
	case len(b) >= 14 && string(b[7:14]) == "**ACE**" && b[4] == 0:
		// ACE: the archive header block (HEAD_TYPE 0 at offset 4) has "**ACE**" at 7.
		return typeAce, true
	case len(b) >= 24 && string(b[20:24]) == "\xdc\xa7\xc4\xfd":
		// zoo: the header's tag 0xFDC4A7DC (little-endian) at offset 20.
		return typeZoo, true
	case isTar(b):
		return typeTar, true
	}
	return Type{}, false
}

// sniffZip recognises the zip signatures (PKWARE APPNOTE 4.3.7 local file header, 4.3.16
// end of central directory, 8.5.3-8.5.4 spanning markers) and, from the first entry, the
// zip-based documents and packages.
func sniffZip(b []byte) (Type, bool) {
	switch {
	case hasPrefix(b, sigZipLocal):
		return zipEntry(b), true
	case hasPrefix(b, sigZipSpan), hasPrefix(b, sigZipTmpSpan):
		return zipEntry(b[4:]), true
	case hasPrefix(b, sigZipEnd) && len(b) >= 22 && allZero(b[4:20]):
		// An empty archive: nothing but the end of central directory record, with zero
		// disks, zero entries, an empty central directory at offset 0.
		return typeZip, true
	}
	return Type{}, false
}

// maxScan bounds how far Sniff looks into the content.
const maxScan = 4096

// zipEntry looks at the local file header at the start of b (its signature checked) and
// names the zip-based format its first entry marks, else plain zip.
func zipEntry(b []byte) Type {
	const hdr = 30 // fixed part of the local file header
	if len(b) < hdr {
		return typeZip
	}
	n, m := int(le16(b[26:])), int(le16(b[28:]))
	if len(b) < hdr+n {
		return typeZip
	}
	name := b[hdr : hdr+n]
	switch {
	case string(name) == "mimetype":
		// ODF 1.2 part 3, 3.3 and EPUB OCF 3.0, 4.2: an uncompressed first entry "mimetype"
		// holding the media type.
		data := b[min(len(b), hdr+n+m):]
		const odf = "application/vnd.oasis.opendocument."
		switch {
		case hasPrefix(data, odf):
			sub := data[len(odf):]
			switch {
			case hasPrefix(sub, "text"):
				return typeOdt
			case hasPrefix(sub, "spreadsheet"):
				return typeOds
			case hasPrefix(sub, "presentation"):
				return typeOdp
			case hasPrefix(sub, "graphics"):
				return typeOdg
			}
			return typeODF
		case hasPrefix(data, "application/epub+zip"):
			return typeEpub
		}
	case hasPrefix(name, "META-INF/"):
		return typeJar
	case string(name) == "AndroidManifest.xml":
		return typeApk
	case ooxmlPart(name) != nil:
		return *ooxmlPart(name)
	case string(name) == "[Content_Types].xml" || hasPrefix(name, "_rels/") ||
		hasPrefix(name, "docProps/") || hasPrefix(name, "customXml/"):
		// An OPC package (ECMA-376 part 2); the following entries may say which kind.
		return ooxmlKind(b[:min(len(b), maxScan)])
	}
	return typeZip
}

// ooxmlPart returns the OOXML type a part name's top folder names, or nil.
func ooxmlPart(name []byte) *Type {
	switch {
	case hasPrefix(name, "word/"):
		return &typeDocx
	case hasPrefix(name, "xl/"):
		return &typeXlsx
	case hasPrefix(name, "ppt/"):
		return &typePptx
	}
	return nil
}

var zipLocal = []byte(sigZipLocal)

// ooxmlKind looks through the local file headers in b for a part under word/, xl/ or ppt/.
func ooxmlKind(b []byte) Type {
	for i := 4; i < len(b); {
		j := bytes.Index(b[i:], zipLocal)
		if j < 0 {
			break
		}
		p := i + j
		if p+30 <= len(b) {
			n := int(le16(b[p+26:]))
			if p+30+n <= len(b) {
				if t := ooxmlPart(b[p+30 : p+30+n]); t != nil {
					return *t
				}
			}
		}
		i = p + 4
	}
	return typeOOXML
}

// isArj: ARJ main header (ARJ TECHNOTE): id 0x60 0xEA, basic header size 1-2600, first
// header size at least 30 (its fixed fields) and within the basic header, file type 2.
func isArj(b []byte) bool {
	if len(b) < 11 || b[1] != 0xea {
		return false
	}
	size := int(le16(b[2:]))
	return size > 0 && size <= 2600 && b[4] >= 30 && int(b[4]) <= size && b[10] == 2
}

// isCpio: the ASCII cpio headers (cpio(5)): "070701" (newc) or "070702" (newc with CRC)
// and the 8 hex digits of the inode; "070707" (odc) and the 6 octal digits of the device.
func isCpio(b []byte) bool {
	if len(b) < 12 || string(b[:5]) != "07070" {
		return false
	}
	switch b[5] {
	case '1', '2':
		if len(b) < 14 {
			return false
		}
		for _, c := range b[6:14] {
			if !isHex(c) {
				return false
			}
		}
		return true
	case '7':
		for _, c := range b[6:12] {
			if c < '0' || c > '7' {
				return false
			}
		}
		return true
	}
	return false
}

// isLzh: LHA/LZH headers of all levels carry the method id "-lh?-" at offset 2 and the
// header level (0-3) at offset 20.
func isLzh(b []byte) bool {
	if len(b) < 21 || b[2] != '-' || b[6] != '-' || b[20] > 3 {
		return false
	}
	m0, m1, m2 := b[3], b[4], b[5]
	switch {
	case m0 == 'l' && m1 == 'h':
		return isDigit(m2) || 'a' <= m2 && m2 <= 'z'
	case m0 == 'l' && m1 == 'z':
		return m2 == 's' || '4' <= m2 && m2 <= '8'
	case m0 == 'p' && m1 == 'm':
		return m2 == 's' || '0' <= m2 && m2 <= '2'
	}
	return false
}

// isTar: a POSIX ustar header ("ustar\0" + "00") or a GNU one ("ustar  \0") has its magic at
// offset 257; a pre-POSIX (V7) header has none, so with a whole 512-byte header the checksum
// decides.
func isTar(b []byte) bool {
	if len(b) >= 263 && string(b[257:262]) == "ustar" && (b[262] == 0 || b[262] == ' ') {
		return true
	}
	return len(b) >= 512 && tarChecksum(b[:512])
}

// tarChecksum checks a V7 tar header: a name, a type flag '0'-'7' or NUL, and the octal
// checksum at 148 equal to the sum of the header's bytes with the checksum field as spaces
// (unsigned, or signed as some old tars computed it).
func tarChecksum(h []byte) bool {
	if h[0] == 0 || !(h[156] == 0 || '0' <= h[156] && h[156] <= '7') {
		return false
	}
	var want int64
	digits, ended := 0, false
	for _, c := range h[148:156] {
		switch {
		case '0' <= c && c <= '7':
			if ended {
				return false
			}
			want = want*8 + int64(c-'0')
			digits++
		case c == ' ' || c == 0:
			ended = digits > 0
		default:
			return false
		}
	}
	if digits == 0 {
		return false
	}
	var sum, ssum int64
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
		ssum += int64(int8(c))
	}
	return want == sum || want == ssum
}

// decodeMax bounds the decoded prefix of encoded content: enough for every signature (a V7
// tar header is the longest, 512 bytes) and an OOXML first entry.
const decodeMax = 512

// probe is how many bytes are decoded first: enough for every signature but tar's. Only when
// they match, or could start a tar header, is the rest decoded, so that text that merely
// looks encoded costs little.
const probe = 48

// Encodings sniffEncoded tries.
const (
	encBase64 = iota
	encPercent
	encPercentBase64
)

var encNames = [...]string{EncBase64, EncPercent, EncPercentBase64}

// sniffEncoded tries b as base64, a data: URL, percent-encoding and percent-encoded base64.
func sniffEncoded(b []byte) (Type, bool) {
	if len(b) >= 4 && b64[b[0]] != 0xff {
		if t, ok := sniffAs(encBase64, b); ok {
			return t, true
		}
	}
	if len(b) > 5 && (b[0]|0x20) == 'd' && hasPrefixFold(b, "data:") {
		// data:[<mediatype>][;base64],<data>
		head := b[:min(len(b), 256)]
		if i := bytes.IndexByte(head, ','); i > 0 && hasSuffixFold(head[:i], ";base64") {
			if t, ok := sniffAs(encBase64, b[i+1:]); ok {
				return t, true
			}
		}
	}
	if bytes.IndexByte(b[:min(len(b), 128)], '%') >= 0 {
		if t, ok := sniffAs(encPercent, b); ok {
			return t, true
		}
		if t, ok := sniffAs(encPercentBase64, b); ok {
			return t, true
		}
	}
	return Type{}, false
}

// sniffAs decodes a probe of b in the encoding, then, if promising, up to decodeMax bytes,
// and sniffs them.
func sniffAs(enc int, b []byte) (Type, bool) {
	var buf [decodeMax]byte
	p := buf[:decode(enc, buf[:probe], b)]
	t, ok := sniffRaw(p)
	switch {
	case ok && t.Name != "zip" && t.Name != "ooxml":
		// Found, and nothing further to look at (zip and OPC packages may be documents).
	case ok || tarStart(p):
		t, ok = sniffRaw(buf[:decode(enc, buf[:], b)])
	}
	if ok {
		t.Encoding = encNames[enc]
	}
	return t, ok
}

// decode decodes the start of src into dst, as far as dst holds.
func decode(enc int, dst, src []byte) int {
	switch enc {
	case encBase64:
		return decodeBase64(dst, src)
	case encPercent:
		return decodePercent(dst, src)
	}
	var tmp [decodeMax/3*4 + 4]byte
	n := decodePercent(tmp[:min(len(tmp), len(dst)/3*4+4)], src)
	return decodeBase64(dst, tmp[:n])
}

// tarStart reports whether p could be the start of a tar header: a name of printable or
// non-ASCII bytes, NUL-padded.
func tarStart(p []byte) bool {
	if len(p) == 0 || p[0] == 0 {
		return false
	}
	for _, c := range p {
		if c != 0 && (c < ' ' || c == 0x7f) {
			return false
		}
	}
	return true
}

// b64 maps base64 characters, standard and URL alphabets, to their values; 0xff elsewhere.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64 decodes the base64 prefix of src into dst, skipping line breaks and stopping
// at the first other byte outside the alphabets (padding included) or when dst is full.
func decodeBase64(dst, src []byte) int {
	var acc uint32
	bits, n := 0, 0
	for _, c := range src {
		v := b64[c]
		if v == 0xff {
			if c == '\n' || c == '\r' {
				continue
			}
			break
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
			if n == len(dst) {
				break
			}
		}
	}
	return n
}

// decodePercent decodes the percent-encoded prefix of src ("+" for space) into dst,
// stopping at '&' (the end of a form value) or when dst is full. A '%' not followed by two
// hex digits stands for itself.
func decodePercent(dst, src []byte) int {
	n := 0
	for i := 0; i < len(src) && n < len(dst); i++ {
		c := src[i]
		switch c {
		case '&':
			return n
		case '+':
			c = ' '
		case '%':
			if i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]) {
				c = unhex(src[i+1])<<4 | unhex(src[i+2])
				i += 2
			}
		}
		dst[n] = c
		n++
	}
	return n
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// hasPrefixFold is hasPrefix with ASCII case ignored; s is lower case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}

func hasSuffixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[len(b)-len(s):], s)
}

// equalFold compares b with the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
