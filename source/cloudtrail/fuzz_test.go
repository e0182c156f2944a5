package cloudtrail

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks what every event must hold.
type checkSink struct {
	event.NopSink
	t   *testing.T
	max uint32 // the highest position the input allows
	got []uint32
}

func (c *checkSink) Cloud(e *event.Cloud) {
	if e.Provider != "aws" || e.Name == "" || e.Service == "" || e.Count != 1 || e.Bytes < event.Unset {
		c.t.Fatalf("incomplete event %+v", e)
	}
	if e.Ref.Line == 0 || e.Ref.Line > c.max {
		c.t.Fatalf("event at %d of an input allowing %d", e.Ref.Line, c.max)
	}
	if (e.Scope != "" || e.Target != "") && e.Op == event.CloudOther {
		c.t.Fatalf("a scope without a share: %+v", e)
	}
	c.got = append(c.got, e.Ref.Line)
}

func fuzzSeeds(f *testing.F) {
	// real records, a few lines at a time, when the shared datasets are present
	if data := exfilJSON(); data != nil {
		lines := bytes.SplitAfter(data, []byte{'\n'})
		for i := 0; i < len(lines); i += 9 {
			f.Add(bytes.Join(lines[i:min(i+2, len(lines))], nil))
		}
	}
	// the fixtures' records one at a time in each shape (whole files make minimizing slow)
	for _, name := range []string{canonical, logstash, bridge, messages, cloudwatch, digest} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for i, l := range bytes.SplitAfter(b, []byte{'\n'}) {
			if len(l) > 0 && (name == canonical || i%4 == 0) {
				f.Add(l)
			}
		}
	}
	recs := canonicalRecords(f)
	f.Add([]byte(recordsDoc(recs[0], recs[15], recs[19])))
	f.Add([]byte(recordsDoc(recs[26], recs[28])[:900]))
	f.Add([]byte("[\n  " + string(recs[31]) + ",\n  " + string(recs[32]) + "\n]\n"))
	f.Add([]byte(`{"Events":[{"EventId":"x","CloudTrailEvent":` + quote(string(recs[4])) + `}]}`))
	f.Add([]byte(string(recs[2]) + "\n" + string(recs[3][:100]) + "\n\x00\xff\n" + string(recs[5])))
	f.Add([]byte("{\n" + string(recs[9][1:])))
}

// FuzzRead feeds arbitrary bytes through sniffing, the reader and Records: no panic, every event
// is complete and at a position within the input, the counts agree, and Records gives every
// event's record back.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data[:min(len(data), source.SniffSize)], "x.json")
		// a position is a line, or the number of a value (which needs at least two bytes)
		c := checkSink{t: t, max: uint32(max(bytes.Count(data, []byte{'\n'})+1, len(data)/2+1))}
		st := source.NewStats()
		if err := readDirect(t, string(data), &c, st); err != nil {
			t.Logf("read: %v", err)
		}
		if st.Read[logType] != int64(len(c.got)) {
			t.Fatalf("counted %v, got %d events", st.Read, len(c.got))
		}
		for _, p := range st.Problems {
			if p.Line > c.max {
				t.Fatalf("problem outside the input: %v", p)
			}
		}
		var pos []uint32
		for _, l := range c.got {
			if len(pos) == 0 || pos[len(pos)-1] < l {
				pos = append(pos, l)
			} else if pos[len(pos)-1] > l {
				t.Fatalf("positions out of order: %v then %d", pos, l)
			}
		}
		recs, err := Records(bytes.NewReader(data), pos)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range pos {
			if recs[l] == "" {
				t.Fatalf("Records lacks %d", l)
			}
		}
	})
}
