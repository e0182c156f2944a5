package winjson

import (
	"archive/zip"
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks what every event must hold: a time and a line of the input.
type checkSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	got   []uint32
}

func (c *checkSink) Host(e *event.Host) {
	if e.TS == 0 || e.Op == 0 {
		c.t.Fatalf("event without time or operation: %+v", e)
	}
	if e.Ref.Line == 0 || e.Ref.Line > c.lines {
		c.t.Fatalf("event at line %d of a %d-line input", e.Ref.Line, c.lines)
	}
	c.got = append(c.got, e.Ref.Line)
}

// realSeeds returns real records (when the shared datasets are present): lines of the HELK
// export, among them host events of each kind, and the sysmon-evtx twins.
func realSeeds() [][]byte {
	var out [][]byte
	if zr, err := zip.OpenReader(filepath.Join(datasets, helkZip)); err == nil {
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(rc)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			var head bytes.Buffer
			seen := map[string]bool{}
			for n := 0; sc.Scan(); n++ {
				l := sc.Bytes()
				if n < 3 {
					head.Write(l)
					head.WriteByte('\n')
				}
				for _, id := range []string{`"EventID":1,`, `"EventID":3,`, `"EventID":11,`, `"EventID":22,`, `"EventID":4688,`, `"EventID":4103,`} {
					if !seen[id] && bytes.Contains(l, []byte(id)) {
						seen[id] = true
						out = append(out, append(bytes.Clone(l), '\n'))
					}
				}
			}
			rc.Close()
			out = append(out, head.Bytes())
		}
		zr.Close()
	}
	m, _ := filepath.Glob(filepath.Join(datasets, "sysmon-evtx", "*.json"))
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b, append(append([]byte("Record 7\n["), b...), ']'))
		}
	}
	return out
}

func fuzzSeeds(f *testing.F) {
	for _, s := range realSeeds() {
		f.Add(s)
	}
	// the fixtures' records, one at a time (whole files make the fuzzer's minimizing slow)
	for _, name := range shapes {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if name == "evtx_dump.json" {
			f.Add(b[:bytes.Index(b, []byte("Record 2"))])
			continue
		}
		for _, l := range bytes.SplitAfter(b, []byte{'\n'}) {
			if len(l) > 0 {
				f.Add(l)
			}
		}
	}
	doc := prettyDoc(1, 80)
	f.Add([]byte(doc[:300] + "\n" + doc + "junk\n" + doc[:100]))
	f.Add([]byte("[\n" + doc + ",\n 42,\n" + doc + "]\n[" + doc + "]"))
	f.Add([]byte(goodFlat + "\n" + goodFlat[:60] + "\n\x00\xff\n" + goodFlat))
}

// FuzzRead feeds arbitrary bytes through sniffing, the reader and Records: no panic, every event
// has a time and a line within the input, the counts agree, and Records gives every event's
// record back.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data[:min(len(data), source.SniffSize)], "x.json")
		c := checkSink{t: t, lines: uint32(bytes.Count(data, []byte{'\n'}) + 1)}
		st := source.NewStats()
		if err := readDirect(t, string(data), &c, st); err != nil {
			t.Fatal(err)
		}
		var read int64
		for _, n := range st.Read {
			read += n
		}
		if read != int64(len(c.got)) {
			t.Fatalf("counted %v, got %d events", st.Read, len(c.got))
		}
		for _, p := range st.Problems {
			if p.Line == 0 || p.Line > c.lines {
				t.Fatalf("problem outside the input: %v", p)
			}
		}
		recs, err := Records(bytes.NewReader(data), c.got)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range c.got {
			if recs[l] == "" {
				t.Fatalf("Records lacks line %d", l)
			}
		}
	})
}
