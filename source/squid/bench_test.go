package squid

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkReadNative and BenchmarkReadCombined parse an access.log (SLUICE_BENCH_SQUIDLOG,
// else a generated sample of about 32 MiB) into events delivered to a sink that does nothing:
// the reader's own cost, on one core.
func BenchmarkReadNative(b *testing.B) {
	benchRead(b, func(buf *bytes.Buffer, i int) {
		fmt.Fprintf(buf, "1709650%03d.%03d %6d 192.168.%d.%d TCP_MISS/200 %d GET http://www%d.example.com/path/to/resource/%d.js?v=%d - HIER_DIRECT/93.184.216.%d application/javascript\n",
			i%1000, i%1000, i%7000, i/256%256, i%256, 1000+i%90000, i%500, i, i%97, i%256)
	})
}

func BenchmarkReadCombined(b *testing.B) {
	benchRead(b, func(buf *bytes.Buffer, i int) {
		fmt.Fprintf(buf, "192.168.%d.%d - - [05/Mar/2024:16:%02d:%02d +0100] \"GET http://www%d.example.com/path/to/resource/%d.js?v=%d HTTP/1.1\" 200 %d \"http://www.example.com/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36\" TCP_MISS:HIER_DIRECT\n",
			i/256%256, i%256, i/60%60, i%60, i%500, i, i%97, 1000+i%90000)
	})
}

func benchRead(b *testing.B, line func(*bytes.Buffer, int)) {
	var data []byte
	if p := os.Getenv("SLUICE_BENCH_SQUIDLOG"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	} else {
		var buf bytes.Buffer
		for i := 0; buf.Len() < 32<<20; i++ {
			line(&buf, i)
		}
		data = buf.Bytes()
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var sink event.NopSink
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "access.log"}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil || st.TotalSkipped() != 0 {
			b.Fatal(err, st.Skipped, st.Problems)
		}
	}
}
