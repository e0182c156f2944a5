package zeek

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"
	"unsafe"

	"github.com/sluice-hunt/sluice/event"
)

// str views b as a string without copying; see the aliasing note in package event.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

var (
	errNumber = errors.New("not a number")
	errRange  = errors.New("number out of range")
)

// parseInt reads a decimal integer (Zeek count and int). JSON writers may add ".0".
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errNumber
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
		if len(b) == 1 {
			return 0, errNumber
		}
	}
	var n uint64
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			if b[i] == '.' && allZero(b[i+1:]) {
				break
			}
			if b[i] == 'e' || b[i] == 'E' || b[i] == '.' {
				f, err := strconv.ParseFloat(str(b), 64)
				if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
					return 0, errNumber
				}
				return int64(f), nil
			}
			return 0, errNumber
		}
		if n > (math.MaxInt64-9)/10 {
			return 0, errRange
		}
		n = n*10 + uint64(c)
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != '0' {
			return false
		}
	}
	return true
}

// parsePort reads a port number.
func parsePort(b []byte) (uint16, error) {
	n, err := parseInt(b)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 65535 {
		return 0, errRange
	}
	return uint16(n), nil
}

// parseMicros reads a decimal number of seconds ("1588205199.824370", "0.0008699893951416016",
// "1.5e-05") as microseconds, rounding to the nearest microsecond. Integer arithmetic keeps
// ordinary forms exact; only exponent forms go through floating point.
func parseMicros(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errNumber
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
	}
	var sec int64
	digits := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		c := b[i] - '0'
		if c > 9 {
			return parseMicrosFloat(b)
		}
		if sec > 9e12 {
			return 0, errRange
		}
		sec = sec*10 + int64(c)
		digits++
	}
	var frac int64
	fd := 0
	roundUp := false
	if i < len(b) {
		i++ // '.'
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				return parseMicrosFloat(b)
			}
			switch {
			case fd < 6:
				frac = frac*10 + int64(c)
			case fd == 6:
				roundUp = c >= 5
			}
			fd++
			digits++
		}
	}
	if digits == 0 {
		return 0, errNumber
	}
	for k := min(fd, 6); k < 6; k++ {
		frac *= 10
	}
	v := sec*1_000_000 + frac
	if roundUp {
		v++
	}
	if neg {
		v = -v
	}
	return v, nil
}

// parseMicrosFloat reads the exponent forms ("1.5e-05") through floating point.
func parseMicrosFloat(b []byte) (int64, error) {
	if bytes.IndexAny(b, "eE") < 0 {
		return 0, errNumber
	}
	f, err := strconv.ParseFloat(str(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e12 {
		return 0, errNumber
	}
	return int64(math.Round(f * 1e6)), nil
}

// parseTime reads a Zeek time: epoch seconds with a fraction, or an ISO 8601 / RFC 3339 string
// (Zeek's JSON writer with JSON::TS_ISO8601).
func parseTime(b []byte) (event.Time, error) {
	if len(b) >= 11 && (b[4] == '-' || bytes.IndexByte(b, 'T') > 0) {
		t, err := time.Parse(time.RFC3339Nano, str(b))
		if err != nil {
			return 0, fmt.Errorf("bad time %q", b)
		}
		// round to the microsecond as the decimal form does
		return event.Time(t.Round(time.Microsecond).UnixMicro()), nil
	}
	v, err := parseMicros(b)
	if err != nil {
		return 0, fmt.Errorf("bad time %q", b)
	}
	return event.Time(v), nil
}

// parseDuration reads a Zeek interval (seconds with a fraction).
func parseDuration(b []byte) (event.Duration, error) {
	v, err := parseMicros(b)
	if err != nil {
		return 0, fmt.Errorf("bad interval %q", b)
	}
	return event.Duration(v), nil
}

// parseBool reads T/F (TSV) or true/false (JSON).
func parseBool(b []byte) (bool, error) {
	switch str(b) {
	case "T", "true", "1":
		return true, nil
	case "F", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("bad bool %q", b)
}

func parseTri(b []byte) (int8, error) {
	v, err := parseBool(b)
	if err != nil {
		return event.Unset, err
	}
	if v {
		return 1, nil
	}
	return 0, nil
}

// parseAddr reads an IPv4 or IPv6 address. Dotted quads, most of any log, take a fast path.
func parseAddr(b []byte) (netip.Addr, error) {
	if a, ok := parseIPv4(b); ok {
		return a, nil
	}
	a, err := netip.ParseAddr(str(b))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q", b)
	}
	return a, nil
}

// parseIPv4 reads a plain dotted quad (no leading zeros, as netip requires); ok is false for
// anything else, which then goes to netip.ParseAddr.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var q [4]byte
	part, n, digits := 0, 0, 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && n == 0 { // a leading zero
				return netip.Addr{}, false
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return netip.Addr{}, false
			}
		case c == '.' && digits > 0 && part < 3:
			q[part] = byte(n)
			part++
			n, digits = 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	q[3] = byte(n)
	return netip.AddrFrom4(q), true
}

// unescapeTSV undoes Zeek's ASCII escaping: \xNN for a byte and \\ for a backslash. It
// returns b itself when there is nothing to undo.
func unescapeTSV(b []byte) []byte {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	for ; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		switch {
		case b[i+1] == 'x' && i+3 < len(b) && isHex(b[i+2]) && isHex(b[i+3]):
			out = append(out, unhex(b[i+2])<<4|unhex(b[i+3]))
			i += 3
		case b[i+1] == '\\':
			out = append(out, '\\')
			i++
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
