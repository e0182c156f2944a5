package panos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkReadTraffic and BenchmarkReadThreat parse PAN-OS syslog (SLUICE_BENCH_PANOS, else
// a generated sample of about 32 MiB: 9.1 TRAFFIC end records behind an RFC 3164 header, or
// THREAT url records with user agents and referers) into events delivered to a sink that does
// nothing: the reader's own cost, on one core. lines/s is reported besides MB/s.
func BenchmarkReadTraffic(b *testing.B) {
	benchRead(b, func(buf *bytes.Buffer, i int) {
		fmt.Fprintf(buf, "<14>Mar  5 16:00:06 PA-3220 %s\n", rec(75, trafficBase, map[int]string{
			7: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), 22: fmt.Sprint(i), 24: fmt.Sprint(1024 + i%60000),
			32: fmt.Sprint(i % 100000), 33: fmt.Sprint(i % 7000), 39: fmt.Sprint(1000000 + i)}))
	})
}

func BenchmarkReadThreat(b *testing.B) {
	benchRead(b, func(buf *bytes.Buffer, i int) {
		fmt.Fprintf(buf, "<14>Mar  5 16:00:06 PA-3220 %s\n", rec(79, threatBase, map[int]string{
			7: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), 22: fmt.Sprint(i),
			31: fmt.Sprintf("www%d.example.com/path/to/resource/%d.js?v=%d", i%500, i, i%97), 36: fmt.Sprint(1000000 + i)}))
	})
}

func benchRead(b *testing.B, line func(*bytes.Buffer, int)) {
	var data []byte
	if p := os.Getenv("SLUICE_BENCH_PANOS"); p != "" {
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
	lines := bytes.Count(data, []byte{'\n'})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var sink event.NopSink
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "panos.log"}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil || st.TotalSkipped() != 0 {
			b.Fatal(err, st.Skipped, st.Problems)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
