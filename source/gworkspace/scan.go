package gworkspace

import (
	"fmt"
	"math"
)

// The document scanner finds the activities of JSON documents that are not one record a line:
// pages of the Reports API (pretty-printed or not, one or many, or a JSON array of them), a
// JSON array of activities, or activities pretty-printed one after another. It does not
// validate JSON: it follows strings and brackets, and hands each record's bytes to the parser
// (encoding/json), which does. What it decides:
//
//   - A record is an object at the top level, or an element of a top-level array, or an
//     element of a page's "items" array.
//   - An object at the top level or in a top-level array is a page when it has an "items" key
//     (at its own level) whose value is an array (or "results": a Splunk results document):
//     then its items are the records and the rest of it is passed over. Otherwise it is a
//     record itself. Until its "items" key shows, such an object is held like a record.
//   - A record's position is its 1-based ordinal in the input (records that turn out broken
//     are counted too), so that Records can give it back.
//
// Broken input: a newline inside a string (JSON strings cannot hold one), a closing bracket
// that does not match, a record longer than the limit, or the end of the input inside a value
// break the value being read; it is reported, and reading resumes at the next line that opens
// a value ('{' or '[' as its first non-blank byte) no deeper than the broken one: at the same
// level when it starts in the same column as the broken record, else at the top level. A line
// that opens a value at or left of the column where the unfinished record (or document) began
// is taken as a new value, the unfinished one as cut short: in indented JSON the inside of a
// value is always indented further, and compact records fit on their line. That test is off
// for a document laid out without indentation (a line inside it starts at or left of its
// column with something other than a bracket), where it could split valid JSON.

// span is a record the scanner found: its bytes in the arena, its ordinal and its first line.
type span struct {
	off, end int
	ord      uint32
	line     uint32
}

// scanProblem is a broken value, reported at the line it starts on. counted tells whether a
// record (or an unknown number of them) was lost, which counts as a skipped record.
type scanProblem struct {
	line    uint32
	reason  string
	msg     string
	counted bool
}

// frame is a value the scanner keeps track of: a record, the object at the container level,
// or a page's items array.
type frame struct {
	active  bool
	depth   int    // len(stack) just inside the value
	line    uint32 // line it starts on
	col     int    // column of its first byte
	leading bool   // only blanks before it on its line
	off     int    // offset in the arena where its bytes start (records and held objects)
}

type scanner struct {
	maxRec int // longest record kept, in bytes

	// position of the next byte
	line      uint32
	col       int
	lineStart bool // only blanks so far on this line

	stack  []byte // open brackets
	inStr  bool
	esc    bool
	topArr bool  // the top-level value is an array
	arr    frame // that array
	cont   frame // object at the container level (top level or element of the top array)
	hold   bool  // cont is held as a record (no items key seen yet)
	items  frame // a page's items array
	rec    frame // record inside items (or a non-object element of the top array)
	flat   bool  // the current top-level value is laid out without indentation
	junk   bool  // a junk run (at the top level, or an element that is not an object) was reported

	// key tracking in a held object: the last string at its own level, and a ':' after "items"
	keyOff      int
	keyIsItems  bool
	afterItems  bool
	seenContent bool // a non-blank byte has been seen at the top level (for the BOM)

	// the line and column of the first non-blank byte of the current line
	leadLine uint32
	leadCol  int

	// resync after a broken value: skip to a line opening a value at column <= resyncCol
	resync    bool
	resyncCol int
	sameCol   int // column of the broken record: a value there resumes at the same level
	sameDepth int // len(stack) of that level

	ord   uint32
	arena []byte
	spans []span
	probs []scanProblem
	done  int // bytes of completed records in the arena
}

// arenaSize is the room a fresh arena starts with: a job's worth and some.
const arenaSize = docJobBytes + docJobBytes/4

func newScanner(maxRec int) *scanner {
	return &scanner{maxRec: maxRec, line: 1, lineStart: true, sameCol: -1, arena: make([]byte, 0, arenaSize)}
}

// holding reports whether bytes are being kept (a record, or an object that may be one).
func (s *scanner) holding() bool { return s.rec.active || (s.cont.active && s.hold) }

// feed scans b. Records and problems found are appended to s.spans and s.probs.
func (s *scanner) feed(b []byte) {
	start := 0 // first byte of b not yet copied into the arena (when holding)
	flush := func(i int) {
		if s.holding() && i > start {
			s.arena = append(s.arena, b[start:i]...)
		}
		start = i
	}
	for i := 0; i < len(b); {
		c := b[i]
		if s.resync {
			// skip to a line that opens a value far enough left
			switch {
			case c == '\n':
				s.newline()
				i++
			case !s.lineStart:
				j := i
				for j < len(b) && b[j] != '\n' {
					j++
				}
				s.col += j - i
				i = j
			case c == ' ' || c == '\t' || c == '\r':
				s.col++
				i++
			default:
				s.lineStart = false
				if (c == '{' || c == '[') && s.col <= s.resyncCol {
					s.endResync()
					start = i
					continue // read the bracket normally
				}
				s.col++
				i++
			}
			start = i
			continue
		}
		if s.inStr {
			if c == '\n' {
				flush(i)
				s.fail("newline inside a string (cut short?)", true)
				start = i
				continue
			}
			if s.esc {
				s.esc = false
				s.col++
				i++
				continue
			}
			// fast path through the string's bytes
			j := i
			for j < len(b) {
				d := b[j]
				if d == '"' || d == '\\' || d == '\n' {
					break
				}
				j++
			}
			s.col += j - i
			i = j
			if i == len(b) || b[i] == '\n' {
				continue
			}
			s.col++
			i++
			if b[i-1] == '\\' {
				s.esc = true
				continue
			}
			s.inStr = false
			if s.hold && !s.rec.active && len(s.stack) == s.cont.depth {
				flush(i)
				k := string(s.arena[s.keyOff:])
				s.keyIsItems = k == `"items"` || k == `"results"`
			}
			continue
		}
		switch c {
		case '\n':
			flush(i + 1)
			s.newline()
			i++
			if s.holding() && s.tooLong() {
				s.failLong()
			}
			start = i
			continue
		case ' ', '\t', '\r':
			s.col++
			i++
			continue
		}
		if s.lineStart {
			s.lineStart = false
			if !s.lineStartRule(c) {
				// the unfinished value was cut short: this byte opens a new one
				flush(i)
				s.fail("cut short: a new value starts at line "+itoa(s.line), true)
				s.endResync()
				start = i
			}
		}
		if !s.seenContent {
			s.seenContent = true
			if c == 0xef && len(b)-i >= 3 && b[i+1] == 0xbb && b[i+2] == 0xbf {
				// byte order mark
				i += 3
				s.col += 3
				s.lineStart = true
				start = i
				continue
			}
		}
		d := len(s.stack)
		if d == 0 && c != '{' && c != '[' && c != ',' {
			s.topJunk()
			start = i
			continue
		}
		afterItems := s.afterItems
		s.afterItems = false
		switch c {
		case '"':
			if s.atElementLevel() {
				s.junkElement()
			}
			if s.hold && !s.rec.active && d == s.cont.depth {
				flush(i)
				s.keyOff = len(s.arena)
			}
			s.inStr = true
		case '{', '[':
			s.keyIsItems = false
			switch {
			case d == 0:
				s.junk = false
				if c == '[' {
					s.topArr = true
					s.arr = s.here(0)
				} else {
					flush(i)
					s.cont = s.here(len(s.arena))
					s.hold = true
				}
			case s.topArr && d == 1 && !s.cont.active && !s.rec.active:
				s.junk = false
				flush(i)
				if c == '{' {
					s.cont = s.here(len(s.arena))
					s.hold = true
				} else {
					s.rec = s.here(len(s.arena))
				}
			case s.items.active && d == s.items.depth && !s.rec.active:
				s.junk = false
				flush(i)
				s.rec = s.here(len(s.arena))
			case s.hold && !s.rec.active && d == s.cont.depth && afterItems && c == '[':
				// the held object is a page: its items are the records
				flush(i)
				s.arena = s.arena[:s.cont.off]
				s.hold = false
				s.items = s.here(0)
				s.items.depth = d + 1
			}
			s.stack = append(s.stack, c)
			if s.rec.active && s.rec.depth == 0 {
				s.rec.depth = len(s.stack)
			}
			if s.cont.active && s.cont.depth == 0 {
				s.cont.depth = len(s.stack)
			}
			if s.topArr && s.arr.depth == 0 {
				s.arr.depth = len(s.stack)
			}
		case '}', ']':
			open := s.stack[d-1]
			if (c == '}') != (open == '{') {
				flush(i)
				s.fail(fmt.Sprintf("%q closes %q", c, open), true)
				start = i
				continue
			}
			s.stack = s.stack[:d-1]
			d--
			switch {
			case s.rec.active && d == s.rec.depth-1:
				flush(i + 1)
				s.finish(s.rec)
				s.rec = frame{}
				s.junk = false
			case s.items.active && d == s.items.depth-1:
				s.items = frame{}
			case s.cont.active && d == s.cont.depth-1:
				if s.hold {
					flush(i + 1)
					s.finish(s.cont)
				}
				s.cont = frame{}
				s.hold = false
				s.junk = false
			}
			if d == 0 {
				s.topArr = false
				s.arr = frame{}
				s.flat = false
			}
		case ',':
			if s.atElementLevel() {
				s.junk = false
			}
		case ':':
			s.afterItems = s.keyIsItems && s.hold && !s.rec.active && d == s.cont.depth
			s.keyIsItems = false
		default:
			if s.atElementLevel() {
				s.junkElement()
			}
		}
		s.col++
		i++
	}
	flush(len(b))
	if s.holding() && s.tooLong() {
		s.failLong()
	}
}

func (s *scanner) tooLong() bool {
	f := s.cont
	if s.rec.active {
		f = s.rec
	}
	return len(s.arena)-f.off > s.maxRec
}

// here returns a frame starting at the current byte. Its depth is set once its bracket is on
// the stack.
func (s *scanner) here(off int) frame {
	return frame{active: true, line: s.line, col: s.col, leading: s.atLineLead(), off: off}
}

// atLineLead reports whether the current byte is the first non-blank one of its line; the
// line-start rule has already cleared lineStart for it, so it is judged by leadCol.
func (s *scanner) atLineLead() bool { return s.leadLine == s.line && s.leadCol == s.col }

// atElementLevel reports whether the scanner is between or at the elements of an array whose
// elements are records (the top-level array outside a container object, or a page's items)
// and outside a record.
func (s *scanner) atElementLevel() bool {
	d := len(s.stack)
	if s.rec.active {
		return false
	}
	if s.items.active && d == s.items.depth {
		return true
	}
	return s.topArr && d == 1 && !s.cont.active
}

// junkElement reports an element of a record array that is not an object, once.
func (s *scanner) junkElement() {
	if s.junk {
		return
	}
	s.junk = true
	s.ord++
	s.probs = append(s.probs, scanProblem{line: s.line, reason: reasonNotActivity,
		msg: fmt.Sprintf("record %d: an array element that is not a JSON object", s.ord), counted: true})
}

// topJunk handles a byte at the top level that opens no value: the rest of the line is
// skipped, and a run of such lines is reported once.
func (s *scanner) topJunk() {
	if !s.junk {
		s.junk = true
		s.probs = append(s.probs, scanProblem{line: s.line, reason: reasonJSON,
			msg: "not JSON (expected an object or an array); passed over to the next line that opens one", counted: true})
	}
	s.resync = true
	s.resyncCol = math.MaxInt
	s.sameCol = -1
}

// lineStartRule applies the layout rules to the first non-blank byte c of a line inside a
// value. It returns false when c opens a new value that cuts the unfinished one short.
func (s *scanner) lineStartRule(c byte) bool {
	s.leadLine, s.leadCol = s.line, s.col
	if len(s.stack) == 0 || s.flat {
		return true
	}
	var f frame
	switch {
	case s.rec.active:
		f = s.rec
	case s.cont.active && !s.atElementLevel():
		f = s.cont
	default:
		return true // between the elements of an array of records
	}
	limit := 0
	if f.leading {
		limit = f.col
	} else if s.cont.active && s.cont.leading {
		limit = s.cont.col
	}
	if s.col > limit || f.line == s.line {
		return true
	}
	switch c {
	case '{', '[':
		return false
	case '}', ']':
		return true
	}
	s.flat = true
	return true
}

// finish records a complete record, or drops it when it is longer than the limit.
func (s *scanner) finish(f frame) {
	s.ord++
	if len(s.arena)-f.off > s.maxRec {
		s.probs = append(s.probs, scanProblem{line: f.line, reason: reasonJSON,
			msg: fmt.Sprintf("record %d: longer than the %d MiB limit", s.ord, s.maxRec>>20), counted: true})
		s.arena = s.arena[:f.off]
		return
	}
	s.spans = append(s.spans, span{off: f.off, end: len(s.arena), ord: s.ord, line: f.line})
	s.done += len(s.arena) - f.off
}

// fail breaks the value being read: the innermost record or held object is dropped and
// reported, and reading resumes at the next line that opens a value (see the file comment).
// counted tells whether data was lost for sure (false when only closing brackets are missing
// at the end of the input).
func (s *scanner) fail(why string, counted bool) {
	s.sameCol, s.sameDepth = -1, 0
	s.resyncCol = 0
	var f frame
	switch {
	case s.rec.active:
		f = s.rec
		s.ord++
		s.probs = append(s.probs, scanProblem{line: f.line, reason: reasonJSON,
			msg: fmt.Sprintf("record %d: invalid JSON: %s", s.ord, why), counted: true})
		s.arena = s.arena[:f.off]
		if f.leading {
			s.sameCol, s.sameDepth = f.col, f.depth-1
		}
	case s.cont.active && s.hold:
		f = s.cont
		s.ord++
		s.probs = append(s.probs, scanProblem{line: f.line, reason: reasonJSON,
			msg: fmt.Sprintf("record %d: invalid JSON: %s", s.ord, why), counted: true})
		s.arena = s.arena[:f.off]
		if f.leading && s.topArr {
			s.sameCol, s.sameDepth = f.col, f.depth-1
		}
	case s.cont.active:
		f = s.cont
		s.probs = append(s.probs, scanProblem{line: f.line, reason: reasonJSON,
			msg: "page of activities: invalid JSON: " + why, counted: counted})
	default:
		f = s.arr
		s.probs = append(s.probs, scanProblem{line: f.line, reason: reasonJSON,
			msg: "JSON array: invalid JSON: " + why, counted: counted})
	}
	switch {
	case f.leading:
		s.resyncCol = f.col
	case s.cont.active && s.cont.leading:
		s.resyncCol = s.cont.col
	case s.arr.active && s.arr.leading:
		s.resyncCol = s.arr.col
	}
	s.rec = frame{}
	s.inStr, s.esc = false, false
	s.afterItems, s.keyIsItems = false, false
	s.resync = true
}

// failLong breaks a record that outgrew the limit.
func (s *scanner) failLong() {
	s.fail(fmt.Sprintf("longer than the %d MiB limit", s.maxRec>>20), true)
}

// endResync resumes reading at a line that opens a value in column s.col: at the level of the
// broken record when it is in that record's column, else at the top level.
func (s *scanner) endResync() {
	s.resync = false
	s.junk = false
	s.inStr, s.esc = false, false
	if s.sameCol >= 0 && s.col == s.sameCol && s.sameDepth <= len(s.stack) {
		s.stack = s.stack[:s.sameDepth]
		if s.cont.active && s.cont.depth > s.sameDepth {
			s.cont, s.hold = frame{}, false
		}
		s.rec = frame{}
	} else {
		s.stack = s.stack[:0]
		s.topArr, s.arr, s.cont, s.hold, s.items, s.rec = false, frame{}, frame{}, false, frame{}, frame{}
		s.flat = false
	}
	s.sameCol = -1
	s.leadLine, s.leadCol = s.line, s.col
}

func (s *scanner) newline() {
	s.line++
	s.col = 0
	s.lineStart = true
}

// end finishes the input: a value still open was cut short.
func (s *scanner) end() {
	if s.resync {
		return
	}
	if s.inStr || len(s.stack) > 0 {
		lost := s.holding() || s.inStr
		s.fail("cut short by the end of the input", lost)
	}
}

// take hands over the records completed so far: the arena holding their bytes and their spans.
// The bytes of a record still being read move to a fresh arena.
func (s *scanner) take() ([]byte, []span) {
	arena, spans := s.arena, s.spans
	cut := len(arena)
	if s.holding() {
		f := s.cont
		if s.rec.active {
			f = s.rec
		}
		cut = f.off
	}
	tail := arena[cut:]
	s.arena = make([]byte, len(tail), max(len(tail)*2, arenaSize))
	copy(s.arena, tail)
	if s.rec.active {
		s.rec.off -= cut
	}
	if s.cont.active && s.hold {
		s.cont.off -= cut
	}
	s.keyOff -= cut
	if s.keyOff < 0 {
		s.keyOff = 0
	}
	s.spans = nil
	s.done = 0
	return arena[:cut], spans
}

func itoa(n uint32) string { return fmt.Sprint(n) }
