// Package winxml reads Windows events exported as XML text, and Splunk exports that carry
// such XML in _raw. Each event is decoded into a winevent.Record and handed to
// winevent.Handle, which maps Sysmon 1/3/11/22 and Security 4688 to event.Host (see package
// winevent for that mapping) and counts the other events as ignored.
//
// # Shapes
//
//  1. A document with an <Events> root: <?xml ...?><Events><Event xmlns="http://schemas.
//     microsoft.com/win/2004/08/events/event">...</Event>...</Events>, as Event Viewer's "Save
//     as XML", wevtutil qe /f:xml /e:Events and Get-WinEvent's ToXml() write it.
//  2. Bare <Event> elements one after another, on many lines each or one a line: wevtutil qe
//     /f:xml without a root, Get-WinEvent | % ToXml() > file, and Splunk's raw export of
//     XmlWinEventLog sourcetypes (exactly one event a line, attributes in single quotes).
//  3. JSON lines whose _raw holds the XML of an event: Splunk's search export
//     ({"preview":false,"result":{"_raw":"<Event xmlns=...>...</Event>","host":...}}) and
//     plain {"_raw":"<Event ...>"} lines. The lines of an export that hold no result
//     (preview, offset, lastrow, messages) are passed over; the fields beside _raw are not
//     read (the XML names the computer, channel and time).
//
// Any of them may start with a byte order mark; UTF-16 (little- or big-endian, told by its
// mark, or by a first '<' or '{' with a zero byte beside it) is decoded to UTF-8 as it is read
// (PowerShell 5's Out-File and '>' write UTF-16LE); otherwise the text is UTF-8 (the
// declaration's encoding attribute is not read). An XML declaration, comments, processing
// instructions and a DOCTYPE between events are passed over.
//
// Sniff claims text that starts (after a byte order mark and white space) with an XML
// declaration, comments or DOCTYPE followed by an <Event> element in the event namespace or
// whose first child is <System>, or by an <Events> root that is empty or holds such an <Event>
// first; and
// JSON lines whose first record's _raw (or result._raw) starts with <Event. It claims no other
// XML and no other JSON (Zeek, Splunk Stream, Winlogbeat or evtx_dump JSON have no such _raw).
//
// # Field mapping
//
//	XML                                   winevent.Record   notes
//	System/Provider/@Name                 Provider
//	System/EventID                        EventID           decimal text; a Qualifiers attribute is not part of it
//	System/Channel                        Channel           white space trimmed
//	System/Computer                       Computer          white space trimmed
//	System/EventRecordID                  RecordID          0 when absent or not a number
//	System/TimeCreated/@SystemTime        Time              RFC 3339, up to 9 fractional digits; UTC without a zone
//	EventData/Data[@Name]                 Data              name/value in the event's order; text as written
//	EventData/Data without a Name         Data              named Data1, Data2 ... in their order
//	UserData/*[1]/*                       Data              when there is no EventData: the children of
//	                                                        UserData's first child, by local name
//
// Element names inside an event are matched without their namespace prefix (the Event element
// itself must have none, as every Windows exporter writes it). Character and entity
// references (&amp; &lt; &gt; &quot; &apos; &#...; &#x...;) and CDATA sections are decoded; a
// '&' that starts no reference is kept as written, and a reference to a code point that is no
// character becomes U+FFFD. Other System elements, Binary, RenderingInfo and other attributes
// are not read.
//
// The position of an event (event.Ref.Line) is the 1-based line its <Event> start tag is on, so
// that a file of one event a line shows the usual line numbers; in a JSON-lines file it is the
// line. The Records hook reads back the text of the events at given positions (a finding's
// evidence): the <Event> element, its line breaks (with the white space around them) folded to
// single spaces; in a JSON-lines file the line. Events that share a line (a file written
// without line breaks between events, as wevtutil may write them) share its position: Records
// then gives all of them, joined by a space and headed "(N events on this line)", so that the
// reader knows the event meant is one of them.
//
// # Reading
//
// The input is read as a stream, never whole: the text is cut into blocks of about a MiB that
// end just after an </Event> end tag (not </EventData> nor </Events>), and each block is a job
// the engine's workers decode in parallel with a hand-written scanner (no encoding/xml: it
// allocates nothing for an event whose text needs no decoding; strings alias the block).
// System is decoded first; the rest of an event that is no host event sluice reads is passed
// over without being decoded, and so is every event when no detection of the run reads host
// events.
//
// # Problems
//
// A bad event is skipped and reported as file:line: message, the line being where its <Event>
// starts, counted under "bad xml event"; reading goes on with the next <Event>:
//
//   - an event cut short, by the end of the input (a truncated file) or by a new <Event> that
//     begins before its </Event> (an event cut in half, another appended after it);
//   - malformed XML: an end tag that does not match its start tag, a broken tag or attribute,
//     markup that has no place in an event, elements nested more than 64 deep;
//   - text that XML does not allow in a host event sluice reads: a control character or
//     invalid UTF-8 (references to such characters are decoded, not refused);
//   - an event without <System> or <EventID>, an EventID that is not a number, or a
//     TimeCreated that is not a time (in a host event sluice reads);
//   - text outside any <Event> (binary junk, another root element such as <Foo>): reported
//     once for each stretch, up to the next <Event> (or just after an </Event> that comes
//     first).
//
// An event whose decoded fields winevent cannot map (an address that is not one) is skipped as
// "bad windows event". An event longer than source.MaxLine (16 MiB) is skipped and reported
// under "event too long" (no more than that limit is held in memory), and so is a JSON line
// longer than that. A JSON line that is not JSON is "invalid JSON"; one without an <Event> in _raw (another
// sourcetype in the same export) is a bad xml event. Splunk truncates events longer than its
// TRUNCATE setting (10,000 bytes by default): such an event's XML is cut short and reported.
// An </Event> written inside a comment or CDATA section can make a block end inside an event,
// which is then reported as cut short.
package winxml

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

func init() {
	source.Register(source.Format{Name: "windows-xml", Sniff: Sniff, Read: Read, Records: Records})
}

// eventNS is the namespace of Windows events.
var eventNS = []byte("http://schemas.microsoft.com/win/2004/08/events/event")

// Sniff reports whether head is in one of the shapes the package doc lists.
func Sniff(head []byte, _ string) bool {
	h := bytes.TrimLeft(headUTF8(head), " \t\r\n")
	if len(h) == 0 {
		return false
	}
	if h[0] == '{' {
		return sniffJSON(h)
	}
	return sniffXML(h)
}

func sniffXML(h []byte) bool {
	for {
		h = bytes.TrimLeft(h, " \t\r\n")
		if len(h) == 0 || h[0] != '<' {
			return false
		}
		if tagAt(h, "<Events") {
			k := bytes.IndexByte(h, '>')
			if k < 0 {
				return false
			}
			if h[k-1] == '/' {
				return true // an empty <Events/>
			}
			h = h[k+1:]
			for { // comments and processing instructions before the first event
				h = bytes.TrimLeft(h, " \t\r\n")
				if !bytes.HasPrefix(h, []byte("<!--")) && !bytes.HasPrefix(h, []byte("<?")) {
					break
				}
				n := prolog(h, 0)
				if n == 0 {
					return false
				}
				h = h[n:]
			}
			if tagAt(h, "</Events") {
				return true // no events
			}
			break
		}
		n := prolog(h, 0)
		if n == 0 {
			break
		}
		h = h[n:]
	}
	if !startAt(h, 0) {
		return false
	}
	k := bytes.IndexByte(h, '>')
	if k < 0 {
		return bytes.Contains(h, eventNS)
	}
	if bytes.Contains(h[:k], eventNS) {
		return true
	}
	return tagAt(bytes.TrimLeft(h[k+1:], " \t\r\n"), "<System")
}

// sniffJSON looks at the first lines that hold a record (up to 8 lines).
func sniffJSON(h []byte) bool {
	var sc jsonl.Scanner
	for n := 0; n < 8 && len(h) > 0; n++ {
		line := h
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, h = line[:i], h[i+1:]
		} else {
			h = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			return false
		}
		kvs, err := sc.Scan(line)
		if err != nil { // cut at the sniff size: judge by the text
			for _, s := range []string{`"_raw":"<Event`, `"_raw": "<Event`, `"_raw":"\u003cEvent`, `"_raw": "\u003cEvent`} {
				if bytes.Contains(line, []byte(s)) {
					return true
				}
			}
			return false
		}
		raw, found, content := rawOf(kvs)
		if !content {
			continue
		}
		return found && startAt(bytes.TrimLeft(raw, " \t\r\n"), 0)
	}
	return false
}

// rawOf returns the _raw (or result._raw) of a JSON record, whether it has one, and whether the
// line holds a record at all (not only the metadata of Splunk's export).
func rawOf(kvs []jsonl.KV) (raw []byte, found, content bool) {
	for i := range kvs {
		switch k := jsonl.Str(kvs[i].Key); k {
		case "_raw", "result._raw":
			if !found || len(raw) == 0 {
				raw, found = kvs[i].First(), true
			}
			content = true
		case "preview", "offset", "init_offset", "lastrow":
		default:
			if !strings.HasPrefix(k, "messages") {
				content = true
			}
		}
	}
	return raw, found, content
}

// mode peeks at the first character of the (decoded) text: JSON lines when it is '{'. An input
// of white space only is empty.
func mode(br *bufio.Reader) (isJSON, empty bool) {
	for n := 64; ; n *= 4 {
		n = min(n, br.Size())
		b, err := br.Peek(n)
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
			return t[0] == '{', false
		}
		if errors.Is(err, io.EOF) {
			return false, true
		}
		if err != nil && err != bufio.ErrBufferFull || n >= br.Size() {
			return false, false // XML: reading reports the error, or passes the white space over
		}
	}
}

// Read reads the events of r, sending blocks of whole events (or of JSON lines) as jobs.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	return read(ctx, r, f, st, emit, source.BlockSize, source.MaxLine)
}

// read is Read with the block size and the longest event as parameters (tests make them small).
func read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error, size, maxEvent int) error {
	br := decodeInput(r)
	isJSON, empty := mode(br)
	if empty {
		return nil
	}
	blocks := func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, emit(&job{block: block, first: first, f: f, json: isJSON})
	}
	if isJSON {
		return source.Lines(br, size, maxEvent, blocks, func(line uint32, n int64) {
			st.Skip(f, line, reasonLong, source.LongLineError(n, maxEvent))
		})
	}
	return split(br, size, maxEvent, blocks, func(line uint32, msg string) {
		st.Skip(f, line, reasonLong, msg)
	})
}

// job decodes a block of whole events, or of whole JSON lines.
type job struct {
	block []byte
	first uint32
	f     source.FileInfo
	json  bool
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	p := newParser(j.f, st, sink)
	if !j.json {
		p.scan(j.block, j.first)
		return
	}
	p.fixed = true
	line := j.first
	for b := j.block; len(b) > 0; line++ {
		l := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		l = bytes.TrimPrefix(bytes.TrimSpace(l), []byte("\xef\xbb\xbf"))
		if len(l) > 0 {
			p.jsonLine(l, line)
		}
	}
}

// jsonLine decodes the event in the _raw of a JSON line.
func (p *parser) jsonLine(l []byte, line uint32) {
	kvs, err := p.js.Scan(l)
	if err != nil {
		p.st.Skip(p.f, line, reasonJSON, err.Error())
		return
	}
	raw, found, content := rawOf(kvs)
	if !content {
		return
	}
	raw = bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case !found:
		p.st.Skip(p.f, line, reasonBad, "no _raw holding an <Event> element")
		return
	case !startAt(raw, 0):
		p.st.Skip(p.f, line, reasonBad, "_raw does not start with an <Event> element: "+quote(raw, 40))
		return
	}
	p.scan(raw, line)
}

func quote(b []byte, n int) string { return strings.TrimSpace(`"` + clip(b, n) + `"`) }

// maxText is the longest text Records gives for a position.
const maxText = 64 << 10

var errDone = errors.New("done")

// Records reads back the text of the events at the given positions (sorted lines): each
// event's element with its line breaks folded to spaces, the events that share a line joined
// by a space after "(N events on this line)"; the line itself in a JSON-lines file. A text is
// cut at 64 KiB.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := map[uint32]string{}
	if len(positions) == 0 {
		return out, nil
	}
	br := decodeInput(r)
	isJSON, empty := mode(br)
	if empty {
		return out, nil
	}
	if isJSON {
		return out, jsonRecords(br, positions, out)
	}
	texts, counts := map[uint32][]byte{}, map[uint32]int{}
	next := 0
	err := split(br, source.BlockSize, source.MaxLine, func(b []byte, first uint32) (bool, error) {
		line, at := first, 0
		for i := 0; next < len(positions); {
			s := nextStart(b, i)
			if s < 0 {
				break
			}
			line += uint32(bytes.Count(b[at:s], nl))
			at = s
			for next < len(positions) && positions[next] < line {
				next++
			}
			if next >= len(positions) {
				break
			}
			if positions[next] != line {
				i = s + 1
				continue
			}
			e := nextBoundary(b, s)
			if ns := nextStart(b, s+1); ns >= 0 && (e < 0 || ns < e) {
				e = ns // cut short
			}
			if e < 0 {
				e = len(b)
			}
			counts[line]++
			t := texts[line]
			if len(t) < maxText {
				if len(t) > 0 {
					t = append(t, ' ')
				}
				t = fold(t, b[s:e])
				texts[line] = t[:min(len(t), maxText)]
			}
			i = e
		}
		if next >= len(positions) {
			return false, errDone
		}
		return false, nil
	}, func(uint32, string) {})
	for k, v := range texts {
		if n := counts[k]; n > 1 {
			out[k] = fmt.Sprintf("(%d events on this line) %s", n, v)
		} else {
			out[k] = string(v)
		}
	}
	if err == errDone {
		err = nil
	}
	return out, err
}

// fold appends t with each run of white space that holds a line break made one space.
func fold(dst, t []byte) []byte {
	for len(t) > 0 && len(dst) < maxText {
		k := bytes.IndexAny(t, "\r\n")
		if k < 0 {
			return append(dst, t...)
		}
		a := k
		for a > 0 && isSpace(t[a-1]) {
			a--
		}
		e := k
		for e < len(t) && isSpace(t[e]) {
			e++
		}
		dst = append(dst, t[:a]...)
		if a > 0 && e < len(t) {
			dst = append(dst, ' ')
		}
		t = t[e:]
	}
	return dst
}

// jsonRecords gives the lines at positions.
func jsonRecords(br *bufio.Reader, positions []uint32, out map[uint32]string) error {
	line, next := uint32(1), 0
	for next < len(positions) {
		var t []byte
		for {
			b, err := br.ReadSlice('\n')
			if positions[next] == line && len(t) < maxText {
				t = append(t, b[:min(len(b), maxText-len(t))]...)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return err
			}
			if positions[next] == line {
				out[line] = string(bytes.TrimRight(t, "\r\n"))
				next++
			}
			if err == io.EOF {
				return nil
			}
			break
		}
		line++
		for next < len(positions) && positions[next] < line {
			next++
		}
	}
	return nil
}
