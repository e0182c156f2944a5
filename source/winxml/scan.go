package winxml

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// Reasons problems are counted under.
const (
	reasonBad  = "bad xml event"
	reasonLong = "event too long"
	reasonJSON = "invalid JSON"
)

// maxDepth is how deep elements may nest inside an event.
const maxDepth = 64

// The section of an event (the Event element's child) the scanner is in.
const (
	secOther = iota
	secSystem
	secEventData
	secUserData
)

// What the text being captured fills.
const (
	capNone = iota
	capEventID
	capChannel
	capComputer
	capRecordID
	capData // rec.Data[capIdx].Value
)

// parser decodes the events of one block. Strings in its records alias the block or its arena,
// whose bytes are never written again once handed out.
type parser struct {
	f        source.FileInfo
	st       *source.Stats
	sink     event.Sink
	skipHost bool // no detection reads host events: decode System only
	all      bool // decode every event whole (tests)

	rec   winevent.Record
	stack [][]byte // names of the open elements
	arena []byte   // text that needed decoding

	// Line counting: b[at] is on line, or every event is on line when fixed (a JSON line).
	line  uint32
	at    int
	fixed bool

	// The event being decoded.
	eventID, recordID, sysTime []byte
	haveSystem, haveID         bool
	unnamed                    int
	badText                    string // the first text that is not valid XML character data

	// The text being captured: the element opened at capDepth, aliasing seg while it is one
	// piece of text without references, else arena[valStart:].
	capKind, capDepth, capIdx int
	seg                       []byte
	nseg                      int
	owned                     bool
	valStart                  int

	js jsonl.Scanner
}

func newParser(f source.FileInfo, st *source.Stats, sink event.Sink) *parser {
	return &parser{f: f, st: st, sink: sink, skipHost: f.Skip.Has(event.KindHost)}
}

// lineOf returns the line of b[pos]; pos never goes back within a text.
func (p *parser) lineOf(b []byte, pos int) uint32 {
	if p.fixed {
		return p.line
	}
	p.line += uint32(bytes.Count(b[p.at:pos], nl))
	p.at = pos
	return p.line
}

// lineIn returns the line of b[pos] in an event that starts at b[start] on line.
func (p *parser) lineIn(b []byte, start, pos int, line uint32) uint32 {
	if p.fixed {
		return line
	}
	return line + uint32(bytes.Count(b[start:pos], nl))
}

// scan decodes the events of text b, whose first byte is on line first, handing each to
// winevent.Handle and reporting what it cannot read.
func (p *parser) scan(b []byte, first uint32) {
	p.line, p.at = first, 0
	i := 0
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return
		}
		if b[i] == '<' {
			if startAt(b, i) {
				i = p.handleEvent(b, i)
				continue
			}
			if n := prolog(b, i); n > i {
				i = n
				continue
			}
		}
		i = p.junk(b, i)
	}
}

// prolog returns the index after the XML declaration, processing instruction, comment,
// DOCTYPE, or <Events> / </Events> tag at b[i], or i when there is none.
func prolog(b []byte, i int) int {
	t := b[i:]
	switch {
	case bytes.HasPrefix(t, []byte("<?")):
		if k := bytes.Index(t[2:], []byte("?>")); k >= 0 {
			return i + 2 + k + 2
		}
	case bytes.HasPrefix(t, []byte("<!--")):
		if k := bytes.Index(t[4:], []byte("-->")); k >= 0 {
			return i + 4 + k + 3
		}
	case bytes.HasPrefix(t, []byte("<!DOCTYPE")):
		end := []byte(">")
		if k := bytes.IndexAny(t, "[>"); k >= 0 && t[k] == '[' {
			end = []byte("]>") // an internal subset
		}
		if k := bytes.Index(t, end); k >= 0 {
			return i + k + len(end)
		}
	case tagAt(t, "<Events"):
		if _, _, end, _, msg := scanTag(b, i); msg == "" {
			return end
		}
	case tagAt(t, "</Events"):
		if k := bytes.IndexByte(t, '>'); k >= 0 && len(bytes.TrimSpace(t[len("</Events"):k])) == 0 {
			return i + k + 1
		}
	}
	return i
}

// tagAt reports whether t starts with the tag opening open ("<Events") followed by the end of
// the name.
func tagAt(t []byte, open string) bool {
	if len(t) <= len(open) || string(t[:len(open)]) != open {
		return false
	}
	c := t[len(open)]
	return isSpace(c) || c == '>' || c == '/'
}

// junk reports the text at b[i] that is no event, up to the next <Event>, and returns where
// that starts.
func (p *parser) junk(b []byte, i int) int {
	// up to the next <Event>, or just after an </Event> that comes first (as blocks end)
	k, e := nextStart(b, i+1), nextBoundary(b, i)
	if k < 0 || e >= 0 && e < k {
		k = e
	}
	if k < 0 {
		k = len(b)
	}
	t := bytes.TrimRight(b[i:k], " \t\r\n")
	var msg string
	if name, _, _, _, m := scanTag(t, 0); m == "" && t[0] == '<' {
		msg = fmt.Sprintf("<%s> is not a Windows <Event> element (%d bytes skipped)", clip(name, 40), len(t))
	} else {
		msg = fmt.Sprintf("%d bytes outside any <Event> element: %q", len(t), t[:min(len(t), 40)])
	}
	p.st.Skip(p.f, p.lineOf(b, i), reasonBad, msg)
	return k
}

// handleEvent decodes the event at b[i] and returns the index after it (or where to go on
// after a bad one).
func (p *parser) handleEvent(b []byte, i int) int {
	line := p.lineOf(b, i)
	end, msg := p.event(b, i, line)
	if msg == "" {
		msg = p.finish()
	}
	if msg != "" {
		p.st.Skip(p.f, line, reasonBad, msg)
		if end > i {
			return end
		}
		// go on after the bad event's </Event>, or at a new <Event> that comes first
		k, e := nextStart(b, i+1), nextBoundary(b, i)
		if k < 0 || e >= 0 && e < k {
			k = e
		}
		if k < 0 {
			return len(b)
		}
		return k
	}
	winevent.Handle(&p.rec, p.f, line, p.st, p.sink)
	return end
}

// cut is the message for an event that the text ends inside.
func (p *parser) cut() string {
	if p.fixed {
		return "event cut short: _raw ends before </Event>"
	}
	return "event cut short: the input ends before </Event>"
}

const msgCut = "\x00cut" // scanTag's message for a tag the text ends inside

// event decodes the <Event> element at b[start] (on line) into p.rec. It returns the index
// after it, or a message saying what is wrong.
func (p *parser) event(b []byte, start int, line uint32) (int, string) {
	p.rec.Reset()
	p.stack = p.stack[:0]
	p.eventID, p.recordID, p.sysTime = nil, nil, nil
	p.haveSystem, p.haveID = false, false
	p.unnamed = 0
	p.badText = ""
	p.capKind = capNone
	sec := secOther
	userSeen, inUser := false, false
	i := start
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return 0, p.cut()
		}
		if p.capKind != capNone && j > 0 {
			p.text(b[i:i+j], false)
		}
		i += j
		if i+1 >= len(b) {
			return 0, p.cut()
		}
		switch b[i+1] {
		case '/':
			k := bytes.IndexByte(b[i+2:], '>')
			if k < 0 {
				return 0, p.cut()
			}
			name := b[i+2 : i+2+k]
			for len(name) > 0 && isSpace(name[len(name)-1]) {
				name = name[:len(name)-1]
			}
			depth := len(p.stack)
			if top := p.stack[depth-1]; !bytes.Equal(name, top) {
				return 0, fmt.Sprintf("end tag </%s> (line %d) does not match <%s>", clip(name, 40), p.lineIn(b, start, i, line), clip(top, 40))
			}
			p.stack = p.stack[:depth-1]
			i += 2 + k + 1
			if p.capKind != capNone && depth == p.capDepth {
				p.endCapture()
			}
			switch depth {
			case 1:
				return i, ""
			case 2:
				if sec == secSystem && !p.wanted() {
					return p.skipRest(b, i, start, line)
				}
				sec = secOther
			case 3:
				inUser = false
			}
		case '!':
			t := b[i:]
			switch {
			case bytes.HasPrefix(t, []byte("<!--")):
				k := bytes.Index(t[4:], []byte("-->"))
				if k < 0 {
					return 0, p.cut()
				}
				i += 4 + k + 3
			case bytes.HasPrefix(t, []byte("<![CDATA[")):
				k := bytes.Index(t[9:], []byte("]]>"))
				if k < 0 {
					return 0, p.cut()
				}
				if p.capKind != capNone {
					p.text(t[9:9+k], true)
				}
				i += 9 + k + 3
			case len(t) < 9:
				return 0, p.cut()
			default:
				return 0, fmt.Sprintf("unexpected %q (line %d) inside an event", clip(t, 12), p.lineIn(b, start, i, line))
			}
		case '?':
			k := bytes.Index(b[i+2:], []byte("?>"))
			if k < 0 {
				return 0, p.cut()
			}
			i += 2 + k + 2
		default:
			name, attrs, end, self, msg := scanTag(b, i)
			if msg == msgCut {
				return 0, p.cut()
			}
			if msg != "" {
				return 0, fmt.Sprintf("%s (line %d)", msg, p.lineIn(b, start, i, line))
			}
			depth := len(p.stack) + 1
			loc := local(name)
			if depth > 1 && string(loc) == "Event" {
				return 0, fmt.Sprintf("event cut short: a new <Event> begins on line %d before </Event>", p.lineIn(b, start, i, line))
			}
			if depth > maxDepth {
				return 0, fmt.Sprintf("elements nested more than %d deep (line %d)", maxDepth, p.lineIn(b, start, i, line))
			}
			p.stack = append(p.stack, name)
			switch depth {
			case 2:
				switch string(loc) {
				case "System":
					sec = secSystem
					p.haveSystem = true
				case "EventData":
					sec = secEventData
				case "UserData":
					sec = secUserData
				default:
					sec = secOther
				}
			case 3:
				switch sec {
				case secSystem:
					switch string(loc) {
					case "Provider":
						if v, ok := attr(attrs, "Name"); ok {
							p.rec.Provider = jsonl.Str(v)
						}
					case "TimeCreated":
						p.sysTime, _ = attr(attrs, "SystemTime")
					case "EventID":
						p.beginCapture(capEventID, depth)
					case "Channel":
						p.beginCapture(capChannel, depth)
					case "Computer":
						p.beginCapture(capComputer, depth)
					case "EventRecordID":
						p.beginCapture(capRecordID, depth)
					}
				case secEventData:
					if string(loc) == "Data" {
						var n string
						if v, ok := attr(attrs, "Name"); ok {
							n = jsonl.Str(v)
						} else {
							p.unnamed++
							n = dataName(p.unnamed)
						}
						p.rec.Data = append(p.rec.Data, winevent.Field{Name: n})
						p.capIdx = len(p.rec.Data) - 1
						p.beginCapture(capData, depth)
					}
				case secUserData:
					if !userSeen {
						userSeen, inUser = true, true
					}
				}
			case 4:
				if inUser {
					p.rec.Data = append(p.rec.Data, winevent.Field{Name: jsonl.Str(loc)})
					p.capIdx = len(p.rec.Data) - 1
					p.beginCapture(capData, depth)
				}
			}
			i = end
			if self {
				p.stack = p.stack[:depth-1]
				if p.capKind != capNone && depth == p.capDepth {
					p.endCapture()
				}
				switch depth {
				case 1:
					return i, ""
				case 3:
					inUser = false
				}
			}
		}
	}
}

// wanted reports, once System is read, whether the rest of the event is needed: it is a host
// event sluice reads, and some detection reads host events. An EventID that does not read
// goes on being decoded (finish reports it).
func (p *parser) wanted() bool {
	if !p.haveID || p.all {
		return true
	}
	id, ok := eventID(p.eventID)
	return !ok || !p.skipHost && winevent.Wanted(p.rec.Channel, p.rec.Provider, id)
}

// skipRest returns the index after the </Event> that ends the event (at b[start], on line)
// after b[i].
func (p *parser) skipRest(b []byte, i, start int, line uint32) (int, string) {
	e := nextBoundary(b, i)
	if s := nextStart(b, i); s >= 0 && (e < 0 || s < e) {
		return 0, fmt.Sprintf("event cut short: a new <Event> begins on line %d before </Event>", p.lineIn(b, start, s, line))
	}
	if e < 0 {
		return 0, p.cut()
	}
	return e, ""
}

// finish checks the decoded event and fills the fields of p.rec that need reading. It returns
// what is wrong, or "".
func (p *parser) finish() string {
	if !p.haveSystem {
		return "no <System> element"
	}
	if !p.haveID {
		return "no <EventID> in <System>"
	}
	id, ok := eventID(p.eventID)
	if !ok {
		return fmt.Sprintf("EventID %q is not a number", clip(p.eventID, 40))
	}
	p.rec.EventID = id
	if v := bytes.TrimSpace(p.recordID); len(v) > 0 {
		if n, err := strconv.ParseInt(jsonl.Str(v), 10, 64); err == nil && n > 0 {
			p.rec.RecordID = n
		}
	}
	if !p.all && (p.skipHost || !winevent.Wanted(p.rec.Channel, p.rec.Provider, id)) {
		return "" // counted, not mapped
	}
	if p.badText != "" {
		return p.badText
	}
	if v := bytes.TrimSpace(p.sysTime); len(v) > 0 {
		t, err := parseSystemTime(jsonl.Str(v))
		if err != nil {
			return fmt.Sprintf("TimeCreated SystemTime %q is not a time", clip(v, 40))
		}
		p.rec.Time = t
	}
	return ""
}

// eventID reads the text of EventID (a 16-bit number; the Qualifiers attribute is not part of
// it).
func eventID(b []byte) (int, bool) {
	n, err := strconv.ParseUint(jsonl.Str(bytes.TrimSpace(b)), 10, 32)
	return int(n), err == nil
}

// parseSystemTime reads TimeCreated's SystemTime: RFC 3339 with up to 9 fractional digits,
// UTC when it names no zone.
func parseSystemTime(s string) (event.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse("2006-01-02T15:04:05.999999999", s); err2 != nil {
			return 0, err
		}
	}
	return event.FromStd(t), nil
}

var dataNames = func() (n [33]string) {
	for i := range n {
		n[i] = "Data" + strconv.Itoa(i)
	}
	return n
}()

// dataName names the i-th (1-based) Data element without a Name.
func dataName(i int) string {
	if i < len(dataNames) {
		return dataNames[i]
	}
	return "Data" + strconv.Itoa(i)
}

// local returns a name without its namespace prefix.
func local(name []byte) []byte {
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
}

func (p *parser) beginCapture(kind, depth int) {
	p.capKind, p.capDepth = kind, depth
	p.seg, p.nseg, p.owned = nil, 0, false
}

// text adds t to the captured text; raw text (CDATA) holds no references.
func (p *parser) text(t []byte, raw bool) {
	if len(t) == 0 {
		return
	}
	if p.badText == "" {
		p.checkText(t)
	}
	if !p.owned {
		if p.nseg == 0 && (raw || bytes.IndexByte(t, '&') < 0) {
			p.seg, p.nseg = t, 1
			return
		}
		p.reserve(len(p.seg) + len(t))
		p.owned = true
		p.valStart = len(p.arena)
		p.arena = append(p.arena, p.seg...)
	} else {
		p.reserve(len(t))
	}
	if raw {
		p.arena = append(p.arena, t...)
	} else {
		p.arena = appendText(p.arena, t) // never longer than t
	}
}

// reserve makes room for n more bytes of the value being built without moving what earlier
// values alias: a full arena is left to them and a new one started.
func (p *parser) reserve(n int) {
	if cap(p.arena)-len(p.arena) >= n {
		return
	}
	var partial []byte
	if p.owned {
		partial = p.arena[p.valStart:]
	}
	na := make([]byte, 0, max(64<<10, 2*(len(partial)+n)))
	p.arena = append(na, partial...)
	p.valStart = 0
}

// checkText notes text that XML does not allow: a control character or invalid UTF-8.
func (p *parser) checkText(t []byte) {
	high := false
	for _, c := range t {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			p.badText = fmt.Sprintf("control character %#02x in the text of <%s>", c, clip(p.stack[len(p.stack)-1], 40))
			return
		}
		high = high || c >= utf8.RuneSelf
	}
	if high && !utf8.Valid(t) {
		p.badText = fmt.Sprintf("invalid UTF-8 in the text of <%s>", clip(p.stack[len(p.stack)-1], 40))
	}
}

func (p *parser) endCapture() {
	var v []byte
	if p.owned {
		v = p.arena[p.valStart:len(p.arena):len(p.arena)]
	} else {
		v = p.seg
	}
	switch p.capKind {
	case capEventID:
		p.eventID, p.haveID = v, true
	case capChannel:
		p.rec.Channel = jsonl.Str(bytes.TrimSpace(v))
	case capComputer:
		p.rec.Computer = jsonl.Str(bytes.TrimSpace(v))
	case capRecordID:
		p.recordID = v
	case capData:
		p.rec.Data[p.capIdx].Value = jsonl.Str(v)
	}
	p.capKind = capNone
}

// scanTag reads the start tag at b[i] ('<'): its name, the text of its attributes, the index
// after it and whether it closes itself. msg says what is wrong (msgCut: b ends inside it).
func scanTag(b []byte, i int) (name, attrs []byte, end int, self bool, msg string) {
	j := i + 1
	for j < len(b) && !isSpace(b[j]) && b[j] != '>' && b[j] != '/' {
		if !nameByte(b[j]) {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag %q", clip(b[i:j+1], 40))
		}
		j++
	}
	name = b[i+1 : j]
	if len(name) == 0 || name[0] >= '0' && name[0] <= '9' || name[0] == '-' || name[0] == '.' {
		if j >= len(b) {
			return nil, nil, 0, false, msgCut
		}
		return nil, nil, 0, false, fmt.Sprintf("malformed tag %q", clip(b[i:j+1], 40))
	}
	as := j
	for {
		sp := j
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) {
			return nil, nil, 0, false, msgCut
		}
		switch b[j] {
		case '>':
			return name, b[as:j], j + 1, false, ""
		case '/':
			if j+1 >= len(b) {
				return nil, nil, 0, false, msgCut
			}
			if b[j+1] == '>' {
				return name, b[as:j], j + 2, true, ""
			}
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: '/' not followed by '>'", clip(name, 40))
		}
		if j == sp {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: no space before an attribute", clip(name, 40))
		}
		k := j
		for k < len(b) && nameByte(b[k]) {
			k++
		}
		if k == j {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: bad attribute %q", clip(name, 40), clip(b[j:], 12))
		}
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k >= len(b) {
			return nil, nil, 0, false, msgCut
		}
		if b[k] != '=' {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: attribute %q without a value", clip(name, 40), clip(b[j:k], 40))
		}
		k++
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k >= len(b) {
			return nil, nil, 0, false, msgCut
		}
		q := b[k]
		if q != '"' && q != '\'' {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: unquoted attribute value", clip(name, 40))
		}
		e := bytes.IndexByte(b[k+1:], q)
		lt := bytes.IndexByte(b[k+1:], '<')
		if lt >= 0 && (e < 0 || lt < e) {
			return nil, nil, 0, false, fmt.Sprintf("malformed tag <%s>: '<' in an attribute value (cut short?)", clip(name, 40))
		}
		if e < 0 {
			return nil, nil, 0, false, msgCut
		}
		j = k + 1 + e + 1
	}
}

// nameByte reports a byte that may be part of an XML name (any non-ASCII byte is let through).
func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '-' || c == '.' || c >= utf8.RuneSelf
}

// attr returns the value of the attribute key in attrs (the text scanTag checked), its
// references decoded.
func attr(attrs []byte, key string) ([]byte, bool) {
	j := 0
	for j < len(attrs) {
		for j < len(attrs) && isSpace(attrs[j]) {
			j++
		}
		k := j
		for k < len(attrs) && attrs[k] != '=' && !isSpace(attrs[k]) {
			k++
		}
		name := attrs[j:k]
		for k < len(attrs) && attrs[k] != '"' && attrs[k] != '\'' {
			k++
		}
		if k >= len(attrs) {
			return nil, false
		}
		q := attrs[k]
		e := bytes.IndexByte(attrs[k+1:], q)
		if e < 0 {
			return nil, false
		}
		v := attrs[k+1 : k+1+e]
		if string(name) == key {
			if bytes.IndexByte(v, '&') >= 0 {
				v = appendText(make([]byte, 0, len(v)), v)
			}
			return v, true
		}
		j = k + 1 + e + 1
	}
	return nil, false
}

// appendText appends t with its character and entity references decoded. A '&' that starts no
// reference is kept as written.
func appendText(dst, t []byte) []byte {
	for {
		k := bytes.IndexByte(t, '&')
		if k < 0 {
			return append(dst, t...)
		}
		dst = append(dst, t[:k]...)
		t = t[k:]
		semi := bytes.IndexByte(t[:min(len(t), 12)], ';')
		if semi < 0 {
			dst = append(dst, '&')
			t = t[1:]
			continue
		}
		ref := t[1:semi]
		switch string(ref) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				dst = append(dst, '&')
				t = t[1:]
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		t = t[semi+1:]
	}
}

// charRef reads "#123" or "#x7B"; a code point that is no character is U+FFFD.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(jsonl.Str(digits), base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(n)
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, true
}

// clip returns at most n bytes of b, as a string for messages.
func clip(b []byte, n int) string {
	if len(b) > n {
		return strings.ToValidUTF8(string(b[:n]), "\uFFFD") + "..."
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
