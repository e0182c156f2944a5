package stream

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkRead parses each fixture shape, repeated to 16 MiB, into a sink that does nothing.
func BenchmarkRead(b *testing.B) {
	for _, name := range shapes {
		b.Run(name, func(b *testing.B) {
			one, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			for buf.Len() < 16<<20 {
				buf.Write(one)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var sink event.NopSink
				st := source.NewStats()
				err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: name}, st, func(j source.Job) error {
					j.Run(sink, st)
					return nil
				})
				if err != nil || st.TotalSkipped() != 0 {
					b.Fatal(err, st.Skipped)
				}
			}
		})
	}
}
