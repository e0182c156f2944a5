package panos

import (
	"bytes"
	"fmt"
	"strings"
)

// The log types records are counted under in source.Stats.
const (
	logTraffic = "panos-traffic" // TRAFFIC end, drop, deny: event.Conn
	logURL     = "panos-url"     // THREAT url: event.HTTP
	logFile    = "panos-file"    // THREAT file, wildfire: event.File
	logThreat  = "panos-threat"  // the other THREAT subtypes: event.Notice

	logStart     = "panos-traffic-start" // TRAFFIC start: the session's end record carries it whole
	logDuplicate = "panos-duplicate"     // a record delivered twice (same serial, type, sequence number)
)

// ignoredType is the key under which records of a log type sluice does not read are counted.
func ignoredType(t []byte) string {
	switch string(t) {
	case "SYSTEM":
		return "panos-system"
	case "CONFIG":
		return "panos-config"
	case "HIP-MATCH", "HIPMATCH":
		return "panos-hip-match"
	case "GLOBALPROTECT":
		return "panos-globalprotect"
	case "USERID":
		return "panos-userid"
	case "AUTH":
		return "panos-auth"
	case "DECRYPTION":
		return "panos-decryption"
	case "CORRELATION":
		return "panos-correlation"
	case "TUNNEL", "GTP", "SCTP", "IPTAG":
		return "panos-" + strings.ToLower(string(t))
	case "TRAFFIC":
		return "panos-traffic-other"
	}
	return "panos-other"
}

// skipError is why a record could not be read: a short reason counted in the summary and the
// message kept for the first few records of a file.
type skipError struct{ reason, msg string }

func skipf(reason, format string, args ...any) *skipError {
	return &skipError{reason: "panos: " + reason, msg: fmt.Sprintf(format, args...)}
}

// trimLine strips what collectors leave around a record: white space, CR, NUL, Kiwi Syslog's
// "<000>" (its rendering of a NUL byte ending the message) and line ends escaped as text
// (`\r\n`, as in Splunk's attack_data exports).
func trimLine(l []byte) []byte {
	for len(l) > 0 {
		switch c := l[len(l)-1]; {
		case c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == 0:
			l = l[:len(l)-1]
		case c == '>' && bytes.HasSuffix(l, []byte("<000>")):
			l = l[:len(l)-5]
		case (c == 'n' || c == 'r') && len(l) >= 2 && l[len(l)-2] == '\\':
			l = l[:len(l)-2]
		default:
			return trimLeft(l)
		}
	}
	return l
}

func trimLeft(l []byte) []byte {
	l = bytes.TrimPrefix(l, []byte("\xef\xbb\xbf"))
	for len(l) > 0 && (l[0] == ' ' || l[0] == '\t') {
		l = l[1:]
	}
	return l
}

// csvStart returns where the PAN-OS record starts in a line: after whatever a syslog header or
// a collector put before it (RFC 3164 "<14>Nov  8 23:52:52 host ", RFC 5424 "<14>1 2024-...Z
// host app - - - ", Kiwi Syslog's "date<TAB>facility.level<TAB>host<TAB>", the same with
// its tabs written as `\t`). PAN-OS's first field (FUTURE_USE, "1") holds no space, and no
// header before it a comma, so the record starts at the first comma's word.
func csvStart(l []byte) int {
	if len(l) > 0 && l[0] == '"' {
		return 0
	}
	i := bytes.IndexByte(l, ',')
	if i < 0 {
		return 0
	}
	j := i
	for j > 0 && l[j-1] != ' ' && l[j-1] != '\t' {
		j--
	}
	if k := bytes.LastIndex(l[j:i], []byte(`\t`)); k >= 0 {
		j += k + 2
	}
	return j
}

// splitter splits a CSV record into fields, on demand.
type splitter struct {
	fields [][]byte
	rest   []byte
	done   bool
}

func (s *splitter) reset(l []byte) {
	s.fields = s.fields[:0]
	s.rest = l
	s.done = false
}

// to splits until the record has n fields or none are left. Fields are comma-separated; a
// field that starts with a quote runs to the next quote followed by a comma or the end of the
// line, with "" standing for a quote (and a quote followed by anything else taken as it is:
// older releases did not double quotes in URLs). An unescaped field views the line; one with
// "" in it is copied.
func (s *splitter) to(n int) *skipError {
	for len(s.fields) < n && !s.done {
		r := s.rest
		if len(r) > 0 && r[0] == '"' {
			pairs := false
			i := 1
			for {
				k := bytes.IndexByte(r[i:], '"')
				if k < 0 {
					return skipf("bad quoting", "field %d: quote not closed", len(s.fields)+1)
				}
				i += k
				if i+1 < len(r) && r[i+1] == '"' {
					pairs = true
					i += 2
					continue
				}
				if i+1 == len(r) || r[i+1] == ',' {
					break
				}
				i++ // a lone quote inside the field
			}
			f := r[1:i]
			if pairs {
				f = bytes.ReplaceAll(f, []byte(`""`), []byte(`"`))
			}
			s.fields = append(s.fields, f)
			if i+1 == len(r) {
				s.done = true
			} else {
				s.rest = r[i+2:]
			}
			continue
		}
		k := bytes.IndexByte(r, ',')
		if k < 0 {
			s.fields = append(s.fields, r)
			s.done = true
			continue
		}
		s.fields = append(s.fields, r[:k])
		s.rest = r[k+1:]
	}
	return nil
}

// isTypeWord tells whether b can be a PAN-OS log type: TRAFFIC, THREAT, HIP-MATCH ...
func isTypeWord(b []byte) bool {
	if len(b) < 3 || len(b) > 20 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// knownType tells whether b is a log type PAN-OS writes (for sniffing).
func knownType(b []byte) bool {
	switch string(b) {
	case "TRAFFIC", "THREAT", "SYSTEM", "CONFIG", "HIP-MATCH", "HIPMATCH", "GLOBALPROTECT", "USERID", "AUTH",
		"DECRYPTION", "CORRELATION", "TUNNEL", "GTP", "SCTP", "IPTAG":
		return true
	}
	return false
}

// isHeader tells whether a line is the column header of an exported CSV file.
func isHeader(l []byte) bool {
	return bytes.Contains(l, []byte("Receive Time")) && bytes.Contains(l, []byte("Type"))
}

// dedupe remembers the keys of the last window records (serial, type and sequence number), to
// pass over a record delivered twice.
type dedupe struct {
	ring [window]uint64
	n    int
	set  map[uint64]struct{}
}

// window is how many records back a duplicate is recognised. The sample's duplicates come at
// most 20 records after the original (two forwarding paths into one collector).
const window = 256

// seen reports whether k was among the last window keys, and adds it when not.
func (d *dedupe) seen(k uint64) bool {
	if d.set == nil {
		d.set = make(map[uint64]struct{}, window)
	}
	if _, ok := d.set[k]; ok {
		return true
	}
	i := d.n % window
	if d.n >= window {
		delete(d.set, d.ring[i])
	}
	d.ring[i] = k
	d.set[k] = struct{}{}
	d.n++
	return false
}

// recordKey hashes what identifies a log record (FNV-1a): the serial number of the firewall
// that wrote it, its type and its sequence number, which "each log type has a unique number
// space" for. ok is false when the record has no sequence number.
func recordKey(serial, typ, seqno []byte) (uint64, bool) {
	if len(seqno) == 0 || len(seqno) == 1 && seqno[0] == '0' {
		return 0, false
	}
	h := uint64(14695981039346656037)
	for _, part := range [3][]byte{serial, typ, seqno} {
		for _, c := range part {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h, true
}
