// Package eventlog reads and writes sluice's own record of normalized events: one JSON object
// a line, each an event of any kind with the position of the record it came from. It is how
// events travel out of an event store (ClickHouse, package chstore) back into the engine, so
// that a hunt over stored events runs every detection exactly as over the original logs.
//
// # Format
//
// The first line names the format and the original input:
//
//	#sluice-events 1 /data/zeek/2026-11-22/conn.log
//
// Each following line is an event:
//
//	{"k":"conn","l":1234,"e":{"TS":"2026-11-22T10:00:00.000001Z","UID":"C...","Src":"10.0.0.5",...}}
//
// k is the kind (event.Kind's name: conn, http, dns, tls, file, smtp, ftp, x509, notice, host,
// cloud), l the position of the record in the original input (a line, a packet, a record
// ordinal: event.Ref.Line), e the event as encoding/json writes the Go struct (times as RFC 3339
// with microseconds, addresses as text, lists as arrays; l carries the position). A string
// that is not valid UTF-8 or holds a backslash is stored escaped ("\\" and "\xNN" for each
// byte of an invalid sequence: JSON strings cannot hold raw bytes), and unescaped when read.
// Writing then reading gives the same event, byte for byte.
//
// # Evidence
//
// Records reads evidence back from the original input named in the first line when it can be
// opened here (so that findings carry the original log lines, as a hunt over the files does);
// otherwise the evidence is the stored event's JSON.
package eventlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	jsonv2 "github.com/go-json-experiment/json"
	"io"
	"os"
	"strconv"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// FormatName is the name the format registers under.
const FormatName = "sluice-events"

// magic starts the first line.
const magic = "#sluice-events 1 "

func init() {
	source.Register(source.Format{Name: FormatName, Sniff: Sniff, Read: Read, Records: Records})
}

// Sniff claims an input whose first line is the format's header.
func Sniff(head []byte, _ string) bool { return bytes.HasPrefix(head, []byte(magic)) }

// Header is the first line for events of the original input name.
func Header(name string) string { return magic + name + "\n" }

// kindNames maps the envelope's k to kinds.
var kindNames = func() map[string]event.Kind {
	m := map[string]event.Kind{}
	for k := event.Kind(0); k < event.NumKinds; k++ {
		m[k.String()] = k
	}
	return m
}()

// logNames are the names events are counted under (the Zeek log names where there is one).
var logNames = [event.NumKinds]string{
	event.KindConn: "conn", event.KindHTTP: "http", event.KindDNS: "dns", event.KindTLS: "ssl",
	event.KindFile: "files", event.KindSMTP: "smtp", event.KindFTP: "ftp", event.KindX509: "x509",
	event.KindNotice: "notice", event.KindHost: "host", event.KindCloud: "cloud",
}

// envelope is one line.
type envelope struct {
	K string          `json:"k"`
	L uint32          `json:"l"`
	E json.RawMessage `json:"e"`
}

// Encode appends the line of an event (with its position) to b.
func Encode(b []byte, k event.Kind, line uint32, e any) ([]byte, error) {
	body, err := json.Marshal(Escaped(e))
	if err != nil {
		return b, err
	}
	b = append(b, `{"k":"`...)
	b = append(b, k.String()...)
	b = append(b, `","l":`...)
	b = strconv.AppendUint(b, uint64(line), 10)
	b = append(b, `,"e":`...)
	b = append(b, body...)
	return append(b, "}\n"...), nil
}

// New returns a new zero event of kind k (a pointer to its struct).
func New(k event.Kind) any {
	switch k {
	case event.KindConn:
		return &event.Conn{}
	case event.KindHTTP:
		return &event.HTTP{}
	case event.KindDNS:
		return &event.DNS{}
	case event.KindTLS:
		return &event.TLS{}
	case event.KindFile:
		return &event.File{}
	case event.KindSMTP:
		return &event.SMTP{}
	case event.KindFTP:
		return &event.FTP{}
	case event.KindX509:
		return &event.X509{}
	case event.KindNotice:
		return &event.Notice{}
	case event.KindHost:
		return &event.Host{}
	case event.KindCloud:
		return &event.Cloud{}
	}
	return nil
}

// Decode reads the event of a line: its kind, position and event (a pointer to its struct).
func Decode(line []byte) (event.Kind, uint32, any, error) {
	env, err := readEnvelope(line)
	if err != nil {
		return 0, 0, nil, err
	}
	k, ok := kindNames[env.K]
	if !ok {
		return 0, 0, nil, fmt.Errorf("unknown kind %q", env.K)
	}
	e, err := DecodeEvent(k, env.E)
	return k, env.L, e, err
}

// DecodeEvent reads the JSON of an event of kind k as the event log and the store hold it
// (a pointer to its struct, its byte strings unescaped).
func DecodeEvent(k event.Kind, body []byte) (any, error) {
	e := New(k)
	if e == nil {
		return nil, fmt.Errorf("unknown kind %d", k)
	}
	if err := jsonv2.Unmarshal(body, e); err != nil {
		return nil, fmt.Errorf("%s event: %w", k, err)
	}
	return unescaped(e), nil
}

// readEnvelope reads the envelope of a line: by hand in the shape Encode writes, else with the
// JSON decoder.
func readEnvelope(line []byte) (envelope, error) {
	env, ok := split(line)
	if !ok {
		env = envelope{}
		if err := json.Unmarshal(line, &env); err != nil {
			return env, err
		}
	}
	return env, nil
}

// split reads the envelope of a line as Encode writes it, without a pass of the JSON
// decoder over the whole line (the event is checked when it is decoded); false when the line
// is in another shape, which the JSON decoder then reads.
func split(line []byte) (envelope, bool) {
	var env envelope
	rest, ok := bytes.CutPrefix(line, []byte(`{"k":"`))
	if !ok {
		return env, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return env, false
	}
	env.K, rest = string(rest[:i]), rest[i:]
	if rest, ok = bytes.CutPrefix(rest, []byte(`","l":`)); !ok {
		return env, false
	}
	var n uint64
	i = 0
	for ; i < len(rest) && i < 10 && '0' <= rest[i] && rest[i] <= '9'; i++ {
		n = n*10 + uint64(rest[i]-'0')
	}
	if i == 0 || n > 1<<32-1 || (i > 1 && rest[0] == '0') {
		return env, false
	}
	env.L = uint32(n)
	if rest, ok = bytes.CutPrefix(rest[i:], []byte(`,"e":`)); !ok {
		return env, false
	}
	if rest, ok = bytes.CutSuffix(rest, []byte("}")); !ok {
		return env, false
	}
	env.E = rest
	return env, true
}

// Deliver hands an event to the sink, its position set to ref.
func Deliver(sink event.Sink, e any, ref event.Ref) {
	switch v := e.(type) {
	case *event.Conn:
		v.Ref = ref
		sink.Conn(v)
	case *event.HTTP:
		v.Ref = ref
		sink.HTTP(v)
	case *event.DNS:
		v.Ref = ref
		sink.DNS(v)
	case *event.TLS:
		v.Ref = ref
		sink.TLS(v)
	case *event.File:
		v.Ref = ref
		sink.File(v)
	case *event.SMTP:
		v.Ref = ref
		sink.SMTP(v)
	case *event.FTP:
		v.Ref = ref
		sink.FTP(v)
	case *event.X509:
		v.Ref = ref
		sink.X509(v)
	case *event.Notice:
		v.Ref = ref
		sink.Notice(v)
	case *event.Host:
		v.Ref = ref
		sink.Host(v)
	case *event.Cloud:
		v.Ref = ref
		sink.Cloud(v)
	}
}

// job decodes a block of lines.
type job struct {
	f     source.FileInfo
	block []byte
	first uint32 // the block's first line in the stream
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	n := j.first
	for len(j.block) > 0 {
		line := j.block
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, j.block = line[:i], j.block[i+1:]
		} else {
			j.block = nil
		}
		if len(line) == 0 {
			n++
			continue
		}
		k, pos, e, err := Decode(line)
		if err != nil {
			st.Skip(j.f, n, "bad sluice event", fmt.Sprintf("line %d: %v", n, err))
			n++
			continue
		}
		if j.f.Skip.Has(k) {
			st.Ignored[logNames[k]]++
		} else {
			st.Read[logNames[k]]++
			Deliver(sink, e, j.f.Ref(pos))
		}
		n++
	}
}

// Read reads an event stream: its header, then blocks of lines decoded by jobs.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.ReadString('\n'); err != nil && err != io.EOF {
		return err
	}
	return source.Lines(br, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, emit(&job{f: f, block: block, first: first + 1})
	}, func(line uint32, n int64) {
		st.Skip(f, line+1, "bad sluice event", fmt.Sprintf("line %d: %s", line+1, source.LongLineError(n, source.MaxLine)))
	})
}

// Records reads evidence back: from the original input when it can be opened here, else the
// stored events at those positions (as their JSON).
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	if name, ok := bytes.CutPrefix(bytes.TrimRight([]byte(head), "\n"), []byte(magic)); ok {
		if st, err := os.Stat(string(name)); err == nil && st.Mode().IsRegular() {
			in := source.FileInput(string(name), st.Size())
			if recs := source.RecordsAt(in, positions, 1<<20); len(recs) > 0 {
				return recs, nil
			}
		}
	}
	want := map[uint32]bool{}
	for _, p := range positions {
		want[p] = true
	}
	out := map[uint32]string{}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), source.MaxLine)
	for sc.Scan() {
		env, err := readEnvelope(sc.Bytes())
		if err != nil || !want[env.L] {
			continue
		}
		if _, seen := out[env.L]; !seen {
			out[env.L] = string(env.E)
		}
	}
	return out, sc.Err()
}
