package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-hunt/sluice/chstore"
	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/source"
)

type ingestFlags struct {
	clickhouse, cluster, configPath string
	ttlDays, batch, workers         int
	quiet, noProgress               bool
}

func ingestCmd() *cobra.Command {
	var f ingestFlags
	cmd := &cobra.Command{
		Use:   "ingest --clickhouse URL [flags] [PATH...]",
		Short: "Load logs into ClickHouse (idempotent: content loaded before is skipped, a grown log adds its new records)",
		Long: `Load logs into ClickHouse (idempotent: content loaded before is skipped, a grown log adds its
new records). The tables are created, or migrated to this sluice's schema, first; with no
PATH, ingest only does that.`,
		Example: `  sluice ingest --clickhouse http://127.0.0.1:8123 /data/zeek/2026-11-22/
  sluice ingest --clickhouse http://ch1:8123/sluice --cluster hunt --ttl 30 /data/zeek/
  sluice ingest --clickhouse http://127.0.0.1:8123          # create or migrate the tables only`,
		RunE: func(cmd *cobra.Command, args []string) error { return runIngest(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.clickhouse, "clickhouse", "", "ClickHouse HTTP address: http://[user:password@]host:8123[/database] (database default: default)")
	fl.StringVar(&f.cluster, "cluster", "", "create the tables ON CLUSTER: ReplicatedMergeTree shards with Distributed tables over them, sharded by source address")
	fl.IntVar(&f.ttlDays, "ttl", 0, "keep this many days (a TTL on servers that have it, else partitions dropped after loading); 0 keeps all")
	fl.IntVar(&f.batch, "batch", 50000, "rows per insert (at most 1,000,000: an insert is then one block, written whole or not at all)")
	fl.IntVar(&f.workers, "workers", 2, "files loaded at once")
	fl.StringVar(&f.configPath, "config", "", "sluice.yaml, for its sources settings (default: ./sluice.yaml when present)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no summary on standard error")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar")
	cmd.MarkFlagRequired("clickhouse")
	return cmd
}

func runIngest(cmd *cobra.Command, args []string, f ingestFlags) error {
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return err
	}
	c, err := clickhouse.New(f.clickhouse)
	if err != nil {
		return fmt.Errorf("--clickhouse: %w", err)
	}
	inputs, err := source.Expand(args, nil)
	if err != nil {
		return err
	}
	if len(inputs) == 0 && len(args) > 0 {
		return errors.New("no files to load in " + strings.Join(args, " "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := chstore.Migrate(ctx, c, chstore.Layout{Cluster: f.cluster, TTLDays: f.ttlDays}); err != nil {
		return fmt.Errorf("creating the tables: %w", err)
	}
	if len(args) == 0 {
		if !f.quiet {
			fmt.Fprintf(cmd.ErrOrStderr(), "sluice: the tables of %s are this sluice's\n", c.Database())
		}
		return nil
	}
	start := time.Now()
	var progress atomic.Int64
	stderr := cmd.ErrOrStderr()
	done := startProgress(stderr, inputs, &progress, f.noProgress || f.quiet)
	rep, err := chstore.Ingest(ctx, c, inputs, chstore.Options{Workers: f.workers, BatchRows: f.batch,
		Sources: cfg.SourceOptions(), Progress: &progress, TTLDays: f.ttlDays})
	done()
	if !f.quiet && rep != nil {
		var rows int64
		var parts []string
		for _, k := range source.Keys(rep.Rows) {
			rows += rep.Rows[k]
			parts = append(parts, fmt.Sprintf("%s %s", k, finding.Commas(rep.Rows[k])))
		}
		el := time.Since(start)
		fmt.Fprintf(stderr, "sluice: loaded %s rows from %d files in %s (%.0f rows/s) into %s\n",
			finding.Commas(rows), len(rep.Loaded)+len(rep.Grown), el.Round(time.Millisecond), float64(rows)/max(el.Seconds(), 1e-9), c.Database())
		if len(parts) > 0 {
			fmt.Fprintf(stderr, "  rows by table: %s\n", strings.Join(parts, ", "))
		}
		if len(rep.Already) > 0 {
			fmt.Fprintf(stderr, "  already loaded (same content): %d files\n", len(rep.Already))
		}
		if len(rep.Grown) > 0 {
			fmt.Fprintf(stderr, "  grown since loaded (new records only): %s\n", strings.Join(rep.Grown, ", "))
		}
		if rep.Resumed > 0 {
			fmt.Fprintf(stderr, "  resumed: %d batches were in from an interrupted load\n", rep.Resumed)
		}
		if n := rep.Stats.TotalSkipped(); n > 0 {
			fmt.Fprintf(stderr, "  skipped %s records\n", finding.Commas(n))
			for _, p := range rep.Stats.Problems {
				fmt.Fprintf(stderr, "    %s\n", p)
			}
		}
		for _, p := range rep.Failed {
			fmt.Fprintf(stderr, "  error: %s\n", p)
		}
		for _, p := range rep.Unrecognized {
			fmt.Fprintf(stderr, "  not logs sluice reads: %s\n", p)
		}
	}
	if err != nil {
		return err
	}
	if rep != nil && len(rep.Failed) > 0 {
		return fmt.Errorf("%d files could not be loaded (run ingest again: what was loaded is kept, the rest is added)", len(rep.Failed))
	}
	return nil
}

// storedInputs returns the events loaded into ClickHouse as the hunt's inputs, bounded by
// --window before the newest event (and --since/--until, which the engine applies); with sql,
// the detections that have an aggregation in SQL run it in ClickHouse (opt.Prebuilt).
func storedInputs(ctx context.Context, url string, window time.Duration, sql bool, opt *engine.Options) ([]source.Input, error) {
	c, err := clickhouse.New(url)
	if err != nil {
		return nil, fmt.Errorf("--clickhouse: %w", err)
	}
	var since event.Time
	if window > 0 {
		newest, err := chstore.Newest(ctx, c)
		if err != nil {
			return nil, err
		}
		since = newest - event.Time(window/time.Microsecond)
		if opt.Since < since {
			opt.Since = since
		}
	}
	var agg *chstore.Aggregates
	inputs, err := chstore.Inputs(ctx, c, opt.Since, opt.Until, func() event.KindSet {
		if agg != nil {
			return agg.Streamed // only what the detections without SQL read is sent back
		}
		return ^event.KindSet(0)
	})
	if err != nil || !sql {
		return inputs, err
	}
	dets := make([]detect.Detection, len(opt.Detections))
	for i, d := range opt.Detections {
		dets[i] = d.Detection
	}
	if agg, err = chstore.Aggregate(ctx, c, dets, opt.Env, opt.Since, opt.Until, inputs); err != nil {
		return nil, err
	}
	agg.Apply(opt)
	return inputs, nil
}
