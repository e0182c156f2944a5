package squid

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks every event it gets against the input it came from.
type checkSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	n     int
}

func (c *checkSink) HTTP(e *event.HTTP) {
	c.n++
	if e.Ref.Line < 1 || e.Ref.Line > c.lines {
		c.t.Fatalf("record at line %d of a %d-line input", e.Ref.Line, c.lines)
	}
	if e.StatusCode < event.Unset || e.StatusCode == 0 || e.StatusCode > 999 || e.RespBytes < event.Unset {
		c.t.Fatalf("status %d size %d", e.StatusCode, e.RespBytes)
	}
	if !e.Src.IsValid() || e.URL == "" && e.Host != "" {
		c.t.Fatalf("src %v url %q host %q", e.Src, e.URL, e.Host)
	}
	if len(e.RespMimeTypes) > 1 || e.ReqBytes != event.Unset || e.RequestBodyLen != event.Unset || e.ResponseBodyLen != event.Unset {
		c.t.Fatalf("fields a Squid log never sets: %+v", e)
	}
}

// FuzzRead feeds arbitrary bytes through sniffing and the reader (with and without sniffing):
// no panic, no record with a line number beyond the input's lines, no impossible values.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.log")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, l := range bytes.Split(data, []byte{'\n'}) {
			f.Add(l)
		}
	}
	f.Add([]byte("1709650800.123 5 10.0.0.1 TCP_MISS/200 100 GET http://h/ a b c HIER_DIRECT/1.2.3.4 - \"x\" [y] [z]\n"))
	f.Add([]byte(`10.0.0.1 - - [05/Mar/2024:16:00:00 +0100] "GET / HTTP/1.1" 200 - "a "b" c" "d" X:Y [e] [f]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		Sniff(data, "access.log")
		c := &checkSink{t: t, lines: lines}
		st := readDirect(t, "access.log", string(data), c)
		if int64(c.n) != st.Read["http"] {
			t.Fatalf("%d events, %d counted", c.n, st.Read["http"])
		}
		if Sniff(data, "access.log") {
			c2 := &checkSink{t: t, lines: lines}
			if _, err := readAll(t, source.ReaderInput("access.log", bytes.NewReader(data)), c2); err != nil {
				t.Fatal(err)
			}
			if c2.n != c.n {
				t.Fatalf("%d events through Open, %d directly", c2.n, c.n)
			}
		}
	})
}
