package winxml

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

func fuzzSeeds(f *testing.F) {
	for _, name := range []string{"events.xml", "oneline.xml", "splunk_export.json", "bad.xml"} {
		b := fixture(f, name)
		f.Add(b)
		if name != "splunk_export.json" {
			f.Add(toUTF16(b[:min(len(b), 3000)], false, true))
		}
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if len(l) > 0 {
				f.Add(append(l, '\n'))
			}
		}
	}
	f.Add([]byte(good + good + "\n<Events><Event><System><EventID>1</EventID></System></Event></Events>"))
	f.Add([]byte(sysmonStart + `<Data Name='CommandLine'><![CDATA[a</Event>b]]></Data><!-- </Event> -->` + goodData + `</EventData></Event>`))
	f.Add([]byte(`{"preview":false,"result":{"_raw":"` + sysmonStart + `<Data Name='QueryName'>x&amp;y</Data></EventData></Event>"}}`))
	// real events, when the shared datasets are present
	names, _ := filepath.Glob(filepath.Join(datasets, "sysmon-evtx", "sigma__*.json"))
	for _, name := range names {
		x, _ := sigmaEvent(f, name)
		f.Add([]byte(x))
	}
	if p := filepath.Join(datasets, "otrf-host-cloud", "empire_dllinjection_LoadLibrary_CreateRemoteThread.zip"); fileExists(p) {
		doc, _ := empireXML(f, p, 8)
		f.Add(doc)
	}
}

// fuzzSink checks every event as it comes: a line within the input.
type fuzzSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	got   []event.Host
}

func (c *fuzzSink) Host(e *event.Host) {
	if e.Ref.Line == 0 || e.Ref.Line > c.lines {
		c.t.Fatalf("event at line %d of a %d-line input", e.Ref.Line, c.lines)
	}
	if e.TS == 0 || e.Op == 0 {
		c.t.Fatalf("event without a time or an operation: %+v", e)
	}
	c.got = append(c.got, *e)
}

// problemLines lists where the problems are (their messages quote the text around them, which
// a block's end can cut).
func problemLines(st *source.Stats) string {
	var l []uint32
	for _, p := range st.Problems {
		l = append(l, p.Line)
	}
	return fmt.Sprint(l)
}

func fuzzRead(t *testing.T, data []byte, size int) (*fuzzSink, *source.Stats) {
	c := &fuzzSink{t: t, lines: uint32(bytes.Count(data, []byte{'\n'}) + 1)}
	st := source.NewStats()
	err := read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "f"}, st, func(j source.Job) error {
		j.Run(c, st)
		return nil
	}, size, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var read int64
	for _, n := range st.Read {
		read += n
	}
	if read != int64(len(c.got)) {
		t.Fatalf("counted %v, got %d events", st.Read, len(c.got))
	}
	return c, st
}

// FuzzRead feeds arbitrary bytes through Sniff, the reader (in big and small blocks) and
// Records: no panic; every event has a time, an operation and a line within the input; the
// block size changes nothing (unless a comment or CDATA could hold an </Event>); Records gives
// a text for every event's position.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data, "f")
		c, st := fuzzRead(t, data, 1<<20)
		if !bytes.Contains(data, []byte("<!")) && !bytes.Contains(data, []byte("<?")) && !bytes.Contains(data, []byte("<\x00!")) && !bytes.Contains(data, []byte("<\x00?")) {
			c2, st2 := fuzzRead(t, data, 97)
			if len(c2.got) != len(c.got) || problemLines(st) != problemLines(st2) || fmt.Sprint(st.Skipped) != fmt.Sprint(st2.Skipped) {
				t.Fatalf("blocks of 97 bytes: %d events, want %d\n%s\nwant\n%s", len(c2.got), len(c.got), problems(st2), problems(st))
			}
			for i := range c.got {
				if content(c.got[i]) != content(c2.got[i]) || c.got[i].Ref != c2.got[i].Ref {
					t.Fatalf("blocks of 97 bytes: event %d differs", i)
				}
			}
		}
		var pos []uint32
		for _, e := range c.got {
			if len(pos) == 0 || pos[len(pos)-1] != e.Ref.Line {
				pos = append(pos, e.Ref.Line)
			}
		}
		recs, err := Records(bytes.NewReader(data), pos)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pos {
			if recs[p] == "" {
				t.Fatalf("no record text at line %d", p)
			}
		}
	})
}
