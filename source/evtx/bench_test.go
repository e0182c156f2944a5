package evtx

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// nopSink drops events.
type nopSink struct{ hostSink }

func (*nopSink) Host(*event.Host) {}

func benchRead(b *testing.B, files [][]byte) {
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var records int64
	for range b.N {
		for _, data := range files {
			st := source.NewStats()
			err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "bench.evtx"}, st, func(j source.Job) error {
				j.Run(&nopSink{}, st)
				return nil
			})
			if err != nil || st.TotalSkipped() > 0 {
				b.Fatal(err, st.Skipped)
			}
			for _, n := range st.Read {
				records += n
			}
			for _, n := range st.Ignored {
				records += n
			}
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReadReal reads the real EVTX files of the shared datasets (one worker).
func BenchmarkReadReal(b *testing.B) {
	var files [][]byte
	for _, p := range realEVTX(b) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	benchRead(b, files)
}

// BenchmarkReadDense reads a generated file of full chunks of Sysmon events (one worker).
func BenchmarkReadDense(b *testing.B) {
	var chunks [][]ev
	rec := uint64(1)
	for range 16 {
		var c []ev
		for range 30 {
			c = append(c, sysmonConnect(rec, `C:\Tools\plink.exe`, "10.0.2.18", 80), sysmonProcess(rec+1, `C:\Windows\System32\curl.exe`, "curl -H 'User-Agent: x' http://example.com"))
			rec += 2
		}
		chunks = append(chunks, c)
	}
	benchRead(b, [][]byte{buildEVTX(chunks...)})
}
