package clickhouse

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"a\tb", `a\tb`},
		{"line1\nline2", `line1\nline2`},
		{`back\slash`, `back\\slash`},
		{"nul\x00byte", `nul\0byte`},
		{"\b\f\r", `\b\f\r`},
		{"it's \"quoted\"", "it's \"quoted\""},
		{"\\N", `\\N`},
		{"héllo ☃", "héllo ☃"},
		{"\xff\xfe invalid", "\xff\xfe invalid"},
		{"\x01\x1b\x7f", "\x01\x1b\x7f"},
	}
	for _, tt := range tests {
		if got := string(appendEscaped(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendEscaped(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(appendEscapedString(nil, tt.in)); got != tt.want {
			t.Errorf("appendEscapedString(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(unescapeInPlace([]byte(tt.want))); got != tt.in {
			t.Errorf("unescape(%q) = %q, want %q", tt.want, got, tt.in)
		}
	}
}

func TestUnescape(t *testing.T) {
	// What ClickHouse's readers make of escapes the writer never produces (checked against
	// 18.16: \x41 is A, \q is q, \N inside a value is dropped).
	tests := []struct {
		in, want string
	}{
		{`\x41\x4a`, "AJ"},
		{`\xZZ`, "xZZ"},
		{`\x4`, "x4"},
		{`\q`, "q"},
		{`a\Nb`, "ab"},
		{`\'\"`, `'"`},
		{`\a\v\e`, "\a\v\x1b"},
		{`trailing\`, `trailing\`},
		{`\\\\`, `\\`},
	}
	for _, tt := range tests {
		if got := string(unescapeInPlace([]byte(tt.in))); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRowWriter(t *testing.T) {
	var out bytes.Buffer
	w := &RowWriter{w: &out}
	w.String("a\tb")
	w.Bytes([]byte("x\ny"))
	w.Int(-42)
	w.Uint(math.MaxUint64)
	w.Float(1.5)
	w.Float(math.NaN())
	w.Float(math.Inf(1))
	w.Float(math.Inf(-1))
	w.Float(1e21)
	w.Bool(true)
	w.Bool(false)
	w.Null()
	w.Strings([]string{"a'b", `c\d`, "e\tf", "g,h", ""})
	w.Strings(nil)
	w.Ints([]int64{1, -2})
	w.Ints(nil)
	w.DateTime(time.Unix(0, 0))
	w.DateTime(time.Unix(123, 0))
	w.DateTime(time.Unix(1700000000, 0))
	w.DateTime(time.Unix(-5, 0))
	if err := w.EndRow(); err != nil {
		t.Fatal(err)
	}
	w.String("second")
	if err := w.EndRow(); err != nil {
		t.Fatal(err)
	}
	w.flush()
	want := "a\\tb\tx\\ny\t-42\t18446744073709551615\t1.5\tnan\tinf\t-inf\t1e+21\t1\t0\t\\N\t" +
		`['a\'b','c\\d','e\tf','g,h','']` + "\t[]\t[1,-2]\t[]\t0000000000\t0000000123\t1700000000\t0000000000\n" +
		"second\n"
	if got := out.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("broken")
}

func TestRowWriterStickyError(t *testing.T) {
	fw := &failWriter{}
	w := &RowWriter{w: fw}
	big := strings.Repeat("x", rowWriterFlush)
	w.String(big)
	if err := w.EndRow(); err == nil {
		t.Fatal("EndRow after a failed write: no error")
	}
	w.String(big)
	if err := w.EndRow(); err == nil {
		t.Fatal("second EndRow: no error")
	}
	if fw.n != 1 {
		t.Errorf("writer called %d times after failing, want 1", fw.n)
	}
}

// lines reads body with a lineReader and returns the lines handed on.
func lines(body string, tag string, chunk bool) ([]string, error) {
	var r io.Reader = strings.NewReader(body)
	if chunk {
		r = iotest.OneByteReader(r)
	}
	lr := newLineReader(r, tag)
	lr.buf = make([]byte, 8) // small, to exercise compaction and growth
	var got []string
	err := lr.each(func(b []byte) error {
		got = append(got, string(b))
		return nil
	})
	return got, err
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("y", maxHeldBytes+10)
	tests := []struct {
		name     string
		body     string
		tag      string
		want     []string
		wantCode int // 0: no server error
		wantErr  bool
	}{
		{name: "empty", body: "", want: nil},
		{name: "rows", body: "a\tb\nc\td\n", want: []string{"a\tb", "c\td"}},
		{name: "empty lines are rows", body: "\n\nx\n", want: []string{"", "", "x"}},
		{name: "cut short", body: "a\nb", want: []string{}, wantErr: true},
		{
			name:     "18.16 exception after rows",
			body:     "1\n2\nCode: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n",
			want:     []string{"1", "2"},
			wantCode: 395,
		},
		{
			name: "18.16 multi-line exception",
			body: "1\nCode: 41, e.displayText() = DB::Exception: Cannot parse datetime: (at row 1)\n\nRow 1:\n" +
				"Column 0,   name: d, type: DateTime, ERROR: text \"x\" is not like DateTime\n\n, e.what() = DB::Exception\n",
			want:     []string{"1"},
			wantCode: 41,
		},
		{
			name:     "21+ exception",
			body:     "1\nCode: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED) (version 23.8.1.1)\n",
			want:     []string{"1"},
			wantCode: 241,
		},
		{
			name:     "24.11 marker",
			body:     "1\n2\n__exception__\nCode: 395. DB::Exception: boom. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)\n",
			want:     []string{"1"},
			wantCode: 395,
		},
		{
			name:     "25.11 tagged block after a partial row",
			body:     "1\n2\t\r\n__exception__\r\nPU1FNUFH98\r\nCode: 395. DB::Exception: boom\n30 PU1FNUFH98\r\n__exception__\r\n",
			tag:      "PU1FNUFH98",
			want:     []string{"1"},
			wantCode: 395,
		},
		{
			name:     "25.11 tag on the marker line",
			body:     "1\n2\n__exception__PU1FNUFH98\nBig bam accrued right while reading the data\n45 PU1FNUFH98__exception__\n",
			tag:      "PU1FNUFH98",
			want:     []string{"1"},
			wantCode: 0,
			wantErr:  true,
		},
		{
			name: "a value that only starts with the marker",
			body: "__exception__x\n1\n",
			want: []string{"__exception__x", "1"},
		},
		{
			name: "row that only looks like an exception, then more",
			body: "Code: 1, e.displayText() = x\n" + long + "\nz\n",
			want: []string{"Code: 1, e.displayText() = x", long, "z"},
		},
		{
			name: "header and value that start like an exception",
			body: "Code: 60, e.displayText() = x\nString\nCode: 60, e.displayText() = x\n",
			want: []string{"Code: 60, e.displayText() = x", "String", "Code: 60, e.displayText() = x"},
		},
		{
			name: "value that starts like an exception, no line feed",
			body: "1\nCode: 60. DB::Exception: x",
			want: []string{}, wantErr: true,
		},
		{
			name:     "exception text without final line feed",
			body:     "1\nCode: 60. DB::Exception: Table x doesn't exist. (UNKNOWN_TABLE) (version 24.8.3.59 (official build))",
			want:     []string{"1"},
			wantCode: 60,
		},
		{name: "Code without number is data", body: "Code: x, e.displayText() = \n", want: []string{"Code: x, e.displayText() = "}},
	}
	for _, tt := range tests {
		for _, chunk := range []bool{false, true} {
			if chunk && len(tt.body) > 1<<16 {
				continue
			}
			got, err := lines(tt.body, tt.tag, chunk)
			var se *ServerError
			switch {
			case tt.wantCode != 0:
				if !errors.As(err, &se) || se.Code != tt.wantCode || se.Status != 200 {
					t.Errorf("%s (chunk %v): err = %v, want server error %d", tt.name, chunk, err, tt.wantCode)
				} else if strings.Contains(se.Message, "__exception__") || tt.tag != "" && strings.Contains(se.Message, tt.tag) {
					t.Errorf("%s: message keeps the framing: %q", tt.name, se.Message)
				}
			case tt.wantErr:
				if err == nil {
					t.Errorf("%s (chunk %v): no error", tt.name, chunk)
				}
			case err != nil:
				t.Errorf("%s (chunk %v): %v", tt.name, chunk, err)
			}
			if len(got) != len(tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("%s (chunk %v): got %d lines, want %d", tt.name, chunk, len(got), len(tt.want))
				continue
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("%s (chunk %v): line %d = %.40q, want %.40q", tt.name, chunk, i, got[i], tt.want[i])
				}
			}
		}
	}
}

func TestLineReaderReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("1\n2\n"), iotest.ErrReader(io.ErrUnexpectedEOF))
	lr := newLineReader(r, "")
	var got []string
	err := lr.each(func(b []byte) error { got = append(got, string(b)); return nil })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v, want unexpected EOF", err)
	}
	if len(got) != 1 {
		t.Errorf("got %q: the line before the break must be held back", got)
	}
}

func TestIsComposite(t *testing.T) {
	tests := map[string]bool{
		"String": false, "UInt8": false, "Nullable(String)": false, "LowCardinality(String)": false,
		"DateTime('UTC')": false, "Array(String)": true, "Nullable(Array(String))": true,
		"Tuple(UInt8, String)": true, "Map(String, UInt64)": true, "LowCardinality(Nullable(String))": false,
		"Point": true, "Enum8('a' = 1)": false,
	}
	for typ, want := range tests {
		if got := isComposite([]byte(typ)); got != want {
			t.Errorf("isComposite(%s) = %v, want %v", typ, got, want)
		}
	}
}

func TestParseServerError(t *testing.T) {
	tests := []struct {
		status   int
		header   string
		body     string
		wantCode int
		wantMsg  string
	}{
		{400, "", "Code: 62, e.displayText() = DB::Exception: Syntax error: failed at position 1: SELEC 1., e.what() = DB::Exception\n",
			62, "DB::Exception: Syntax error: failed at position 1: SELEC 1."},
		{404, "60", "Code: 60. DB::Exception: Table default.nope does not exist. (UNKNOWN_TABLE) (version 24.3.1.1)\n",
			60, "DB::Exception: Table default.nope does not exist. (UNKNOWN_TABLE) (version 24.3.1.1)"},
		{500, "241", "Code: 241. DB::Exception: Memory limit exceeded", 241, "DB::Exception: Memory limit exceeded"},
		{503, "", "", 0, "Service Unavailable"},
		{502, "", "<html>bad gateway</html>", 0, "<html>bad gateway</html>"},
		{401, "", "Code: 193, e.displayText() = DB::Exception: Wrong password for user u2, e.what() = DB::Exception", 193,
			"DB::Exception: Wrong password for user u2"},
	}
	for _, tt := range tests {
		se := parseServerError(tt.status, tt.header, []byte(tt.body))
		if se.Code != tt.wantCode || se.Message != tt.wantMsg || se.Status != tt.status {
			t.Errorf("parseServerError(%d, %q, %q) = %+v, want code %d message %q", tt.status, tt.header, tt.body, se, tt.wantCode, tt.wantMsg)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{"18.16.1", Version{18, 16, 1, "18.16.1"}, false},
		{"24.8.4.13", Version{24, 8, 4, "24.8.4.13"}, false},
		{"25.3", Version{25, 3, 0, "25.3"}, false},
		{"x", Version{}, true},
		{"1.x", Version{}, true},
	}
	for _, tt := range tests {
		got, err := parseVersion(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("parseVersion(%q) = %+v, %v", tt.in, got, err)
		}
	}
	v := Version{Major: 21, Minor: 3}
	for _, c := range []struct {
		maj, min int
		want     bool
	}{{21, 3, true}, {21, 4, false}, {20, 9, true}, {22, 0, false}, {18, 16, true}} {
		if got := v.AtLeast(c.maj, c.min); got != c.want {
			t.Errorf("%v.AtLeast(%d, %d) = %v", v, c.maj, c.min, got)
		}
	}
}

func TestMarkerMessage(t *testing.T) {
	for _, body := range []string{
		"1\n__exception__PU1FNUFH98\nCode: 395. DB::Exception: boom\n30 PU1FNUFH98__exception__\n",
		"1\r\n__exception__\r\nPU1FNUFH98\r\nCode: 395. DB::Exception: boom\n30 PU1FNUFH98\r\n__exception__\r\n",
	} {
		_, err := lines(body, "PU1FNUFH98", false)
		var se *ServerError
		if !errors.As(err, &se) || se.Code != 395 || se.Message != "DB::Exception: boom" {
			t.Errorf("%q: err = %#v", body, err)
		}
	}
}
