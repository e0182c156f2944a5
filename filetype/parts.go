package filetype

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Part is one piece of an HTTP request body that may hold a file.
type Part[B string | []byte] struct {
	// Name is the form field's name: the multipart Content-Disposition name parameter, or
	// the key of a form-urlencoded pair (percent-decoded).
	Name string
	// Filename is the multipart Content-Disposition filename (filename* when present,
	// decoded from RFC 8187), as the client sent it: it may be a path.
	Filename string
	// ContentType is the part's declared Content-Type; for a body that is one part, the
	// content type Parts was given.
	ContentType string
	// Head is the part's content as far as the body holds it: a sub-slice of the body,
	// never a copy (so do not append to a []byte Head: its capacity runs on into the body).
	// For a form-urlencoded pair it is the value still percent-encoded (Sniff decodes it).
	Head B
}

// maxParts bounds the parts Parts returns, so that a body of many tiny fields costs no more
// than this many Parts.
const maxParts = 1024

// Parts finds the parts of an HTTP request body that may hold a file:
//
//   - a multipart body (RFC 2046 5.1, RFC 7578): one Part per body part, with its
//     Content-Disposition name and filename, its Content-Type and its content. The boundary
//     comes from contentType when that gives one and the body holds it, else from the body:
//     a first line "--boundary" followed by a "Content-" header line;
//   - a form-urlencoded body (contentType application/x-www-form-urlencoded, or none and the
//     body starts "key=", the key short and of form characters): one Part per key=value pair;
//   - any other body: one Part, the whole body, with ContentType set to contentType.
//
// contentType is the request's Content-Type header when known, "" when not. Bodies may be
// truncated (a capture keeps the first bytes): Parts parses what is there and never fails.
// A part cut in its headers has the headers read so far and an empty Head; a part with no
// closing delimiter runs to the end of the body. An empty body has no parts; at most 1024
// parts are returned.
//
// Given a string body, Parts allocates the returned slice and nothing else in the common
// case (field values are sub-strings of the body); given a []byte, it also copies the field
// values it returns.
func Parts[B string | []byte](body B, contentType string) []Part[B] {
	v := asBytes(body)
	if len(v) == 0 {
		return nil
	}
	media, boundary := parseContentType(contentType)
	if bnd, pos := findMultipart(v, boundary); bnd != nil {
		if parts := parseMultipart(body, v, bnd, pos); parts != nil {
			return parts
		}
	}
	form := strings.EqualFold(media, "application/x-www-form-urlencoded")
	if (form && looksForm(v, 256)) || (media == "" && looksForm(v, 64)) {
		return parseForm(body, v)
	}
	return []Part[B]{{ContentType: contentType, Head: body}}
}

// parseContentType returns the media type of a Content-Type value and its boundary
// parameter, unquoted ("" when absent).
func parseContentType(ct string) (media, boundary string) {
	media, params, _ := strings.Cut(ct, ";")
	media = strings.TrimSpace(media)
	for params != "" {
		var p string
		p, params = cutParam(params)
		k, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "boundary") {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' {
			if j := strings.IndexByte(val[1:], '"'); j >= 0 {
				val = val[1 : 1+j]
			} else {
				val = val[1:]
			}
		}
		return media, val
	}
	return media, ""
}

// cutParam cuts the first ';'-separated parameter from s, honouring quoted strings.
func cutParam(s string) (param, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case ';':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// maxBoundary bounds a boundary recognised from the body alone (RFC 2046 allows 70
// characters; clients are not all strict).
const maxBoundary = 200

// findMultipart locates the first delimiter line of a multipart body and returns the
// boundary (a sub-slice of body) and the offset just past the delimiter line; nil when
// the body is not multipart. A boundary given by the Content-Type is looked for at the
// start of the body (after blank lines) or after a preamble; failing that, the first line
// of the body may be a delimiter, followed by a "Content-" header line.
func findMultipart(body []byte, boundary string) ([]byte, int) {
	first := lineStart(body)
	if boundary != "" {
		for i := 0; i < len(body); {
			j := bytes.Index(body[i:], []byte("--"))
			if j < 0 {
				break
			}
			k := i + j
			if (k == first || k > 0 && body[k-1] == '\n') && hasPrefix(body[k+2:], boundary) {
				bnd := body[k+2 : k+2+len(boundary)]
				if pos, ok := afterDelimiter(body, k+2+len(boundary)); ok {
					return bnd, pos
				}
			}
			i = k + 2
		}
	}
	if !hasPrefix(body[first:], "--") {
		return nil, 0
	}
	start := first + 2
	end := start
	for end < len(body) && end-start <= maxBoundary {
		c := body[end]
		if c == '\r' || c == '\n' || c < ' ' || c > '~' {
			break
		}
		end++
	}
	bnd := bytes.TrimRight(body[start:end], " \t")
	if len(bnd) == 0 || len(bnd) > maxBoundary || end == len(body) || (body[end] != '\r' && body[end] != '\n') {
		return nil, 0
	}
	pos, ok := afterDelimiter(body, start+len(bnd))
	if !ok || !headerFollows(body[pos:]) {
		return nil, 0
	}
	return bnd, pos
}

// lineStart skips up to two blank lines at the start of a body.
func lineStart(body []byte) int {
	k := 0
	for n := 0; n < 2; n++ {
		switch {
		case hasPrefix(body[k:], "\r\n"):
			k += 2
		case hasPrefix(body[k:], "\n"):
			k++
		}
	}
	return k
}

// afterDelimiter checks what follows a (non-closing) delimiter's boundary at p: optional
// spaces and tabs, then a line end. It returns the offset after the line end.
func afterDelimiter(body []byte, p int) (int, bool) {
	for p < len(body) && (body[p] == ' ' || body[p] == '\t') {
		p++
	}
	switch {
	case hasPrefix(body[p:], "\r\n"):
		return p + 2, true
	case hasPrefix(body[p:], "\n"):
		return p + 1, true
	}
	return 0, false
}

// headerFollows reports whether b starts with a "Content-" header line, or with the start of
// one cut by the end of the body.
func headerFollows(b []byte) bool {
	const c = "content-"
	if len(b) < len(c) {
		return len(b) > 0 && equalFold(b, c[:len(b)])
	}
	return equalFold(b[:len(c)], c)
}

// parseMultipart reads the parts that start at pos, just past the first delimiter line.
func parseMultipart[B string | []byte](body B, v, bnd []byte, pos int) []Part[B] {
	parts := make([]Part[B], 0, min(bytes.Count(v[pos:], bnd)+1, maxParts))
	for pos < len(v) && len(parts) < maxParts {
		p := Part[B]{}
		content := -1
		next := -1 // a delimiter found among the headers
		for pos < len(v) {
			line, lineEnd := v[pos:], len(v)
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line, lineEnd = line[:i], pos+i+1
			}
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) == 0 && lineEnd <= len(v) && v[lineEnd-1] == '\n' {
				content = lineEnd
				pos = lineEnd
				break
			}
			if hasPrefix(line, "--") && bytes.HasPrefix(line[2:], bnd) {
				// A delimiter before the blank line: this part has no content.
				next = lineEnd
				break
			}
			header(body, v, line, pos, &p)
			pos = lineEnd
		}
		if content < 0 {
			parts = append(parts, p)
			if next < 0 || closes(v, next, bnd) {
				break
			}
			pos = next
			continue
		}
		end, after, closed := nextDelimiter(v, content, bnd)
		p.Head = body[content:end]
		parts = append(parts, p)
		if after < 0 || closed {
			break
		}
		pos = after
	}
	if len(parts) == 0 {
		return nil
	}
	return parts
}

// closes reports whether the delimiter line ending at lineEnd was a close delimiter.
func closes(v []byte, lineEnd int, bnd []byte) bool {
	line := bytes.TrimRight(v[:lineEnd], "\r\n \t")
	return bytes.HasSuffix(line, []byte("--")) && len(line) >= len(bnd)+4 &&
		bytes.HasSuffix(line[:len(line)-2], bnd)
}

// nextDelimiter finds the delimiter ("\n--" boundary, or "--" boundary right where the
// content starts) that ends the content starting at from. It returns the content's end
// (before the line break that belongs to the delimiter), the offset of the next part's
// headers (-1 when the body ends first) and whether the delimiter closes the body.
func nextDelimiter(v []byte, from int, bnd []byte) (end, after int, closed bool) {
	for i := from; i < len(v); {
		j := bytes.Index(v[i:], bnd)
		if j < 0 {
			break
		}
		k := i + j // the boundary
		i = k + 1
		if k-2 < from || v[k-1] != '-' || v[k-2] != '-' || (k-2 > from && v[k-3] != '\n') {
			continue
		}
		a := k + len(bnd)
		if a < len(v) {
			switch v[a] {
			case '-', ' ', '\t', '\r', '\n':
			default:
				continue // the boundary is the start of a longer line
			}
		}
		end = k - 2
		if end > from && v[end-1] == '\n' {
			end--
			if end > from && v[end-1] == '\r' {
				end--
			}
		}
		if hasPrefix(v[a:], "--") || a+1 == len(v) && v[a] == '-' {
			return end, -1, true
		}
		if n := bytes.IndexByte(v[a:], '\n'); n >= 0 {
			return end, a + n + 1, false
		}
		return end, -1, false
	}
	return len(v), -1, false
}

// header reads one part header line (at offset off in the body) into p.
func header[B string | []byte](body B, v, line []byte, off int, p *Part[B]) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return
	}
	name := bytes.TrimSpace(line[:colon])
	switch {
	case equalFold(name, "content-type"):
		a, b := trimSpan(line, colon+1, len(line))
		p.ContentType = string(body[off+a : off+b])
	case equalFold(name, "content-disposition"):
		disposition(body, v, line, off, colon+1, p)
	}
}

// disposition reads the name, filename and filename* parameters of a Content-Disposition
// value (RFC 7578 4.2, RFC 6266) starting at line[from:].
func disposition[B string | []byte](body B, v, line []byte, off, from int, p *Part[B]) {
	// Skip the disposition type.
	i := from
	for i < len(line) && line[i] != ';' {
		i++
	}
	star := false
	for i < len(line) {
		i++ // the ';'
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		ks := i
		for i < len(line) && line[i] != '=' && line[i] != ';' {
			i++
		}
		key := bytes.TrimSpace(line[ks:i])
		if i >= len(line) || line[i] == ';' {
			continue
		}
		i++ // the '='
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		var val string
		if i < len(line) && line[i] == '"' {
			// A quoted string: only \" is taken as an escape, as browsers leave other
			// backslashes (Windows paths) alone.
			vs := i + 1
			esc := false
			for i = vs; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && line[i+1] == '"' {
					esc = true
					i++
				}
			}
			if esc {
				val = unescapeQuotes(line[vs:i])
			} else {
				val = string(body[off+vs : off+i])
			}
			for i < len(line) && line[i] != ';' {
				i++
			}
		} else {
			vs := i
			for i < len(line) && line[i] != ';' {
				i++
			}
			a, b := trimSpan(line, vs, i)
			val = string(body[off+a : off+b])
		}
		switch {
		case equalFold(key, "name"):
			p.Name = val
		case equalFold(key, "filename"):
			if !star {
				p.Filename = val
			}
		case equalFold(key, "filename*"):
			p.Filename = extValue(val)
			star = true
		}
	}
}

// trimSpan trims spaces and tabs from line[a:b] and returns the new bounds.
func trimSpan(line []byte, a, b int) (int, int) {
	for a < b && (line[a] == ' ' || line[a] == '\t') {
		a++
	}
	for b > a && (line[b-1] == ' ' || line[b-1] == '\t') {
		b--
	}
	return a, b
}

func unescapeQuotes(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && b[i+1] == '"' {
			i++
		}
		sb.WriteByte(b[i])
	}
	return sb.String()
}

// extValue decodes an RFC 8187 ext-value: charset'language'percent-encoded. UTF-8 (and
// unknown charsets) are taken as they are, ISO-8859-1 is converted to UTF-8.
func extValue(s string) string {
	charset, rest, ok := strings.Cut(s, "'")
	if !ok {
		return s
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return s
	}
	latin1 := strings.EqualFold(charset, "iso-8859-1")
	var sb strings.Builder
	sb.Grow(len(enc))
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c == '%' && i+2 < len(enc) && isHex(enc[i+1]) && isHex(enc[i+2]) {
			c = unhex(enc[i+1])<<4 | unhex(enc[i+2])
			i += 2
		}
		if latin1 && c >= 0x80 {
			sb.WriteRune(rune(c))
		} else {
			sb.WriteByte(c)
		}
	}
	out := sb.String()
	if !latin1 && !utf8.ValidString(out) {
		return strings.ToValidUTF8(out, "\uFFFD")
	}
	return out
}

// looksForm reports whether body starts like form-urlencoded data: a key of at most maxKey
// form characters, then '='.
func looksForm(body []byte, maxKey int) bool {
	for i := 0; i < len(body) && i <= maxKey; i++ {
		c := body[i]
		if c == '=' {
			return i > 0
		}
		if !formKeyChar(c) {
			return false
		}
	}
	return false
}

func formKeyChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '%', '+', '[', ']', '*', '$', '!', '(', ')', ',', ':', '@':
		return true
	}
	return false
}

// parseForm splits a form-urlencoded body into its key=value pairs.
func parseForm[B string | []byte](body B, v []byte) []Part[B] {
	parts := make([]Part[B], 0, min(bytes.Count(v, []byte("&"))+1, maxParts))
	for pos := 0; pos < len(v) && len(parts) < maxParts; {
		end := len(v)
		if i := bytes.IndexByte(v[pos:], '&'); i >= 0 {
			end = pos + i
		}
		if end > pos {
			eq := end
			if i := bytes.IndexByte(v[pos:end], '='); i >= 0 {
				eq = pos + i
			}
			p := Part[B]{Name: formKey(body, v, pos, eq)}
			if eq < end {
				p.Head = body[eq+1 : end]
			}
			parts = append(parts, p)
		}
		pos = end + 1
	}
	return parts
}

// formKey decodes the key body[a:b] (percent-encoding, '+' for space).
func formKey[B string | []byte](body B, v []byte, a, b int) string {
	if bytes.IndexByte(v[a:b], '%') < 0 && bytes.IndexByte(v[a:b], '+') < 0 {
		return string(body[a:b])
	}
	var sb strings.Builder
	sb.Grow(b - a)
	for i := a; i < b; i++ {
		c := v[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < b && isHex(v[i+1]) && isHex(v[i+2]):
			c = unhex(v[i+1])<<4 | unhex(v[i+2])
			i += 2
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
