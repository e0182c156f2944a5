package auditd

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/sluice-hunt/sluice/source/jsonl"
	"net/netip"

	"github.com/sluice-hunt/sluice/event"
)

// recType is the kind of an audit record, as far as the reader cares.
type recType uint8

const (
	tOther recType = iota // any record type the reader does not read
	tSyscall
	tExecve
	tCwd
	tPath
	tSockaddr
	tProctitle
	tEOE
)

// typeOf maps a record type's name (or the kernel's number for it, as dmesg and the journal
// print it) to its kind.
func typeOf(name []byte) recType {
	switch string(name) {
	case "SYSCALL", "1300":
		return tSyscall
	case "EXECVE", "1309":
		return tExecve
	case "CWD", "1307":
		return tCwd
	case "PATH", "1302":
		return tPath
	case "SOCKADDR", "1306":
		return tSockaddr
	case "PROCTITLE", "1327":
		return tProctitle
	case "EOE", "1320":
		return tEOE
	}
	return tOther
}

// header is what precedes a record's fields: node=, type= and msg=audit(time:serial):.
type header struct {
	typ    recType
	node   []byte
	ts     event.Time
	serial uint64
	id     []byte // "1700000000.123:4567", the text between the parentheses
	body   []byte // the fields after "):"
}

var errNotAudit = errors.New("not an audit record (no type=... msg=audit(time:serial))")

// badHeader is the error for a record whose msg=audit(time:serial) cannot be read.
type badHeader string

func (e badHeader) Error() string { return string(e) }

// parseHeader finds the record header in line. Anything before node= or type= (a syslog
// prefix such as "Jan  2 03:04:05 host audispd: ") is passed over. The kernel's own form
// ("type=1300 audit(...)", as dmesg prints it) is read too.
func parseHeader(line []byte) (header, error) {
	if h, ok := parseHeaderFast(line); ok {
		return h, nil
	}
	var h header
	a := bytes.Index(line, []byte("audit("))
	if a < 0 {
		return h, errNotAudit
	}
	pre := line[:a]
	if bytes.HasSuffix(pre, []byte("msg=")) {
		pre = pre[:len(pre)-4]
	}
	if len(pre) == 0 || (pre[len(pre)-1] != ' ' && pre[len(pre)-1] != '"') {
		return h, errNotAudit
	}
	t := tokenStart(pre, "type=")
	if t < 0 {
		return h, errNotAudit
	}
	name := pre[t+5:]
	if i := bytes.IndexByte(name, ' '); i >= 0 {
		name = name[:i]
	}
	if !typeName(name) {
		return h, errNotAudit
	}
	h.typ = typeOf(name)
	if n := tokenStart(pre[:t], "node="); n >= 0 {
		node := pre[n+5 : t]
		if i := bytes.IndexByte(node, ' '); i >= 0 {
			node = node[:i]
		}
		h.node = node
	}
	rest := line[a+6:]
	end := bytes.IndexByte(rest, ')')
	if end < 0 {
		return h, badHeader("audit(time:serial) not closed (line cut short?)")
	}
	h.id = rest[:end]
	var err error
	if h.ts, h.serial, err = parseID(h.id); err != nil {
		return h, err
	}
	rest = rest[end+1:]
	if len(rest) > 0 && rest[0] == ':' {
		rest = rest[1:]
	}
	h.body = trimSep(rest)
	return h, nil
}

// parseHeaderFast reads the header as auditd writes it: [node=NAME ]type=TYPE msg=audit(...):.
// ok is false for anything else, which parseHeader then reads the slow way.
func parseHeaderFast(line []byte) (h header, ok bool) {
	rest := line
	if len(rest) > 5 && string(rest[:5]) == "node=" {
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			return h, false
		}
		h.node, rest = rest[5:i], rest[i+1:]
	}
	if len(rest) < 5 || string(rest[:5]) != "type=" {
		return h, false
	}
	rest = rest[5:]
	i := bytes.IndexByte(rest, ' ')
	if i <= 0 || !typeName(rest[:i]) {
		return h, false
	}
	h.typ = typeOf(rest[:i])
	rest = rest[i+1:]
	if len(rest) < 10 || string(rest[:10]) != "msg=audit(" {
		return h, false
	}
	rest = rest[10:]
	end := bytes.IndexByte(rest, ')')
	if end < 0 {
		return h, false
	}
	var err error
	h.id = rest[:end]
	if h.ts, h.serial, err = parseID(h.id); err != nil {
		return h, false
	}
	rest = rest[end+1:]
	if len(rest) > 0 && rest[0] == ':' {
		rest = rest[1:]
	}
	h.body = trimSep(rest)
	return h, true
}

// tokenStart returns where the last word of s starting with prefix begins (at the start of s or
// after a space or a quote), or -1.
func tokenStart(s []byte, prefix string) int {
	for end := len(s); end > 0; {
		i := bytes.LastIndex(s[:end], []byte(prefix))
		if i < 0 {
			return -1
		}
		if i == 0 || s[i-1] == ' ' || s[i-1] == '"' {
			return i
		}
		end = i
	}
	return -1
}

// typeName reports a record type as auditd writes it: SYSCALL, 1300, UNKNOWN[1334].
func typeName(b []byte) bool {
	if len(b) == 0 || len(b) > 40 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// parseID reads "1700000000.123:4567": the record's time (seconds and a fraction, milliseconds
// as auditd writes it) and its serial.
func parseID(b []byte) (event.Time, uint64, error) {
	dot := bytes.IndexByte(b, '.')
	colon := bytes.IndexByte(b, ':')
	if dot <= 0 || colon < dot {
		return 0, 0, badHeader(fmt.Sprintf("bad audit(time:serial) %q", clip(b, 40)))
	}
	sec, ok1 := decimal(b[:dot])
	frac, digits := uint64(0), 0
	ok2 := colon > dot+1
	for _, c := range b[dot+1 : colon] {
		if c < '0' || c > '9' {
			ok2 = false
			break
		}
		if digits < 6 {
			frac = frac*10 + uint64(c-'0')
			digits++
		}
	}
	for ; digits < 6; digits++ {
		frac *= 10
	}
	serial, ok3 := decimal(b[colon+1:])
	if !ok1 || !ok2 || !ok3 || sec > 1<<40 {
		return 0, 0, badHeader(fmt.Sprintf("bad audit(time:serial) %q", clip(b, 40)))
	}
	return event.Time(int64(sec)*1e6 + int64(frac)), serial, nil
}

// decimal reads an unsigned decimal number.
func decimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// signed reads a decimal number with an optional sign; event.Unset when it is not one.
func signed(b []byte) int64 {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	n, ok := decimal(b)
	if !ok || n > 1<<62 {
		return event.Unset
	}
	if neg {
		return -int64(n)
	}
	return int64(n)
}

// hexNum reads a hexadecimal number (an optional 0x).
func hexNum(b []byte) (uint64, bool) {
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		v, ok := unhex(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(v)
	}
	return n, true
}

// hexTab maps a hex digit to its value, anything else to 0xff.
var hexTab = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	v := hexTab[c]
	return v, v != 0xff
}

// decodeHex decodes hex text into dst (len(src)/2 bytes).
func decodeHex(dst, src []byte) error {
	if len(src)%2 != 0 {
		return fmt.Errorf("odd length %d", len(src))
	}
	dst = dst[:len(src)/2]
	for i := range dst {
		a, b := hexTab[src[2*i]], hexTab[src[2*i+1]]
		if a == 0xff || b == 0xff {
			return fmt.Errorf("%q at byte %d is not hex", src[2*i:2*i+2], 2*i+1)
		}
		dst[i] = a<<4 | b
	}
	return nil
}

// sepTab marks the bytes that separate fields: space, GS (0x1d), tab, CR, LF.
var sepTab = [256]bool{' ': true, '\x1d': true, '\t': true, '\r': true, '\n': true}

// keyEnd marks the bytes that end a key: a separator or '='.
var keyEnd = [256]bool{' ': true, '\x1d': true, '\t': true, '\r': true, '\n': true, '=': true}

func isSep(c byte) bool { return sepTab[c] }

func trimSep(b []byte) []byte {
	for len(b) > 0 && isSep(b[0]) {
		b = b[1:]
	}
	return b
}

// fields walks the key=value pairs of a record's body. Values are "quoted" (auditd quotes a
// string that needs no encoding), 'single-quoted' (the msg='...' of user-space records),
// or bare (numbers, hex-encoded strings, (null)). The enriched format's GS (0x1d) that
// separates the raw fields from the translated ones (UID="root") separates like a space.
type fields struct {
	b []byte
}

// next returns the next pair; ok is false at the end. err reports a quote left open (a record
// cut short).
func (f *fields) next() (key, val []byte, quoted, ok bool, err error) {
	for {
		f.b = trimSep(f.b)
		if len(f.b) == 0 {
			return nil, nil, false, false, nil
		}
		i := 0
		for i < len(f.b) && !keyEnd[f.b[i]] {
			i++
		}
		if i == len(f.b) || f.b[i] != '=' { // a word without a value: passed over
			f.b = f.b[i:]
			continue
		}
		key = f.b[:i]
		v := f.b[i+1:]
		if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
			q := v[0]
			end := bytes.IndexByte(v[1:], q)
			if end < 0 {
				f.b = nil
				return key, nil, true, true, fmt.Errorf("%s: quote not closed (record cut short?)", clip(key, 40))
			}
			f.b = v[end+2:]
			return key, v[1 : end+1], true, true, nil
		}
		j := 0
		for j < len(v) && !sepTab[v[j]] {
			j++
		}
		f.b = v[j:]
		return key, v[:j], false, true, nil
	}
}

// str views b as a string without copying; see the aliasing note in package event.
func str(b []byte) string { return jsonl.Str(b) }

// arena hands out byte slices for decoded text from large chunks that are never reused, so
// that decoding does not allocate per value.
type arena struct{ buf []byte }

const arenaChunk = 64 << 10

func (a *arena) alloc(n int) []byte {
	if n > arenaChunk/8 {
		return make([]byte, n)
	}
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, arenaChunk)
	}
	l := len(a.buf)
	a.buf = a.buf[:l+n]
	return a.buf[l : l+n : l+n]
}

// untrusted decodes a string field as the kernel logs it (audit_log_untrustedstring): in
// double quotes when it holds no space, quote or control character, else hex-encoded;
// "(null)" (or "?") when unset.
func (a *arena) untrusted(val []byte, quoted bool) (string, error) {
	if quoted {
		return str(val), nil
	}
	switch string(val) {
	case "", "(null)", "?":
		return "", nil
	}
	d := a.alloc(len(val) / 2)
	if err := decodeHex(d, val); err != nil {
		return "", err
	}
	return str(d), nil
}

// untrustedBytes is untrusted returning the decoded bytes (they may hold NULs: proctitle).
func (a *arena) untrustedBytes(val []byte, quoted bool) ([]byte, error) {
	if quoted {
		return val, nil
	}
	switch string(val) {
	case "", "(null)", "?":
		return nil, nil
	}
	d := a.alloc(len(val) / 2)
	if err := decodeHex(d, val); err != nil {
		return nil, err
	}
	return d, nil
}

// The address families of a sockaddr.
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

// sockaddr reads a binary struct sockaddr: the family (in the host's byte order: 02 00 on
// little-endian machines, 00 02 on big-endian ones) and, for AF_INET and AF_INET6, the port
// (network order) and address. Other families return their number and no address.
func sockaddr(b []byte) (family int, addr netip.Addr, port uint16, err error) {
	if len(b) < 2 {
		return 0, addr, 0, fmt.Errorf("sockaddr of %d bytes is too short", len(b))
	}
	switch {
	case b[1] == 0:
		family = int(b[0])
	case b[0] == 0:
		family = int(b[1])
	default:
		return int(b[0]) | int(b[1])<<8, addr, 0, nil
	}
	switch family {
	case afInet:
		if len(b) < 8 {
			return family, addr, 0, fmt.Errorf("AF_INET sockaddr of %d bytes is too short", len(b))
		}
		return family, netip.AddrFrom4([4]byte(b[4:8])), uint16(b[2])<<8 | uint16(b[3]), nil
	case afInet6:
		if len(b) < 24 {
			return family, addr, 0, fmt.Errorf("AF_INET6 sockaddr of %d bytes is too short", len(b))
		}
		return family, netip.AddrFrom16([16]byte(b[8:24])).Unmap(), uint16(b[2])<<8 | uint16(b[3]), nil
	}
	return family, addr, 0, nil
}

// The syscalls the reader maps.
type sysKind uint8

const (
	sysOther sysKind = iota
	sysExec
	sysConnect
	sysSocketcall // the 32-bit multiplexer: connect when a0 is 3 (SYS_CONNECT)
	sysUnknown    // an architecture the reader has no table for
)

// The AUDIT_ARCH_* values of the architectures the reader knows (linux/audit.h).
const (
	archX86_64  = 0xc000003e
	archI386    = 0x40000003
	archAarch64 = 0xc00000b7
	archArm     = 0x40000028
	archPPC64   = 0x80000015
	archPPC64LE = 0xc0000015
	archPPC     = 0x14
	archS390X   = 0x80000016
	archS390    = 0x16
	archRISCV64 = 0xc00000f3
	archLoong64 = 0xc0000102
)

// syscallKind classifies a syscall number of an architecture (the kernel's syscall tables:
// execve, execveat and connect, and socketcall where it exists).
func syscallKind(arch uint64, nr int64) sysKind {
	var execve, execveat, connect, socketcall int64 = -1, -1, -1, -1
	switch arch {
	case archX86_64:
		execve, execveat, connect = 59, 322, 42
	case archAarch64, archRISCV64, archLoong64: // the generic table
		execve, execveat, connect = 221, 281, 203
	case archI386:
		execve, execveat, connect, socketcall = 11, 358, 362, 102
	case archArm:
		execve, execveat, connect, socketcall = 11, 387, 283, 102
	case archPPC64, archPPC64LE, archPPC:
		execve, execveat, connect, socketcall = 11, 362, 328, 102
	case archS390X, archS390:
		execve, execveat, connect, socketcall = 11, 354, 362, 102
	default:
		return sysUnknown
	}
	switch nr {
	case execve, execveat:
		return sysExec
	case connect:
		return sysConnect
	case socketcall:
		return sysSocketcall
	}
	return sysOther
}

// syscallNamed classifies a syscall by the name the enriched format (SYSCALL=execve) or a
// shipper gives it.
func syscallNamed(name string) sysKind {
	switch name {
	case "execve", "execveat":
		return sysExec
	case "connect":
		return sysConnect
	case "socketcall":
		return sysSocketcall
	}
	return sysOther
}

// appendArg appends an argument to a command line, in double quotes when it is empty or holds
// a space, tab, newline or double quote (a double quote inside is written \").
func appendArg(b []byte, arg string) []byte {
	if len(b) > 0 {
		b = append(b, ' ')
	}
	need := arg == ""
	for i := 0; i < len(arg) && !need; i++ {
		switch arg[i] {
		case ' ', '\t', '\n', '\r', '"':
			need = true
		}
	}
	if !need {
		return append(b, arg...)
	}
	b = append(b, '"')
	for i := 0; i < len(arg); i++ {
		if arg[i] == '"' {
			b = append(b, '\\')
		}
		b = append(b, arg[i])
	}
	return append(b, '"')
}

// argLen is the length appendArg adds for arg (an upper bound).
func argLen(arg string) int { return len(arg) + 3 + bytes.Count([]byte(arg), []byte{'"'}) }

// joinArgs builds a command line from argv, in the arena.
func (a *arena) joinArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	if len(args) == 1 && args[0] != "" && !needsQuote(args[0]) {
		return args[0]
	}
	n := 0
	for _, s := range args {
		n += argLen(s)
	}
	b := a.alloc(n)[:0]
	for _, s := range args {
		b = appendArg(b, s)
	}
	return str(b)
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '"':
			return true
		}
	}
	return false
}

func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
