// Package engine runs a hunt: it reads the inputs with their formats' readers, parses them on
// all cores, feeds every event to each enabled detection's per-worker aggregator, merges the
// aggregates, scores them and returns ranked findings with their evidence read back.
//
// No detection state is shared between workers, so nothing takes a lock on the hot path: each
// worker owns one aggregator per detection, and the engine merges them at the end.
package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/source"
)

// Options configure a run.
type Options struct {
	Detections []config.Detection
	Env        *detect.Env
	// Workers is the number of parsing goroutines (default: GOMAXPROCS).
	Workers int
	// Since and Until bound the events read: Since <= ts < Until; zero means unbounded.
	Since, Until event.Time
	// MinScore drops findings with a lower risk.
	MinScore int
	// Exclude drops findings of every detection.
	Exclude *finding.Filter
	// Progress, when not nil, is advanced by the raw bytes read.
	Progress *atomic.Int64
	// ParseAll parses every record even of kinds no detection reads (benchmarks, tests).
	ParseAll bool
	// NoEvidenceText skips reading evidence records back from the files.
	NoEvidenceText bool
	// CollectBaseline fills Result.Baseline from the detections that implement
	// detect.Baseliner.
	CollectBaseline bool
	// NoScore stops after the aggregation (a baseline needs no findings).
	NoScore bool
	// Attribution tunes how findings are matched to host processes.
	Attribution attrib.Options
	// Sources holds formats' settings (source.FileInfo.Options).
	Sources map[string]any
	// Prebuilt holds, for detections whose aggregation ran elsewhere (SQL in the event store),
	// their merged aggregate, by the index of the detection: they observe no event of the kinds
	// in PrebuiltKinds[i] (every kind when PrebuiltKinds is nil or its entry 0), and the
	// prebuilt aggregate is merged into what the events of the other kinds built. Nil entries
	// (or a nil slice) aggregate the events read.
	Prebuilt []detect.Aggregator
	// Feeds, by the index of the detection, add state aggregated elsewhere (detect.SQLPart)
	// for the kinds in PrebuiltKinds[i], which the detection then does not observe here. They
	// run while the events are read, each into aggregators of its own (one for each partition
	// of the source addresses aggregatorFor is asked for), merged into the partitions' after.
	Feeds         []func(aggregatorFor func(src netip.Addr) detect.Aggregator) error
	PrebuiltKinds []event.KindSet
	// Window, when set, is the span of the run's events (the engine then does not take it
	// from the events read: some may have been aggregated elsewhere).
	Window *detect.Window
}

// Result is what a run found and how the reading went.
type Result struct {
	Findings []finding.Finding
	// Files is the run's file table: event.Ref.File indexes it.
	Files []string
	Stats *source.Stats
	// Events counts events by kind after the time filter; OutOfRange counts those it dropped.
	Events     [event.NumKinds]int64
	OutOfRange int64
	// Unrecognized lists inputs no format claimed, with why.
	Unrecognized []source.Problem
	// Failed lists inputs that could not be read to the end.
	Failed  []source.Problem
	Window  detect.Window
	Bytes   int64 // raw bytes read
	Elapsed time.Duration
	// Dropped counts findings removed by exclusions and --min-score.
	Dropped int
	// Baseline is what the run saw, by baseline section (Options.CollectBaseline).
	Baseline map[string][]string
}

// Run hunts the inputs.
func Run(ctx context.Context, inputs []source.Input, opt Options) (*Result, error) {
	start := time.Now()
	if opt.Env == nil {
		return nil, errors.New("engine: no Env")
	}
	nw := opt.Workers
	if nw <= 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	var raw atomic.Int64
	progress := opt.Progress
	if progress == nil {
		progress = &raw
	}
	before := progress.Load()
	for _, cd := range opt.Detections {
		if p, ok := cd.Detection.(detect.Preparer); ok {
			if err := p.Prepare(); err != nil {
				return nil, fmt.Errorf("%s: %w", cd.Info().ID, err)
			}
		}
	}

	// one dispatch (with its own aggregators) per partition of the source addresses
	parts := make([]*dispatch, partitions)
	for p := range parts {
		parts[p] = newDispatch(opt, opt.Env)
	}
	res := &Result{Stats: source.NewStats()}
	for _, in := range inputs {
		res.Files = append(res.Files, in.Name)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// shards: each owns the partitions p with p % nw == its index and runs their aggregators
	shards := make([]chan *batch, nw)
	free := make(chan *batch, 2*partitions)
	var swg sync.WaitGroup
	for g := range shards {
		shards[g] = make(chan *batch, 16)
		swg.Add(1)
		go func(in chan *batch) {
			defer swg.Done()
			for b := range in {
				b.deliver(parts[b.part])
				b.release()
				select {
				case free <- b:
				default:
				}
			}
		}(shards[g])
	}

	// parsers: run the readers' jobs, routing events to the partitions' batches
	jobs := make(chan source.Job, 2*nw)
	stats := make([]*source.Stats, nw)
	var wg sync.WaitGroup
	for w := range stats {
		stats[w] = source.NewStats()
		wg.Add(1)
		go func(st *source.Stats) {
			defer wg.Done()
			r := &router{shard: shards, free: free}
			for j := range jobs {
				j.Run(r, st)
			}
			r.flush()
		}(stats[w])
	}

	// feeds: state aggregated elsewhere (the event store) is built while the events are read,
	// into aggregators of its own for each partition, merged into the partitions' after
	fed := make([][]detect.Aggregator, len(opt.Feeds))
	feedErrs := make([]error, len(opt.Feeds))
	var fwg sync.WaitGroup
	for i, feed := range opt.Feeds {
		if feed == nil {
			continue
		}
		fed[i] = make([]detect.Aggregator, partitions)
		fwg.Add(1)
		go func() {
			defer fwg.Done()
			feedErrs[i] = feed(func(src netip.Addr) detect.Aggregator {
				p := partOf(src)
				if fed[i][p] == nil {
					fed[i][p] = opt.Detections[i].NewAggregator(opt.Env)
				}
				return fed[i][p]
			})
		}()
	}

	// log types no detection reads are counted, not parsed
	skip := parts[0].unread()
	if opt.ParseAll {
		skip = 0
	}

	// readers: up to nw inputs at a time, each splitting its input into jobs in order
	var mu sync.Mutex
	sem := make(chan struct{}, nw)
	var rwg sync.WaitGroup
	for i, in := range inputs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		rwg.Add(1)
		go func(id int, in source.Input) {
			defer rwg.Done()
			defer func() { <-sem }()
			st := source.NewStats()
			unrec, failed := readInput(ctx, in, source.FileInfo{ID: uint32(id), Name: in.Name, Skip: skip, Options: opt.Sources}, st, progress, jobs)
			mu.Lock()
			defer mu.Unlock()
			res.Stats.Merge(st)
			if unrec != nil {
				res.Unrecognized = append(res.Unrecognized, *unrec)
			}
			if failed != nil {
				res.Failed = append(res.Failed, *failed)
			}
		}(i, in)
	}
	rwg.Wait()
	close(jobs)
	wg.Wait()
	for _, c := range shards {
		close(c)
	}
	swg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sortProblems(res.Unrecognized)
	sortProblems(res.Failed)

	fwg.Wait()
	for i, err := range feedErrs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opt.Detections[i].Info().ID, err)
		}
	}
	parallel(len(fed), nw, func(i int) {
		for p, a := range fed[i] {
			if a != nil {
				parts[p].aggs[i].Merge(a)
			}
		}
	})

	tRead := time.Now()
	// merge the partitions' state
	for _, st := range stats {
		res.Stats.Merge(st)
	}
	d := parts[0]
	d.merge(parts[1:], nw)
	res.Events = d.counts
	res.OutOfRange = d.outOfRange
	res.Window = d.window()
	if opt.Window != nil {
		res.Window = *opt.Window
	}
	for i, a := range opt.Prebuilt {
		if a != nil && i < len(d.aggs) {
			d.aggs[i] = a
		}
	}
	opt.Env.Window = res.Window
	opt.Env.Hosts = d.procs.Index()

	tMerge := time.Now()
	if opt.CollectBaseline {
		res.Baseline = map[string][]string{}
		for i, cd := range opt.Detections {
			if b, ok := cd.Detection.(detect.Baseliner); ok {
				res.Baseline[b.BaselineSection()] = append(res.Baseline[b.BaselineSection()], b.Baseline(d.aggs[i])...)
			}
		}
	}
	if opt.NoScore {
		res.Bytes = progress.Load() - before
		res.Elapsed = time.Since(start)
		return res, nil
	}
	// score the detections in parallel, then keep their findings in detection order
	scored := make([][]finding.Finding, len(opt.Detections))
	errs := make([]error, len(opt.Detections))
	parallel(len(opt.Detections), nw, func(i int) {
		scored[i], errs[i] = opt.Detections[i].Score(d.aggs[i], opt.Env)
	})
	for i, cd := range opt.Detections {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", cd.Info().ID, errs[i])
		}
		for _, f := range scored[i] {
			if f.Risk < opt.MinScore || cd.Exclude.Drop(&f) || opt.Exclude.Drop(&f) {
				res.Dropped++
				continue
			}
			res.Findings = append(res.Findings, f)
		}
	}
	opt.Env.Hosts.Annotate(res.Findings, opt.Attribution)
	tScore := time.Now()
	if os.Getenv("SLUICE_TIMING") != "" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "timing: read %v merge %v score %v; heap in use %d MB, peak-ish sys %d MB, %d GCs\n",
			tRead.Sub(start), tMerge.Sub(tRead), tScore.Sub(tMerge), ms.HeapInuse>>20, ms.Sys>>20, ms.NumGC)
	}
	finding.Sort(res.Findings)
	resolveEvidence(inputs, res, !opt.NoEvidenceText)
	res.Bytes = progress.Load() - before
	res.Elapsed = time.Since(start)
	return res, nil
}

// parallel runs fn(0..n-1) on up to width goroutines.
func parallel(n, width int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(n, max(1, width)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// readInput opens one input and runs its format's reader. It returns a problem when no format
// claims the input or when reading stopped early.
func readInput(ctx context.Context, in source.Input, f source.FileInfo, st *source.Stats, progress *atomic.Int64, jobs chan<- source.Job) (unrec, failed *source.Problem) {
	o, err := source.Open(in, progress)
	if err != nil {
		p := &source.Problem{File: in.Name, Msg: err.Error()}
		if errors.Is(err, source.ErrUnrecognized) {
			return p, nil
		}
		return nil, p
	}
	defer o.Close()
	emit := func(j source.Job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := o.Format.Read(ctx, o.R, f, st, emit); err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		werr := source.ReadError(o, err)
		return nil, &source.Problem{File: in.Name, Msg: werr.Error()}
	}
	return nil, nil
}

const allKinds = event.KindSet(1<<event.NumKinds - 1)

// prebuiltKinds is the kinds detection i does not observe here: all for a prebuilt
// aggregate, PrebuiltKinds[i] for a feed, none otherwise.
func prebuiltKinds(opt Options, i int) event.KindSet {
	switch {
	case i < len(opt.Prebuilt) && opt.Prebuilt[i] != nil:
		return allKinds
	case i < len(opt.Feeds) && opt.Feeds[i] != nil && i < len(opt.PrebuiltKinds):
		return opt.PrebuiltKinds[i]
	}
	return 0
}
