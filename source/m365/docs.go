package m365

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// docScanner splits JSON text into records without decoding them: the objects at the top
// level (one after another, pretty-printed or not) and the objects in top-level arrays. It
// keeps the count of the records (their ordinals, the positions of this shape) and the line
// each starts on. A record it cannot delimit (a line that ends inside a string, a bracket that
// closes what it did not open, the end of the input inside it) is reported and the scanner
// starts again at the next line that opens a record no deeper than the broken one did.
type docScanner struct {
	r    *bufio.Reader
	pend []byte // bytes given back, read before r

	off     int64  // offset of the next byte
	broke   int64  // the furthest offset at which a record was found broken
	line    uint32 // line of the next byte
	col     int    // bytes read on the current line
	blank   bool   // the current line holds only blanks so far
	ord     uint32 // records delimited so far (good or broken)
	inArray bool   // inside a top-level array
	max     int    // longest record kept

	buf   []byte
	stack []byte
	done  bool
}

// A doc is one delimited record: its text (valid until the next call), ordinal and line.
type doc struct {
	text []byte
	ord  uint32
	line uint32
}

// badDoc is a record or stretch of input that cannot be read; reading goes on after it.
type badDoc struct {
	ord, line uint32 // ord is 0 for text that is no record
	reason    string
	msg       string
}

func (b *badDoc) Error() string { return b.msg }

func newDocScanner(r *bufio.Reader) *docScanner {
	return &docScanner{r: r, line: 1, blank: true, max: maxRecord}
}

// readByte returns the next byte, keeping the line count.
func (s *docScanner) readByte() (byte, error) {
	var c byte
	if len(s.pend) > 0 {
		c, s.pend = s.pend[0], s.pend[1:]
	} else {
		var err error
		if c, err = s.r.ReadByte(); err != nil {
			return 0, err
		}
	}
	s.off++
	if c == '\n' {
		s.line++
		s.col, s.blank = 0, true
		return c, nil
	}
	s.col++
	if c != ' ' && c != '\t' && c != '\r' {
		s.blank = false
	}
	return c, nil
}

// giveBack puts b, which starts a line, in front of what is still to read.
func (s *docScanner) giveBack(b []byte) {
	if len(b) == 0 {
		return
	}
	s.line -= uint32(bytes.Count(b, []byte{'\n'}))
	s.off -= int64(len(b))
	s.col, s.blank = 0, true
	s.pend = append(bytes.Clone(b), s.pend...)
}

// next returns the next record; a *badDoc for one that cannot be read (call next again);
// io.EOF at the end; another error when the input cannot be read on.
func (s *docScanner) next() (doc, error) {
	for {
		if s.done {
			return doc{}, io.EOF
		}
		blankBefore := s.blank
		indent := s.col
		c, err := s.readByte()
		if err != nil {
			s.done = true
			if errors.Is(err, io.EOF) {
				return doc{}, io.EOF
			}
			return doc{}, err
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		case c == '[' && !s.inArray:
			s.inArray = true
			continue
		case s.inArray && (c == ']' || c == ','):
			s.inArray = c == ','
			continue
		case c == '{':
			if !blankBefore {
				indent = -1
			}
			return s.object(indent)
		case s.inArray:
			return s.value(c)
		}
		// junk at the top level: report the line, start again at one that opens a record
		line := s.line
		text := s.restOfLine(c)
		if err := s.resync(0); err != nil {
			return doc{}, err
		}
		return doc{}, &badDoc{line: line, reason: reasonJSON, msg: fmt.Sprintf("not JSON: %q", clip(text))}
	}
}

// restOfLine returns c and the start of the rest of its line, and passes over the line.
func (s *docScanner) restOfLine(c byte) []byte {
	out := []byte{c}
	for len(out) < 80 {
		c, err := s.readByte()
		if err != nil || c == '\n' {
			return out
		}
		if c != '\r' {
			out = append(out, c)
		}
	}
	s.dropLine()
	return out
}

// object delimits the object whose '{' was just read, at the given indentation (-1 when
// something came before it on its line). It scans what the reader holds in one go, not byte by
// byte.
func (s *docScanner) object(indent int) (doc, error) {
	s.ord++
	d := doc{ord: s.ord, line: s.line}
	s.buf = append(s.buf[:0], '{')
	st := objState{stack: append(s.stack[:0], '}')}
	long := false
	total := int64(1)
	for {
		var chunk []byte
		fromPend := len(s.pend) > 0
		if fromPend {
			chunk = s.pend
		} else {
			if s.r.Buffered() == 0 {
				if _, err := s.r.Peek(1); err != nil {
					if !errors.Is(err, io.EOF) {
						return doc{}, err
					}
					s.done = true
					return doc{}, &badDoc{ord: d.ord, line: d.line, reason: reasonJSON,
						msg: fmt.Sprintf("record %d: cut short (the input ends inside it)", d.ord)}
				}
			}
			chunk, _ = s.r.Peek(s.r.Buffered())
		}
		n, end, c := s.scan(chunk, &st)
		if !long {
			if len(s.buf)+n <= s.max {
				s.buf = append(s.buf, chunk[:n]...)
			} else {
				long = true
			}
		}
		total += int64(n)
		s.off += int64(n)
		if fromPend {
			s.pend = s.pend[n:]
		} else {
			s.r.Discard(n)
		}
		s.stack = st.stack
		switch end {
		case endNewline:
			return doc{}, s.broken(d, indent, long, "a line ends inside a string")
		case endMismatch:
			return doc{}, s.broken(d, indent, long, fmt.Sprintf("%q closes what it did not open", c))
		case endDone:
			if long {
				return doc{}, &badDoc{ord: d.ord, line: d.line, reason: reasonLong,
					msg: fmt.Sprintf("record %d: %d bytes, longer than the %d MiB limit; skipped", d.ord, total, s.max>>20)}
			}
			d.text = s.buf
			return d, nil
		}
	}
}

// objState is where a scan of an object is: in a string, after a backslash, and the brackets
// open (the closing one expected for each).
type objState struct {
	inStr, esc bool
	stack      []byte
}

// How a scan stopped.
const (
	endNone     = iota // the bytes ran out
	endDone            // the object closed
	endNewline         // a line ended inside a string
	endMismatch        // a bracket closed what it did not open
)

// scan reads b as the continuation of an object, keeping the line count, up to the byte that
// closes or breaks it. It returns how many bytes it read, why it stopped and the last byte.
func (s *docScanner) scan(b []byte, st *objState) (int, int, byte) {
	n, end, c := s.scanObject(b, st)
	// where the scan left the current line
	read := b[:n]
	if j := bytes.LastIndexByte(read, '\n'); j >= 0 {
		s.col, s.blank = n-j-1, true
		read = read[j+1:]
	} else {
		s.col += n
	}
	for _, c := range read {
		if c != ' ' && c != '\t' && c != '\r' {
			s.blank = false
			break
		}
	}
	return n, end, c
}

// scanObject is scan's loop; it counts the lines.
func (s *docScanner) scanObject(b []byte, st *objState) (int, int, byte) {
	for i, c := range b {
		if c == '\n' {
			s.line++
		}
		if st.inStr {
			switch {
			case st.esc:
				st.esc = false
			case c == '\\':
				st.esc = true
			case c == '"':
				st.inStr = false
			case c == '\n':
				return i + 1, endNewline, c
			}
			continue
		}
		switch c {
		case '"':
			st.inStr = true
		case '{':
			st.stack = append(st.stack, '}')
		case '[':
			st.stack = append(st.stack, ']')
		case '}', ']':
			if st.stack[len(st.stack)-1] != c {
				return i + 1, endMismatch, c
			}
			st.stack = st.stack[:len(st.stack)-1]
			if len(st.stack) == 0 {
				return i + 1, endDone, c
			}
		}
	}
	return len(b), endNone, 0
}

// broken reports a record that cannot be delimited and starts again after it: at the first
// line of it (after its first) that opens a record no deeper than it, else at the next such
// line of the input.
func (s *docScanner) broken(d doc, indent int, long bool, why string) error {
	bad := &badDoc{ord: d.ord, line: d.line, reason: reasonJSON, msg: fmt.Sprintf("record %d: not valid JSON: %s", d.ord, why)}
	// a record started again from a broken one's lines that breaks where that one did is no
	// better placed: the search is not made twice for one break (it would be quadratic)
	if !long && s.off > s.broke {
		s.broke = s.off
		// the record's own lines after its first: a record that starts there is whole
		for i := bytes.IndexByte(s.buf, '\n'); i >= 0 && i+1 < len(s.buf); {
			start := i + 1
			if opensRecord(s.buf[start:], indent) {
				s.giveBack(s.buf[start:])
				s.enter(s.buf[start:])
				return bad
			}
			j := bytes.IndexByte(s.buf[start:], '\n')
			if j < 0 {
				break
			}
			i = start + j
		}
	}
	if !s.blank || s.col > 0 {
		if err := s.dropLine(); err != nil {
			return err
		}
	}
	if err := s.resync(indent); err != nil {
		return err
	}
	return bad
}

// enter sets the context for starting again at a line that opens a record: one that opens an
// array starts at the top level.
func (s *docScanner) enter(line []byte) {
	if t := bytes.TrimLeft(line, " \t"); len(t) > 0 && t[0] == '[' {
		s.inArray = false
	}
}

// opensRecord reports a line that starts, after at most indent blanks (none when indent < 0),
// with '{', or at the left margin with '['.
func opensRecord(b []byte, indent int) bool {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i >= len(b) {
		return false
	}
	return b[i] == '{' && i <= max(indent, 0) || b[i] == '[' && i == 0
}

// peek returns up to n of the bytes still to read, without reading them.
func (s *docScanner) peek(n int) []byte {
	if len(s.pend) >= n || bytes.IndexByte(s.pend, '\n') >= 0 {
		return s.pend[:min(n, len(s.pend))]
	}
	b, _ := s.r.Peek(min(n-len(s.pend), s.r.Size()))
	if len(s.pend) == 0 {
		return b
	}
	return append(bytes.Clone(s.pend), b...)
}

// dropLine passes over the rest of the current line. It returns io.EOF at the end of the input.
func (s *docScanner) dropLine() error {
	for len(s.pend) > 0 {
		i := bytes.IndexByte(s.pend, '\n')
		if i >= 0 {
			s.off += int64(i + 1)
			s.pend = s.pend[i+1:]
			s.line++
			s.col, s.blank = 0, true
			return nil
		}
		s.off += int64(len(s.pend))
		s.pend = nil
	}
	for {
		b, err := s.r.ReadSlice('\n')
		s.off += int64(len(b))
		if err == nil {
			s.line++
			s.col, s.blank = 0, true
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// resync passes over lines, from the start of one, up to one that opens a record (see
// opensRecord), and leaves the scanner at its start.
func (s *docScanner) resync(indent int) error {
	for {
		if b := s.peek(max(indent, 0) + 1); opensRecord(b, indent) {
			s.enter(b)
			return nil
		}
		if err := s.dropLine(); err != nil {
			if errors.Is(err, io.EOF) {
				s.done = true
				return nil
			}
			return err
		}
	}
}

// value passes over an array element that is not an object, up to the ',' or ']' after it,
// and reports it.
func (s *docScanner) value(c byte) (doc, error) {
	s.ord++
	d := doc{ord: s.ord, line: s.line}
	text := []byte{c}
	depth := 0
	inStr, esc := c == '"', false
	if c == '{' || c == '[' {
		depth = 1
	}
loop:
	for {
		c, err := s.readByte()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return doc{}, err
			}
			s.done = true
			break
		}
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"' || c == '\n':
				inStr = false
			}
		} else {
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			if depth < 0 || depth == 0 && c == ',' {
				s.inArray = c == ','
				break loop
			}
		}
		if len(text) < 80 && c != '\n' && c != '\r' {
			text = append(text, c)
		}
	}
	return doc{}, &badDoc{ord: d.ord, line: d.line, reason: reasonJSON,
		msg: fmt.Sprintf("record %d: not a JSON object: %q", d.ord, clip(bytes.TrimSpace(text)))}
}
