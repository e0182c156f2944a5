package jsonl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// dump renders kvs as "key=val" / "key=null" / "key=[a|b]" lines, for compact expectations.
func dump(kvs []KV) string {
	var b strings.Builder
	for _, kv := range kvs {
		switch kv.Kind {
		case Scalar:
			fmt.Fprintf(&b, "%s=%s\n", kv.Key, kv.Val)
		case Null:
			fmt.Fprintf(&b, "%s=null\n", kv.Key)
		case Array:
			var items []string
			for _, it := range kv.Items {
				items = append(items, string(it))
			}
			fmt.Fprintf(&b, "%s=[%s]\n", kv.Key, strings.Join(items, "|"))
		}
	}
	return b.String()
}

func TestScan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, ``},
		{` { "a" : 1 , "b":"x" } `, "a=1\nb=x\n"},
		{`{"n":-1.5e+3,"t":true,"f":false,"z":null}`, "n=-1.5e+3\nt=true\nf=false\nz=null\n"},
		{`{"id":{"orig_h":"10.0.0.1","orig_p":1,"deep":{"x":"y"}},"after":2}`, "id.orig_h=10.0.0.1\nid.orig_p=1\nid.deep.x=y\nafter=2\n"},
		{`{"a":[],"b":["x",null,2,[3,[4]],{"o":1},"y"]}`, "a=[]\nb=[x|2|y]\n"},
		{`{"s":"tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00 \u0003"}`, "s=tab\there \"q\" \\ / é 😀 \x03\n"},
		{`{"k":1,"k":2}`, "k=1\nk=2\n"},
		{`{"e":""}`, "e=\n"},
		{`{"lone":"\ud800x"}`, "lone=\uFFFDx\n"},
	} {
		var s Scanner
		kvs, err := s.Scan([]byte(tc.in))
		if err != nil {
			t.Errorf("Scan(%s): %v", tc.in, err)
			continue
		}
		if got := dump(kvs); got != tc.want {
			t.Errorf("Scan(%s):\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestScanErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{``, "invalid JSON at byte 1: expected an object"},
		{`[1]`, "invalid JSON at byte 1: expected an object"},
		{`{"a":1`, "line ends inside an object (cut short?)"},
		{`{"a":"xy`, "line ends inside a string (cut short?)"},
		{`{"a":"x\`, "line ends inside a string (cut short?)"},
		{`{"a":`, "line ends before a value (cut short?)"},
		{`{"a":[1,2`, "line ends inside an array (cut short?)"},
		{`{"a" 1}`, "invalid JSON at byte 6: expected ':'"},
		{`{"a":1 "b":2}`, "expected ',' or '}'"},
		{`{"a":[1 2]}`, "expected ',' or ']'"},
		{`{a:1}`, "invalid JSON at byte 2: expected a key"},
		{`{"a":nul}`, "expected a value"},
		{`{"a":"\x"}`, "bad escape"},
		{`{"a":"\u12"}`, "bad \\u escape"},
		{`{"a":"\uZZZZ"}`, "bad \\u escape"},
		{`{"a":1} x`, "invalid JSON at byte 9: text after the object"},
		{`{"a":1}{"b":2}`, "text after the object"},
		{"\x00\x01\xff", "expected an object"},
		{strings.Repeat(`{"a":`, MaxDepth+3) + "1" + strings.Repeat("}", MaxDepth+3), "objects nested too deep"},
		{`{"a":` + strings.Repeat("[", MaxDepth+3) + strings.Repeat("]", MaxDepth+3) + "}", "arrays nested too deep"},
	} {
		var s Scanner
		_, err := s.Scan([]byte(tc.in))
		var se *SyntaxError
		if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Scan(%q) = %v; want a SyntaxError containing %q", tc.in, err, tc.want)
		}
	}
}

// Values alias the line when nothing is unescaped, and are never overwritten by later scans.
func TestScanMemory(t *testing.T) {
	var s Scanner
	line := []byte(`{"a":"plain","b":"esc\"aped","c":["i1","i\u0032"],"n":{"k":"v"}}`)
	kvs, err := s.Scan(line)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := kvs[0].Val, kvs[1].Val, kvs[2].Items
	if &a[0] != &line[6] {
		t.Errorf("an unescaped string is not a view of the line")
	}
	keep := []string{Str(a), Str(b), Str(c[0]), Str(c[1])}
	for i := 0; i < 50; i++ {
		if _, err := s.Scan([]byte(`{"a":"other","b":"ot\"her","c":["x\u0033","y"],"n":{"k":"w"}}`)); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(keep, ","); got != `plain,esc"aped,i1,i2` {
		t.Errorf("values changed under later scans: %s", got)
	}
	if string(line) != `{"a":"plain","b":"esc\"aped","c":["i1","i\u0032"],"n":{"k":"v"}}` {
		t.Errorf("the line was written to")
	}
}

func TestFirst(t *testing.T) {
	var s Scanner
	kvs, err := s.Scan([]byte(`{"a":"x","b":["y","z"],"c":[],"d":null}`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"x", "y", "", ""} {
		if got := string(kvs[i].First()); got != want {
			t.Errorf("%s: First() = %q, want %q", kvs[i].Key, got, want)
		}
	}
	if kvs[3].First() != nil || kvs[2].First() != nil {
		t.Errorf("First of null or [] is not nil")
	}
}

// A scan that reuses its buffers allocates nothing for a line without escapes.
func TestScanAllocs(t *testing.T) {
	line := []byte(`{"ts":1709596800.138085,"uid":"CY","id":{"orig_h":"192.168.1.121","orig_p":60053},"proto":"tcp","tunnel_parents":["a","b"],"x":null}`)
	var s Scanner
	if _, err := s.Scan(line); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = s.Scan(line) }); n != 0 {
		t.Errorf("%v allocations per scan, want 0", n)
	}
}
