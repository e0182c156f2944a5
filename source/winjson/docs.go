package winjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sluice-hunt/sluice/source"
)

// lineTracker counts the lines of the raw input as the decoder reads it, so that a document's
// offset can be turned into the line it starts on.
type lineTracker struct {
	r    io.Reader
	off  int64   // bytes read so far
	nls  []int64 // offsets of the newlines read and not yet counted
	line uint32  // newlines counted (all before the last offset asked about)
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		t.nls = append(t.nls, t.off+int64(i+j))
		i += j + 1
	}
	t.off += int64(n)
	return n, err
}

// lineAt returns the 1-based line of the byte at offset off. Offsets asked about must not
// decrease.
func (t *lineTracker) lineAt(off int64) uint32 {
	i := 0
	for i < len(t.nls) && t.nls[i] < off {
		i++
	}
	t.line += uint32(i)
	t.nls = t.nls[i:]
	return t.line + 1
}

// blanker turns evtx_dump's "Record N" lines (at the start of a line, nothing but the word and
// a number) into spaces, which the decoder passes over between documents: offsets and lines stay
// as they are in the input.
type blanker struct {
	r     io.Reader
	buf   []byte // bytes read and not handed out: buf[off:ready] are checked
	off   int
	ready int
	bol   bool // buf[ready] starts a line
	err   error
}

const blankerSize = 32 << 10

func (b *blanker) Read(p []byte) (int, error) {
	for idle := 0; b.ready == b.off; idle++ {
		if idle > 100 {
			return 0, io.ErrNoProgress
		}
		if b.err != nil {
			if b.ready == len(b.buf) {
				return 0, b.err
			}
			b.ready = len(b.buf) // a last line that is no header after all
			break
		}
		if b.off > 0 && b.off == len(b.buf) {
			b.buf, b.off, b.ready = b.buf[:0], 0, 0
		}
		if cap(b.buf)-len(b.buf) < blankerSize/2 {
			nb := make([]byte, len(b.buf)-b.off, max(blankerSize, 2*(len(b.buf)-b.off)))
			copy(nb, b.buf[b.off:])
			b.buf, b.ready, b.off = nb, b.ready-b.off, 0
		}
		n, err := b.r.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+n]
		b.err = err
		b.check()
	}
	n := copy(p, b.buf[b.off:b.ready])
	b.off += n
	return n, nil
}

// check blanks the header lines of buf from ready on and moves ready up to what may be handed
// out: all but a last line that may yet turn out to be a header.
func (b *blanker) check() {
	for s := b.ready; s < len(b.buf); {
		if !b.bol {
			i := bytes.IndexByte(b.buf[s:], '\n')
			if i < 0 {
				b.ready = len(b.buf)
				return
			}
			s += i + 1
			b.ready, b.bol = s, true
			continue
		}
		line := b.buf[s:]
		i := bytes.IndexByte(line, '\n')
		if i < 0 {
			if b.err == nil && mayBeHeader(line) {
				b.ready = s // wait for the rest of the line
				return
			}
			b.ready, b.bol = len(b.buf), false
			return
		}
		if isRecordHeader(line[:i]) && line[0] == 'R' {
			for k := range line[:i] {
				line[k] = ' '
			}
		}
		s += i + 1
		b.ready = s
	}
}

// mayBeHeader reports the start of a line that may be a "Record N" line.
func mayBeHeader(b []byte) bool {
	const word = "Record "
	if len(b) > 40 {
		return false
	}
	if len(b) <= len(word) {
		return word[:len(b)] == string(b)
	}
	if string(b[:len(word)]) != word {
		return false
	}
	for _, c := range b[len(word):] {
		if (c < '0' || c > '9') && c != '\r' {
			return false
		}
	}
	return true
}

// errTooLong is what the guard returns once a document outgrows the limit.
var errTooLong = errors.New("document too long")

// guard stops the decoder from buffering more than max bytes of one document: it fails a read
// asked for while the document that the decoder is reading is already longer than the limit.
type guard struct {
	r   io.Reader
	n   int64 // bytes handed to the current decoder
	max int64 // the decoder may not ask for more once n passes this
}

func (g *guard) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errTooLong
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// docs reads JSON documents one after another, pretty-printed or not, with encoding/json's
// streaming Decoder: top-level objects one after another, or the elements of top-level arrays.
// Between documents it passes over evtx_dump's "Record N" lines. When the decoder fails on a
// document (junk, a document cut short and followed by another), it reports the document and
// starts a new decoder at the next line that begins with '{' or '[' no deeper than the
// documents seen so far.
type docs struct {
	lt        lineTracker
	src       io.Reader // what the current decoder's guard reads: the input, after any bytes taken back
	g         guard
	dec       *json.Decoder
	br        *bufio.Reader // scratch for resyncing
	base      int64         // offset in the input of the current decoder's first byte
	lineStart bool          // the current decoder starts at the start of a line
	inArray   bool          // the current decoder is inside a top-level array
	arrays    bool          // the input holds arrays of documents
	indent    int           // indentation of the first line of the documents seen
	done      bool
	max       int64
}

func newDocs(r io.Reader) *docs {
	d := &docs{max: source.MaxLine}
	d.lt.r = r
	d.restart(&blanker{r: &d.lt, bol: true}, 0, true)
	return d
}

// restart starts a new decoder reading src, whose first byte is at offset base of the input.
func (d *docs) restart(src io.Reader, base int64, lineStart bool) {
	d.src = src
	d.g = guard{r: src, max: d.max}
	d.dec = json.NewDecoder(&d.g)
	d.base = base
	d.lineStart = lineStart
	d.inArray = false
}

// badDoc is a document or line that cannot be read: the caller reports it and reads on.
type badDoc struct {
	line         uint32
	reason, text string
}

func (e *badDoc) Error() string { return e.text }

// held returns what the decoder has buffered and not used, from offset rel (relative to the
// decoder) on.
func (d *docs) held(rel int64) *bytes.Reader {
	rel = d.clamp(rel)
	br, _ := d.dec.Buffered().(*bytes.Reader)
	if br == nil { // not so in any Go release: Buffered is a bytes.Reader of the buffer
		br = bytes.NewReader(nil)
	}
	if skip := rel - d.dec.InputOffset(); skip > 0 {
		br.Seek(skip, io.SeekStart)
	}
	return br
}

// clamp moves an offset relative to the decoder up to what it has used: a failed Decode in an
// array has taken the comma before the element.
func (d *docs) clamp(rel int64) int64 {
	return max(rel, d.dec.InputOffset())
}

// scan returns the first byte from rel on that is not white space (nor, with comma, a comma
// before it), its offset relative to the decoder and the indentation of its line (-1 when
// unknown: something comes before it on its line). ok is false when the buffer holds none.
func (d *docs) scan(rel int64, comma bool) (c byte, at int64, indent int, ok bool) {
	rel = d.clamp(rel)
	br := d.held(rel)
	indent = -1
	if rel == 0 && d.lineStart {
		indent = 0
	}
	at = rel
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, at, indent, false
		}
		switch {
		case b == ' ' || b == '\t' || b == '\r':
			if indent >= 0 {
				indent++
			}
		case b == '\n':
			indent = 0
		case b == ',' && comma:
			comma = false
			indent = -1
		default:
			return b, at, indent, true
		}
		at++
	}
}

// peek returns the next byte that is not white space, its offset relative to the decoder and
// the indentation of its line. ok is false at the end of the input.
func (d *docs) peek() (c byte, rel int64, indent int, ok bool, err error) {
	d.dec.More() // fills the decoder's buffer up to the next byte that is not white space
	c, rel, indent, ok = d.scan(d.dec.InputOffset(), false)
	if ok {
		return c, rel, indent, true, nil
	}
	// nothing but white space is buffered: the end of the input, or a read error
	var raw json.RawMessage
	if e := d.dec.Decode(&raw); e != nil && !errors.Is(e, io.EOF) {
		return 0, rel, indent, false, e
	}
	return 0, rel, indent, false, nil
}

// next returns the next document and the line it starts on, io.EOF at the end of the input,
// a *badDoc for a document or line that cannot be read (call next again), and any other error
// when the input cannot be read on.
func (d *docs) next() ([]byte, uint32, error) {
	for {
		if d.done {
			return nil, 0, io.EOF
		}
		// a document starting here may take up to max bytes
		d.g.max = d.dec.InputOffset() + d.max
		c, rel, indent, ok, err := d.peek()
		if err != nil {
			return nil, 0, d.fatal(err, rel)
		}
		if !ok {
			d.done = true
			return nil, 0, io.EOF
		}
		switch {
		case d.inArray && c == ']':
			_, err := d.dec.Token()
			var syn *json.SyntaxError
			if errors.As(err, &syn) { // "[{..},]": report it, pass the bracket over
				line := d.lt.lineAt(d.base + rel)
				if err := d.resync(rel+1, false, 0); err != nil {
					return nil, 0, err
				}
				return nil, line, &badDoc{line: line, reason: reasonJSON, text: "invalid JSON: " + err.Error()}
			}
			if err != nil {
				return nil, 0, d.fatal(err, rel)
			}
			d.inArray = false
			continue
		case d.inArray:
			// an element: the decoder takes the comma before it
		case c == '{':
			if indent >= 0 {
				d.indent = indent
			}
		case c == '[':
			if _, err := d.dec.Token(); err != nil {
				return nil, 0, d.fatal(err, rel)
			}
			d.inArray, d.arrays = true, true
			continue
		case (c == ',' || c == ']') && d.arrays:
			// the rest of an array after a resync: pass the separator over
			if err := d.resync(rel+1, false, 0); err != nil {
				return nil, 0, err
			}
			continue
		default:
			line := d.lt.lineAt(d.base + rel)
			text := d.lineText(rel)
			if err := d.resync(rel, true, d.indent); err != nil {
				return nil, 0, err
			}
			if isRecordHeader(text) {
				continue
			}
			return nil, line, &badDoc{line: line, reason: reasonJSON, text: fmt.Sprintf("not a JSON document: %q", clip(text))}
		}
		var raw json.RawMessage
		err = d.dec.Decode(&raw)
		if err == nil {
			end := d.base + d.dec.InputOffset()
			start := end - int64(len(raw))
			line := d.lt.lineAt(start)
			if int64(len(raw)) > d.max { // the guard lets a last read through
				return nil, 0, tooLong(line, start, d.max)
			}
			if len(raw) == 0 || raw[0] != '{' {
				// an element of an array that is no object
				return nil, line, &badDoc{line: line, reason: reasonJSON, text: fmt.Sprintf("not a JSON object: %q", clip(raw))}
			}
			return raw, line, nil
		}
		if d.inArray {
			if _, at, ind, ok := d.scan(rel, true); ok {
				rel, indent = at, ind
			}
		}
		start := d.base + rel
		line := d.lt.lineAt(start)
		var syn *json.SyntaxError
		switch {
		case errors.Is(err, errTooLong):
			return nil, 0, tooLong(line, start, d.max)
		case errors.Is(err, io.ErrUnexpectedEOF):
			d.done = true
			return nil, line, &badDoc{line: line, reason: reasonJSON, text: "JSON document cut short (the input ends inside it)"}
		case errors.As(err, &syn):
			msg := "invalid JSON: " + err.Error()
			if at := d.base + syn.Offset - 1; at >= start {
				msg = fmt.Sprintf("invalid JSON at line %d: %v", line+d.newlinesBefore(at), err)
			}
			if indent < 0 || d.indent > indent {
				indent = d.indent
			}
			if err := d.resync(rel, true, indent); err != nil {
				return nil, 0, err
			}
			return nil, line, &badDoc{line: line, reason: reasonJSON, text: msg}
		}
		return nil, 0, d.fatal(err, rel)
	}
}

func tooLong(line uint32, off, max int64) error {
	return fmt.Errorf("line %d (byte %d): a JSON document longer than the %d MiB limit", line, off, max>>20)
}

// newlinesBefore counts the newlines read, and not yet counted, before offset off.
func (d *docs) newlinesBefore(off int64) uint32 {
	n := uint32(0)
	for _, nl := range d.lt.nls {
		if nl >= off {
			break
		}
		n++
	}
	return n
}

// fatal describes an error that stops reading the input.
func (d *docs) fatal(err error, rel int64) error {
	return fmt.Errorf("byte %d: %w", d.base+rel, err)
}

// lineText returns the start of the line at rel (relative to the decoder), from its buffer.
func (d *docs) lineText(rel int64) []byte {
	b := make([]byte, 80)
	n, _ := d.held(rel).Read(b)
	b = b[:n]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
}

// isRecordHeader reports evtx_dump's "Record 42" line.
func isRecordHeader(b []byte) bool {
	rest, ok := bytes.CutPrefix(bytes.TrimSpace(b), []byte("Record "))
	if !ok || len(rest) == 0 {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// resync drops the decoder, takes back the bytes it buffered from rel on, and starts a new one.
// With skipLine it first passes the rest of the line at rel over, then every line up to one
// that starts (after at most indent blanks) with '{' or '['.
func (d *docs) resync(rel int64, skipLine bool, indent int) error {
	rel = d.clamp(rel)
	off := d.base + rel
	src := io.MultiReader(d.held(rel), d.src)
	if !skipLine {
		d.restart(src, off, false)
		return nil
	}
	if d.br == nil {
		d.br = bufio.NewReaderSize(src, 64<<10)
	} else {
		d.br.Reset(src)
	}
	br := d.br
	for first := true; ; first = false {
		if !first { // at the start of a line: is it a document's?
			b, _ := br.Peek(min(br.Size(), indent+1))
			i := 0
			for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
				i++
			}
			if i < len(b) && (b[i] == '{' || b[i] == '[') {
				break
			}
		}
		for { // pass the line over
			b, err := br.ReadSlice('\n')
			off += int64(len(b))
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				d.done = true
				return nil
			}
			return fmt.Errorf("byte %d: %w", off, err)
		}
	}
	// hand what br holds back to a new decoder, ahead of the rest of the input
	rest, _ := br.Peek(br.Buffered())
	d.restart(io.MultiReader(bytes.NewReader(bytes.Clone(rest)), src), off, true)
	return nil
}
