package gworkspace

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// benchInputs builds about 16 MiB of activities from the fixtures: one a line, and the same
// activities as one pretty-printed page. It returns the texts and the number of activities.
func benchInputs(b *testing.B) (lines, page []byte, n int) {
	one, err := os.ReadFile("testdata/activities.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var lb bytes.Buffer
	for lb.Len() < 16<<20 {
		lb.Write(one)
		n += bytes.Count(one, []byte{'\n'})
	}
	var items []json.RawMessage
	for _, l := range bytes.Split(bytes.TrimSpace(lb.Bytes()), []byte{'\n'}) {
		items = append(items, l)
	}
	page, err = json.MarshalIndent(map[string]any{"kind": kindActivities, "etag": `"e"`, "items": items}, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	return lb.Bytes(), page, n
}

// BenchmarkRead parses activities from memory into a sink that does nothing: one a line (read
// in parallel blocks), and one pretty page (the document scanner); and, as the baseline for
// each, the same bytes decoded by encoding/json into map[string]any.
func BenchmarkRead(b *testing.B) {
	lines, page, n := benchInputs(b)
	b.Run("jsonl", func(b *testing.B) { bench(b, lines, n) })
	b.Run("page", func(b *testing.B) { bench(b, page, n) })
	b.Run("baseline-jsonl-map", func(b *testing.B) {
		b.SetBytes(int64(len(lines)))
		b.ReportAllocs()
		for b.Loop() {
			for _, l := range bytes.Split(lines, []byte{'\n'}) {
				if len(l) == 0 {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("baseline-page-map", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(page, &m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

func bench(b *testing.B, data []byte, records int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var sink event.NopSink
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "bench.json"}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil || st.TotalSkipped() != 0 || st.Read[logType] == 0 {
			b.Fatal(err, st.Skipped, strings.Join(nil, ""))
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
