package cloudtrail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluice-hunt/sluice/source"
)

// badValue is a value or stretch of input that cannot be read: the caller reports it and reads
// on. count tells whether a record was lost (a skipped record) or only a document's frame is
// broken (a problem at an offset).
type badValue struct {
	ord          uint32
	off          int64
	reason, text string
	count        bool
	fatal        error // the input cannot be read on: the reader returns it after reporting the value
}

func (e *badValue) Error() string { return e.text }

// The states of the document reader.
const (
	stTop     = iota // between top-level values
	stArray          // inside a top-level array
	stObject         // inside a top-level object, between members
	stRecords        // inside a top-level object's Records (or Events) array
)

// member is a member of a top-level object being rebuilt.
type member struct {
	key string
	val []byte
}

// maxDepth is how deep a value's arrays and objects may nest (as encoding/json allows).
const maxDepth = 10000

// docReader splits JSON documents into the values that hold records, numbered from 1 in the
// order of the input: each element of a top-level object's "Records" (or "Events") array, each
// element of a top-level array, and each other top-level object whole. It reads the frame of the
// documents (brackets, commas, colons, keys) strictly and finds where each value ends by its
// brackets and strings, leaving the value's own syntax to the record parser: a malformed record
// whose brackets balance is lost alone. Only one value is held in memory at a time, so a
// CloudTrail file of any size is read record by record.
//
// When the frame is broken (a missing comma, a stray closing bracket, junk between documents)
// the reader reports it and starts again at the next line, after the error, that begins (in its
// first column) with '{' or '['; the values in between are lost.
type docReader struct {
	r    io.Reader
	buf  []byte // buf[pos:] is unread
	pos  int
	base int64 // input offset of buf[0]
	eof  bool
	rerr error // the input's own error, other than io.EOF (a truncated compressed stream ...)
	max  int

	st    int
	first bool // the array being read has had no element yet
	ord   uint32
	done  bool

	documents int // Records (or Events) arrays seen

	// the top-level object being read
	objStart   int64
	members    []member
	objSize    int
	sawRecords bool

	stack []byte // scratch for span
}

func newDocReader(r io.Reader) *docReader {
	return &docReader{r: r, max: source.MaxLine}
}

// more reads more of the input, keeping buf[keep:] (which moves to the front of buf); it returns
// keep's new index, and false at the end of the input.
func (d *docReader) more(keep int) (int, bool) {
	if d.eof {
		return keep, false
	}
	if keep > 0 {
		n := copy(d.buf, d.buf[keep:])
		d.buf = d.buf[:n]
		d.base += int64(keep)
		d.pos -= keep
		keep = 0
	}
	if cap(d.buf)-len(d.buf) < 4096 {
		nb := make([]byte, len(d.buf), max(2*cap(d.buf), 64<<10))
		copy(nb, d.buf)
		d.buf = nb
	}
	for idle := 0; ; idle++ {
		n, err := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+n]
		if err != nil {
			d.eof = true
			if !errors.Is(err, io.EOF) {
				d.rerr = err
			}
			return keep, n > 0
		}
		if n > 0 {
			return keep, true
		}
		if idle > 100 {
			d.eof, d.rerr = true, io.ErrNoProgress
			return keep, false
		}
	}
}

// peek returns the next byte that is not white space, leaving pos at it; ok is false at the end
// of the input.
func (d *docReader) peek() (byte, bool) {
	for {
		for d.pos < len(d.buf) {
			switch c := d.buf[d.pos]; c {
			case ' ', '\t', '\r', '\n':
				d.pos++
			default:
				return c, true
			}
		}
		if _, ok := d.more(d.pos); !ok {
			return 0, false
		}
	}
}

// offset is the input offset of buf[i].
func (d *docReader) offset(i int) int64 { return d.base + int64(i) }

// errSpan is why span could not find a value's end.
type errSpan struct {
	at  int // index in buf
	msg string
	cut bool // the input ended inside the value
	big bool // the value is longer than the limit
}

// span finds the end of the value that starts at buf[start] (not white space): a string, an
// array or object (by its brackets, outside strings), or a scalar (up to a delimiter). It
// returns the value's start and end indexes, which more may have moved.
func (d *docReader) span(start int) (int, int, *errSpan) {
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	i := start
	inStr, esc := false, false
	scalar := d.buf[start] != '"' && d.buf[start] != '{' && d.buf[start] != '['
	for {
		b := d.buf
		for i < len(b) {
			c := b[i]
			if inStr {
				if esc {
					esc = false
					i++
					continue
				}
				// pass over the string's plain bytes at once
				j := bytes.IndexAny(b[i:], "\"\\")
				if j < 0 {
					i = len(b)
					break
				}
				i += j
				if b[i] == '\\' {
					esc = true
				} else {
					inStr = false
					if len(stack) == 0 {
						return start, i + 1, nil
					}
				}
				i++
				continue
			}
			if scalar {
				switch c {
				case ' ', '\t', '\r', '\n', ',', ']', '}', '[', '{', '"', ':':
					return start, i, nil
				}
				i++
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				if len(stack) >= maxDepth {
					return start, i, &errSpan{at: i, msg: "arrays and objects nested too deep"}
				}
				stack = append(stack, c)
			case '}', ']':
				open := byte('{')
				if c == ']' {
					open = '['
				}
				if len(stack) == 0 || stack[len(stack)-1] != open {
					return start, i, &errSpan{at: i, msg: fmt.Sprintf("unexpected %q", c)}
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return start, i + 1, nil
				}
			}
			i++
		}
		if i-start > d.max {
			return start, i, &errSpan{at: start, big: true}
		}
		rel := i - start
		var ok bool
		start, ok = d.more(start)
		i = start + rel
		if !ok {
			if scalar && i > start {
				return start, i, nil // a scalar that ends the input
			}
			return start, i, &errSpan{at: start, cut: true}
		}
	}
}

// next returns the next value and its number, io.EOF at the end of the input, a *badValue for
// a value or stretch of input that cannot be read (call next again), and any other error when
// the input cannot be read on.
func (d *docReader) next() ([]byte, uint32, error) {
	for {
		if d.done {
			return nil, 0, io.EOF
		}
		c, ok := d.peek()
		at := d.pos
		switch d.st {
		case stTop:
			switch {
			case !ok:
				d.done = true
				if d.rerr != nil {
					return nil, 0, fmt.Errorf("byte %d: %w", d.offset(at), d.rerr)
				}
				return nil, 0, io.EOF
			case c == '[':
				d.pos++
				d.st, d.first = stArray, true
			case c == '{':
				d.pos++
				d.st = stObject
				d.objStart, d.members, d.objSize, d.sawRecords = d.offset(at), nil, 0, false
			default:
				return d.broken(at, true, fmt.Sprintf("not a JSON object or array: %q", d.lineText(at)))
			}
		case stArray, stRecords:
			if !ok {
				return d.cut(at, false)
			}
			if c == ']' {
				d.pos++
				if d.st == stArray {
					d.st = stTop
				} else {
					d.st = stObject
				}
				continue
			}
			if !d.first {
				if c != ',' {
					return d.broken(at, false, fmt.Sprintf("expected ',' or ']' after record %d, found %q", d.ord, c))
				}
				d.pos++
				if c, ok = d.peek(); !ok {
					return d.cut(d.pos, false)
				}
				at = d.pos
				if c == ']' || c == ',' {
					return d.broken(at, false, fmt.Sprintf("expected a record after ',', found %q", c))
				}
			}
			d.first = false
			v, err := d.value(at)
			if err != nil {
				return d.spanFailed(err)
			}
			d.ord++
			return v, d.ord, nil
		case stObject:
			if !ok {
				return d.cut(at, !d.sawRecords)
			}
			if c == '}' {
				d.pos++
				d.st = stTop
				if d.sawRecords {
					continue
				}
				d.ord++
				return d.object(), d.ord, nil
			}
			if len(d.members) > 0 || d.sawRecords {
				if c != ',' {
					return d.broken(at, !d.sawRecords, fmt.Sprintf("expected ',' or '}' in an object, found %q", c))
				}
				d.pos++
				if c, ok = d.peek(); !ok {
					return d.cut(d.pos, !d.sawRecords)
				}
				at = d.pos
			}
			if c != '"' {
				return d.broken(at, !d.sawRecords, fmt.Sprintf("expected a member's name, found %q", c))
			}
			k, err := d.value(at)
			if err != nil {
				return d.spanFailed(err)
			}
			var key string
			if json.Unmarshal(k, &key) != nil {
				return d.broken(at, !d.sawRecords, fmt.Sprintf("a member's name that is not a string: %.40q", k))
			}
			if c, ok = d.peek(); !ok {
				return d.cut(d.pos, !d.sawRecords)
			}
			if c != ':' {
				return d.broken(d.pos, !d.sawRecords, fmt.Sprintf("expected ':' after %q, found %q", key, c))
			}
			d.pos++
			if c, ok = d.peek(); !ok {
				return d.cut(d.pos, !d.sawRecords)
			}
			if (key == "Records" || key == "Events") && c == '[' && !d.sawRecords {
				d.pos++
				d.sawRecords, d.members = true, nil
				d.st, d.first = stRecords, true
				d.documents++
				continue
			}
			v, err := d.value(d.pos)
			if err != nil {
				return d.spanFailed(err)
			}
			if !d.sawRecords {
				d.members = append(d.members, member{key, v})
				if d.objSize += len(key) + len(v) + 4; d.objSize > d.max {
					return nil, 0, tooLong(d.ord+1, d.objStart, d.max)
				}
			}
		}
	}
}

// value reads the value at buf[at] and returns a copy of it.
func (d *docReader) value(at int) ([]byte, *errSpan) {
	start, end, err := d.span(at)
	if err == nil && end-start > d.max {
		err = &errSpan{at: start, big: true}
	}
	if err != nil {
		return nil, err
	}
	d.pos = end
	return bytes.Clone(d.buf[start:end]), nil
}

// spanFailed reports a value whose end was not found.
func (d *docReader) spanFailed(e *errSpan) ([]byte, uint32, error) {
	if e.big {
		return nil, 0, tooLong(d.ord+1, d.offset(e.at), d.max)
	}
	lost := d.st != stObject || !d.sawRecords
	if e.cut {
		return d.cut(e.at, lost)
	}
	return d.broken(e.at, lost, e.msg)
}

// object rebuilds the top-level object read member by member, compact.
func (d *docReader) object() []byte {
	var b bytes.Buffer
	b.Grow(d.objSize + 2)
	b.WriteByte('{')
	for i, m := range d.members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		if json.Compact(&b, m.val) != nil {
			b.Write(m.val)
		}
	}
	b.WriteByte('}')
	d.members = nil
	return b.Bytes()
}

func tooLong(ord uint32, off int64, max int) error {
	return fmt.Errorf("record %d (byte %d): a JSON value longer than the %d MiB limit", ord, off, max>>20)
}

// lost counts the value being read as a lost record, and returns its number.
func (d *docReader) lose(lost bool) uint32 {
	if d.st == stObject && !d.sawRecords {
		lost = true
	}
	if lost {
		d.ord++
		return d.ord
	}
	return d.ord
}

// cut reports the input ending inside a value (a lost record) or a document's frame.
func (d *docReader) cut(at int, lost bool) ([]byte, uint32, error) {
	off := d.offset(at)
	if d.st == stObject && !d.sawRecords {
		off, lost = d.objStart, true
	}
	ord := d.lose(lost)
	d.done = true
	msg := fmt.Sprintf("byte %d: the input ends inside a JSON document (cut short)", off)
	if lost {
		msg = fmt.Sprintf("byte %d: the input ends inside record %d (cut short)", off, ord)
	}
	return nil, ord, &badValue{ord: ord, off: off, reason: reasonCut, text: msg, count: lost, fatal: d.rerr}
}

// broken reports a syntax error at buf[at] and starts again at the next line that opens a
// document.
func (d *docReader) broken(at int, lost bool, what string) ([]byte, uint32, error) {
	off := d.offset(at)
	if d.st == stObject && !d.sawRecords {
		lost = true
	}
	ord := d.lose(lost)
	msg := fmt.Sprintf("byte %d: invalid JSON: %s", off, what)
	if lost {
		msg = fmt.Sprintf("byte %d: invalid JSON in record %d: %s", off, ord, what)
	}
	d.pos = at
	skipped := d.resync()
	if skipped > 0 {
		msg += fmt.Sprintf("; %d bytes passed over", skipped)
	}
	if d.done {
		msg += " to the end of the input"
	}
	return nil, ord, &badValue{ord: ord, off: off, reason: reasonJSON, text: msg, count: lost, fatal: d.rerr}
}

// resync passes over the rest of the line at pos and every line up to one that starts with '{'
// or '[', and reads on there between documents. It returns how many bytes it passed over.
func (d *docReader) resync() int64 {
	from := d.offset(d.pos)
	d.st, d.members, d.sawRecords = stTop, nil, false
	for first := true; ; first = false {
		if !first { // at the start of a line: is it a document's?
			for d.pos >= len(d.buf) {
				if _, ok := d.more(d.pos); !ok {
					d.done = true
					return d.offset(d.pos) - from
				}
			}
			if c := d.buf[d.pos]; c == '{' || c == '[' {
				return d.offset(d.pos) - from
			}
		}
		for { // pass the line over
			if i := bytes.IndexByte(d.buf[d.pos:], '\n'); i >= 0 {
				d.pos += i + 1
				break
			}
			d.pos = len(d.buf)
			if _, ok := d.more(d.pos); !ok {
				d.done = true
				return d.offset(d.pos) - from
			}
		}
	}
}

// lineText returns the start of the rest of the line at buf[at].
func (d *docReader) lineText(at int) []byte {
	b := d.buf[at:min(len(d.buf), at+60)]
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	return bytes.Clone(b)
}
