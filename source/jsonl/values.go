package jsonl

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

// The value helpers read the text of scalar values as log writers put them in JSON, where a
// number may come as 42, 42.0 or "42" and a time as epoch seconds or ISO 8601. They work on any
// []byte (Zeek's TSV reader uses them too) and allocate nothing on their ordinary paths.

// Str views b as a string without copying; see the aliasing note in package event. The string
// is valid for as long as b's bytes are not written again: for good, for the Val and Items
// that Scan returns.
func Str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

var (
	// ErrNumber is returned for text that is not a number of the kind asked for.
	ErrNumber = errors.New("not a number")
	// ErrRange is returned for a number too large for its kind.
	ErrRange = errors.New("number out of range")
)

// ParseInt reads a decimal integer. It accepts what JSON writers make of integers: a sign,
// a fraction of zeros ("42.0") and exponent forms that are whole ("1e3").
func ParseInt(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, ErrNumber
	}
	neg := false
	i := 0
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
		if len(b) == 1 {
			return 0, ErrNumber
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
				f, err := strconv.ParseFloat(Str(b), 64)
				if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
					return 0, ErrNumber
				}
				return int64(f), nil
			}
			return 0, ErrNumber
		}
		if n > (math.MaxInt64-9)/10 {
			return 0, ErrRange
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

// ParsePort reads a port number (0 to 65535).
func ParsePort(b []byte) (uint16, error) {
	n, err := ParseInt(b)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > 65535 {
		return 0, ErrRange
	}
	return uint16(n), nil
}

// ParseMicros reads a decimal number of seconds ("1588205199.824370", "0.0008699893951416016",
// "1.5e-05") as microseconds, rounding to the nearest microsecond. Integer arithmetic keeps
// ordinary forms exact; only exponent forms go through floating point.
func ParseMicros(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, ErrNumber
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
			return 0, ErrRange
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
		return 0, ErrNumber
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
		return 0, ErrNumber
	}
	f, err := strconv.ParseFloat(Str(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9e12 {
		return 0, ErrNumber
	}
	return int64(math.Round(f * 1e6)), nil
}

// ParseTime reads a point in time: epoch seconds with an optional fraction
// ("1588205199.824370"), or ISO 8601 / RFC 3339 with a zone ("2021-04-21T18:12:31.123456Z",
// "2021-04-21T18:12:31.000+00:00"; also "+0000" and a space for the "T"). Times round to the
// microsecond.
func ParseTime(b []byte) (event.Time, error) {
	if len(b) >= 11 && (b[4] == '-' || bytes.IndexByte(b, 'T') > 0) {
		t, err := time.Parse(time.RFC3339Nano, Str(b))
		if err != nil {
			t, err = parseISOLoose(b)
		}
		if err != nil {
			return 0, fmt.Errorf("bad time %q", b)
		}
		// round to the microsecond as the decimal form does
		return event.Time(t.Round(time.Microsecond).UnixMicro()), nil
	}
	v, err := ParseMicros(b)
	if err != nil {
		return 0, fmt.Errorf("bad time %q", b)
	}
	return event.Time(v), nil
}

// parseISOLoose reads the ISO forms RFC 3339 does not allow: a space for the "T" and a zone
// offset without its colon ("+0000"), as Splunk renders _time.
func parseISOLoose(b []byte) (time.Time, error) {
	s := Str(b)
	if len(b) > 10 && b[10] == ' ' {
		c := []byte(s)
		c[10] = 'T'
		s = string(c)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999Z0700", s)
}

// ParseAddr reads an IPv4 or IPv6 address. Dotted quads, most of any log, take a fast path.
func ParseAddr(b []byte) (netip.Addr, error) {
	if a, ok := ParseIPv4(b); ok {
		return a, nil
	}
	a, err := netip.ParseAddr(Str(b))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad address %q", b)
	}
	return a, nil
}

// ParseIPv4 reads a plain dotted quad (no leading zeros, as netip requires) without
// allocating; ok is false for anything else, which callers hand to netip.ParseAddr. Every
// line-oriented reader uses it for its addresses.
func ParseIPv4(b []byte) (netip.Addr, bool) {
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

// HasKey reports whether the JSON text b holds the member name "name" followed by a colon,
// wherever it is: a sniffer's test on a first record too long (or too broken) to scan.
func HasKey(b []byte, name string) bool {
	for len(b) > 0 {
		i := bytes.Index(b, []byte(name))
		if i < 0 {
			return false
		}
		j := i + len(name)
		if i > 0 && b[i-1] == '"' && j < len(b) && b[j] == '"' {
			k := j + 1
			for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n') {
				k++
			}
			if k < len(b) && b[k] == ':' {
				return true
			}
		}
		b = b[j:]
	}
	return false
}
