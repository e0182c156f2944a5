// Package jsonl scans one-object-a-line JSON (JSON Lines, NDJSON) as log writers produce it:
// Zeek's JSON writer, Splunk Stream and Splunk's search export, and the like. It is a
// hand-written scanner over []byte that allocates nothing for ordinary lines, built for readers
// that parse millions of records into reused events.
//
// A line must hold one object. Scan returns its members as a flat list of KVs in the order of
// the line:
//
//   - Nested objects are flattened to dotted keys: {"id":{"orig_h":"10.0.0.1"}} gives the key
//     "id.orig_h". Objects nest at most MaxDepth deep.
//   - A scalar (string, number, true, false) is a KV of kind Scalar whose Val holds its text:
//     a string's unescaped bytes (without quotes), a number or boolean as written. Numbers are
//     not converted; the value helpers (ParseInt, ParseTime ...) read them when needed.
//   - null is a KV of kind Null.
//   - An array is a KV of kind Array whose Items hold the texts of its scalar elements (strings
//     unescaped); null elements, nested arrays and objects inside arrays are dropped.
//   - Duplicate keys are all kept, in order; the caller decides which one counts.
//
// Memory: Val and Items point into the line when the text needs no unescaping, and into a
// freshly allocated buffer when it does (a string with a backslash escape). The Scanner never
// writes into the line nor reuses those buffers, so values stay valid for as long as the caller
// keeps them, and strings made from them (Str) may alias them. The KV slice, the Items slices
// and the dotted keys of nested members live in buffers that the next Scan reuses: a caller
// that keeps one beyond that copies it.
package jsonl

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of value a KV holds.
type Kind uint8

// The kinds of values.
const (
	// Scalar is a string, number or boolean: Val holds its text (a string's unescaped bytes).
	Scalar Kind = iota
	// Null is JSON null: Val and Items are nil.
	Null
	// Array is a JSON array: Items hold its scalar elements' texts.
	Array
)

func (k Kind) String() string {
	switch k {
	case Scalar:
		return "scalar"
	case Null:
		return "null"
	case Array:
		return "array"
	}
	return "unknown"
}

// KV is one member of a scanned object.
type KV struct {
	Key   []byte   // the member's name; dotted for members of nested objects
	Val   []byte   // the text of a Scalar
	Items [][]byte // the elements of an Array
	Kind  Kind
}

// First returns the text of a Scalar, or of the first element of an Array (nil for an empty
// array or Null). It suits fields that a writer turns into an array when a value repeats.
func (kv *KV) First() []byte {
	switch kv.Kind {
	case Scalar:
		return kv.Val
	case Array:
		if len(kv.Items) > 0 {
			return kv.Items[0]
		}
	}
	return nil
}

// MaxDepth is how deep objects and arrays may nest.
const MaxDepth = 16

// SyntaxError reports a line that is not one well-formed JSON object.
type SyntaxError struct {
	Offset int // 1-based position of the offending byte in the line
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// Scanner parses lines into KVs, reusing its buffers from line to line. The zero value is
// ready to use. A Scanner is not safe for concurrent use; give each goroutine its own.
type Scanner struct {
	kvs   []KV
	items [][]byte
	keys  []byte // arena for flattened keys
	buf   []byte
	pos   int
}

func (s *Scanner) errAt(what string) error {
	return &SyntaxError{Offset: s.pos + 1, Msg: what}
}

// Scan parses line, which must hold exactly one object (surrounding white space is allowed),
// and returns its members. The returned slice is valid until the next call to Scan. Errors are
// *SyntaxError.
func (s *Scanner) Scan(line []byte) ([]KV, error) {
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

func (s *Scanner) ws() {
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
func (s *Scanner) object(prefix []byte, depth int) error {
	if depth > MaxDepth {
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
			s.kvs = append(s.kvs, KV{Key: key, Kind: Array, Items: s.items[start:len(s.items):len(s.items)]})
		default:
			v, kind, err := s.scalar()
			if err != nil {
				return err
			}
			s.kvs = append(s.kvs, KV{Key: key, Val: v, Kind: kind})
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
func (s *Scanner) array(depth int) error {
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
			if depth > MaxDepth {
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
			if kind != Null {
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

func (s *Scanner) scalar() ([]byte, Kind, error) {
	c := s.buf[s.pos]
	switch {
	case c == '"':
		v, err := s.str()
		return v, Scalar, err
	case c == 't' && bytes.HasPrefix(s.buf[s.pos:], []byte("true")):
		s.pos += 4
		return s.buf[s.pos-4 : s.pos], Scalar, nil
	case c == 'f' && bytes.HasPrefix(s.buf[s.pos:], []byte("false")):
		s.pos += 5
		return s.buf[s.pos-5 : s.pos], Scalar, nil
	case c == 'n' && bytes.HasPrefix(s.buf[s.pos:], []byte("null")):
		s.pos += 4
		return nil, Null, nil
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
		return s.buf[start:s.pos], Scalar, nil
	}
	return nil, 0, s.errAt("expected a value")
}

// str parses a string at pos ('"'), returning its unescaped bytes (a view of the line when
// there is nothing to unescape).
func (s *Scanner) str() ([]byte, error) {
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

// strSlow unescapes a string into a new buffer, sized once to the string's escaped length
// (never shorter than its unescaped bytes: an escape is at least as long as what it stands
// for).
func (s *Scanner) strSlow(start int) ([]byte, error) {
	end := start
	for end < len(s.buf) && s.buf[end] != '"' {
		if s.buf[end] == '\\' {
			end++
		}
		end++
	}
	out := make([]byte, 0, min(end, len(s.buf))-start)
	i := start
	for i < len(s.buf) {
		c := s.buf[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return out, nil
		case c != '\\':
			// copy the run up to the next escape or the end of the string at once
			j := i + 1
			for j < len(s.buf) && s.buf[j] != '\\' && s.buf[j] != '"' {
				j++
			}
			out = append(out, s.buf[i:j]...)
			i = j
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
