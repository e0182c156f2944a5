// Package auditd reads Linux audit logs (the kernel's audit events as auditd, Laurel,
// Auditbeat or a log shipper stored them) and turns program executions and outbound
// connections into host events (event.Host, Log "auditd"), the Linux counterpart of Sysmon's
// events 1 and 3.
//
// # Shapes
//
// Text, one audit record a line, as auditd writes /var/log/audit/audit.log:
//
//	type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes exit=0 ... ppid=1000 pid=1234 auid=1000 uid=0 ... comm="curl" exe="/usr/bin/curl" key=(null)
//	type=EXECVE msg=audit(1700000000.123:4567): argc=3 a0="curl" a1="--upload-file" a2=2F746D702F612062
//	type=CWD msg=audit(1700000000.123:4567): cwd="/root"
//	type=PATH msg=audit(1700000000.123:4567): item=0 name="/usr/bin/curl" ...
//	type=PROCTITLE msg=audit(1700000000.123:4567): proctitle=6375726C002D2D75706C6F61642D66696C65...
//	type=EOE msg=audit(1700000000.123:4567):
//
// The records of one event share the time and serial of msg=audit(time:serial). They are
// grouped by it: an event is complete at its EOE record, or once 32 other events have begun
// since its last record (records of concurrent events interleave), or when 64 events are open
// at once, or at the end of the input. The input is read in blocks of about 1 MiB parsed in
// parallel; a block is cut before the SYSCALL record of its last event whose records may still
// be coming (the record before the cut must end an event: EOE, or PROCTITLE in logs whose
// shipper drops EOE), so that an event's records are never split between two jobs. Also read:
//
//   - a node=NAME before type= (auditd's name_format), which becomes Computer;
//   - the enriched format (log_format = ENRICHED): each line ends with a GS byte (0x1d) and the
//     translated fields (ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root"); UID= gives the
//     user's name, SYSCALL= the syscall's name;
//   - a syslog prefix before node= or type= ("Jan  2 03:04:05 host audispd: type=..."), and
//     the kernel's numeric form ("type=1300 audit(...)") that dmesg and the journal print.
//
// JSON, one object a line (a file may mix the shapes, and JSON with text lines):
//
//   - Laurel (github.com/threathunters-io/laurel), one object an event:
//     {"ID":"1700000000.123:4567","NODE":...,"SYSCALL":{"arch":"0xc000003e","syscall":59,
//     "success":"yes","pid":1234,"ppid":1000,"uid":0,"UID":"root","exe":"/usr/bin/curl",...},
//     "EXECVE":{"argc":3,"ARGV":["curl",...]},"CWD":{"cwd":"/root"},"PATH":[...],
//     "SOCKADDR":[{"saddr":"%02%00%00P..."}],"PROCTITLE":{"ARGV":["curl",...]}}. Laurel's byte
//     strings are percent-encoded (%xx for control bytes, invalid UTF-8, % and +): undone.
//     SOCKADDR is read from the raw saddr, else from the translation Laurel (translate.universal:
//     "SADDR":{"saddr_fam":"inet","addr":...,"port":...}) or auditd's enriched format
//     ("SADDR":"{saddr_fam=inet laddr=... lport=...}") put beside it. EXECVE.ARGV_STR alone
//     (Laurel's execve-argv = ["string"]) gives the command line and no Args.
//   - A shipper's object that holds one raw record as a string: Filebeat's auditd module and
//     most shippers ("message"), ECS "event.original", Splunk ("_raw", and "result._raw" in a
//     search export), Docker/Fluent Bit ("log"). The record is read as a text line and grouped
//     with the other lines' records. When the records have no node=, the shipper's host
//     (host.name, host.hostname, host, result.host, beat.hostname, agent.hostname) is Computer.
//   - Auditbeat's auditd module (ECS, one event an object): @timestamp, auditd.sequence,
//     auditd.result, auditd.data.syscall (else event.action "executed" / "connected-to"),
//     process.pid, process.parent.pid (process.ppid), process.executable (process.exe),
//     process.args, process.title, process.working_directory, user.id, user.name
//     (user.name_map.uid), destination.ip/port (else auditd.data.socket.*), host.name.
//
// Sniff claims a first line that is an audit record (type=... msg=audit(time:serial), with the
// prefixes above), or a JSON object that is a Laurel event (an ID of the form time:serial),
// holds auditd.* fields, or wraps an audit record in one of the keys above. It never claims
// Zeek, Splunk Stream, Squid or Windows event JSON, none of which has these.
//
// # Events
//
// execve (and execveat) whose EXECVE record is present, or which the syscall table of arch=
// names (x86_64 59/322, aarch64/riscv64/loongarch64 221/281, i386 and arm 11, ppc 11,
// s390 11), or which the enriched SYSCALL= names, is an OpProcess:
//
//	audit                       event.Host             notes
//	msg=audit(sec.ms:serial)    Meta.TS                milliseconds, UTC
//	node=                       Computer               "" when absent (JSON: the shipper's host)
//	SYSCALL pid=                Proc.PID
//	SYSCALL exe=                Proc.Image             hex decoded
//	EXECVE a0= a1= ...          Args                   hex decoded; a1_len= a1[0]= a1[1]= joined
//	EXECVE args                 Proc.CommandLine       joined with spaces; an argument that is empty or
//	                                                   holds a space, tab, newline or " is put in
//	                                                   double quotes (a " in it as \")
//	SYSCALL UID= (else uid=)    Proc.User              the enriched name, else the number
//	SYSCALL ppid=               Parent.PID             Parent has nothing else
//	CWD cwd=                    CurrentDir
//	-                           Log "auditd", EventID 0, Initiated event.Unset
//
// A failed execve (success=no) is ignored: exe= is then still the caller's program and there is
// no EXECVE record. An execve without EXECVE record takes its command line from PROCTITLE (the
// kernel cuts that at 128 bytes) and has no Args. When argv is incomplete (fewer arguments than
// argc=, a split argument shorter than its a<N>_len=) the event is kept with what is there and a
// problem says so.
//
// connect (x86_64 42, aarch64/riscv64/loongarch64 203, i386 362 or socketcall with a0=3, arm
// 283, ppc 328, s390 362) whose SOCKADDR is AF_INET or AF_INET6 is an OpConnect:
//
//	SOCKADDR saddr=             Flow.Dst, DstPort      family 2: port (network order) and IPv4;
//	                                                   family 10: port and IPv6 (v4-mapped unmapped)
//	PROCTITLE proctitle=        Proc.CommandLine       hex, NUL-separated argv, joined as above
//	SYSCALL pid, exe, uid, ppid Proc.PID, Image, User, Parent.PID
//	-                           Initiated 1; Flow.Src unset (audit does not log the local end);
//	                            Proto "" (the record does not say TCP or UDP)
//
// A connect that failed (success=no) is kept: a non-blocking connect, the way most programs
// connect, is logged as failing with EINPROGRESS before it succeeds, and an attempt is what
// Sysmon logs too. A connect to an AF_UNIX, AF_NETLINK or other socket is ignored, as is a failed
// connect without SOCKADDR.
//
// Every other syscall and record type (USER_LOGIN, AVC, CONFIG_CHANGE ...) is counted as
// ignored, not parsed beyond its header. Counts are of events: Read counts host events made,
// Ignored counts other events (a syscall event once, a record outside a syscall event once).
// When no detection of the run reads host events, lines are counted as ignored unread.
//
// Position (event.Ref.Line) is the line of the event's SYSCALL record (for JSON events, their
// line). Records reads back, for evidence, that line and the following lines of the same event.
//
// # Problems
//
// Each is reported as file:line: reason and the record or event is skipped: a text line that is
// no audit record (binary junk: "not an audit record"), a msg=audit(time:serial) cut short or
// with a bad time or serial ("bad record header"), a quote left open (a line cut short), bad
// hex in a field the event uses (exe, cwd, an argument, saddr, the proctitle of a connect), a
// SOCKADDR without saddr= or too short for its family, an EXECVE or SOCKADDR record whose
// SYSCALL record is missing (the file starts in the middle of an event), a SYSCALL without
// syscall= or given twice, a bad argc= or an argument given twice, a successful connect without
// its SOCKADDR record (the file ends in the middle of the event), a JSON line that is not an
// object or holds no audit record, a Laurel event without syscall, an Auditbeat event without
// a readable @timestamp, a line longer than source.MaxLine. The problem names the line of the
// record at fault (the SYSCALL line for what concerns the whole event). Problems of an event
// are reported when the event ends, so they need not come in line order.
//
// # Why not go-libaudit's auparse
//
// github.com/elastic/go-libaudit/v2/auparse (pinned in go.mod) was evaluated and is not used:
// its ParseLogLine + Data does not read arguments split into a<N>_len=/a<N>[i]= pieces (the
// record fails with "failed to find arg a1"), does not split the enriched format at its GS byte
// (the value before it swallows the separator and UID= is lost), joins the process title's
// arguments with spaces and cuts hex arguments at a NUL; and it builds a map through a regular
// expression for every record: about 10 µs and 50 allocations a line (15 MB/s) where this
// reader's own parser needs no allocation for most records.
//
// Strings in the events alias the read block or decoded copies that are never reused (see
// package event); Args is reused from event to event. Ordinary records are parsed without
// allocating (decoded values go to large chunks shared by many events): on a generated log of
// 100,000 events BenchmarkRaw measured 160 to 560 MB/s (110,000 to 400,000 events/s) on a
// shared two-core machine, the spread being the machine's other load; BenchmarkLaurel 115 to
// 225 MB/s.
package auditd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

func init() {
	source.Register(source.Format{Name: "auditd", Sniff: Sniff, Read: Read, Records: Records})
}

// Sniff reports whether the first line that holds something is an audit record or a JSON
// object of one of the package's shapes.
func Sniff(head []byte, _ string) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	var sc jsonl.Scanner
	for n := 0; n < 16 && len(head) > 0; n++ {
		line := head
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, head = line[:i], head[i+1:]
		} else {
			head = nil
		}
		line = trimLine(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			_, err := parseHeader(line)
			return err == nil
		}
		kvs, err := sc.Scan(line)
		if err != nil { // cut at the sniff size: judge by the text
			return bytes.Contains(line, []byte("msg=audit(")) || bytes.HasPrefix(line, []byte(`{"ID":"`)) && bytes.Contains(line, []byte(`"SYSCALL":{`))
		}
		switch shape, wrap := classify(kvs); shape {
		case shapeLaurel, shapeBeat:
			return true
		case shapeWrapped:
			_, err := parseHeader(bytes.TrimSpace(wrap.First()))
			return err == nil
		case shapeMeta:
			continue
		}
		return false
	}
	return false
}

// trimLine drops a line's surrounding white space (ASCII; the enriched format's GS stays).
func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return bytes.TrimPrefix(b, source.BOM)
}

// part is a run of whole lines and the number of its first line.
type part struct {
	data  []byte
	first uint32
}

// job reads the events of one or two runs of lines. A job ends where an event begins, so that
// an event's records are not split between jobs (see cutPoint).
type job struct {
	parts []part
	f     source.FileInfo
}

// Read reads audit records in blocks of lines. Each block is cut before the last event that
// may still be open, and that tail goes to the next block's job.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	sp := splitter{f: f}
	err := source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if f.Skip.Has(event.KindHost) { // no detection of the run reads host events: counted
			st.Ignored[logType] += int64(countLines(block))
			return false, nil
		}
		if j := sp.block(block, first); j != nil {
			return true, emit(j)
		}
		return true, nil
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
	if err != nil {
		return err
	}
	if j := sp.end(); j != nil {
		return emit(j)
	}
	return nil
}

// splitter makes jobs of blocks: each job ends before the block's last event that may still
// be open (see cutPoint), and that tail starts the next job.
type splitter struct {
	f     source.FileInfo
	cs    cutState
	carry []part
	size  int
}

// maxCarry bounds the lines kept back for the next job when no block shows where an event
// ends (a log that is one endless event): then they are read as they are.
const maxCarry = 4 * source.BlockSize

// block returns the job to run for a block (nil when it all waits for the next one).
func (sp *splitter) block(block []byte, first uint32) *job {
	cut := cutPoint(block, &sp.cs)
	if cut < 0 {
		if len(sp.carry) > 0 {
			sp.carry = append(sp.carry, part{block, first})
			if sp.size += len(block); sp.size <= maxCarry {
				return nil
			}
			j := &job{f: sp.f, parts: sp.carry}
			sp.carry, sp.size = nil, 0
			return j
		}
		cut = len(block)
	}
	j := &job{f: sp.f, parts: sp.carry}
	if cut > 0 {
		j.parts = append(j.parts, part{block[:cut], first})
	}
	sp.carry, sp.size = nil, 0
	if cut < len(block) {
		sp.carry = []part{{block[cut:], first + uint32(bytes.Count(block[:cut], []byte{'\n'}))}}
		sp.size = len(block) - cut
	}
	if len(j.parts) == 0 {
		return nil
	}
	return j
}

// end returns the job for the last tail, nil when there is none.
func (sp *splitter) end() *job {
	if len(sp.carry) == 0 {
		return nil
	}
	j := &job{f: sp.f, parts: sp.carry}
	sp.carry, sp.size = nil, 0
	return j
}

// backLines is how far back from a block's end cutPoint looks for an event's start.
const backLines = 128

// cutState is what cutPoint knows of the blocks before.
type cutState struct {
	open    bool // the last syscall-event record so far does not end its event
	closers bool // the log has EOE or PROCTITLE records (the last records of an event)
}

// closes reports the record types that end a syscall event: EOE, and PROCTITLE (the last
// record before EOE, for logs whose shipper drops EOE).
func closes(t recType) bool { return t == tEOE || t == tProctitle }

// cutPoint returns where in block the job should end: before a SYSCALL record such that every
// later record of a syscall event (EXECVE, CWD, PATH, SOCKADDR, PROCTITLE, EOE) belongs to it
// or to a later SYSCALL, and such that the record before it ends an event. The tail goes to the
// next job with the following lines. It returns len(block) when there is no such point near
// the end (or the block holds JSON events), and -1 when the whole block may continue an event
// begun before it (a block that holds less than one event).
func cutPoint(block []byte, cs *cutState) int {
	var starts, later [16][]byte
	ns, nl := 0, 0
	seen, last, closer := false, false, false
	cand, fallback, cut := -1, -1, -2
	before := cs.open
	end := len(block)
	if end > 0 && block[end-1] == '\n' {
		end--
	}
walk:
	for n := 0; n < backLines && end >= 0; n++ {
		s := bytes.LastIndexByte(block[:end], '\n') + 1
		line := block[s:end]
		end = s - 1
		if len(trimLine(line)) == 0 {
			continue
		}
		if !seen {
			if !bytes.Contains(line, []byte("audit(")) { // JSON events, not records
				cs.open = false
				return len(block)
			}
			seen = true
		}
		h, err := parseHeader(line)
		if err != nil || h.typ == tOther {
			continue
		}
		if !last {
			last = true
			cs.open = !closes(h.typ)
		}
		closer = closer || closes(h.typ)
		if cand >= 0 {
			if closes(h.typ) {
				cut = cand
				break walk
			}
			cand = -1
		}
		if h.typ == tSyscall {
			if ns == len(starts) {
				break
			}
			starts[ns] = h.id
			ns++
			if covered(later[:nl], starts[:ns]) {
				cand = s
				if fallback < 0 {
					fallback = s
				}
			}
			continue
		}
		if !contains(later[:nl], h.id) {
			if nl == len(later) {
				break
			}
			later[nl] = h.id
			nl++
		}
	}
	if !last && end >= 0 { // 128 lines without a syscall event's record: whatever came before is over
		cs.open = false
	}
	if cut == -2 {
		switch {
		case fallback >= 0 && !cs.closers && !closer: // a log without EOE and PROCTITLE records
			cut = fallback
		case cand >= 0 && end < 0 && !before: // the block starts with an event
			cut = cand
		case end < 0:
			cut = -1
		default:
			cut = len(block)
		}
	}
	cs.closers = cs.closers || closer
	return cut
}

func contains(set [][]byte, id []byte) bool {
	for _, s := range set {
		if bytes.Equal(s, id) {
			return true
		}
	}
	return false
}

func covered(ids, by [][]byte) bool {
	for _, id := range ids {
		if !contains(by, id) {
			return false
		}
	}
	return true
}

func countLines(b []byte) int {
	n := 0
	for len(b) > 0 {
		l := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(trimLine(l)) > 0 {
			n++
		}
	}
	return n
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	r := reader{f: j.f, st: st, sink: sink}
	for _, p := range j.parts {
		n := p.first
		b := p.data
		for len(b) > 0 {
			l := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				l, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if l = trimLine(l); len(l) > 0 {
				if l[0] == '{' {
					r.jsonLine(l, n)
				} else {
					r.record(l, n, "")
				}
			}
			n++
		}
	}
	r.flush()
	if r.read > 0 {
		st.Read[logType] += r.read
	}
	if r.ign > 0 {
		st.Ignored[logType] += r.ign
	}
}

// maxEventLines is how many lines after an event's first record Records looks for its other
// records.
const maxEventLines = 64

// Records reads back the events at the given lines (ascending): the line itself and the
// following lines (up to 64 on) of the same audit(time:serial), through its EOE.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := map[uint32]string{}
	if len(positions) == 0 {
		return out, nil
	}
	type open struct {
		pos  uint32
		id   []byte
		text []byte
	}
	var act []*open
	br := bufio.NewReaderSize(r, 1<<20)
	next := 0
	for n := uint32(1); ; n++ {
		line, err := readLine(br)
		if err != nil && len(line) == 0 {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			for _, o := range act {
				out[o.pos] = string(o.text)
			}
			return out, err
		}
		line = trimLine(line)
		h, herr := parseHeader(line)
		keep := act[:0]
		for _, o := range act {
			if n-o.pos > maxEventLines {
				out[o.pos] = string(o.text)
				continue
			}
			if herr == nil && bytes.Equal(h.id, o.id) {
				o.text = append(append(o.text, '\n'), line...)
				if h.typ == tEOE {
					out[o.pos] = string(o.text)
					continue
				}
			}
			keep = append(keep, o)
		}
		act = keep
		for next < len(positions) && positions[next] < n {
			next++
		}
		if next < len(positions) && positions[next] == n {
			next++
			if herr != nil || line[0] == '{' && !bytes.Contains(line, []byte("msg=audit(")) {
				out[n] = string(line)
			} else {
				act = append(act, &open{pos: n, id: append([]byte(nil), h.id...), text: append([]byte(nil), line...)})
			}
		}
		if next >= len(positions) && len(act) == 0 {
			return out, nil
		}
	}
}

// readLine reads a line (without its end), keeping at most the first 64 KiB of a longer one.
func readLine(br *bufio.Reader) ([]byte, error) {
	var keep []byte
	for {
		b, err := br.ReadSlice('\n')
		if len(keep) < 64<<10 {
			keep = append(keep, b[:min(len(b), 64<<10-len(keep))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimRight(keep, "\r\n"), err
	}
}
