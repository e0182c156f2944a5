package clickhouse

import (
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		in, want, wantIdent string
	}{
		{"", `''`, "``"},
		{"abc", `'abc'`, "`abc`"},
		{"it's", `'it\'s'`, "`it's`"},
		{"back`tick", `'back` + "`" + `tick'`, "`back\\`tick`"},
		{`a\b`, `'a\\b'`, "`a\\\\b`"},
		{"x'; DROP TABLE t; --", `'x\'; DROP TABLE t; --'`, "`x'; DROP TABLE t; --`"},
		{"tab\tnl\ncr\rnul\x00", `'tab\tnl\ncr\rnul\0'`, "`tab\\tnl\\ncr\\rnul\\0`"},
		{"\xff☃", "'\xff☃'", "`\xff☃`"},
		{`\'`, `'\\\''`, "`\\\\'`"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := QuoteIdent(tt.in); got != tt.wantIdent {
			t.Errorf("QuoteIdent(%q) = %q, want %q", tt.in, got, tt.wantIdent)
		}
		for _, q := range []struct {
			s string
			c byte
		}{{tt.want, '\''}, {tt.wantIdent, '`'}} {
			back, n, err := unquote([]byte(q.s), q.c)
			if err != nil || string(back) != tt.in || n != len(q.s) {
				t.Errorf("unquote(%q) = %q, %d, %v; want %q", q.s, back, n, err, tt.in)
			}
		}
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantN   int
		wantErr bool
	}{
		{`'a''b'`, "a'b", 6, false},
		{`'a'rest`, "a", 3, false},
		{`'\x41'`, "A", 6, false},
		{`'open`, "", 0, true},
		{`'ends in backslash\`, "", 0, true},
		{`noquote`, "", 0, true},
		{``, "", 0, true},
	}
	for _, tt := range tests {
		got, n, err := unquote([]byte(tt.in), '\'')
		if (err != nil) != tt.wantErr || (!tt.wantErr && (string(got) != tt.want || n != tt.wantN)) {
			t.Errorf("unquote(%q) = %q, %d, %v", tt.in, got, n, err)
		}
	}
}

func TestParseArray(t *testing.T) {
	tests := []struct {
		in      string
		want    []string // "<nil>" for a nil element
		wantErr bool
	}{
		{`[]`, []string{}, false},
		{`['a']`, []string{"a"}, false},
		{`['a\tb','c\\d','e\'f','g,h','']`, []string{"a\tb", `c\d`, "e'f", "g,h", ""}, false},
		{`[1,-2,3.5]`, []string{"1", "-2", "3.5"}, false},
		{`[NULL,'x','NULL']`, []string{"<nil>", "x", "NULL"}, false},
		{`[[1,2],[3]]`, []string{"[1,2]", "[3]"}, false},
		{`[(1,'a,b'),(2,'c')]`, []string{"(1,'a,b')", "(2,'c')"}, false},
		{`[ 'a' , 'b' ]`, []string{"a", "b"}, false},
		{`['a'`, nil, true},
		{`['a',]`, nil, true},
		{`['a' 'b']`, nil, true},
		{`['unterminated]`, nil, true},
		{`[[1,2]`, nil, true},
		{`x`, nil, true},
		{``, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseArray([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseArray(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseArray(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i, w := range tt.want {
			if w == "<nil>" {
				if got[i] != nil {
					t.Errorf("ParseArray(%q)[%d] = %q, want nil", tt.in, i, got[i])
				}
			} else if got[i] == nil || string(got[i]) != w {
				t.Errorf("ParseArray(%q)[%d] = %q, want %q", tt.in, i, got[i], w)
			}
		}
	}
}
