package clickhouse

import (
	"io"
	"math"
	"strconv"
	"time"
)

// appendEscaped appends b TabSeparated-escaped: backslash, tab, line feed, carriage return,
// NUL, backspace and form feed become two-byte escapes; every other byte (quotes, other
// control bytes, invalid UTF-8) is copied as is, which the TabSeparated reader accepts.
func appendEscaped(dst, b []byte) []byte {
	start := 0
	for i := 0; i < len(b); i++ {
		e := tsvEscape[b[i]]
		if e == 0 {
			continue
		}
		dst = append(dst, b[start:i]...)
		dst = append(dst, '\\', e)
		start = i + 1
	}
	return append(dst, b[start:]...)
}

func appendEscapedString(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		e := tsvEscape[s[i]]
		if e == 0 {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '\\', e)
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// tsvEscape maps a byte to the letter of its escape sequence in a TabSeparated field, or 0.
var tsvEscape = [256]byte{'\\': '\\', '\t': 't', '\n': 'n', '\r': 'r', 0: '0', '\b': 'b', '\f': 'f'}

// quoteEscape is tsvEscape plus the single quote: the escapes of a quoted string literal.
var quoteEscape = func() [256]byte {
	t := tsvEscape
	t['\''] = '\''
	return t
}()

// identEscape is tsvEscape plus the backquote: the escapes of a backquoted identifier.
var identEscape = func() [256]byte {
	t := tsvEscape
	t['`'] = '`'
	return t
}()

// unescapeByte returns what the escape sequence "\c" stands for, as ClickHouse's text
// readers decode it (ReadHelpers.cpp: parseComplexEscapeSequence): the C escapes, and any
// other character stands for itself.
func unescapeByte(c byte) byte {
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'e':
		return 0x1b
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	case '0':
		return 0
	}
	return c
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescapeInPlace decodes the escapes of a TabSeparated field (or of the inside of a quoted
// literal) in place and returns the decoded prefix of b. "\xHH" is a hex byte, "\N" inside a
// value stands for nothing (as ClickHouse reads it), a trailing lone backslash is kept.
func unescapeInPlace(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] != '\\' {
		i++
	}
	w := i
	for i < len(b) {
		c := b[i]
		if c != '\\' {
			b[w] = c
			w++
			i++
			continue
		}
		if i+1 >= len(b) {
			b[w] = '\\'
			w++
			break
		}
		e := b[i+1]
		switch e {
		case 'x', 'X':
			if i+3 < len(b) {
				hi, ok1 := unhex(b[i+2])
				lo, ok2 := unhex(b[i+3])
				if ok1 && ok2 {
					b[w] = hi<<4 | lo
					w++
					i += 4
					continue
				}
			}
			b[w] = e
			w++
			i += 2
		case 'N':
			i += 2
		default:
			b[w] = unescapeByte(e)
			w++
			i += 2
		}
	}
	return b[:w]
}

// RowWriter writes rows in ClickHouse's TabSeparated format for Client.Insert: call one
// method per column, in the order of the columns given to Insert, then EndRow.
//
// Strings are escaped as the format requires (backslash, tab, line feed, carriage return,
// NUL, backspace, form feed); any bytes, invalid UTF-8 included, round-trip. Arrays are
// written as ClickHouse array literals (['a','b'], [1,2]) whose elements are quoted with
// Quote's escaping, which is how the format carries arrays (no second level of escaping).
//
// Errors are sticky: after a failed write every method does nothing and EndRow reports the
// error; a write function must stop when EndRow returns an error.
type RowWriter struct {
	buf    []byte
	w      io.Writer
	fields int
	rows   int64
	err    error
}

// rowWriterFlush is the buffered size at which EndRow hands the rows to the writer.
const rowWriterFlush = 64 << 10

func (w *RowWriter) sep() {
	if w.fields > 0 {
		w.buf = append(w.buf, '\t')
	}
	w.fields++
}

// String writes a String (or FixedString, Enum, Date as YYYY-MM-DD, UUID ...) value.
func (w *RowWriter) String(s string) {
	w.sep()
	w.buf = appendEscapedString(w.buf, s)
}

// Bytes writes a String value given as bytes (any bytes; they are copied).
func (w *RowWriter) Bytes(b []byte) {
	w.sep()
	w.buf = appendEscaped(w.buf, b)
}

// Int writes a signed integer. For a DateTime column use DateTime.
func (w *RowWriter) Int(v int64) {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

// Uint writes an unsigned integer.
func (w *RowWriter) Uint(v uint64) {
	w.sep()
	w.buf = strconv.AppendUint(w.buf, v, 10)
}

// DateTime writes t for a DateTime column as Unix seconds in exactly ten digits, the one
// numeric form the TabSeparated reader documents for DateTime (18.16 misreads a shorter
// number); it does not depend on the server's time zone. Times before 1970 are written as
// 1970-01-01 00:00:00, the DateTime minimum.
func (w *RowWriter) DateTime(t time.Time) {
	w.sep()
	sec := max(t.Unix(), 0)
	n := len(w.buf)
	w.buf = strconv.AppendInt(w.buf, sec, 10)
	if pad := 10 - (len(w.buf) - n); pad > 0 {
		w.buf = append(w.buf, "0000000000"[:pad]...)
		copy(w.buf[n+pad:], w.buf[n:len(w.buf)-pad])
		copy(w.buf[n:n+pad], "0000000000")
	}
}

// Float writes a Float64 or Float32 value; NaN and ±Inf are written as nan, inf and -inf.
func (w *RowWriter) Float(v float64) {
	w.sep()
	w.buf = appendFloat(w.buf, v)
}

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "nan"...)
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// Bool writes a boolean as 0 or 1 (a UInt8 column; Bool columns of current releases
// accept it too).
func (w *RowWriter) Bool(b bool) {
	w.sep()
	if b {
		w.buf = append(w.buf, '1')
	} else {
		w.buf = append(w.buf, '0')
	}
}

// Null writes NULL (\N), for a Nullable column.
func (w *RowWriter) Null() {
	w.sep()
	w.buf = append(w.buf, '\\', 'N')
}

// Strings writes an Array(String) value as ['a','b'] (an empty slice as []).
func (w *RowWriter) Strings(v []string) {
	w.sep()
	w.buf = append(w.buf, '[')
	for i, s := range v {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendQuoted(w.buf, s, '\'', &quoteEscape)
	}
	w.buf = append(w.buf, ']')
}

// Ints writes an Array of integers as [1,2,3].
func (w *RowWriter) Ints(v []int64) {
	w.sep()
	w.buf = append(w.buf, '[')
	for i, n := range v {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = strconv.AppendInt(w.buf, n, 10)
	}
	w.buf = append(w.buf, ']')
}

// EndRow ends the row. It returns the first error met writing rows to the server (then the
// insert has failed: stop writing).
func (w *RowWriter) EndRow() error {
	w.buf = append(w.buf, '\n')
	w.fields = 0
	w.rows++
	if len(w.buf) >= rowWriterFlush {
		w.flush()
	}
	return w.err
}

// flush hands the buffered rows to the underlying writer.
func (w *RowWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}
