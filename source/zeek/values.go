package zeek

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// The value parsers shared with the other JSON readers live in package jsonl; these names keep
// the Zeek code short.

// str views b as a string without copying; see the aliasing note in package event.
func str(b []byte) string { return jsonl.Str(b) }

// parseInt reads a decimal integer (Zeek count and int). JSON writers may add ".0".
func parseInt(b []byte) (int64, error) { return jsonl.ParseInt(b) }

// parsePort reads a port number.
func parsePort(b []byte) (uint16, error) { return jsonl.ParsePort(b) }

// parseMicros reads a decimal number of seconds as microseconds.
func parseMicros(b []byte) (int64, error) { return jsonl.ParseMicros(b) }

// parseTime reads a Zeek time: epoch seconds with a fraction, or an ISO 8601 / RFC 3339 string
// (Zeek's JSON writer with JSON::TS_ISO8601).
func parseTime(b []byte) (event.Time, error) { return jsonl.ParseTime(b) }

// parseAddr reads an IPv4 or IPv6 address.
func parseAddr(b []byte) (netip.Addr, error) { return jsonl.ParseAddr(b) }

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
