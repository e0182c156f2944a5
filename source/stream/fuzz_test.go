package stream

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// checkSink checks what every event must hold: both addresses, a time, a line of the input.
type checkSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	n     int
}

func (c *checkSink) HTTP(e *event.HTTP) {
	c.n++
	if !e.Src.IsValid() || !e.Dst.IsValid() {
		c.t.Fatalf("event without addresses: %+v", e)
	}
	if e.Ref.Line == 0 || e.Ref.Line > c.lines {
		c.t.Fatalf("event at line %d of a %d-line input", e.Ref.Line, c.lines)
	}
}

func fuzzSeeds(f *testing.F) {
	for _, name := range shapes {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if len(l) > 0 {
				f.Add(append(l, '\n'))
			}
		}
	}
	f.Add([]byte(`{"preview":false,"messages":[{"type":"INFO","text":"x"}]}` + "\n" + `{"preview":false,"result":{"_time":"1619028751.5","src_ip":"10.0.0.1","dest_ip":"::1","status":["1","2"],"sourcetype":"stream:dns"}}`))
	f.Add([]byte(`{"sourcetype":"stream:http","_raw":"{\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"timestamp\":\"x\"`))
}

// FuzzRead feeds arbitrary bytes through sniffing and the reader: no panic, and every event
// has its addresses and a line within the input.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !Sniff(data, "x.json") {
			data = append([]byte(`{"sourcetype":"stream:http"}`+"\n"), data...) // read it anyway
		}
		c := checkSink{t: t, lines: uint32(bytes.Count(data, []byte{'\n'}) + 1)}
		st, err := readString(t, "x.json", string(data), &c)
		if err != nil {
			t.Fatal(err)
		}
		if st.Read["http"] != int64(c.n) {
			t.Fatalf("counted %v, got %d events", st.Read, c.n)
		}
	})
}
