package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/output"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all"
)

type huntFlags struct {
	format, output, configPath string
	minScore                   int
	only, skip                 []string
	since, until               string
	explain, quiet, noProgress bool
	workers, evidence          int
	memoryLimit                string
	baselinePath               string
	clickhouse                 string
	window                     time.Duration
	noSQL                      bool
}

func huntCmd() *cobra.Command {
	var f huntFlags
	cmd := &cobra.Command{
		Use:   "hunt [flags] PATH...",
		Short: "Hunt the logs in files and folders (recursively); - reads standard input",
		Example: `  sluice hunt testdata/zeek/
  sluice hunt --format jsonl --output findings.jsonl /data/zeek/2026-11-22/
  zcat conn.log.gz | sluice hunt -
  sluice hunt --clickhouse http://127.0.0.1:8123 --window 24h`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.clickhouse == "" && len(args) == 0 {
				return errors.New("hunt needs files or folders to read, or --clickhouse")
			}
			if f.clickhouse != "" && len(args) > 0 {
				return errors.New("--clickhouse hunts the events loaded by `sluice ingest`: give no paths")
			}
			return runHunt(cmd, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "table", "output format: "+strings.Join(output.Formats, ", "))
	fl.StringVarP(&f.output, "output", "o", "", "write findings to this file instead of standard output")
	fl.StringVar(&f.configPath, "config", "", "sluice.yaml with parameters and exclusions (default: ./sluice.yaml when present)")
	fl.IntVar(&f.minScore, "min-score", -1, "drop findings whose risk (0-100) is lower (default: the config's min_score, else 0)")
	fl.StringSliceVar(&f.only, "detections", nil, "run only these detections (IDs, comma separated)")
	fl.StringSliceVar(&f.skip, "skip-detections", nil, "do not run these detections")
	fl.StringVar(&f.since, "since", "", "read only records at or after this time (RFC 3339, YYYY-MM-DD or Unix seconds)")
	fl.StringVar(&f.until, "until", "", "read only records before this time")
	fl.BoolVar(&f.explain, "explain", false, "table: show every figure and evidence record under each finding")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no summary on standard error")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar")
	fl.IntVar(&f.workers, "workers", 0, "parsing goroutines (default: one per core)")
	fl.IntVar(&f.evidence, "evidence", -1, "most source records shown per finding (default: the config's evidence, else 5)")
	fl.StringVar(&f.baselinePath, "baseline", "", "a baseline saved by `sluice baseline save`: report only what it does not hold (default: the config's baseline)")
	fl.StringVar(&f.clickhouse, "clickhouse", "", "hunt the events `sluice ingest` loaded into this ClickHouse (http://[user:password@]host:8123[/database])")
	fl.BoolVar(&f.noSQL, "no-sql", false, "with --clickhouse: stream every event back instead of running the aggregations that have SQL inside ClickHouse (same findings, slower; for checking)")
	fl.DurationVar(&f.window, "window", 0, "with --clickhouse: hunt only this much time before the newest event stored (e.g. 24h); --since/--until also apply")
	fl.StringVar(&f.memoryLimit, "memory-limit", "900MiB", "soft limit on the memory sluice uses (e.g. 900MiB, 4GiB; 0 for none); GOMEMLIMIT, when set, wins")
	return cmd
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat("sluice.yaml"); err == nil {
			path = "sluice.yaml"
		} else {
			return &config.Config{}, nil
		}
	}
	return config.Load(path)
}

func runHunt(cmd *cobra.Command, args []string, f huntFlags) error {
	if err := setMemoryLimit(f.memoryLimit); err != nil {
		return err
	}
	if !validFormat(f.format) {
		return fmt.Errorf("--format %q: want one of %s", f.format, strings.Join(output.Formats, ", "))
	}
	cfg, err := loadConfig(f.configPath)
	if err != nil {
		return err
	}
	chosen, err := detect.Select(detect.All(), f.only, f.skip)
	if err != nil {
		return err
	}
	dets, err := cfg.Apply(chosen)
	if err != nil {
		return err
	}
	internal, err := cfg.Internal()
	if err != nil {
		return fmt.Errorf("internal_networks: %w", err)
	}
	env := &detect.Env{Internal: internal, Evidence: cfg.EvidenceLimit()}
	if env.External, err = cfg.External(); err != nil {
		return fmt.Errorf("external_networks: %w", err)
	}
	if f.evidence >= 0 {
		env.Evidence = f.evidence
	}
	if f.baselinePath == "" {
		f.baselinePath = cfg.Baseline
	}
	if f.baselinePath != "" {
		if env.Baseline, err = baseline.Load(f.baselinePath); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	opt := engine.Options{Detections: dets, Env: env, Workers: f.workers, MinScore: cfg.MinScore, Exclude: &cfg.Exclude,
		Attribution: cfg.AttribOptions(), Sources: cfg.SourceOptions()}
	if f.minScore >= 0 {
		opt.MinScore = f.minScore
	}
	if opt.Since, err = parseTime(f.since); err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	if opt.Until, err = parseTime(f.until); err != nil {
		return fmt.Errorf("--until: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var inputs []source.Input
	if f.clickhouse != "" {
		if inputs, err = storedInputs(ctx, f.clickhouse, f.window, !f.noSQL, &opt); err != nil {
			return err
		}
		if len(inputs) == 0 {
			return errors.New("nothing is loaded in " + f.clickhouse + ": run sluice ingest first")
		}
	} else {
		if inputs, err = source.Expand(args, cmd.InOrStdin()); err != nil {
			return err
		}
		if len(inputs) == 0 {
			return errors.New("no files to read in " + strings.Join(args, " "))
		}
	}
	stderr := cmd.ErrOrStderr()
	var progress atomic.Int64
	opt.Progress = &progress
	done := startProgress(stderr, inputs, &progress, f.noProgress || f.quiet)
	res, err := engine.Run(ctx, inputs, opt)
	done()
	if err != nil {
		return err
	}

	out := cmd.OutOrStdout()
	if f.output != "" {
		file, err := os.Create(f.output)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	oopt := output.Options{Explain: f.explain}
	if f.output == "" {
		if file, ok := out.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			oopt.Color = true
			if w, _, err := term.GetSize(int(file.Fd())); err == nil {
				oopt.Width = w
			}
		}
	}
	if err := output.Write(out, f.format, res.Findings, finding.RollUp(res.Findings), oopt); err != nil {
		return err
	}
	if !f.quiet {
		writeSummary(stderr, res, len(dets))
	}
	if len(res.Failed)+len(res.Unrecognized) == len(inputs) {
		return errors.New("no input could be read to its end")
	}
	return nil
}

// setMemoryLimit sets the garbage collector's soft memory limit. The runtime then collects
// more often as the heap nears it, instead of letting it grow to twice the live data; a hunt
// whose state needs more still runs, only slower.
func setMemoryLimit(s string) error {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	n, err := parseSize(s)
	if err != nil {
		return fmt.Errorf("--memory-limit: %w", err)
	}
	if n > 0 {
		debug.SetMemoryLimit(n)
	}
	return nil
}

// parseSize reads 900MiB, 4GiB, 1GB, 512M or a number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size (like 900MiB or 4GiB)", s)
	}
	return int64(v * float64(mult)), nil
}

func validFormat(f string) bool {
	for _, x := range output.Formats {
		if x == f {
			return true
		}
	}
	return false
}

// parseTime reads RFC 3339, a date, or Unix seconds.
func parseTime(s string) (event.Time, error) {
	if s == "" {
		return 0, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return event.FromStd(t), nil
		}
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return event.Time(v * 1e6), nil
	}
	return 0, fmt.Errorf("%q is not a time (RFC 3339, YYYY-MM-DD or Unix seconds)", s)
}

// startProgress shows a progress bar on a terminal when the input is large; it returns the
// function that removes it.
func startProgress(w io.Writer, inputs []source.Input, progress *atomic.Int64, off bool) func() {
	file, ok := w.(*os.File)
	if off || !ok || !term.IsTerminal(int(file.Fd())) {
		return func() {}
	}
	var total int64
	for _, in := range inputs {
		if in.Size < 0 {
			total = -1
			break
		}
		total += in.Size
	}
	if total >= 0 && total < 64<<20 {
		return func() {}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("reading"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = bar.Set64(progress.Load())
			}
		}
	}()
	return func() {
		close(stop)
		<-finished
		_ = bar.Finish()
		_ = bar.Clear()
	}
}

// writeSummary prints what was read, skipped and found.
func writeSummary(w io.Writer, res *engine.Result, ndet int) {
	st := res.Stats
	var total int64
	for _, n := range st.Read {
		total += n
	}
	secs := res.Elapsed.Seconds()
	rate := ""
	if secs > 0 {
		rate = fmt.Sprintf(", %.1f MB/s", float64(res.Bytes)/1e6/secs)
	}
	files := len(res.Files) - len(res.Unrecognized) - len(res.Failed)
	peak := ""
	if p := peakMemory(); p > 0 {
		peak = ", peak memory " + output.HumanBytes(p)
	}
	fmt.Fprintf(w, "\nsluice: read %s records from %d files (%s) in %s%s%s; %d detections\n",
		finding.Commas(total), files, output.HumanBytes(res.Bytes), res.Elapsed.Round(time.Millisecond), rate, peak, ndet)
	if len(st.Read) > 0 {
		var parts []string
		for _, k := range source.Keys(st.Read) {
			parts = append(parts, fmt.Sprintf("%s %s", k, finding.Commas(st.Read[k])))
		}
		fmt.Fprintf(w, "  records by log type: %s\n", strings.Join(parts, ", "))
	}
	if res.Window.Last > 0 {
		fmt.Fprintf(w, "  time covered: %s .. %s\n", res.Window.First, res.Window.Last)
	}
	if res.OutOfRange > 0 {
		fmt.Fprintf(w, "  outside --since/--until: %s records\n", finding.Commas(res.OutOfRange))
	}
	if len(st.Ignored) > 0 {
		var parts []string
		for _, k := range source.Keys(st.Ignored) {
			parts = append(parts, fmt.Sprintf("%s %s", k, finding.Commas(st.Ignored[k])))
		}
		fmt.Fprintf(w, "  not read (log types sluice does not use): %s\n", strings.Join(parts, ", "))
	}
	if n := st.TotalSkipped(); n > 0 {
		var parts []string
		for _, k := range source.Keys(st.Skipped) {
			parts = append(parts, fmt.Sprintf("%s %s", k, finding.Commas(st.Skipped[k])))
		}
		fmt.Fprintf(w, "  skipped %s records: %s\n", finding.Commas(n), strings.Join(parts, ", "))
		for _, p := range st.Problems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	for _, p := range res.Failed {
		fmt.Fprintf(w, "  error: %s\n", p)
	}
	if len(res.Unrecognized) > 0 {
		var names []string
		for _, p := range res.Unrecognized {
			names = append(names, p.String())
		}
		fmt.Fprintf(w, "  not logs sluice reads: %s\n", strings.Join(names, "; "))
	}
	fmt.Fprintf(w, "  findings: %d", len(res.Findings))
	if res.Dropped > 0 {
		fmt.Fprintf(w, " (%d more dropped by exclusions or --min-score)", res.Dropped)
	}
	fmt.Fprintln(w)
}
