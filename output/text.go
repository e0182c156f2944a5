package output

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// safe makes text from logs fit for one line of a terminal: tabs and line breaks become
// spaces, other control characters and bidirectional overrides are shown escaped (\x1b,
// \u202e) so that a log record cannot move the cursor, recolor or reorder what the hunter
// reads, and invalid UTF-8 becomes U+FFFD.
func safe(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// runeWidth is the number of terminal cells r takes: 0 for combining marks and format
// characters, 2 for East Asian wide and fullwidth characters and emoji, else 1.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case r >= 0x1100 && r <= 0x115f, // Hangul Jamo
		r >= 0x2e80 && r <= 0x303e, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33ff, // kana, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, // pictographs, emoticons
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B..
		return 2
	}
	return 1
}

// width is the number of terminal cells s takes (s as returned by safe).
func width(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, r := range s[i:] {
				n += runeWidth(r)
			}
			return n
		}
		n++
	}
	return n
}

// truncate cuts s to at most w cells, ending it with "…" when cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > w-1 {
			return s[:i] + "…"
		}
		n += rw
	}
	return s
}

// truncateLeft cuts s to at most w cells keeping its end, starting it with "…" when cut:
// the end of a host name or a path says the most.
func truncateLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if width(s) <= w {
		return s
	}
	n, i := 0, len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if n+runeWidth(r) > w-1 {
			break
		}
		n += runeWidth(r)
		i -= size
	}
	return "…" + s[i:]
}

// wrap breaks s into lines of at most w cells at spaces; words longer than a line are cut.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	line, lw := "", 0
	for _, word := range strings.Fields(s) {
		ww := width(word)
		switch {
		case lw == 0:
		case lw+1+ww <= w:
			line += " " + word
			lw += 1 + ww
			continue
		default:
			lines = append(lines, line)
		}
		line, lw = truncate(word, w), min(ww, w)
	}
	if lw > 0 {
		lines = append(lines, line)
	}
	return lines
}

// pad writes s, colored when color is set, padded with spaces to w cells (on the left when
// right is set). s must fit in w.
func pad(b *bytes.Buffer, s string, w int, right bool, color string) {
	gap := w - width(s)
	if right {
		b.WriteString(strings.Repeat(" ", max(gap, 0)))
	}
	if color != "" && s != "" {
		b.WriteString(color)
		b.WriteString(s)
		b.WriteString(ansiReset)
	} else {
		b.WriteString(s)
	}
	if !right {
		b.WriteString(strings.Repeat(" ", max(gap, 0)))
	}
}
