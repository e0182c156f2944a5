package auditd

import (
	"bytes"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// jsonState is the JSON scanners of a reader.
type jsonState struct {
	outer, inner jsonl.Scanner
}

// The JSON shapes a line may have.
type jsonShape uint8

const (
	shapeNone    jsonShape = iota
	shapeLaurel            // one event an object: {"ID":"time:serial","SYSCALL":{...},...}
	shapeBeat              // Auditbeat's auditd module: auditd.*, process.*, user.*
	shapeWrapped           // a shipper's object holding one raw audit line (message, _raw ...)
	shapeMeta              // Splunk export metadata: no record
)

// wrapKeys are the keys that hold a raw audit line, in the order they are tried: Filebeat
// and most shippers (message), ECS's event.original, Splunk (_raw, result._raw in search
// export), Docker/Fluent Bit (log).
var wrapKeys = [...]string{"message", "event.original", "_raw", "result._raw", "log"}

// hostKeys name the shipper's host, used as Computer when the records have no node=.
func hostKey(k string) bool {
	switch k {
	case "host.name", "host.hostname", "host", "result.host", "beat.hostname", "agent.hostname":
		return true
	}
	return false
}

func exportMeta(k string) bool {
	switch k {
	case "preview", "offset", "init_offset", "lastrow":
		return true
	}
	return strings.HasPrefix(k, "messages")
}

// classify tells a JSON object's shape; for shapeWrapped it returns the wrapping member.
func classify(kvs []jsonl.KV) (jsonShape, *jsonl.KV) {
	var wrap [len(wrapKeys)]*jsonl.KV
	laurel, beat, meta, other := false, false, false, false
	for i := range kvs {
		k := jsonl.Str(kvs[i].Key)
		switch {
		case k == "ID":
			if _, _, err := parseID(kvs[i].Val); err == nil && kvs[i].Kind == jsonl.Scalar {
				laurel = true
			}
		case k == "auditd.sequence" || k == "auditd.result" || strings.HasPrefix(k, "auditd.data.") || k == "auditd.message_type":
			beat = true
		case exportMeta(k):
			meta = true
			continue
		}
		other = true
		for w := range wrapKeys {
			if k == wrapKeys[w] && wrap[w] == nil {
				wrap[w] = &kvs[i]
			}
		}
	}
	switch {
	case laurel:
		return shapeLaurel, nil
	case beat:
		return shapeBeat, nil
	}
	var first *jsonl.KV
	for _, kv := range wrap {
		if kv == nil {
			continue
		}
		if bytes.Contains(kv.First(), []byte("audit(")) {
			return shapeWrapped, kv
		}
		if first == nil {
			first = kv
		}
	}
	if first != nil {
		return shapeWrapped, first
	}
	if meta && !other {
		return shapeMeta, nil
	}
	return shapeNone, nil
}

// jsonLine reads one JSON line.
func (r *reader) jsonLine(line []byte, n uint32) {
	kvs, err := r.json.outer.Scan(line)
	if err != nil {
		r.st.Skip(r.f, n, "invalid JSON", err.Error())
		return
	}
	shape, wrap := classify(kvs)
	switch shape {
	case shapeLaurel:
		r.laurel(kvs, line, n)
	case shapeBeat:
		r.beat(kvs, n)
	case shapeWrapped:
		host := ""
		for i := range kvs {
			if hostKey(jsonl.Str(kvs[i].Key)) && kvs[i].Kind == jsonl.Scalar {
				host = jsonl.Str(kvs[i].Val)
				break
			}
		}
		if wrap.Kind == jsonl.Array { // several records in one object (event.original of Auditbeat)
			for _, it := range wrap.Items {
				r.record(bytes.TrimSpace(it), n, host)
			}
			return
		}
		r.record(bytes.TrimSpace(wrap.First()), n, host)
	case shapeMeta:
	default:
		r.st.Skip(r.f, n, "not an audit record", "JSON object with no audit record (no Laurel ID, no auditd.* fields, no message/_raw holding a type=... msg=audit(...) line)")
	}
}

// pct undoes Laurel's percent-encoding of byte strings (bytes that are not printable ASCII or
// valid UTF-8, and % and + themselves, are written %xx).
func (r *reader) pct(b []byte) []byte {
	i := bytes.IndexByte(b, '%')
	if i < 0 {
		return b
	}
	d := r.arena.alloc(len(b))[:0]
	for j := 0; j < len(b); j++ {
		if b[j] == '%' && j+2 < len(b) {
			h, ok1 := unhex(b[j+1])
			l, ok2 := unhex(b[j+2])
			if ok1 && ok2 {
				d = append(d, h<<4|l)
				j += 2
				continue
			}
		}
		d = append(d, b[j])
	}
	return d
}

func (r *reader) pctStr(b []byte) string { return str(r.pct(b)) }

// laurel reads a Laurel event: {"ID":"1700000000.123:4567","NODE":...,"SYSCALL":{...},
// "EXECVE":{"argc":3,"ARGV":[...]},"CWD":{"cwd":...},"SOCKADDR":[{...}],"PROCTITLE":{"ARGV":[...]}}.
func (r *reader) laurel(kvs []jsonl.KV, line []byte, n uint32) {
	p := r.get()
	defer r.put(p)
	p.line = n
	sock := false
	for i := range kvs {
		kv := &kvs[i]
		k := jsonl.Str(kv.Key)
		v := kv.First()
		switch {
		case k == "ID":
			p.ts, p.serial, _ = parseID(v)
		case k == "NODE":
			p.node = r.pctStr(v)
		case k == "SOCKADDR":
			sock = true
		case strings.HasPrefix(k, "SYSCALL."):
			if !p.hasSys {
				p.hasSys, p.sys = true, n
			}
			r.laurelSyscall(p, k[len("SYSCALL."):], kv, n)
		case k == "EXECVE.argc":
			p.hasExecve = true
			if p.argc = signed(v); p.argc < 0 {
				p.fail(n, "bad Laurel event", "EXECVE.argc %q is not a count", clip(v, 20))
			}
		case k == "EXECVE.ARGV":
			p.hasExecve = true
			for _, it := range kv.Items {
				p.args = append(p.args, r.pctStr(it))
			}
		case k == "EXECVE.ARGV_STR":
			p.hasExecve = true
			p.titleStr = r.pctStr(v)
		case k == "CWD.cwd":
			p.cwd = r.pctStr(v)
		case k == "PROCTITLE.ARGV":
			p.hasTitle = true
			for _, it := range kv.Items {
				p.title = append(p.title, r.pctStr(it))
			}
		case k == "PROCTITLE.proctitle":
			p.hasTitle = true
			p.title = splitNUL(p.title[:0], r.pct(v))
		}
	}
	if p.hasSys && p.nr == event.Unset && p.name == "" {
		p.fail(n, "bad Laurel event", "SYSCALL without syscall")
	}
	if sock && p.errReason == "" && !p.skip {
		r.laurelSockaddr(p, line, n)
	}
	if p.hasExecve && len(p.args) == 0 && p.titleStr != "" { // ARGV_STR only
		p.args = nil
		r.finishStr(p)
		return
	}
	r.finish(p)
}

// finishStr finishes an execve event whose command line Laurel gave as one string.
func (r *reader) finishStr(p *pending) {
	if p.errReason != "" || !p.hasSys || p.kind() != sysExec || p.success == 0 {
		r.finish(p)
		return
	}
	e := r.base(p, event.OpProcess)
	e.Proc.CommandLine = p.titleStr
	e.CurrentDir = p.cwd
	r.sink.Host(e)
	r.read++
}

func (r *reader) laurelSyscall(p *pending, k string, kv *jsonl.KV, n uint32) {
	v := kv.First()
	switch k {
	case "arch":
		p.arch, p.archKnown = hexNum(v)
	case "syscall":
		p.nr = signed(v)
	case "SYSCALL":
		p.name = jsonl.Str(v)
	case "success":
		switch string(v) {
		case "yes":
			p.success = 1
		case "no":
			p.success = 0
		}
	case "a0", "ARGV":
		p.a0, _ = hexNum(v)
	case "pid":
		p.pid = signed(v)
	case "ppid":
		p.ppid = signed(v)
	case "uid":
		p.uid = jsonl.Str(v)
	case "UID":
		p.uidName = r.pctStr(v)
	case "exe":
		if kv.Kind == jsonl.Scalar {
			p.exe = r.pctStr(v)
		}
	}
}

// laurelSockaddr reads the SOCKADDR list of a Laurel event (objects inside an array, which the
// line scanner does not keep): the raw saddr bytes (percent-encoded), else the translation
// Laurel (SADDR.saddr_fam/addr/port) or auditd's enriched format ("{ saddr_fam=inet laddr=...
// lport=... }") added.
func (r *reader) laurelSockaddr(p *pending, line []byte, n uint32) {
	arr := member(line, "SOCKADDR")
	if len(arr) == 0 || arr[0] != '[' {
		return
	}
	forElements(arr, func(elem []byte) bool {
		kvs, err := r.json.inner.Scan(elem)
		if err != nil {
			return true
		}
		var raw, fam, addr, port, saddrText []byte
		for i := range kvs {
			v := kvs[i].First()
			switch jsonl.Str(kvs[i].Key) {
			case "saddr":
				raw = v
			case "SADDR.saddr_fam", "saddr.family", "SADDR.family":
				fam = v
			case "SADDR.addr", "saddr.addr", "SADDR.laddr":
				addr = v
			case "SADDR.port", "saddr.port", "SADDR.lport":
				port = v
			case "SADDR":
				saddrText = v
			}
		}
		switch {
		case raw != nil:
			r.setSock(p, r.pct(raw), n)
		case fam != nil:
			r.setSockText(p, fam, addr, port, n)
		case saddrText != nil:
			fs := fields{bytes.Trim(saddrText, "{} ")}
			for {
				k, v, _, ok, _ := fs.next()
				if !ok {
					break
				}
				switch string(k) {
				case "saddr_fam", "fam":
					fam = v
				case "laddr":
					addr = v
				case "lport":
					port = v
				}
			}
			r.setSockText(p, fam, addr, port, n)
		default:
			return true
		}
		return !(p.hasSock && (p.family == afInet || p.family == afInet6))
	})
}

// setSockText sets the destination from a translated sockaddr: a family name and the address
// and port as text.
func (r *reader) setSockText(p *pending, fam, addr, port []byte, n uint32) {
	p.hasSock = true
	switch string(fam) {
	case "inet", "ipv4":
		p.family = afInet
	case "inet6", "ipv6":
		p.family = afInet6
	case "local", "unix":
		p.family = afUnix
		return
	default:
		p.family = 0
		return
	}
	a, err := jsonl.ParseAddr(addr)
	if err != nil {
		p.fail(n, "bad SOCKADDR record", "SOCKADDR address: %v", err)
		return
	}
	p.dst = a.Unmap()
	if len(port) > 0 {
		if p.port, err = jsonl.ParsePort(port); err != nil {
			p.fail(n, "bad SOCKADDR record", "SOCKADDR port %q: %v", clip(port, 20), err)
		}
	}
}

// beat reads an Auditbeat auditd event (ECS): one event an object, its records already joined.
func (r *reader) beat(kvs []jsonl.KV, n uint32) {
	p := r.get()
	defer r.put(p)
	p.line, p.sys, p.hasSys = n, n, true
	var action, sockFam, sockAddr, sockPort, dstIP, dstPort []byte
	var err error
	hasTS := false
	for i := range kvs {
		kv := &kvs[i]
		k := jsonl.Str(kv.Key)
		v := kv.First()
		switch k {
		case "@timestamp":
			if p.ts, err = jsonl.ParseTime(v); err != nil {
				p.fail(n, "bad auditbeat event", "@timestamp: %v", err)
			}
			hasTS = true
		case "auditd.sequence":
			p.serial, _ = decimal(v)
		case "auditd.result":
			switch string(v) {
			case "success":
				p.success = 1
			case "fail":
				p.success = 0
			}
		case "auditd.data.syscall":
			p.name = jsonl.Str(v)
		case "auditd.data.a0":
			p.a0, _ = hexNum(v)
		case "auditd.data.socket.family":
			sockFam = v
		case "auditd.data.socket.addr":
			sockAddr = v
		case "auditd.data.socket.port":
			sockPort = v
		case "event.action":
			action = v
		case "process.pid":
			p.pid = signed(v)
		case "process.ppid", "process.parent.pid":
			p.ppid = signed(v)
		case "process.executable", "process.exe":
			p.exe = jsonl.Str(v)
		case "process.args":
			p.hasExecve = true
			for _, it := range kv.Items {
				p.args = append(p.args, jsonl.Str(it))
			}
		case "process.title":
			p.titleStr = jsonl.Str(v)
		case "process.working_directory", "process.cwd":
			p.cwd = jsonl.Str(v)
		case "user.id", "user.uid":
			p.uid = jsonl.Str(v)
		case "user.name", "user.name_map.uid":
			p.uidName = jsonl.Str(v)
		case "destination.ip":
			dstIP = v
		case "destination.port":
			dstPort = v
		}
		if hostKey(k) && p.host == "" && kv.Kind == jsonl.Scalar {
			p.host = jsonl.Str(v)
		}
	}
	if !hasTS {
		p.fail(n, "bad auditbeat event", "no @timestamp")
	}
	if p.name == "" {
		switch string(action) {
		case "executed":
			p.name = "execve"
		case "connected-to":
			p.name = "connect"
		}
	}
	if p.name == "" {
		p.skip = true // not a syscall event (a login, a config change ...)
	}
	switch {
	case dstIP != nil:
		fam := "inet"
		if bytes.IndexByte(dstIP, ':') >= 0 {
			fam = "inet6"
		}
		r.setSockText(p, []byte(fam), dstIP, dstPort, n)
	case sockFam != nil:
		r.setSockText(p, sockFam, sockAddr, sockPort, n)
	}
	if p.hasExecve && len(p.args) == 0 {
		p.hasExecve = false
	}
	r.finish(p)
}

// member returns the raw text of a top-level member of a JSON object (nil when absent). line
// has been checked by the scanner.
func member(line []byte, key string) []byte {
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipWS(line, i)
		if i >= len(line) || line[i] != '"' {
			return nil
		}
		ks := i + 1
		i = skipValue(line, i)
		if i < 0 {
			return nil
		}
		k := line[ks : i-1]
		i = skipWS(line, i)
		if i >= len(line) || line[i] != ':' {
			return nil
		}
		i = skipWS(line, i+1)
		vs := i
		i = skipValue(line, i)
		if i < 0 {
			return nil
		}
		if string(k) == key {
			return line[vs:i]
		}
		i = skipWS(line, i)
		if i >= len(line) || line[i] != ',' {
			return nil
		}
		i++
	}
}

// forElements calls fn with the raw text of each element of a JSON array until it returns
// false.
func forElements(arr []byte, fn func([]byte) bool) {
	i := 1
	for {
		i = skipWS(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			return
		}
		s := i
		i = skipValue(arr, i)
		if i < 0 {
			return
		}
		if !fn(arr[s:i]) {
			return
		}
		i = skipWS(arr, i)
		if i >= len(arr) || arr[i] != ',' {
			return
		}
		i++
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the index after the JSON value at i, -1 when it is malformed.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				j := skipValue(b, i)
				if j < 0 {
					return -1
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
	}
	return i
}
