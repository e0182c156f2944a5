package panos

import (
	"bytes"
	"github.com/sluice-hunt/sluice/source/jsonl"
	"net/netip"
	"time"

	"github.com/sluice-hunt/sluice/event"
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

// parseCount reads a counter (bytes, packets, seconds): unset when the field is empty.
func parseCount(b []byte) (int64, bool) {
	if len(b) == 0 {
		return event.Unset, true
	}
	return parseUint(b)
}

// parsePort reads a port; an empty field is port 0.
func parsePort(b []byte) (uint16, bool) {
	if len(b) == 0 {
		return 0, true
	}
	n, ok := parseUint(b)
	if !ok || n > 65535 {
		return 0, false
	}
	return uint16(n), true
}

// parseAddr reads an address. PAN-OS writes the address alone; logs that went through a
// resolving collector (the Kiwi-collected sample this reader was built on) append the host name
// in parentheses, "10.137.8.23(SAL-V1-OLBWEB2)", which is dropped. An empty field is the
// invalid (unset) address.
func parseAddr(b []byte) (netip.Addr, bool) {
	if i := bytes.IndexByte(b, '('); i > 0 && b[len(b)-1] == ')' {
		b = b[:i]
	}
	if len(b) == 0 {
		return netip.Addr{}, true
	}
	a, err := netip.ParseAddr(str(b))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parseTime reads a time as PAN-OS writes it, "2014/11/08 23:52:52" (the firewall's local time,
// taken as UTC: the log does not say the zone), or as ISO 8601 with a zone
// ("2021-10-27T19:20:59.000000Z", the high-resolution and CEF-formatted times).
func parseTime(b []byte) (event.Time, bool) {
	// 0123456789012345678
	// 2014/11/08 23:52:52
	if len(b) == 19 && (b[4] == '/' && b[7] == '/' || b[4] == '-' && b[7] == '-') && (b[10] == ' ' || b[10] == 'T') &&
		b[13] == ':' && b[16] == ':' {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		h, ok4 := digits(b[11:13])
		mi, ok5 := digits(b[14:16])
		s, ok6 := digits(b[17:19])
		if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) ||
			h > 23 || mi > 59 || s > 60 {
			return 0, false
		}
		days := daysFromCivil(y, mo, d)
		return event.Time((days*86400 + int64(h*3600+mi*60+s)) * 1_000_000), true
	}
	if len(b) > 19 && len(b) <= 40 && b[4] == '-' && b[10] == 'T' {
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return 0, false
		}
		return event.FromStd(t), true
	}
	return 0, false
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic Gregorian calendar),
// after Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
