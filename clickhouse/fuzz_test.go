package clickhouse

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Samples captured from clickhouse-server 18.16.1 (testdata/): a result with every kind of
// field, a result with an exception after rows, and an error answer spanning lines.
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode runs a body through the line reader and the row decoder, as Query does.
func decode(body []byte, tag string, fn func([][]byte) error) error {
	lr := newLineReader(bytes.NewReader(body), tag)
	return lr.each((&rowDecoder{fn: fn}).line)
}

func TestSamples(t *testing.T) {
	var got []string
	err := decode(readSample(t, "result-18.16.tsv"), "", func(f [][]byte) error {
		for _, b := range f {
			if b == nil {
				got = append(got, "<NULL>")
			} else {
				got = append(got, string(b))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a\tb\\c\nd'e\x00", `['x\ty','z\'w','']`, "<NULL>", "", "(1,'p,q')", "1.5", "-3",
		"2023-11-14 22:13:20", "[[1,2],[3]]", "[NULL,'x']"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("fields\n got %q\nwant %q", got, want)
	}
	arr, err := ParseArray([]byte(got[1]))
	if err != nil || fmt.Sprintf("%q", arr) != `["x\ty" "z'w" ""]` {
		t.Errorf("ParseArray(%q) = %q, %v", got[1], arr, err)
	}

	rows := 0
	err = decode(readSample(t, "exception-in-result-18.16.tsv"), "", func([][]byte) error { rows++; return nil })
	var se *ServerError
	if !errors.As(err, &se) || se.Code != 395 || rows != 5 {
		t.Errorf("exception in result: %d rows, err %v; want 5 rows and code 395", rows, err)
	}

	se = parseServerError(400, "", readSample(t, "parse-error-18.16.txt"))
	if se.Code != 41 || !strings.HasPrefix(se.Message, "DB::Exception: Cannot parse datetime") || strings.Contains(se.Message, "e.what()") {
		t.Errorf("parse error: %+v", se)
	}
}

func FuzzUnescape(f *testing.F) {
	for _, s := range nasty {
		f.Add([]byte(s))
	}
	f.Add([]byte(`a\tb\\c\nd\'e\0`))
	f.Add([]byte(`\x4`))
	f.Add([]byte(`\`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Anything the writer escapes reads back as itself.
		esc := appendEscaped(nil, b)
		if bytes.ContainsAny(esc, "\t\n\r\x00") {
			t.Fatalf("escaped %q keeps a separator: %q", b, esc)
		}
		if got := unescapeInPlace(esc); !bytes.Equal(got, b) {
			t.Fatalf("round trip %q: got %q", b, got)
		}
		// And any input unescapes without a panic, never growing.
		in := append([]byte{}, b...)
		if got := unescapeInPlace(in); len(got) > len(b) {
			t.Fatalf("unescape(%q) grew to %q", b, got)
		}
	})
}

func FuzzRows(f *testing.F) {
	for _, name := range []string{"result-18.16.tsv", "exception-in-result-18.16.tsv", "parse-error-18.16.txt"} {
		f.Add(readSample(f, name), "")
	}
	f.Add([]byte("n\nString\n1\n__exception__\r\nTAG\r\nCode: 1. DB::Exception: x\n5 TAG\r\n__exception__\r\n"), "TAG")
	f.Add([]byte("a\tb\nArray(String)\tString\n['x\\'y']\t\\N\n"), "")
	f.Fuzz(func(t *testing.T, body []byte, tag string) {
		// Lines are handed on in order and each is a line of the body.
		lines := strings.Split(string(body), "\n")
		i := 0
		lr := newLineReader(bytes.NewReader(body), tag)
		lr.buf = make([]byte, 16)
		_ = lr.each(func(b []byte) error {
			if i >= len(lines)-1 || string(b) != lines[i] {
				t.Fatalf("line %d = %q, body %q", i, b, body)
			}
			i++
			return nil
		})
		// The row decoder never panics and keeps its field counts.
		_ = decode(body, tag, func(f [][]byte) error {
			if len(f) == 0 {
				t.Fatal("a row without fields")
			}
			return nil
		})
	})
}

func FuzzQuote(f *testing.F) {
	for _, s := range nasty {
		f.Add(s)
	}
	f.Add("'; DROP TABLE x; --")
	f.Add("\\'")
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			q    string
			quot byte
		}{{Quote(s), '\''}, {QuoteIdent(s), '`'}} {
			// The literal ends exactly where Quote ended it (nothing of s can close it
			// early and run as SQL) and decodes to s.
			back, n, err := unquote([]byte(c.q), c.quot)
			if err != nil || n != len(c.q) || string(back) != s {
				t.Fatalf("quote %q -> %q -> %q, %d of %d, %v", s, c.q, back, n, len(c.q), err)
			}
			if strings.ContainsAny(c.q, "\t\n\r\x00") {
				t.Fatalf("quote %q -> %q keeps a control byte", s, c.q)
			}
		}
	})
}

func FuzzParseArray(f *testing.F) {
	f.Add([]byte(`['x\ty','z\'w','']`), "a", "b")
	f.Add([]byte(`[[1,2],[3]]`), "", "'")
	f.Add([]byte(`[NULL,'x']`), "\\", "]")
	f.Add([]byte(`[(1,'p,q')]`), "[", ",")
	f.Fuzz(func(t *testing.T, raw []byte, a, b string) {
		_, _ = ParseArray(raw) // never panics
		w := &RowWriter{}
		w.Strings([]string{a, b})
		got, err := ParseArray(w.buf)
		if err != nil || len(got) != 2 || string(got[0]) != a || string(got[1]) != b {
			t.Fatalf("Strings(%q, %q) = %q -> %q, %v", a, b, w.buf, got, err)
		}
	})
}
