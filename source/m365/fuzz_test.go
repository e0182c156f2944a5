package m365

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks what every event must hold.
type checkSink struct {
	event.NopSink
	t   *testing.T
	max uint32 // the highest position the input can have
	got []uint32
}

func (c *checkSink) Cloud(e *event.Cloud) {
	if e.Provider != Provider || e.Name == "" || e.Count < 1 || e.Bytes < event.Unset {
		c.t.Fatalf("bad event: %+v", e)
	}
	if e.Op == event.CloudShare && e.Scope != "" && e.Scope != event.ScopePublic && e.Scope != event.ScopeExternal && e.Scope != event.ScopeInternal {
		c.t.Fatalf("bad scope: %+v", e)
	}
	if e.Ref.Line == 0 || e.Ref.Line > c.max {
		c.t.Fatalf("event at position %d of an input with at most %d", e.Ref.Line, c.max)
	}
	c.got = append(c.got, e.Ref.Line)
}

// fuzzSeeds adds the fixtures' records one at a time (with the CSV header), the small
// fixtures whole, and broken inputs.
func fuzzSeeds(f *testing.F) {
	for _, sh := range shapes {
		b, err := os.ReadFile(filepath.Join("testdata", sh.name))
		if err != nil {
			f.Fatal(err)
		}
		switch {
		case strings.HasSuffix(sh.name, ".jsonl"):
			for _, l := range bytes.SplitAfter(b, []byte{'\n'}) {
				if len(l) > 0 {
					f.Add(l)
				}
			}
		case strings.HasSuffix(sh.name, ".csv"):
			ls := bytes.SplitAfter(b, []byte{'\n'})
			hdr := ls[0]
			if sh.name == "sual.csv" {
				hdr = append(append([]byte(nil), ls[0]...), ls[1]...)
				ls = ls[1:]
			}
			for _, l := range ls[1:] {
				f.Add(append(append([]byte(nil), hdr...), l...))
			}
		default:
			i := bytes.Index(b[1:], []byte("\n  {"))
			if sh.name == "sual.json" {
				i = bytes.Index(b[1:], []byte("\n    {"))
			}
			if i > 0 && sh.name != "api.json" {
				f.Add(append(append([]byte(nil), b[:i+1]...), "\n]"...)) // the first record
			}
		}
	}
	l := strings.Split(strings.TrimSpace(string(mustRead(f, "api.jsonl"))), "\n")
	f.Add([]byte("[" + l[0] + ",\n 42,\n" + l[1][:100] + "\n" + l[2] + "]\n[" + l[3] + "]"))
	f.Add([]byte(l[0] + "\n" + l[1][:60] + "\n\x00\xff\n[" + l[2] + ",1]\n"))
	c := strings.Split(string(mustRead(f, "export.csv")), "\n")
	f.Add([]byte(c[0] + "\n" + c[1][:200] + "\n" + c[2] + "\n\"open\nfield\",x\n"))
	f.Add(utf16Text(l[0]+"\n", false))
	f.Add([]byte("[1,2,3," + l[0] + "]"))
}

func mustRead(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzRead feeds arbitrary bytes through sniffing, the reader and Records: no panic; every event
// is whole and at a position the input has; the counts agree; every problem is at a line of the
// input; and Records gives every event's record back.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data[:min(len(data), source.SniffSize)], "x.json")
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		// positions are lines, or ordinals of array elements and objects (at most one per '{'
		// or ',', and the first)
		c := checkSink{t: t, max: max(lines, uint32(bytes.Count(data, []byte{'{'})+bytes.Count(data, []byte{','})+1))}
		st := source.NewStats()
		err := readDirect(t, string(data), &c, st)
		if err != nil && !strings.Contains(err.Error(), "not a Microsoft 365 audit log") {
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
			if p.Line == 0 || p.Line > lines {
				t.Fatalf("problem outside the input: %v", p)
			}
		}
		recs, err := Records(bytes.NewReader(data), c.got)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range c.got {
			if recs[l] == "" {
				t.Fatalf("Records lacks position %d", l)
			}
		}
	})
}
