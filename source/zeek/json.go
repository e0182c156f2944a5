package zeek

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The kinds of JSON values a record's fields hold.
const (
	kindScalar = iota // string, number or boolean: val holds its text (strings unescaped)
	kindNull
	kindArray // items hold the elements' texts
)

// kv is one field of a JSON record. Nested objects are flattened: {"id":{"orig_h":..}} gives
// the key "id.orig_h".
type kv struct {
	key   []byte
	val   []byte
	items [][]byte
	kind  int
}

// scanner parses one-object-a-line JSON into kvs, reusing its buffers between lines.
type scanner struct {
	kvs   []kv
	items [][]byte
	keys  []byte // arena for flattened keys
	buf   []byte
	pos   int
}

var errSyntax = errors.New("invalid JSON")

func (s *scanner) errAt(what string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.pos+1, what)
}

// scan parses line, which must hold one object.
func (s *scanner) scan(line []byte) ([]kv, error) {
	s.kvs = s.kvs[:0]
	s.items = s.items[:0]
	s.keys = s.keys[:0]
	s.buf = line
	s.pos = 0
	s.ws()
	if s.pos >= len(line) || line[s.pos] != '{' {
		return nil, s.errAt("expected an object")
	}
	if err := s.object(nil, 0); err != nil {
		return nil, err
	}
	s.ws()
	if s.pos != len(line) {
		return nil, s.errAt("text after the object")
	}
	return s.kvs, nil
}

func (s *scanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// object parses {...} at pos, adding its members with keys prefixed by prefix.
func (s *scanner) object(prefix []byte, depth int) error {
	if depth > 16 {
		return s.errAt("objects nested too deep")
	}
	s.pos++ // {
	s.ws()
	if s.pos < len(s.buf) && s.buf[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.buf) {
			return s.errAt("line ends inside an object (cut short?)")
		}
		if s.buf[s.pos] != '"' {
			return s.errAt("expected a key")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		if len(prefix) > 0 {
			start := len(s.keys)
			s.keys = append(s.keys, prefix...)
			s.keys = append(s.keys, '.')
			s.keys = append(s.keys, key...)
			key = s.keys[start:len(s.keys):len(s.keys)]
		}
		s.ws()
		if s.pos >= len(s.buf) || s.buf[s.pos] != ':' {
			return s.errAt("expected ':'")
		}
		s.pos++
		s.ws()
		if s.pos >= len(s.buf) {
			return s.errAt("line ends before a value (cut short?)")
		}
		switch s.buf[s.pos] {
		case '{':
			if err := s.object(key, depth+1); err != nil {
				return err
			}
		case '[':
			start := len(s.items)
			if err := s.array(depth); err != nil {
				return err
			}
			s.kvs = append(s.kvs, kv{key: key, kind: kindArray, items: s.items[start:len(s.items):len(s.items)]})
		default:
			v, kind, err := s.scalar()
			if err != nil {
				return err
			}
			s.kvs = append(s.kvs, kv{key: key, val: v, kind: kind})
		}
		s.ws()
		if s.pos >= len(s.buf) {
			return s.errAt("line ends inside an object (cut short?)")
		}
		switch s.buf[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errAt("expected ',' or '}'")
		}
	}
}

// array parses [...] of scalars into s.items; nested arrays and objects are skipped.
func (s *scanner) array(depth int) error {
	s.pos++ // [
	s.ws()
	if s.pos < len(s.buf) && s.buf[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.buf) {
			return s.errAt("line ends inside an array (cut short?)")
		}
		switch s.buf[s.pos] {
		case '[':
			if depth > 16 {
				return s.errAt("arrays nested too deep")
			}
			start := len(s.items)
			if err := s.array(depth + 1); err != nil {
				return err
			}
			s.items = s.items[:start]
		case '{':
			mark := len(s.kvs)
			if err := s.object([]byte("_"), depth+1); err != nil {
				return err
			}
			s.kvs = s.kvs[:mark]
		default:
			v, kind, err := s.scalar()
			if err != nil {
				return err
			}
			if kind != kindNull {
				s.items = append(s.items, v)
			}
		}
		s.ws()
		if s.pos >= len(s.buf) {
			return s.errAt("line ends inside an array (cut short?)")
		}
		switch s.buf[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errAt("expected ',' or ']'")
		}
	}
}

func (s *scanner) scalar() ([]byte, int, error) {
	c := s.buf[s.pos]
	switch {
	case c == '"':
		v, err := s.str()
		return v, kindScalar, err
	case c == 't' && bytes.HasPrefix(s.buf[s.pos:], []byte("true")):
		s.pos += 4
		return s.buf[s.pos-4 : s.pos], kindScalar, nil
	case c == 'f' && bytes.HasPrefix(s.buf[s.pos:], []byte("false")):
		s.pos += 5
		return s.buf[s.pos-5 : s.pos], kindScalar, nil
	case c == 'n' && bytes.HasPrefix(s.buf[s.pos:], []byte("null")):
		s.pos += 4
		return nil, kindNull, nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.pos
		for s.pos < len(s.buf) {
			c := s.buf[s.pos]
			if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				s.pos++
				continue
			}
			break
		}
		return s.buf[start:s.pos], kindScalar, nil
	}
	return nil, 0, s.errAt("expected a value")
}

// str parses a string at pos ('"'), returning its unescaped bytes (a view of the line when
// there is nothing to unescape).
func (s *scanner) str() ([]byte, error) {
	s.pos++
	start := s.pos
	for i := start; i < len(s.buf); i++ {
		switch s.buf[i] {
		case '"':
			s.pos = i + 1
			return s.buf[start:i], nil
		case '\\':
			return s.strSlow(start)
		}
	}
	s.pos = len(s.buf)
	return nil, s.errAt("line ends inside a string (cut short?)")
}

func (s *scanner) strSlow(start int) ([]byte, error) {
	out := make([]byte, 0, 64)
	i := start
	for i < len(s.buf) {
		c := s.buf[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return out, nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(s.buf) {
			break
		}
		e := s.buf[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 > len(s.buf) {
				s.pos = i
				return nil, s.errAt("bad \\u escape")
			}
			r, err := strconv.ParseUint(string(s.buf[i:i+4]), 16, 32)
			if err != nil {
				s.pos = i
				return nil, s.errAt("bad \\u escape")
			}
			i += 4
			ru := rune(r)
			if utf16.IsSurrogate(ru) && i+6 <= len(s.buf) && s.buf[i] == '\\' && s.buf[i+1] == 'u' {
				if r2, err := strconv.ParseUint(string(s.buf[i+2:i+6]), 16, 32); err == nil {
					if d := utf16.DecodeRune(ru, rune(r2)); d != utf8.RuneError {
						ru = d
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, ru)
		default:
			s.pos = i - 1
			return nil, s.errAt("bad escape")
		}
	}
	s.pos = len(s.buf)
	return nil, s.errAt("line ends inside a string (cut short?)")
}
