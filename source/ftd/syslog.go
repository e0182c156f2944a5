package ftd

import (
	"github.com/sluice-hunt/sluice/event"
)

// mnemonic is the Cisco message tag of a line: %FTD-1-430003 (facility, severity, message id).
type mnemonic struct {
	at       int    // index of the '%'
	facility []byte // FTD, NGIPS, ASA ...
	id       int    // 430003
	body     int    // index of the message text after the tag, its colon and spaces
}

// findMnemonic finds the first Cisco message tag in a line: '%', an upper-case facility
// (FTD, ASA, NGIPS), an optional suffix of letters ("%ASA-session-6-..."), the severity (one
// digit), the six-digit message id, then a colon, a space or the end of the line.
func findMnemonic(l []byte) (mnemonic, bool) {
	for i := 0; i < len(l); i++ {
		if l[i] != '%' {
			continue
		}
		if m, ok := mnemonicAt(l, i); ok {
			return m, true
		}
	}
	return mnemonic{}, false
}

func mnemonicAt(l []byte, i int) (mnemonic, bool) {
	j := i + 1
	for j < len(l) && (isUpper(l[j]) || isDigit(l[j]) || l[j] == '_') && j-i <= 16 {
		j++
	}
	if j-i < 3 || !isUpper(l[i+1]) || j >= len(l) || l[j] != '-' {
		return mnemonic{}, false
	}
	m := mnemonic{at: i, facility: l[i+1 : j]}
	j++
	if j < len(l) && isLetter(l[j]) { // a suffix: letters up to the next '-'
		k := j
		for k < len(l) && (isLetter(l[k]) || l[k] == '_') && k-j < 32 {
			k++
		}
		if k >= len(l) || l[k] != '-' {
			return mnemonic{}, false
		}
		j = k + 1
	}
	if j+1 >= len(l) || l[j] < '0' || l[j] > '7' || l[j+1] != '-' {
		return mnemonic{}, false
	}
	j += 2
	id := 0
	k := j
	for k < len(l) && isDigit(l[k]) && k-j < 6 {
		id = id*10 + int(l[k]-'0')
		k++
	}
	if k-j != 6 || k < len(l) && isDigit(l[k]) {
		return mnemonic{}, false
	}
	if k < len(l) && l[k] != ':' && l[k] != ' ' {
		return mnemonic{}, false
	}
	m.id = id
	if k < len(l) && l[k] == ':' {
		k++
	}
	for k < len(l) && (l[k] == ' ' || l[k] == '\t') {
		k++
	}
	m.body = k
	return m, true
}

// isFTD reports a tag that only Secure Firewall Threat Defense (or its NGIPS sensors) writes:
// the FTD and NGIPS facilities, and the security event ids 430001-430005 under any facility
// (FTD before 6.3 wrote them with %ASA).
func (m mnemonic) isFTD() bool {
	f := str(m.facility)
	return f == "FTD" || f == "NGIPS" || m.id >= idIntrusion && m.id <= idMalware
}

// The security event message ids.
const (
	idIntrusion = 430001
	idConnStart = 430002
	idConnEnd   = 430003
	idFile      = 430004
	idMalware   = 430005
)

// header is what the syslog header before the tag says.
type header struct {
	ts     event.Time
	hasTS  bool
	noYear bool   // the time came without a year (RFC 3164 "Mar 20 12:34:56")
	host   []byte // the device name, or nil
}

// parseHeader reads the text before the Cisco tag. It looks for the timestamps in it: ISO 8601
// (RFC 5424, FTD's "timestamp" option as RFC 5424; "2019-08-15T16:03:31Z") and the BSD forms
// ("Mar 20 12:34:56", Cisco's own "Mar 20 2024 12:34:56", after an optional day name, with an
// optional UTC or GMT after it). A relay may have put its own header before the device's: the
// last timestamp with a year wins, else the last one. The device name is the token after that
// timestamp (its trailing colon dropped; "-", RFC 5424's nil value, is none). A priority
// ("<134>") and RFC 5424's version are skipped. now gives the year of a time without one.
func parseHeader(h []byte, now event.Time) header {
	var out header
	var tok [24][]byte
	n := 0
	for i := 0; i < len(h) && n < len(tok); {
		for i < len(h) && (h[i] == ' ' || h[i] == '\t') {
			i++
		}
		j := i
		for j < len(h) && h[j] != ' ' && h[j] != '\t' {
			j++
		}
		if j > i {
			tok[n] = h[i:j]
			n++
		}
		i = j
	}
	if n > 0 && len(tok[0]) > 0 && tok[0][0] == '<' { // the priority, maybe glued to the time
		t := tok[0]
		k := 1
		for k < len(t) && isDigit(t[k]) {
			k++
		}
		if k > 1 && k < len(t) && t[k] == '>' {
			tok[0] = t[k+1:]
		}
	}
	after := -1 // index of the token after the chosen timestamp
	bestYear := false
	for i := 0; i < n; {
		t := tok[i]
		if ts, ok := parseISO(t); ok {
			out.ts, out.hasTS, out.noYear, bestYear = ts, true, false, true
			after = i + 1
			i++
			continue
		}
		if mon := monthOf(t); mon > 0 {
			if ts, used, year, ok := parseBSD(tok[i:n], mon, now); ok {
				if year || !bestYear {
					out.ts, out.hasTS, out.noYear = ts, true, !year
					bestYear = bestYear || year
					after = i + used
				}
				i += used
				continue
			}
		}
		i++
	}
	if after >= 0 && after < n {
		t := tok[after]
		if len(t) > 0 && t[len(t)-1] == ':' {
			t = t[:len(t)-1]
		}
		if len(t) > 0 && !(len(t) == 1 && t[0] == '-') {
			out.host = t
		}
	}
	return out
}

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthOf(t []byte) int {
	if len(t) != 3 {
		return 0
	}
	for i, m := range monthNames {
		if str(t) == m {
			return i + 1
		}
	}
	return 0
}

// parseBSD reads "Mar 20 12:34:56", "Mar 20 2024 12:34:56" (Cisco's "logging timestamp"
// format) and either followed by UTC or GMT, from tokens starting at the month. It returns the
// time (UTC), how many tokens it used and whether the year was given.
func parseBSD(t [][]byte, mon int, now event.Time) (event.Time, int, bool, bool) {
	if len(t) < 3 {
		return 0, 0, false, false
	}
	day, ok := smallNum(t[1], 1, 2)
	if !ok || day < 1 || day > 31 {
		return 0, 0, false, false
	}
	used := 2
	year, hasYear := 0, false
	if y, ok := smallNum(t[2], 4, 4); ok {
		year, hasYear = y, true
		used = 3
	}
	if used >= len(t) {
		return 0, 0, false, false
	}
	clock := t[used]
	if len(clock) > 0 && clock[len(clock)-1] == ':' {
		clock = clock[:len(clock)-1]
	}
	secs, us, ok := parseClock(clock)
	if !ok {
		return 0, 0, false, false
	}
	used++
	if used < len(t) {
		z := t[used]
		if len(z) > 0 && z[len(z)-1] == ':' {
			z = z[:len(z)-1]
		}
		if str(z) == "UTC" || str(z) == "GMT" {
			used++
		}
	}
	if !hasYear {
		year = now.Std().Year()
		// a time more than a day ahead of now is last year's (a log read in January)
		if d, ok := civil(year, mon, day); ok && d*86400+secs > int64(now)/1e6+86400 {
			year--
		}
	}
	d, ok := civil(year, mon, day)
	if !ok {
		return 0, 0, false, false
	}
	return event.Time((d*86400+secs)*1e6 + us), used, hasYear, true
}

// parseClock reads HH:MM:SS with an optional fraction of a second.
func parseClock(b []byte) (secs, us int64, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, false
	}
	h, ok1 := smallNum(b[0:2], 2, 2)
	m, ok2 := smallNum(b[3:5], 2, 2)
	s, ok3 := smallNum(b[6:8], 2, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, 0, false
	}
	if len(b) > 8 {
		if b[8] != '.' || len(b) == 9 {
			return 0, 0, false
		}
		f, ok := fraction(b[9:])
		if !ok {
			return 0, 0, false
		}
		us = f
	}
	return int64(h*3600 + m*60 + s), us, true
}

// fraction reads the digits of a fraction of a second as microseconds (truncated).
func fraction(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	var f int64
	for i, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		if i < 6 {
			f = f*10 + int64(c-'0')
		}
	}
	for k := len(b); k < 6; k++ {
		f *= 10
	}
	return f, true
}

// parseISO reads an ISO 8601 time: 2024-03-20T12:34:56, an optional fraction, and Z, an
// offset (+01:00, +0100) or nothing (taken as UTC).
func parseISO(b []byte) (event.Time, bool) {
	// 0123456789012345678
	// 2024-03-20T12:34:56
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != 'T' {
		return 0, false
	}
	y, ok1 := smallNum(b[0:4], 4, 4)
	mo, ok2 := smallNum(b[5:7], 2, 2)
	d, ok3 := smallNum(b[8:10], 2, 2)
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	secs, _, ok := parseClock(b[11:19])
	if !ok {
		return 0, false
	}
	rest := b[19:]
	var us int64
	if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
		k := 1
		for k < len(rest) && isDigit(rest[k]) {
			k++
		}
		f, ok := fraction(rest[1:k])
		if !ok {
			return 0, false
		}
		us, rest = f, rest[k:]
	}
	var off int64
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && rest[0] == 'Z':
	case (rest[0] == '+' || rest[0] == '-') && (len(rest) == 6 && rest[3] == ':' || len(rest) == 5):
		hh, ok1 := smallNum(rest[1:3], 2, 2)
		mm, ok2 := smallNum(rest[len(rest)-2:], 2, 2)
		if !ok1 || !ok2 || hh > 23 || mm > 59 {
			return 0, false
		}
		off = int64(hh*3600 + mm*60)
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	days, ok := civil(y, mo, d)
	if !ok {
		return 0, false
	}
	return event.Time((days*86400+secs-off)*1e6 + us), true
}

// smallNum reads minDigits to maxDigits decimal digits.
func smallNum(b []byte, minDigits, maxDigits int) (int, bool) {
	if len(b) < minDigits || len(b) > maxDigits {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// civil returns the days from 1970-01-01 to a date of the proleptic Gregorian calendar (the
// well-known era-based conversion), checking the date.
func civil(y, m, d int) (int64, bool) {
	if y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return 0, false
	}
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468), true
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

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
