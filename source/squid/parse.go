package squid

import (
	"bytes"
	"fmt"

	"github.com/sluice-hunt/sluice/event"
)

// blank is the event every record starts from: the numbers a Squid log never holds are unset.
var blank = event.HTTP{TransDepth: event.Unset, RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset,
	StatusCode: event.Unset, ReqBytes: event.Unset, RespBytes: event.Unset}

// Problem reasons, counted in the summary (prefixed with "squid: ").
const (
	reasonFields    = "wrong number of fields"
	reasonValue     = "bad value"
	reasonTruncated = "truncated line"
	reasonBinary    = "binary data"
)

// lineError is why a line could not be read.
type lineError struct {
	reason string
	msg    string
}

func (e *lineError) Error() string { return e.msg }

func errorf(reason, format string, args ...any) *lineError {
	return &lineError{reason: reason, msg: fmt.Sprintf(format, args...)}
}

func clip(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}

func badValue(field string, v []byte) *lineError {
	return errorf(reasonValue, "%s: bad value %q", field, clip(v))
}

// parser turns lines into events; it reuses its event from record to record.
type parser struct {
	e    event.HTTP
	mime [1]string // backing array of the one-element RespMimeTypes
	// proxy is set by a line that shows a proxy wrote it: every native line; a common or
	// combined line with the %Ss:%Sh tail, an absolute URL or a CONNECT (an origin web
	// server's access log has none of these).
	proxy bool
}

// parse reads one line (no line end, not blank) of any of the formats into p.e.
func (p *parser) parse(l []byte, ref event.Ref) *lineError {
	p.e = blank
	p.e.Ref = ref
	p.proxy = false
	i := skipSpace(l, 0)
	var err *lineError
	if isNative(l[i:]) {
		err = p.native(l, i)
		p.proxy = err == nil
	} else {
		err = p.clf(l, i)
	}
	if err != nil && isBinary(l) {
		return errorf(reasonBinary, "binary data where a record belongs: %q", clip(l))
	}
	return err
}

// isNative tells a native line (it starts with the epoch time) from a common/combined one (it
// starts with an address, and its fourth field is the [time]). A line that is neither is read
// as native, whose first field is checked first.
func isNative(l []byte) bool {
	first, i := token(l, 0)
	if looksEpoch(first) {
		return true
	}
	if _, ok := parseAddr(first); ok {
		return false
	}
	_, i = token(l, i)
	_, i = token(l, i)
	return i >= len(l) || l[i] != '['
}

// looksEpoch reports digits with at most one dot.
func looksEpoch(b []byte) bool {
	dots := 0
	for _, c := range b {
		switch {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return len(b) > 0 && dots <= 1
}

// isBinary reports a line with bytes no log line holds: NUL and other control characters.
func isBinary(l []byte) bool {
	for _, c := range l {
		if c < ' ' && c != '\t' {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func skipSpace(l []byte, i int) int {
	for i < len(l) && isSpace(l[i]) {
		i++
	}
	return i
}

// token returns the field at l[i:] up to the next space, and the index after the spaces that
// follow it.
func token(l []byte, i int) ([]byte, int) {
	j := i
	for j < len(l) && !isSpace(l[j]) {
		j++
	}
	return l[i:j], skipSpace(l, j)
}

// countFields counts space-separated fields, reading a quoted or bracketed field as one, for
// the message about a wrong count.
func countFields(l []byte) int {
	n := 0
	for i := skipSpace(l, 0); i < len(l); n++ {
		var end byte
		switch l[i] {
		case '"':
			end = '"'
		case '[':
			end = ']'
		}
		if end != 0 {
			k := bytes.IndexByte(l[i+1:], end)
			if k < 0 {
				return n + 1
			}
			i += k + 2
		}
		for i < len(l) && !isSpace(l[i]) {
			i++
		}
		i = skipSpace(l, i)
	}
	return n
}

// native reads %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt, then optional
// quoted fields (referrer and user agent) and log_mime_hdrs' bracketed header blocks.
func (p *parser) native(l []byte, i int) *lineError {
	var f [7][]byte
	for k := range f {
		if i >= len(l) {
			return p.fieldCount(l, "native squid", 10)
		}
		f[k], i = token(l, i)
	}
	e := &p.e
	ts, ok := parseEpoch(f[0])
	if !ok {
		return badValue("time (%ts.%03tu)", f[0])
	}
	e.TS = ts
	el := f[1]
	if len(el) > 0 && el[0] == '-' {
		el = el[1:]
	}
	if _, ok := parseUint(el); !ok {
		return badValue("elapsed (%tr)", f[1])
	}
	if e.Src, ok = parseAddr(f[2]); !ok {
		return badValue("client address (%>a)", f[2])
	}
	k := bytes.LastIndexByte(f[3], '/')
	if k <= 0 {
		return badValue("result/status (%Ss/%>Hs)", f[3])
	}
	if e.StatusCode, ok = parseStatus(f[3][k+1:]); !ok {
		return badValue("status (%>Hs)", f[3])
	}
	e.Action = intern(f[3][:k], knownActions)
	if e.RespBytes, ok = parseSize(f[4]); !ok {
		return badValue("reply size (%<st)", f[4])
	}
	p.setMethod(f[5])
	p.setURL(f[6])

	// the user name (Squid does not encode spaces in it), then %Sh/%<a, then %mt
	if i >= len(l) {
		return p.fieldCount(l, "native squid", 10)
	}
	userStart := i
	_, i = token(l, i)
	userEnd := trimSpaceEnd(l, i)
	var hier []byte
	for {
		if i >= len(l) || l[i] == '"' || l[i] == '[' {
			return p.fieldCount(l, "native squid", 10)
		}
		hier, i = token(l, i)
		if isHier(hier) {
			break
		}
		userEnd = trimSpaceEnd(l, i)
	}
	p.setUser(l[userStart:userEnd])
	k = bytes.IndexByte(hier, '/')
	p.setPeer(hier[:k], hier[k+1:])
	if i >= len(l) || l[i] == '"' || l[i] == '[' {
		return p.fieldCount(l, "native squid", 10)
	}
	mime, i := token(l, i)
	if !(len(mime) == 1 && mime[0] == '-') {
		p.mime[0] = intern(mime, knownMimes)
		e.RespMimeTypes = p.mime[:1:1]
	}
	return p.extras(l, i, false)
}

// trimSpaceEnd returns the index just past the last non-space byte before i.
func trimSpaceEnd(l []byte, i int) int {
	for i > 0 && isSpace(l[i-1]) {
		i--
	}
	return i
}

// isHier reports a %Sh/%<a field: an upper-case hierarchy code (HIER_DIRECT, DIRECT,
// FIRSTUP_PARENT, TIMEOUT_DEFAULT_PARENT ...), a slash and the peer.
func isHier(b []byte) bool {
	k := bytes.IndexByte(b, '/')
	return k > 0 && isCode(b[:k])
}

// isCode reports an upper-case Squid code (TCP_MISS, HIER_DIRECT).
func isCode(b []byte) bool {
	if len(b) == 0 || b[0] < 'A' || b[0] > 'Z' {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isTail reports the %Ss:%Sh field that ends the common and combined formats.
func isTail(b []byte) bool {
	k := bytes.IndexByte(b, ':')
	return k > 0 && isCode(b[:k]) && isCode(b[k+1:])
}

func (p *parser) fieldCount(l []byte, format string, want int) *lineError {
	got := countFields(l)
	return errorf(reasonFields, "%d fields where the %s format has %d (truncated line?)", got, format, want)
}

// parseStatus reads %03>Hs; 000 (no reply) is unset.
func parseStatus(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	n, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if n == 0 {
		return event.Unset, true
	}
	return n, true
}

// parseSize reads %<st; "-" is unset.
func parseSize(b []byte) (int64, bool) {
	if len(b) == 1 && b[0] == '-' {
		return event.Unset, true
	}
	return parseUint(b)
}

// setMethod sets the method; NONE and "-" (no request was read: the client closed first, or
// sent something that was not HTTP) leave it empty, which tells readers no request was seen.
func (p *parser) setMethod(m []byte) {
	if string(m) == "NONE" || isDash(m) {
		return
	}
	p.e.Method = intern(m, knownMethods)
}

func (p *parser) setUser(u []byte) {
	if len(u) == 0 || len(u) == 1 && u[0] == '-' {
		return
	}
	p.e.Username = str(unescapeBlob(u))
}

// setPeer sets Dst from %Sh/%<a when Squid went to the origin server itself: the peer of a
// parent or sibling cache is another proxy, not the destination.
func (p *parser) setPeer(code, peer []byte) {
	code = bytes.TrimPrefix(code, []byte("TIMEOUT_"))
	switch string(code) {
	case "HIER_DIRECT", "DIRECT", "CLOSEST_DIRECT", "ORIGINAL_DST":
		if a, ok := parseAddr(peer); ok {
			p.e.Dst = a
		}
	}
}

// setURL sets URL, Host, URI and DstPort from %ru.
func (p *parser) setURL(u []byte) {
	e := &p.e
	e.URL = str(u)
	if e.Method == "CONNECT" {
		e.URI = e.URL
		p.proxy = true
		if host, port, ok := splitHostPort(u); ok && port >= 0 {
			e.Host, e.DstPort = str(host), uint16(port)
		}
		return
	}
	k := bytes.Index(u, []byte("://"))
	if k <= 0 {
		switch {
		case len(u) > 0 && u[0] == '/': // origin-form (an accelerator's log)
			e.URI = e.URL
		default: // authority-form without CONNECT?
			if host, port, ok := splitHostPort(u); ok && port >= 0 && len(host) > 0 {
				e.Host, e.DstPort, e.URI = str(host), uint16(port), e.URL
				p.proxy = true
			}
		}
		return
	}
	p.proxy = true
	scheme, rest := u[:k], u[k+3:]
	end := len(rest)
	for j, c := range rest {
		if c == '/' || c == '?' || c == '#' {
			end = j
			break
		}
	}
	auth := rest[:end]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	host, port, _ := splitHostPort(auth)
	if port < 0 {
		port = defaultPort(scheme)
	}
	e.Host, e.DstPort = str(host), uint16(port)
	if end < len(rest) {
		e.URI = str(rest[end:])
	} else {
		e.URI = "/"
	}
}

// splitHostPort splits host[:port] or [v6]:port. port is -1 when absent; ok is false when the
// port is not a number or the brackets do not close.
func splitHostPort(a []byte) (host []byte, port int, ok bool) {
	port = -1
	if len(a) > 0 && a[0] == '[' {
		k := bytes.IndexByte(a, ']')
		if k < 0 {
			return a, -1, false
		}
		host, a = a[1:k], a[k+1:]
		if len(a) == 0 {
			return host, -1, true
		}
		if a[0] != ':' {
			return host, -1, false
		}
		n, ok := parsePort(a[1:])
		return host, n, ok
	}
	k := bytes.LastIndexByte(a, ':')
	if k < 0 || bytes.IndexByte(a[:k], ':') >= 0 { // no port, or a bare IPv6 address
		return a, -1, true
	}
	n, ok := parsePort(a[k+1:])
	if !ok {
		return a, -1, false
	}
	return a[:k], n, true
}

func parsePort(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 5 {
		return -1, false
	}
	n, ok := parseUint(b)
	if !ok || n > 65535 {
		return -1, false
	}
	return int(n), true
}

func defaultPort(scheme []byte) int {
	var low [8]byte
	if len(scheme) > len(low) {
		return 0
	}
	for i, c := range scheme {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(scheme)]) {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	case "ftp":
		return 21
	case "gopher":
		return 70
	case "wais":
		return 210
	}
	return 0
}

// clf reads the common and combined formats:
//
//	%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st ["%{Referer}>h" "%{User-Agent}>h"] [%Ss:%Sh]
//
// then log_mime_hdrs' bracketed header blocks, when present.
func (p *parser) clf(l []byte, i int) *lineError {
	e := &p.e
	client, i := token(l, i)
	var ok bool
	if e.Src, ok = parseAddr(client); !ok {
		return badValue("client address (%>a)", client)
	}
	if i >= len(l) {
		return p.fieldCount(l, "common", 7)
	}
	_, i = token(l, i) // %ui: ident
	// %un: up to the " [" that opens the time (Squid does not encode spaces in it)
	k := bytes.Index(l[i:], []byte(" ["))
	if k < 0 || i >= len(l) || l[i] == '[' {
		if bytes.IndexByte(l, '[') < 0 {
			return p.fieldCount(l, "common", 7)
		}
		return errorf(reasonFields, "no user name (%%un) before the [time] field")
	}
	p.setUser(l[i : i+k])
	i = skipSpace(l, i+k)
	// [%tl]
	k = bytes.IndexByte(l[i:], ']')
	if k < 0 {
		return errorf(reasonTruncated, "line ends inside the [time] field")
	}
	t := l[i+1 : i+k]
	if e.TS, ok = parseHttpdTime(t); !ok {
		return badValue("time ([%tl])", t)
	}
	i = skipSpace(l, i+k+1)
	// "%rm %ru HTTP/%rv"
	if i >= len(l) || l[i] != '"' {
		return p.fieldCount(l, "common", 7)
	}
	req, j, ok := quoted(l, i, followAny)
	if !ok {
		return errorf(reasonTruncated, "line ends inside the quoted request line")
	}
	i = skipSpace(l, j)
	method, rest := req, []byte(nil)
	if k := bytes.IndexByte(req, ' '); k >= 0 {
		method, rest = req[:k], bytes.TrimLeft(req[k+1:], " ")
	}
	if len(method) == 0 || len(rest) == 0 {
		return badValue("request line (\"%rm %ru HTTP/%rv\")", req)
	}
	url := rest
	if k := bytes.LastIndexByte(rest, ' '); k >= 0 {
		url = bytes.TrimRight(rest[:k], " ")
		proto := rest[k+1:]
		s := bytes.IndexByte(proto, '/')
		if s < 0 {
			return badValue("request line (\"%rm %ru HTTP/%rv\")", req)
		}
		if v := proto[s+1:]; bytes.HasPrefix(proto, []byte("HTTP")) && string(v) != "0.0" {
			e.Version = intern(v, knownVersions)
		}
	}
	p.setMethod(method)
	p.setURL(url)
	// %>Hs %<st
	if i >= len(l) {
		return p.fieldCount(l, "common", 7)
	}
	status, i := token(l, i)
	if e.StatusCode, ok = parseStatus(status); !ok {
		return badValue("status (%>Hs)", status)
	}
	if i >= len(l) {
		return p.fieldCount(l, "common", 7)
	}
	size, i := token(l, i)
	if e.RespBytes, ok = parseSize(size); !ok {
		return badValue("reply size (%<st)", size)
	}
	return p.extras(l, i, true)
}

// How a quoted field may be followed: the rule picks its closing quote when the value itself
// holds quotes that Squid did not escape (the built-in combined format writes the user agent
// raw).
const (
	followAny     = iota // any space or the end of the line
	followNative         // another quoted field, a header block or the end
	followReferer        // the user agent's quoted field
	followAgent          // the %Ss:%Sh tail, a header block or the end
)

// quoted reads the quoted field opening at l[i]: its closing quote is the first one not
// escaped by a backslash that is followed by what the rule allows. It returns the contents
// and the index after the closing quote. When no quote closes the field so, backslashes are
// taken as literal (a raw value ending in one) and the search is made again.
func quoted(l []byte, i int, follow int) ([]byte, int, bool) {
	if v, j, ok := closeQuote(l, i, follow, true); ok {
		return v, j, ok
	}
	if bytes.IndexByte(l[i:], '\\') < 0 {
		return nil, 0, false
	}
	return closeQuote(l, i, follow, false)
}

func closeQuote(l []byte, i int, follow int, escapes bool) ([]byte, int, bool) {
	for k := i + 1; k < len(l); k++ {
		q := bytes.IndexByte(l[k:], '"')
		if q < 0 {
			break
		}
		k += q
		if escapes {
			n := 0 // backslashes before the quote
			for b := k - 1; b > i && l[b] == '\\'; b-- {
				n++
			}
			if n%2 == 1 {
				continue
			}
		}
		if k+1 == len(l) {
			return l[i+1 : k], k + 1, true
		}
		if isSpace(l[k+1]) && followOK(l, skipSpace(l, k+1), follow) {
			return l[i+1 : k], k + 1, true
		}
	}
	return nil, 0, false
}

func followOK(l []byte, j int, follow int) bool {
	if j >= len(l) {
		return true
	}
	switch follow {
	case followNative:
		return l[j] == '"' || l[j] == '['
	case followReferer:
		return l[j] == '"'
	case followAgent:
		if l[j] == '[' {
			return true
		}
		tail, _ := token(l, j)
		return isTail(tail)
	}
	return true
}

// extras reads what may follow the fixed fields: quoted fields (the referrer, then the user
// agent: Squid's combined format, and the native format with them appended), the %Ss:%Sh tail
// of the common and combined formats, and log_mime_hdrs' header blocks ([request] [reply]).
func (p *parser) extras(l []byte, i int, clf bool) *lineError {
	var q [2][]byte
	nq := 0
	var reqHeaders []byte
	blocks := 0
	sawTail := false
	for i < len(l) {
		switch c := l[i]; {
		case c == '"' && blocks == 0 && !sawTail:
			follow := followNative
			if clf {
				follow = followReferer
				if nq == 1 {
					follow = followAgent
				}
			}
			v, j, ok := quoted(l, i, follow)
			if !ok && clf && nq == 0 {
				// a lone quoted field (no user agent after it)
				v, j, ok = quoted(l, i, followAgent)
			}
			if !ok {
				return errorf(reasonTruncated, "line ends inside a quoted field")
			}
			if nq < len(q) {
				q[nq] = v
			}
			nq++
			i = skipSpace(l, j)
		case c == '[':
			k := i + 1
			for ; k < len(l); k++ {
				if l[k] == ']' && (k+1 == len(l) || isSpace(l[k+1])) {
					break
				}
			}
			if k >= len(l) {
				return errorf(reasonTruncated, "line ends inside a [header block]")
			}
			if blocks == 0 {
				reqHeaders = l[i+1 : k]
			}
			blocks++
			i = skipSpace(l, k+1)
		default:
			tok, j := token(l, i)
			if !clf || sawTail || blocks > 0 || !isTail(tok) {
				if clf {
					return p.fieldCount(l, "combined", 10)
				}
				return p.fieldCount(l, "native squid", 10)
			}
			sawTail = true
			p.proxy = true
			p.e.Action = intern(tok[:bytes.IndexByte(tok, ':')], knownActions)
			i = j
		}
	}
	if nq > 0 {
		ref, ua := q[0], q[1]
		if nq >= 2 && !looksURL(ref) && looksURL(ua) {
			// "%{User-Agent}>h" "%{Referer}>h", as some deployments order them
			ref, ua = ua, ref
		}
		p.setReferrer(ref)
		if nq >= 2 {
			p.setAgent(ua)
		}
	}
	if reqHeaders != nil {
		if p.e.UserAgent == "" {
			p.setAgent(headerValue(reqHeaders, "User-Agent"))
		}
		if p.e.Referrer == "" {
			p.setReferrer(headerValue(reqHeaders, "Referer"))
		}
	}
	return nil
}

// looksURL reports a value that starts like an absolute http(s) URL.
func looksURL(b []byte) bool {
	return len(b) > 7 && (bytes.EqualFold(b[:7], []byte("http://")) || len(b) > 8 && bytes.EqualFold(b[:8], []byte("https://")))
}

func isDash(b []byte) bool { return len(b) == 0 || len(b) == 1 && b[0] == '-' }

func (p *parser) setReferrer(b []byte) {
	if !isDash(b) {
		p.e.Referrer = str(unescapeQuoted(b))
	}
}

func (p *parser) setAgent(b []byte) {
	if !isDash(b) {
		p.e.UserAgent = str(unescapeHeader(b))
	}
}

// headerValue finds a header in a log_mime_hdrs block (lines joined by the two-character
// sequences \r\n, bytes outside printable ASCII as %XX) and returns its decoded value.
func headerValue(blob []byte, name string) []byte {
	for len(blob) > 0 {
		line := blob
		if k := bytes.Index(blob, []byte(`\r\n`)); k >= 0 {
			line, blob = blob[:k], blob[k+4:]
		} else {
			blob = nil
		}
		if len(line) > len(name) && line[len(name)] == ':' && bytes.EqualFold(line[:len(name)], []byte(name)) {
			return unescapeBlob(bytes.TrimSpace(line[len(name)+1:]))
		}
	}
	return nil
}
