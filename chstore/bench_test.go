package chstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/chstore"
	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/clickhouse/chtest"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/synth"
)

// BenchmarkIngestConn loads a generated conn.log of 200,000 connections into a fresh database
// each round: rows/s of `sluice ingest` for one file (files load in parallel beside it).
func BenchmarkIngestConn(b *testing.B) {
	srv := chtest.Start(b)
	var buf bytes.Buffer
	if err := synth.WriteConn(&buf, 200_000, synth.DefaultOptions()); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "conn.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	inputs, _ := source.Expand([]string{path}, nil)
	base := srv.URL()[:bytes.LastIndexByte([]byte(srv.URL()), '/')]
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	var rows int64
	for i := range b.N {
		c, err := clickhouse.New(base + "/ingest" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)))
		if err != nil {
			b.Fatal(err)
		}
		if err := chstore.Migrate(context.Background(), c, chstore.Layout{}); err != nil {
			b.Fatal(err)
		}
		rep, err := chstore.Ingest(context.Background(), c, inputs, chstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Rows["conn"]
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
