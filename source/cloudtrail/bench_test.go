package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const benchSize = 16 << 20

// benchInputs are the inputs of the benchmarks, about 16 MiB each, and their record counts:
// the OTRF dataset's Logstash lines (when present) and the fixtures' records one a line,
// repeated; the fixtures' records as one delivered {"Records":[...]} document.
func benchInputs(b *testing.B) map[string]struct {
	data    []byte
	records int
} {
	out := map[string]struct {
		data    []byte
		records int
	}{}
	repeat := func(one []byte, per int) ([]byte, int) {
		var buf bytes.Buffer
		n := 0
		for buf.Len() < benchSize {
			buf.Write(one)
			n += per
		}
		return buf.Bytes(), n
	}
	if data := exfilJSON(); data != nil {
		d, n := repeat(data, bytes.Count(data, []byte{'\n'}))
		out["otrf-logstash-lines"] = struct {
			data    []byte
			records int
		}{d, n}
		// the same records as one delivered document
		lines := bytes.Split(bytes.TrimSpace(d), []byte{'\n'})
		out["otrf-delivered-document"] = struct {
			data    []byte
			records int
		}{[]byte(recordsDoc(lines...)), len(lines)}
	}
	recs := canonicalRecords(b)
	lines := append(bytes.Join(recs, []byte{'\n'}), '\n')
	d, n := repeat(lines, len(recs))
	out["fixture-lines"] = struct {
		data    []byte
		records int
	}{d, n}
	var all [][]byte
	for len(all) < n {
		all = append(all, recs...)
	}
	out["delivered-document"] = struct {
		data    []byte
		records int
	}{[]byte(recordsDoc(all...)), len(all)}
	return out
}

// BenchmarkRead parses CloudTrail records from memory into a sink that does nothing; the
// baseline sub-benchmarks decode the same bytes with encoding/json into map[string]any (line
// by line, or the whole document) for a ratio.
func BenchmarkRead(b *testing.B) {
	for name, in := range benchInputs(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				var sink event.NopSink
				st := source.NewStats()
				err := Read(context.Background(), bytes.NewReader(in.data), source.FileInfo{Name: "bench.json"}, st, func(j source.Job) error {
					j.Run(sink, st)
					return nil
				})
				if err != nil || st.TotalSkipped() != 0 || st.Read[logType] != int64(in.records) {
					b.Fatal(err, st.Skipped, st.Read)
				}
			}
			b.ReportMetric(float64(in.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(name+"/baseline-map", func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				if in.data[0] == '{' && bytes.HasPrefix(in.data, []byte(`{"Records"`)) {
					var m map[string]any
					if err := json.Unmarshal(in.data, &m); err != nil {
						b.Fatal(err)
					}
					continue
				}
				for l := range bytes.Lines(in.data) {
					var m map[string]any
					if err := json.Unmarshal(l, &m); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(in.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
