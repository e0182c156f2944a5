package clickhouse

import (
	"errors"
	"fmt"
)

// Quote returns s as a ClickHouse string literal: between single quotes, with backslash and
// the single quote escaped by a backslash, and tab, line feed, carriage return, NUL,
// backspace and form feed written as \t \n \r \0 \b \f. Other bytes (UTF-8 or not) are kept
// as they are: the server reads the literal back as exactly s, so any string is safe to
// splice into SQL this way (18.16 has no query parameters; see the package documentation).
func Quote(s string) string {
	return string(appendQuoted(make([]byte, 0, len(s)+2), s, '\'', &quoteEscape))
}

// QuoteIdent returns s as a backquoted identifier (`name`), escaped like Quote with the
// backquote in place of the single quote. A dotted name ("db.table") becomes one identifier;
// quote each part separately to name a table in another database.
func QuoteIdent(s string) string {
	return string(appendQuoted(make([]byte, 0, len(s)+2), s, '`', &identEscape))
}

func appendQuoted(dst []byte, s string, q byte, esc *[256]byte) []byte {
	dst = append(dst, q)
	start := 0
	for i := 0; i < len(s); i++ {
		e := esc[s[i]]
		if e == 0 {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '\\', e)
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, q)
}

// unquote reads a literal quoted with q (' or `) at the start of b, as ClickHouse's
// readQuotedString does: backslash escapes and a doubled quote stand for the quote. It
// returns the decoded value (a new slice) and the number of bytes of b used.
func unquote(b []byte, q byte) ([]byte, int, error) {
	if len(b) == 0 || b[0] != q {
		return nil, 0, errors.New("missing opening quote")
	}
	out := make([]byte, 0, len(b))
	for i := 1; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			if i+1 >= len(b) {
				return nil, 0, errors.New("unterminated quoted string")
			}
			e := b[i+1]
			if (e == 'x' || e == 'X') && i+3 < len(b) {
				hi, ok1 := unhex(b[i+2])
				lo, ok2 := unhex(b[i+3])
				if ok1 && ok2 {
					out = append(out, hi<<4|lo)
					i += 4
					continue
				}
			}
			if e != 'N' {
				out = append(out, unescapeByte(e))
			}
			i += 2
		case c == q:
			if i+1 < len(b) && b[i+1] == q {
				out = append(out, q)
				i += 2
				continue
			}
			return out, i + 1, nil
		default:
			out = append(out, c)
			i++
		}
	}
	return nil, 0, errors.New("unterminated quoted string")
}

// ParseArray splits an array as ClickHouse writes it in a TabSeparated result (the raw field
// Client.Query passes for Array columns, e.g. ['a','b\'c'] or [1,2] or [NULL,'x']) into its
// elements: quoted strings are decoded, NULL becomes a nil slice, anything else (numbers,
// nested arrays, tuples) is returned as its text. The slices are new; b is not kept.
func ParseArray(b []byte) ([][]byte, error) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, fmt.Errorf("clickhouse: array %.40q: not in brackets", b)
	}
	inner := b[1 : len(b)-1]
	var out [][]byte
	i := skipSpace(inner, 0)
	if i == len(inner) {
		return [][]byte{}, nil
	}
	for {
		i = skipSpace(inner, i)
		if i == len(inner) {
			return nil, fmt.Errorf("clickhouse: array %.40q: missing element", b)
		}
		switch inner[i] {
		case '\'':
			v, n, err := unquote(inner[i:], '\'')
			if err != nil {
				return nil, fmt.Errorf("clickhouse: array %.40q: %v", b, err)
			}
			out = append(out, v)
			i += n
		default:
			end, err := elementEnd(inner, i)
			if err != nil {
				return nil, fmt.Errorf("clickhouse: array %.40q: %v", b, err)
			}
			tok := trimSpace(inner[i:end])
			if string(tok) == "NULL" {
				out = append(out, nil)
			} else {
				out = append(out, append([]byte{}, tok...))
			}
			i = end
		}
		i = skipSpace(inner, i)
		if i == len(inner) {
			return out, nil
		}
		if inner[i] != ',' {
			return nil, fmt.Errorf("clickhouse: array %.40q: unexpected %q after element", b, inner[i])
		}
		i++
	}
}

// elementEnd returns where the unquoted element starting at i ends: at the first comma
// outside brackets and quotes, or at the end.
func elementEnd(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '\'':
			_, n, err := unquote(b[i:], '\'')
			if err != nil {
				return 0, err
			}
			i += n
			continue
		case '[', '(', '{':
			depth++
		case ']', ')', '}':
			depth--
			if depth < 0 {
				return 0, errors.New("unbalanced brackets")
			}
		case ',':
			if depth == 0 {
				return i, nil
			}
		}
		i++
	}
	if depth != 0 {
		return 0, errors.New("unbalanced brackets")
	}
	return i, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b[skipSpace(b, 0):]
}
