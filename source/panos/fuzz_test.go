package panos

import (
	"bufio"
	"bytes"
	"context"
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

func (c *checkSink) ref(r event.Ref) {
	c.n++
	if r.Line < 1 || r.Line > c.lines {
		c.t.Fatalf("record at line %d of a %d-line input", r.Line, c.lines)
	}
}

func (c *checkSink) Conn(e *event.Conn) {
	c.ref(e.Ref)
	if !e.Src.IsValid() || !e.Dst.IsValid() || e.Duration < event.Unset || e.OrigBytes < event.Unset || e.RespBytes < event.Unset ||
		e.OrigIPBytes != e.OrigBytes || e.RespIPBytes != e.RespBytes {
		c.t.Fatalf("conn %+v", e)
	}
}

func (c *checkSink) HTTP(e *event.HTTP) {
	c.ref(e.Ref)
	if !e.Src.IsValid() || !e.Dst.IsValid() || len(e.Host) > len(e.URL) || len(e.URI) > len(e.URL) {
		c.t.Fatalf("http %+v", e)
	}
}

func (c *checkSink) File(e *event.File) {
	c.ref(e.Ref)
	if e.IsOrig < event.Unset || e.IsOrig > 1 {
		c.t.Fatalf("file %+v", e)
	}
}

func (c *checkSink) Notice(e *event.Notice) { c.ref(e.Ref) }

// realSeeds returns lines of the real sample (when the shared datasets are present).
func realSeeds() [][]byte {
	f, err := os.Open(filepath.Join(datasets, "panos-traffic", "unusual_volume_data_download.txt"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i%50 == 0 || bytes.Contains(sc.Bytes(), []byte("THREAT")) {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	return out
}

// FuzzRead feeds arbitrary bytes through sniffing and the reader: no panic, no event with a
// line beyond the input's, no impossible value, every event counted.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
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
	for _, l := range realSeeds() {
		f.Add(l)
	}
	f.Add([]byte(rec(47, trafficBase, map[int]string{7: "2001:db8::1(host)", 31: `"x"`})))
	f.Add([]byte("Receive Time,Serial #,Type,URL\n2024/03/05 16:00:05,1,THREAT,\"a,\"\"b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		Sniff(data, "panos.log")
		c := &checkSink{t: t, lines: lines}
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "panos.log"}, st, func(j source.Job) error {
			j.Run(c, st)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var read int64
		for _, n := range st.Read {
			read += n
		}
		if int64(c.n) != read {
			t.Fatalf("%d events, %d counted", c.n, read)
		}
	})
}
