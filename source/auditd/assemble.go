package auditd

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// pending is one audit event being put together from its records (or read whole from a JSON
// event). Its strings alias the read block or the reader's arena.
type pending struct {
	ts     event.Time
	serial uint64
	line   uint32 // the first record's line
	sys    uint32 // the SYSCALL record's line; 0 before it is seen
	age    uint64 // the reader's count of events opened when this one was last touched
	skip   bool   // an event of no interest (another syscall): later records are not parsed
	node   string
	host   string // the shipper's host name (JSON), used when there is no node

	// SYSCALL
	hasSys    bool
	arch      uint64
	archKnown bool
	nr        int64
	name      string // the syscall's name (enriched SYSCALL=, a shipper's field)
	a0        uint64
	success   int8 // 1 yes, 0 no, event.Unset when not said
	pid, ppid int64
	uid       string
	uidName   string
	exe       string

	// EXECVE
	hasExecve bool
	argc      int64
	args      []string
	split     int    // the argument being put together from a<N>[<i>] pieces; -1 none
	splitLen  int64  // its a<N>_len
	splitBuf  []byte // its bytes so far
	short     string // why argv is incomplete (reported as a problem, the event is kept)

	cwd string

	// SOCKADDR
	hasSock bool
	family  int
	dst     netip.Addr
	port    uint16

	// PROCTITLE
	title     []string // the argv of the process, NUL-split
	titleStr  string   // a title already joined (auditbeat's process.title)
	hasTitle  bool
	titleRaw  []byte // the proctitle= value, decoded only when the command line comes from it
	titleQ    bool   // it was quoted
	titleLine uint32

	// the first problem with the event's records: the event is skipped with it
	errLine   uint32
	errReason string
	errMsg    string
}

func (p *pending) reset() {
	args, title := p.args[:0], p.title[:0]
	*p = pending{args: args, title: title, split: -1, argc: -1, nr: -1, success: event.Unset, pid: event.Unset, ppid: event.Unset}
}

// fail keeps the first problem of the event.
func (p *pending) fail(line uint32, reason, format string, a ...any) {
	if p.errReason == "" {
		p.errLine, p.errReason, p.errMsg = line, reason, fmt.Sprintf(format, a...)
	}
}

// The bounds of grouping: an event is finished when its EOE record comes, when maxGap other
// events were opened since its last record, or when maxOpen events are open at once.
const (
	maxGap  = 32
	maxOpen = 64
)

// logType is the log type events are counted under.
const logType = "auditd"

// reader turns the records of one job into events.
type reader struct {
	f     source.FileInfo
	st    *source.Stats
	sink  event.Sink
	open  []*pending // oldest first
	free  []*pending
	count uint64 // events opened so far
	arena arena
	e     event.Host
	json  jsonState
	read  int64
	ign   int64
}

func (r *reader) get() *pending {
	var p *pending
	if n := len(r.free); n > 0 {
		p, r.free = r.free[n-1], r.free[:n-1]
	} else {
		p = new(pending)
	}
	p.reset()
	return p
}

func (r *reader) put(p *pending) { r.free = append(r.free, p) }

// find returns the open event of a record, nil when there is none.
func (r *reader) find(h *header) *pending {
	for i := len(r.open) - 1; i >= 0; i-- {
		p := r.open[i]
		if p.serial == h.serial && p.ts == h.ts {
			return p
		}
	}
	return nil
}

// start opens an event for a record that belongs to none, finishing the events that have
// waited too long.
func (r *reader) start(h *header, line uint32) *pending {
	r.count++
	for len(r.open) > 0 && (len(r.open) >= maxOpen || r.count-r.open[0].age > maxGap) {
		r.finishAt(0)
	}
	for i := 0; i < len(r.open); {
		if r.count-r.open[i].age > maxGap {
			r.finishAt(i)
			continue
		}
		i++
	}
	p := r.get()
	p.ts, p.serial, p.line, p.age = h.ts, h.serial, line, r.count
	p.node = str(h.node)
	r.open = append(r.open, p)
	return p
}

func (r *reader) finishAt(i int) {
	p := r.open[i]
	r.open = append(r.open[:i], r.open[i+1:]...)
	r.finish(p)
	r.put(p)
}

func (r *reader) finishOne(p *pending) {
	for i := range r.open {
		if r.open[i] == p {
			r.finishAt(i)
			return
		}
	}
}

// flush finishes every open event (at the end of a job).
func (r *reader) flush() {
	for len(r.open) > 0 {
		r.finishAt(0)
	}
}

// record adds one audit record (a raw line, or the line a JSON shipper wrapped) to its event.
// host is the shipper's host name for the record, "" for raw lines.
func (r *reader) record(line []byte, n uint32, host string) {
	h, err := parseHeader(line)
	if err != nil {
		reason := "not an audit record"
		if _, ok := err.(badHeader); ok {
			reason = "bad record header"
		}
		r.st.Skip(r.f, n, reason, err.Error())
		return
	}
	r.recordH(&h, n, host)
}

func (r *reader) recordH(h *header, n uint32, host string) {
	p := r.find(h)
	switch h.typ {
	case tOther:
		if p != nil {
			p.age = r.count
		} else {
			r.ign++
		}
		return
	case tEOE:
		if p != nil {
			r.finishOne(p)
		}
		return
	}
	if p == nil {
		p = r.start(h, n)
	}
	p.age = r.count
	if p.host == "" {
		p.host = host
	}
	if p.skip {
		return
	}
	switch h.typ {
	case tSyscall:
		r.syscall(p, h.body, n)
	case tExecve:
		r.execve(p, h.body, n)
	case tCwd:
		r.cwdRec(p, h.body, n)
	case tSockaddr:
		r.sockaddrRec(p, h.body, n)
	case tProctitle:
		r.proctitle(p, h.body, n)
	case tPath: // the executable's path is SYSCALL's exe=
	}
}

func (r *reader) syscall(p *pending, body []byte, n uint32) {
	if p.hasSys {
		p.fail(n, "duplicate SYSCALL", "second SYSCALL record for audit(%s)", p.idText())
		return
	}
	p.hasSys, p.sys = true, n
	fs := fields{body}
	for {
		k, v, q, ok, err := fs.next()
		if err != nil {
			p.fail(n, "bad SYSCALL record", "SYSCALL: %v", err)
		}
		if !ok {
			break
		}
		switch string(k) {
		case "arch":
			p.arch, p.archKnown = hexNum(v)
		case "syscall":
			p.nr = signed(v)
		case "SYSCALL":
			p.name = str(v)
		case "success":
			switch string(v) {
			case "yes":
				p.success = 1
			case "no":
				p.success = 0
			}
		case "a0":
			p.a0, _ = hexNum(v)
		case "pid":
			p.pid = signed(v)
		case "ppid":
			p.ppid = signed(v)
		case "uid":
			p.uid = str(v)
		case "UID":
			p.uidName = str(v)
		case "exe":
			exe, err := r.arena.untrusted(v, q)
			if err != nil {
				p.fail(n, "bad hex", "SYSCALL exe: %v", err)
			}
			p.exe = exe
		}
	}
	if p.nr == event.Unset && p.name == "" {
		p.fail(n, "bad SYSCALL record", "SYSCALL record without syscall=")
		return
	}
	switch p.kind() {
	case sysExec, sysConnect, sysUnknown:
	default:
		p.skip = true
	}
}

// kind classifies the event's syscall.
func (p *pending) kind() sysKind {
	var k sysKind
	switch {
	case p.name != "":
		k = syscallNamed(p.name)
	case p.archKnown:
		k = syscallKind(p.arch, p.nr)
	default:
		k = sysUnknown
	}
	if k == sysSocketcall {
		if p.a0 == 3 { // SYS_CONNECT
			return sysConnect
		}
		return sysOther
	}
	return k
}

func (r *reader) execve(p *pending, body []byte, n uint32) {
	p.hasExecve = true
	fs := fields{body}
	for {
		k, v, q, ok, err := fs.next()
		if err != nil {
			p.fail(n, "bad EXECVE record", "EXECVE: %v", err)
		}
		if !ok {
			break
		}
		if string(k) == "argc" {
			p.argc = signed(v)
			if p.argc < 0 || p.argc > 1<<20 {
				p.fail(n, "bad EXECVE record", "EXECVE argc=%q", clip(v, 20))
				return
			}
			continue
		}
		if len(k) < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9' {
			continue
		}
		i := 1
		for i < len(k) && k[i] >= '0' && k[i] <= '9' {
			i++
		}
		idx, okN := decimal(k[1:i])
		if !okN || idx > 1<<20 {
			p.fail(n, "bad EXECVE record", "EXECVE: bad argument key %q", clip(k, 30))
			return
		}
		suffix := k[i:]
		switch {
		case len(suffix) == 0: // aN=
			val, err := r.arena.untrusted(v, q)
			if err != nil {
				p.fail(n, "bad hex", "EXECVE %s: %v", k, err)
				return
			}
			p.endSplit(n)
			p.setArg(int(idx), val, n)
		case string(suffix) == "_len": // aN_len=: the argument comes in pieces aN[0]= aN[1]= ...
			p.endSplit(n)
			p.split, p.splitLen, p.splitBuf = int(idx), signed(v), nil
			p.setArg(int(idx), "", n)
		case suffix[0] == '[': // aN[i]=
			if p.split != int(idx) {
				p.fail(n, "bad EXECVE record", "EXECVE %s without %s_len", clip(k, 30), k[:i])
				return
			}
			d, err := r.arena.untrustedBytes(v, q)
			if err != nil {
				p.fail(n, "bad hex", "EXECVE %s: %v", clip(k, 30), err)
				return
			}
			p.splitBuf = append(p.splitBuf, d...)
			p.args[idx] = str(p.splitBuf)
		}
	}
}

// setArg puts argument idx in place; a gap or a repeat makes argv incomplete.
func (p *pending) setArg(idx int, val string, n uint32) {
	switch {
	case idx == len(p.args):
		p.args = append(p.args, val)
	case idx > len(p.args):
		if p.short == "" {
			p.short = fmt.Sprintf("arguments a%d to a%d missing", len(p.args), idx-1)
		}
		for len(p.args) < idx {
			p.args = append(p.args, "")
		}
		p.args = append(p.args, val)
	default:
		p.fail(n, "bad EXECVE record", "EXECVE a%d given twice", idx)
	}
}

// endSplit checks the argument put together from pieces against its announced length.
func (p *pending) endSplit(n uint32) {
	if p.split < 0 {
		return
	}
	if got := int64(len(p.splitBuf)); got != p.splitLen && p.short == "" {
		p.short = fmt.Sprintf("a%d has %d of its %d bytes", p.split, got, p.splitLen)
	}
	p.split, p.splitBuf = -1, nil
}

func (r *reader) cwdRec(p *pending, body []byte, n uint32) {
	fs := fields{body}
	for {
		k, v, q, ok, err := fs.next()
		if err != nil {
			p.fail(n, "bad CWD record", "CWD: %v", err)
		}
		if !ok {
			return
		}
		if string(k) == "cwd" {
			cwd, err := r.arena.untrusted(v, q)
			if err != nil {
				p.fail(n, "bad hex", "CWD cwd: %v", err)
				return
			}
			p.cwd = cwd
			return
		}
	}
}

func (r *reader) sockaddrRec(p *pending, body []byte, n uint32) {
	fs := fields{body}
	for {
		k, v, _, ok, err := fs.next()
		if err != nil {
			p.fail(n, "bad SOCKADDR record", "SOCKADDR: %v", err)
		}
		if !ok {
			p.fail(n, "bad SOCKADDR record", "SOCKADDR record without saddr=")
			return
		}
		if string(k) != "saddr" {
			continue
		}
		d := r.arena.alloc(len(v) / 2)
		if err := decodeHex(d, v); err != nil {
			p.fail(n, "bad hex", "SOCKADDR saddr: %v", err)
			return
		}
		r.setSock(p, d, n)
		return
	}
}

func (r *reader) setSock(p *pending, d []byte, n uint32) {
	fam, addr, port, err := sockaddr(d)
	if err != nil {
		p.fail(n, "bad SOCKADDR record", "SOCKADDR saddr: %v", err)
		return
	}
	p.hasSock, p.family, p.dst, p.port = true, fam, addr, port
}

func (r *reader) proctitle(p *pending, body []byte, n uint32) {
	fs := fields{body}
	for {
		k, v, q, ok, err := fs.next()
		if err != nil {
			p.fail(n, "bad PROCTITLE record", "PROCTITLE: %v", err)
		}
		if !ok {
			return
		}
		if string(k) != "proctitle" {
			continue
		}
		p.hasTitle, p.titleRaw, p.titleQ, p.titleLine = true, v, q, n
		return
	}
}

// splitNUL splits the process title (argv joined with NULs, as /proc/PID/cmdline) into its
// arguments; a trailing NUL ends the last one.
func splitNUL(dst []string, b []byte) []string {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		dst = append(dst, str(b[:i]))
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return dst
}

func (p *pending) idText() string {
	return fmt.Sprintf("%d.%03d:%d", int64(p.ts)/1e6, int64(p.ts)%1e6/1000, p.serial)
}

// finish turns a complete event into an event.Host, counts it as ignored (another syscall,
// a failed execve, a connect to a non-IP socket), or skips it with its problem.
func (r *reader) finish(p *pending) {
	if p.skip {
		r.ign++
		return
	}
	p.endSplit(p.line)
	if p.errReason != "" {
		r.st.Skip(r.f, p.errLine, p.errReason, p.errMsg)
		return
	}
	if !p.hasSys {
		switch {
		case p.hasExecve:
			r.st.Skip(r.f, p.line, "no SYSCALL record", fmt.Sprintf("EXECVE record of audit(%s) without its SYSCALL record", p.idText()))
		case p.hasSock:
			r.st.Skip(r.f, p.line, "no SYSCALL record", fmt.Sprintf("SOCKADDR record of audit(%s) without its SYSCALL record", p.idText()))
		default: // CWD, PATH, PROCTITLE alone: nothing to map
			r.ign++
		}
		return
	}
	if r.f.Skip.Has(event.KindHost) {
		r.ign++
		return
	}
	kind := p.kind()
	if kind == sysUnknown { // an architecture without a table: the records tell
		switch {
		case p.hasExecve:
			kind = sysExec
		default:
			kind = sysOther
		}
	}
	switch kind {
	case sysExec:
		if p.success == 0 { // the exec failed: exe= is still the caller's image
			r.ign++
			return
		}
		r.emitProcess(p)
	case sysConnect:
		if !p.hasSock {
			if p.success == 0 {
				r.ign++
				return
			}
			r.st.Skip(r.f, p.sys, "no SOCKADDR record", fmt.Sprintf("connect audit(%s) without its SOCKADDR record", p.idText()))
			return
		}
		if p.family != afInet && p.family != afInet6 {
			r.ign++ // AF_UNIX, AF_NETLINK ...: not a network connection
			return
		}
		r.emitConnect(p)
	default:
		r.ign++
	}
}

func (r *reader) base(p *pending, op event.HostOp) *event.Host {
	e := &r.e
	line := p.sys
	if line == 0 {
		line = p.line
	}
	*e = event.Host{Op: op, Log: logType, Initiated: event.Unset}
	e.Ref = r.f.Ref(line)
	e.TS = p.ts
	e.Computer = p.node
	if e.Computer == "" {
		e.Computer = p.host
	}
	user := p.uidName
	if user == "" {
		user = p.uid
	}
	e.Proc = event.Proc{PID: p.pid, Image: p.exe, User: user}
	e.Parent = event.Proc{PID: p.ppid}
	return e
}

// titleCmd returns the command line from the process title; false when its hex is bad (the
// event is then skipped).
func (r *reader) titleCmd(p *pending) (string, bool) {
	if p.titleRaw != nil {
		d, err := r.arena.untrustedBytes(p.titleRaw, p.titleQ)
		if err != nil {
			r.st.Skip(r.f, p.titleLine, "bad hex", "PROCTITLE proctitle: "+err.Error())
			return "", false
		}
		p.title = splitNUL(p.title[:0], d)
	}
	if len(p.title) > 0 {
		return r.arena.joinArgs(p.title), true
	}
	return p.titleStr, true
}

func (r *reader) emitProcess(p *pending) {
	var cmd string
	if !p.hasExecve {
		var ok bool
		if cmd, ok = r.titleCmd(p); !ok {
			return
		}
	}
	e := r.base(p, event.OpProcess)
	e.Proc.CommandLine = cmd
	if p.hasExecve {
		e.Args = event.List(p.args)
		if e.Args == nil {
			e.Args = event.List{}
		}
		e.Proc.CommandLine = r.arena.joinArgs(p.args)
		if p.argc >= 0 && int64(len(p.args)) < p.argc && p.short == "" {
			p.short = "only " + strconv.Itoa(len(p.args)) + " of argc=" + strconv.FormatInt(p.argc, 10) + " arguments"
		}
		if p.short != "" {
			r.st.Problem(source.Problem{File: r.f.Name, Line: e.Ref.Line, Msg: fmt.Sprintf("execve audit(%s): argv incomplete (%s); the event is kept with the arguments present", p.idText(), p.short)})
		}
	}
	e.CurrentDir = p.cwd
	r.sink.Host(e)
	r.read++
}

func (r *reader) emitConnect(p *pending) {
	cmd, ok := r.titleCmd(p)
	if !ok {
		return
	}
	e := r.base(p, event.OpConnect)
	e.Proc.CommandLine = cmd
	e.Dst, e.DstPort = p.dst, p.port
	e.Initiated = 1
	r.sink.Host(e)
	r.read++
}
