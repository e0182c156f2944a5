package gworkspace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks what every event must hold and keeps the positions.
type checkSink struct {
	event.NopSink
	t     *testing.T
	max   uint32 // highest possible position
	got   []uint32
	texts []string
}

func (c *checkSink) Cloud(e *event.Cloud) {
	if e.Provider != "google" || e.Count != 1 || e.Bytes < event.Unset {
		c.t.Fatalf("event %+v", e)
	}
	if e.Ref.Line == 0 || e.Ref.Line > c.max {
		c.t.Fatalf("event at position %d of an input of at most %d", e.Ref.Line, c.max)
	}
	if e.Op != event.CloudShare && e.Op != event.CloudReplicate && e.Scope != "" {
		c.t.Fatalf("scope %q on a %v event", e.Scope, e.Op)
	}
	c.got = append(c.got, e.Ref.Line)
	c.texts = append(c.texts, fmt.Sprint(e.Ref.Line, " ", content(*e)))
}

func fuzzSeeds(f *testing.F) {
	for _, name := range allShapes() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if slicesContains(docShapes, name) {
			f.Add(b[:min(len(b), 4000)])
			continue
		}
		for _, l := range bytes.SplitAfter(b, []byte{'\n'}) {
			if len(l) > 0 {
				f.Add(l)
			}
		}
	}
	a := act("drive", ev("download", sp("doc_id", "D")))
	page := "{\n  \"kind\": \"admin#reports#activities\",\n  \"items\": [\n    " + a + ",\n    " + a + "\n  ]\n}\n"
	f.Add([]byte(page[:120] + "\n" + page + "junk\n" + page[:60]))
	f.Add([]byte("[\n" + a + ",\n 42,\n" + a[:80] + "\n" + a + "]\n[" + a + "]"))
	f.Add([]byte(a + "\n" + a[:60] + "\n\x00\xff\n" + a))
	f.Add([]byte(`{"_raw":` + fmt.Sprintf("%q", page) + "}\n"))
}

// FuzzRead feeds arbitrary bytes through sniffing, the reader and Records: no panic, every event
// is well formed and within the input, the counts agree, Records gives every event's record
// back, and small inputs read the same whatever the sizes of the reads.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data[:min(len(data), source.SniffSize)], "x.json")
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		run := func(r io.Reader) (*checkSink, *source.Stats) {
			c := &checkSink{t: t, max: uint32(len(data)) + 1}
			st := source.NewStats()
			err := Read(t.Context(), r, source.FileInfo{Name: "x.json"}, st, func(j source.Job) error {
				j.Run(c, st)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return c, st
		}
		c, st := run(bytes.NewReader(data))
		if st.Read[logType] != int64(len(c.got)) {
			t.Fatalf("counted %v, got %d events", st.Read, len(c.got))
		}
		for _, p := range st.Problems {
			if p.Line == 0 || p.Line > lines {
				t.Fatalf("problem outside the input: %v", p)
			}
		}
		recs, err := Records(bytes.NewReader(data), dedup(c.got))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range c.got {
			if recs[l] == "" || strings.Contains(recs[l], "\n") {
				t.Fatalf("Records gives position %d as %q", l, recs[l])
			}
		}
		if len(data) < 2048 {
			want := strings.Join(c.texts, "\n") + problems(st)
			c1, st1 := run(iotest.OneByteReader(bytes.NewReader(data)))
			if got := strings.Join(c1.texts, "\n") + problems(st1); got != want {
				t.Fatalf("one-byte reads differ:\n%s\nwant\n%s", got, want)
			}
		}
	})
}

// dedup returns the ascending positions without repeats.
func dedup(p []uint32) []uint32 {
	var out []uint32
	for _, x := range p {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}
