package winxml

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Text encodings of an input, told by its first bytes.
const (
	encUTF8 = iota
	encUTF16LE
	encUTF16BE
)

// encodingOf tells an input's encoding by its first bytes, and how many of them are a byte
// order mark to drop. UTF-16 without a mark is recognized by a first '<' or '{' with a zero
// byte beside it.
func encodingOf(b []byte) (enc, bom int) {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return encUTF8, 3
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		return encUTF16LE, 2
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		return encUTF16BE, 2
	case len(b) >= 2 && (b[0] == '<' || b[0] == '{') && b[1] == 0:
		return encUTF16LE, 0
	case len(b) >= 2 && b[0] == 0 && (b[1] == '<' || b[1] == '{'):
		return encUTF16BE, 0
	}
	return encUTF8, 0
}

// decodeInput returns r as UTF-8 text, its byte order mark dropped and UTF-16 decoded as it
// is read.
func decodeInput(r io.Reader) *bufio.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 4 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, _ := br.Peek(4)
	enc, bom := encodingOf(head)
	_, _ = br.Discard(bom)
	if enc == encUTF8 {
		return br
	}
	return bufio.NewReaderSize(&utf16Reader{r: br, be: enc == encUTF16BE}, 64<<10)
}

// utf16Reader decodes UTF-16 text to UTF-8 as it is read. Unpaired surrogates and a last odd
// byte become U+FFFD.
type utf16Reader struct {
	r    io.Reader
	be   bool
	in   []byte // undecoded input: in[:n]
	n    int
	out  []byte // decoded: out[off:] is not yet returned
	off  int
	high rune // a high surrogate waiting for its pair, or 0
	err  error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for u.off == len(u.out) {
		if u.err != nil {
			return 0, u.err
		}
		if u.in == nil {
			u.in = make([]byte, 32<<10)
		}
		m, err := u.r.Read(u.in[u.n:])
		u.n += m
		even := u.n &^ 1
		u.out, u.off = u.decode(u.out[:0], u.in[:even]), 0
		u.n = copy(u.in, u.in[even:u.n])
		if err != nil {
			if u.high != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.high = 0
			}
			if u.n > 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.n = 0
			}
			u.err = err
		}
	}
	n := copy(p, u.out[u.off:])
	u.off += n
	return n, nil
}

// decode appends the UTF-8 of the UTF-16 units in b (an even number of bytes).
func (u *utf16Reader) decode(dst, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		if u.high == 0 { // ASCII, the most of it
			lo, hi := b[i], b[i+1]
			if u.be {
				lo, hi = hi, lo
			}
			if hi == 0 && lo < utf8.RuneSelf {
				dst = append(dst, lo)
				continue
			}
		}
		var c rune
		if u.be {
			c = rune(b[i])<<8 | rune(b[i+1])
		} else {
			c = rune(b[i+1])<<8 | rune(b[i])
		}
		if u.high != 0 {
			h := u.high
			u.high = 0
			if c >= 0xDC00 && c < 0xE000 {
				dst = utf8.AppendRune(dst, utf16.DecodeRune(h, c))
				continue
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
		switch {
		case c < utf8.RuneSelf:
			dst = append(dst, byte(c))
		case c >= 0xD800 && c < 0xDC00:
			u.high = c
		case c >= 0xDC00 && c < 0xE000:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = utf8.AppendRune(dst, c)
		}
	}
	return dst
}

// headUTF8 returns the first bytes of an input as UTF-8 (for sniffing), without its byte order
// mark.
func headUTF8(head []byte) []byte {
	enc, bom := encodingOf(head)
	head = head[bom:]
	if enc == encUTF8 {
		return head
	}
	u := utf16Reader{be: enc == encUTF16BE}
	return u.decode(make([]byte, 0, len(head)/2+16), head[:len(head)&^1])
}
