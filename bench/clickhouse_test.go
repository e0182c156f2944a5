package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/chstore"
	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/clickhouse/chtest"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkClickHouse loads the conn.log of BenchmarkHunt (SLUICE_BENCH_CONNS connections)
// into a ClickHouse started for the run (package chtest) and hunts it there with every
// detection, beside the embedded engine on the same file, in the same run: rows/s ingested,
// and the hunt's time each way (ingest-rows/s, store-hunt-s, embedded-hunt-s).
func BenchmarkClickHouse(b *testing.B) {
	benchClickHouse(b, connLog(b, benchConns(), benchPairs()).path)
}

// BenchmarkClickHouseDay is BenchmarkClickHouse over the whole day of BenchmarkHuntDay (conn,
// http, dns, ssl, files): the kinds without SQL aggregations stream back from the store.
func BenchmarkClickHouseDay(b *testing.B) {
	benchClickHouse(b, day(b, benchDayConns()).path)
}

func benchClickHouse(b *testing.B, path string) {
	srv := chtest.Start(b)
	for i := range b.N {
		c, err := clickhouse.New(srv.URL()[:strings.LastIndex(srv.URL(), "/")] + "/bench" + string(rune('a'+i%26)))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := chstore.Migrate(ctx, c, chstore.Layout{}); err != nil {
			b.Fatal(err)
		}
		inputs, err := source.Expand([]string{path}, nil)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		rep, err := chstore.Ingest(ctx, c, inputs, chstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ingest := time.Since(t0)
		var rows int64
		for _, n := range rep.Rows {
			rows += n
		}
		b.ReportMetric(float64(rows)/ingest.Seconds(), "ingest-rows/s")

		t0 = time.Now()
		storeRes := huntStore(b, c)
		b.ReportMetric(time.Since(t0).Seconds(), "store-hunt-s")
		t0 = time.Now()
		embRes := hunt(b, path)
		b.ReportMetric(time.Since(t0).Seconds(), "embedded-hunt-s")
		if len(storeRes.Findings) != len(embRes.Findings) {
			b.Errorf("%d findings from ClickHouse, %d embedded", len(storeRes.Findings), len(embRes.Findings))
		}
	}
}

// huntStore is `sluice hunt --clickhouse` with every detection: SQL aggregations in the store,
// the other detections on the events streamed back.
func huntStore(tb testing.TB, c *clickhouse.Client) *engine.Result {
	tb.Helper()
	ctx := context.Background()
	cfg := &config.Config{}
	dets, err := cfg.Apply(detect.All())
	if err != nil {
		tb.Fatal(err)
	}
	internal, _ := cfg.Internal()
	env := &detect.Env{Internal: internal, Evidence: cfg.EvidenceLimit()}
	var agg *chstore.Aggregates
	inputs, err := chstore.Inputs(ctx, c, 0, 0, func() event.KindSet { return agg.Streamed })
	if err != nil {
		tb.Fatal(err)
	}
	plain := make([]detect.Detection, len(dets))
	for i, cd := range dets {
		plain[i] = cd.Detection
	}
	opt := engine.Options{Detections: dets, Env: env}
	t0 := time.Now()
	agg, err = chstore.Aggregate(ctx, c, plain, env, 0, 0, inputs)
	if err != nil {
		tb.Fatal(err)
	}
	if b, ok := tb.(*testing.B); ok {
		b.ReportMetric(time.Since(t0).Seconds(), "store-sql-s")
	}
	agg.Apply(&opt)
	res, err := engine.Run(ctx, inputs, opt)
	if err != nil {
		tb.Fatal(err)
	}
	if len(res.Failed) > 0 {
		tb.Fatalf("streaming from ClickHouse failed: %v", res.Failed)
	}
	return res
}
