package winjson

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkRead parses Windows events from memory into a sink that does nothing: the HELK
// (nxlog) dataset, 12,200 events read from its zip once, one a line; and evtx_dump's pretty
// documents (the fixture, repeated to 16 MiB), read with the streaming decoder.
func BenchmarkRead(b *testing.B) {
	b.Run("helk-nxlog", func(b *testing.B) {
		data := helk(b)
		bench(b, data, bytes.Count(data, []byte{'\n'}))
	})
	b.Run("evtx_dump-pretty", func(b *testing.B) {
		one, err := os.ReadFile(filepath.Join("testdata", "evtx_dump.json"))
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		n := 0
		for buf.Len() < 16<<20 {
			buf.Write(one)
			n += bytes.Count(one, []byte("Record "))
		}
		bench(b, buf.Bytes(), n)
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
		if err != nil || st.TotalSkipped() != 0 {
			b.Fatal(err, st.Skipped)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
