package squid

import (
	"bytes"
	"net/netip"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// str views b as a string without copying; see the aliasing note in package event.
func str(b []byte) string { return jsonl.Str(b) }

// parseUint reads an unsigned decimal integer of at most 18 digits.
func parseUint(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, true
}

// parseEpoch reads Squid's %ts.%03tu ("1286536309.450": seconds, a dot, milliseconds) as
// microseconds. The fraction may have one to six digits, or be absent (a custom %ts).
func parseEpoch(b []byte) (event.Time, bool) {
	sec, frac := b, []byte(nil)
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		sec, frac = b[:i], b[i+1:]
		if len(frac) == 0 || len(frac) > 6 {
			return 0, false
		}
	}
	if len(sec) > 11 { // beyond the year 5000
		return 0, false
	}
	s, ok := parseUint(sec)
	if !ok {
		return 0, false
	}
	var us int64
	if frac != nil {
		f, ok := parseUint(frac)
		if !ok {
			return 0, false
		}
		for k := len(frac); k < 6; k++ {
			f *= 10
		}
		us = f
	}
	return event.Time(s*1_000_000 + us), true
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseHttpdTime reads the time of the common and combined formats, %tl or %tg with their
// default layout "08/Oct/2010:10:31:49 +0200", as UTC microseconds.
func parseHttpdTime(b []byte) (event.Time, bool) {
	// 0         1         2
	// 01234567890123456789012345
	// 08/Oct/2010:10:31:49 +0200
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' ||
		(b[21] != '+' && b[21] != '-') {
		return 0, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			c -= '0'
			if c > 9 {
				return -1
			}
			n = n*10 + int(c)
		}
		return n
	}
	day, year, hour, minute, sec := num(b[0:2]), num(b[7:11]), num(b[12:14]), num(b[15:17]), num(b[18:20])
	zh, zm := num(b[22:24]), num(b[24:26])
	month := -1
	for i, m := range months {
		if str(b[3:6]) == m {
			month = i + 1
			break
		}
	}
	if day < 1 || day > 31 || month < 0 || year < 1970 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
		sec < 0 || sec > 60 || zh < 0 || zh > 23 || zm < 0 || zm > 59 || day > daysIn(month, year) {
		return 0, false
	}
	t := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	off := int64(zh*3600 + zm*60)
	if b[21] == '+' {
		t -= off
	} else {
		t += off
	}
	return event.Time(t * 1_000_000), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the given date of the proleptic
// Gregorian calendar (the well-known era-based conversion).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

// parseAddr reads an IPv4 or IPv6 address; dotted quads take a fast path.
func parseAddr(b []byte) (netip.Addr, bool) {
	if a, ok := jsonl.ParseIPv4(b); ok {
		return a, true
	}
	if len(b) < 2 || bytes.IndexByte(b, ':') < 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(str(b))
	return a, err == nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// squidEscaped reports the bytes that Squid's default "pass-through URL encoding" of a
// logformat code (headers such as %{User-Agent}>h) always %-encodes: controls, space, the
// RFC 1738 unsafe characters other than '%', DEL and non-ASCII bytes.
func squidEscaped(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	switch c {
	case '<', '>', '"', '#', '{', '}', '|', '\\', '^', '~', '[', ']', '`', '\'':
		return true
	}
	return false
}

// unescapeHeader undoes what Squid does to a header value it logs: the pass-through URL
// encoding of custom formats (only %XX sequences that stand for a byte Squid would have
// encoded; the '%' itself passes through, so "%41" stays), and the backslash escapes of
// quoted-string encoding (\" and \\). It returns b itself when there is nothing to undo.
func unescapeHeader(b []byte) []byte {
	if bytes.IndexByte(b, '%') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '%' && i+2 < len(b):
			h, ok1 := unhex(b[i+1])
			l, ok2 := unhex(b[i+2])
			if v := h<<4 | l; ok1 && ok2 && squidEscaped(v) {
				out = append(out, v)
				i += 2
				continue
			}
		case c == '\\' && i+1 < len(b) && (b[i+1] == '"' || b[i+1] == '\\'):
			out = append(out, b[i+1])
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

// unescapeQuoted undoes only the backslash escapes (\" and \\) of a quoted field whose value
// is itself URL-encoded (a referrer): its %XX sequences are the URL's own.
func unescapeQuoted(b []byte) []byte {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) && (b[i+1] == '"' || b[i+1] == '\\') {
			i++
			c = b[i]
		}
		out = append(out, c)
	}
	return out
}

// unescapeBlob undoes Squid's encoding of user names and of log_mime_hdrs header blocks:
// %XX for any byte, and \\ for a backslash (the native format's encoding; custom formats'
// %[un encodes the backslash as %5C instead).
func unescapeBlob(b []byte) []byte {
	if bytes.IndexByte(b, '%') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '%' && i+2 < len(b):
			h, ok1 := unhex(b[i+1])
			l, ok2 := unhex(b[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		case c == '\\' && i+1 < len(b) && b[i+1] == '\\':
			i++
		}
		out = append(out, c)
	}
	return out
}

// intern returns the shared copy of a known value (a method, a result code, a content type),
// so that an aggregator reading it later does not reach back into the read block, or a view
// of b.
func intern(b []byte, known map[string]string) string {
	if s, ok := known[string(b)]; ok {
		return s
	}
	return str(b)
}

func set(words ...string) map[string]string {
	m := make(map[string]string, len(words))
	for _, w := range words {
		m[w] = w
	}
	return m
}

var (
	knownMethods = set("GET", "POST", "CONNECT", "HEAD", "PUT", "OPTIONS", "DELETE", "PATCH", "TRACE", "PROPFIND",
		"PROPPATCH", "MKCOL", "MOVE", "COPY", "LOCK", "UNLOCK", "REPORT", "ICP_QUERY", "PURGE")
	knownActions = set("TCP_MISS", "TCP_HIT", "TCP_MEM_HIT", "TCP_REFRESH_HIT", "TCP_REFRESH_MISS", "TCP_REFRESH_UNMODIFIED",
		"TCP_REFRESH_MODIFIED", "TCP_REFRESH_FAIL_OLD", "TCP_REFRESH_FAIL_ERR", "TCP_REFRESH_IGNORED", "TCP_CLIENT_REFRESH_MISS",
		"TCP_IMS_HIT", "TCP_INM_HIT", "TCP_SWAPFAIL_MISS", "TCP_NEGATIVE_HIT", "TCP_DENIED", "TCP_DENIED_REPLY", "TCP_OFFLINE_HIT",
		"TCP_REDIRECT", "TCP_TUNNEL", "TCP_STALE_HIT", "TCP_MISS_ABORTED", "TCP_HIT_ABORTED", "TCP_TUNNEL_ABORTED",
		"TCP_MISS_TIMEDOUT", "TCP_DENIED_ABORTED", "TCP_REFRESH_MODIFIED_ABORTED", "TCP_REFRESH_UNMODIFIED_ABORTED",
		"TCP_CF_MISS", "TCP_CF_HIT", "UDP_HIT", "UDP_MISS", "UDP_DENIED", "UDP_INVALID", "NONE", "NONE_NONE",
		"NONE_NONE_ABORTED", "TAG_NONE", "TAG_NONE_ABORTED", "TCP_SWAPFAIL", "ERR_CLIENT_ABORT", "ERR_CONNECT_FAIL")
	knownMimes = set("text/html", "text/plain", "text/css", "text/javascript", "application/javascript",
		"application/json", "application/octet-stream", "application/x-javascript", "application/xml", "text/xml",
		"image/gif", "image/png", "image/jpeg", "image/webp", "image/svg+xml", "image/x-icon",
		"application/x-www-form-urlencoded", "application/ocsp-response", "application/pkix-crl")
	knownVersions = set("1.0", "1.1", "0.9", "2.0", "2", "3")
)
