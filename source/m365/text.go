package m365

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluice-hunt/sluice/source"
)

// Windows PowerShell 5.1 writes files in UTF-16 (Out-File and the > redirection): the reader
// takes input in UTF-8 or, after its byte order mark, UTF-16 of either byte order.

// utf16Order tells UTF-16 input by its byte order mark: 1 little-endian, 2 big-endian, 0 not.
func utf16Order(b []byte) int {
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return 1
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return 2
	}
	return 0
}

// utf8Head returns the sniffed head as UTF-8 text without a byte order mark.
func utf8Head(head []byte) []byte {
	order := utf16Order(head)
	if order == 0 {
		if len(head) >= 3 && string(head[:3]) == string(source.BOM) {
			return head[3:]
		}
		return head
	}
	out := make([]byte, 0, len(head))
	u := utf16Decoder{be: order == 2, high: -1}
	return u.decode(out, head[2:len(head)&^1])
}

// textHead returns a reader of r's text as UTF-8 without a byte order mark, and its first
// source.SniffSize bytes.
func textHead(r io.Reader) (*bufio.Reader, []byte, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < source.SniffSize {
		br = bufio.NewReaderSize(r, source.SniffSize)
	}
	b, err := br.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, err
	}
	if order := utf16Order(b); order != 0 {
		br.Discard(2)
		br = bufio.NewReaderSize(&utf16Reader{r: br, d: utf16Decoder{be: order == 2, high: -1}}, source.SniffSize)
	} else if len(b) >= 3 && string(b) == string(source.BOM) {
		br.Discard(3)
	}
	head, err := br.Peek(source.SniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, err
	}
	return br, head, nil
}

// utf16Decoder turns UTF-16 code units into UTF-8, across calls.
type utf16Decoder struct {
	be   bool
	high rune // a high surrogate waiting for its low half, or -1
}

// decode appends the UTF-8 of the code units of b (an even number of bytes) to out.
func (u *utf16Decoder) decode(out, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		var v rune
		if u.be {
			v = rune(b[i])<<8 | rune(b[i+1])
		} else {
			v = rune(b[i+1])<<8 | rune(b[i])
		}
		if u.high >= 0 {
			h := u.high
			u.high = -1
			if utf16.IsSurrogate(v) && v >= 0xDC00 {
				out = utf8.AppendRune(out, utf16.DecodeRune(h, v))
				continue
			}
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		switch {
		case v >= 0xD800 && v < 0xDC00:
			u.high = v
		case utf16.IsSurrogate(v):
			out = utf8.AppendRune(out, utf8.RuneError)
		default:
			out = utf8.AppendRune(out, v)
		}
	}
	return out
}

// utf16Reader reads UTF-16 text as UTF-8.
type utf16Reader struct {
	r   io.Reader
	d   utf16Decoder
	raw [32 << 10]byte
	odd int // a byte of raw waiting for its pair
	buf []byte
	out []byte
	err error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.r.Read(u.raw[u.odd:])
		n += u.odd
		even := n &^ 1
		u.buf = u.d.decode(u.buf[:0], u.raw[:even])
		u.odd = copy(u.raw[:], u.raw[even:n])
		if err != nil {
			if errors.Is(err, io.EOF) && (u.odd > 0 || u.d.high >= 0) {
				u.buf = utf8.AppendRune(u.buf, utf8.RuneError) // a unit or pair cut short
				u.odd, u.d.high = 0, -1
			}
			u.err = err
		}
		u.out = u.buf
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}
