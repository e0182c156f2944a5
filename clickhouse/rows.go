package clickhouse

import (
	"bytes"
	"fmt"
	"io"
)

// lineReader splits a response body into lines and watches for the ways a server reports an
// error after it has already answered 200 OK and sent part of the result:
//
//   - up to 24.10 (18.16 included) the exception text is appended after the last complete
//     row ("Code: 395, e.displayText() = DB::Exception: ..." on 18.16, "Code: 395.
//     DB::Exception: ..." later) and the response ends normally; the text may span lines;
//   - from 24.11 a line "__exception__" precedes the text and the response is cut short;
//   - from 25.11 the block is "\r\n__exception__\r\n<tag>\r\n<text>\n<size> <tag>\r\n
//     __exception__\r\n" with the tag announced in the X-ClickHouse-Exception-Tag header
//     (descriptions differ on whether the tag shares the marker's line; both are read).
//
// So a line is handed on only once the line after it has been read and is not a marker, and
// lines from one that looks like the start of an exception text are held back until the end of
// the body (at most maxHeldBytes; more than that cannot be an exception text, and the lines
// are handed on). Held lines are an exception text if the body ends there and they end like
// one too (", e.what() = DB::Exception" or "(version ...)"). Two results are still taken for
// an error: one with a line that is exactly "__exception__", and one whose last line both
// starts "Code: <n>, e.displayText() = " or "Code: <n>. DB::Exception:" and ends so.
type lineReader struct {
	r    io.Reader
	tag  string // X-ClickHouse-Exception-Tag, if the server sent one
	buf  []byte
	hold int // start of the lines not yet handed on
	scan int // start of the next line to find
	seen int // bytes from scan known to hold no line feed
	end  int // end of the data in buf
	eof  bool
	rerr error
	// suspect says the held lines start with what looks like an exception text.
	suspect bool
}

const (
	maxHeldBytes = 1 << 20
	// maxErrorBody is how much of an error response or exception text is kept.
	maxErrorBody = 1 << 20
)

func newLineReader(r io.Reader, tag string) *lineReader {
	return &lineReader{r: r, tag: tag, buf: make([]byte, 64<<10)}
}

// next returns the offsets of the next complete line (without its line feed), or io.EOF when
// the body ended (bytes after the last line feed stay in buf[scan:end]), or a read error.
func (lr *lineReader) next() (int, int, error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.scan+lr.seen:lr.end], '\n'); i >= 0 {
			s, e := lr.scan, lr.scan+lr.seen+i
			lr.scan, lr.seen = e+1, 0
			return s, e, nil
		}
		lr.seen = lr.end - lr.scan
		if lr.eof {
			return 0, 0, io.EOF
		}
		if lr.rerr != nil {
			return 0, 0, lr.rerr
		}
		if lr.end == len(lr.buf) {
			if lr.hold > 0 {
				n := copy(lr.buf, lr.buf[lr.hold:lr.end])
				lr.scan -= lr.hold
				lr.end = n
				lr.hold = 0
			} else {
				nb := make([]byte, 2*len(lr.buf))
				copy(nb, lr.buf[:lr.end])
				lr.buf = nb
			}
		}
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err == io.EOF {
			lr.eof = true
		} else if err != nil {
			lr.rerr = err
		}
	}
}

// each calls fn with every line of the body (fn may modify the line in place; it is valid
// only during the call). It returns fn's error, a *ServerError for an exception reported
// in the body, or the error that cut the body short.
func (lr *lineReader) each(fn func(line []byte) error) error {
	for {
		s, e, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if lr.suspect {
				return exceptionInBody(lr.buf[lr.hold:lr.end], err)
			}
			return fmt.Errorf("clickhouse: reading result: %w", err)
		}
		line := lr.buf[s:e]
		if lr.isMarker(line) {
			return lr.markerError(e + 1)
		}
		if lr.suspect && e-lr.hold <= maxHeldBytes {
			continue
		}
		if err := lr.handOn(s, fn); err != nil {
			return err
		}
		lr.hold = s
		lr.suspect = looksLikeException(line)
	}
	rest := lr.buf[lr.scan:lr.end]
	if lr.suspect && endsLikeException(lr.buf[lr.hold:lr.end]) {
		return exceptionInBody(lr.buf[lr.hold:lr.end], nil)
	}
	if len(rest) > 0 {
		if looksLikeException(rest) && endsLikeException(rest) {
			if err := lr.handOn(lr.scan, fn); err != nil {
				return err
			}
			return exceptionInBody(rest, nil)
		}
		return fmt.Errorf("clickhouse: reading result: last row %.60q has no line feed (result cut short)", rest)
	}
	return lr.handOn(lr.scan, fn)
}

// handOn passes the held lines, which end before offset upto, to fn.
func (lr *lineReader) handOn(upto int, fn func([]byte) error) error {
	for lr.hold < upto {
		i := bytes.IndexByte(lr.buf[lr.hold:upto], '\n')
		if i < 0 {
			break
		}
		line := lr.buf[lr.hold : lr.hold+i]
		lr.hold += i + 1
		if fn != nil {
			if err := fn(line); err != nil {
				return err
			}
		}
	}
	lr.hold = upto
	return nil
}

// isMarker reports whether line opens an exception block: "__exception__" alone (24.11), or
// with the response's tag on the line (25.11, which announces the tag in a header).
func (lr *lineReader) isMarker(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("__exception__"))
	if !ok {
		return false
	}
	rest = bytes.TrimRight(rest, "\r")
	return len(rest) == 0 || lr.tag != "" && string(rest) == lr.tag
}

// markerError reads the exception block that follows an "__exception__" line at offset from.
func (lr *lineReader) markerError(from int) error {
	text := append([]byte{}, lr.buf[from:lr.end]...)
	if !lr.eof && lr.rerr == nil {
		more, _ := io.ReadAll(io.LimitReader(lr.r, maxErrorBody))
		text = append(text, more...)
	}
	// Drop the framing: the markers, the tag, and the "<size> <tag>" line.
	var msg [][]byte
	for _, l := range bytes.Split(text, []byte("\n")) {
		l = bytes.TrimRight(l, "\r")
		l = bytes.TrimSuffix(bytes.TrimPrefix(l, []byte("__exception__")), []byte("__exception__"))
		if lr.tag != "" {
			l = bytes.TrimSuffix(bytes.TrimPrefix(l, []byte(lr.tag)), []byte(lr.tag))
		}
		if t := bytes.TrimSpace(l); len(t) == 0 || allDigits(t) {
			continue
		}
		msg = append(msg, l)
	}
	return exceptionInBody(bytes.Join(msg, []byte("\n")), nil)
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// looksLikeException reports whether b starts like ClickHouse's exception text:
// "Code: 60, e.displayText() = DB::Exception: ..." (to 20.x) or "Code: 60. DB::Exception: ...".
func looksLikeException(b []byte) bool {
	rest, ok := bytes.CutPrefix(b, []byte("Code: "))
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 {
		return false
	}
	rest = rest[n:]
	return bytes.HasPrefix(rest, []byte(", e.displayText() = ")) || bytes.HasPrefix(rest, []byte(". DB::Exception:"))
}

// endsLikeException reports whether b ends like ClickHouse's exception text: ", e.what() =
// DB::Exception" (to 20.x) or "(version 21.3.1.1)", "(version 24.8.3.59 (official build))".
func endsLikeException(b []byte) bool {
	b = bytes.TrimRight(b, "\r\n ")
	if bytes.HasSuffix(b, []byte(", e.what() = DB::Exception")) {
		return true
	}
	if !bytes.HasSuffix(b, []byte(")")) {
		return false
	}
	i := bytes.LastIndexByte(b, '\n')
	return bytes.Contains(b[i+1:], []byte("(version "))
}

// exceptionInBody makes the error for an exception text found in a 200 OK body.
func exceptionInBody(text []byte, cause error) error {
	se := parseServerError(200, "", text)
	if se.Code == 0 && cause != nil {
		return fmt.Errorf("clickhouse: reading result: %w", cause)
	}
	return se
}
