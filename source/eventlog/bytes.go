package eventlog

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// JSON strings hold text, but event strings hold bytes (a DNS name with a byte above 0x7f, a
// Zeek \xNN escape undone): encoding/json would turn an invalid byte into U+FFFD. So strings
// that are not valid UTF-8, or hold a backslash, are stored escaped: "\" as "\\" and each
// byte of an invalid sequence as "\xNN"; every other string (nearly all) is stored as it is.
// A string is escaped when it holds a backslash or invalid UTF-8, and unescaped when it holds
// a backslash: the two are inverse.

func needsEscape(s string) bool { return strings.IndexByte(s, '\\') >= 0 || !utf8.ValidString(s) }

func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			b.WriteString(`\\`)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(c)>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(c)&15, 16))
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}

func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'x':
			if i+3 < len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 3
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// stringFields lists, for each event struct type, the paths of its string and []string
// fields (through embedded and nested structs).
var stringFields sync.Map // reflect.Type -> [][]int

func fieldsOf(t reflect.Type) [][]int {
	if v, ok := stringFields.Load(t); ok {
		return v.([][]int)
	}
	var out [][]int
	var walk func(t reflect.Type, prefix []int)
	walk = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			path := append(append([]int(nil), prefix...), i)
			switch {
			case f.Type.Kind() == reflect.String:
				out = append(out, path)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
				out = append(out, path)
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, path)
			}
		}
	}
	walk(t, nil)
	stringFields.Store(t, out)
	return out
}

// mapStrings returns e (a pointer to an event struct), or a copy of it with fn applied to
// each string that want says must change. The original is never written.
func mapStrings(e any, want func(string) bool, fn func(string) string) any {
	v := reflect.ValueOf(e).Elem()
	var cp reflect.Value
	for _, path := range fieldsOf(v.Type()) {
		f := v.FieldByIndex(path)
		switch f.Kind() {
		case reflect.String:
			if s := f.String(); want(s) {
				if !cp.IsValid() {
					cp = reflect.New(v.Type())
					cp.Elem().Set(v)
				}
				cp.Elem().FieldByIndex(path).SetString(fn(s))
			}
		case reflect.Slice:
			var list reflect.Value
			for i := 0; i < f.Len(); i++ {
				s := f.Index(i).String()
				if !want(s) {
					continue
				}
				if !list.IsValid() {
					list = reflect.MakeSlice(f.Type(), f.Len(), f.Len())
					reflect.Copy(list, f)
				}
				list.Index(i).SetString(fn(s))
			}
			if list.IsValid() {
				if !cp.IsValid() {
					cp = reflect.New(v.Type())
					cp.Elem().Set(v)
				}
				cp.Elem().FieldByIndex(path).Set(list)
			}
		}
	}
	if cp.IsValid() {
		return cp.Interface()
	}
	return e
}

func hasBackslash(s string) bool { return strings.IndexByte(s, '\\') >= 0 }

// Escaped returns the event as it is stored: its byte strings escaped (see above).
func Escaped(e any) any { return mapStrings(e, needsEscape, escape) }

// unescaped undoes Escaped on a decoded event (it owns its strings: written in place).
func unescaped(e any) any { return mapStrings(e, hasBackslash, unescape) }

// Strings decodes a JSON array of strings as the store holds them (a list field of an event,
// cut from its JSON): null is nil, and escaped strings come back as their bytes.
func Strings(raw []byte) ([]string, error) {
	var list []string
	if err := jsonv2.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	for i, s := range list {
		if hasBackslash(s) {
			list[i] = unescape(s)
		}
	}
	return list, nil
}
