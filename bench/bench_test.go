// Package bench measures `sluice hunt` against what a hunter would otherwise run on the same
// logs: the seed's own shell pipeline (seed-pipeline.sh). See README.md.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all"
	"github.com/sluice-hunt/sluice/synth"
)

// The data of a run is generated once, into a temporary folder removed when the run ends, and
// shared by the benchmarks so that sluice and the shell read the very same bytes.
var (
	root string
	data = map[string]*dataset{}
	mu   sync.Mutex
)

type dataset struct {
	once    sync.Once
	path    string // a file (conn.log) or a folder (a whole day)
	bytes   int64
	records int64
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if root != "" {
		os.RemoveAll(root)
	}
	os.Exit(code)
}

// envInt reads a size from the environment.
func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		if err == nil && n > 0 {
			return n
		}
	}
	return def
}

// benchConns is the number of background connections of the benchmarks' data
// (SLUICE_BENCH_CONNS, default 1,000,000); benchPairs the source/destination pairs of its TLS
// traffic (SLUICE_BENCH_PAIRS, default a tenth of the connections).
// benchDayConns (SLUICE_BENCH_DAY_CONNS, default 1,000,000) sizes the whole day of
// BenchmarkHuntDay, whose five logs are about 2.2 times the lines of its conn.log.
func benchConns() int    { return envInt("SLUICE_BENCH_CONNS", 1_000_000) }
func benchPairs() int    { return envInt("SLUICE_BENCH_PAIRS", benchConns()/10) }
func benchDayConns() int { return envInt("SLUICE_BENCH_DAY_CONNS", 1_000_000) }

func get(tb testing.TB, name string, make func(dir string) (string, error)) *dataset {
	tb.Helper()
	mu.Lock()
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "sluice-bench-"); err != nil {
			mu.Unlock()
			tb.Fatal(err)
		}
	}
	d := data[name]
	if d == nil {
		d = &dataset{}
		data[name] = d
	}
	mu.Unlock()
	d.once.Do(func() {
		dir := filepath.Join(root, name)
		if d.err = os.MkdirAll(dir, 0o755); d.err != nil {
			return
		}
		tb.Logf("generating %s ...", name)
		d.path, d.err = make(dir)
		if d.err == nil {
			d.bytes, d.records, d.err = measure(d.path)
		}
	})
	if d.err != nil {
		tb.Fatal(d.err)
	}
	return d
}

// connLog is a conn.log of n background connections over pairs TLS pairs, with the planted
// cases, made by synth.WriteConn.
func connLog(tb testing.TB, n, pairs int) *dataset {
	return get(tb, fmt.Sprintf("conn-%d-%d", n, pairs), func(dir string) (string, error) {
		name := filepath.Join(dir, "conn.log")
		f, err := os.Create(name)
		if err != nil {
			return "", err
		}
		opt := synth.DefaultOptions()
		opt.Pairs = pairs
		opt.Hosts = max(200, min(pairs/200, 20_000))
		if err := synth.WriteConn(f, n, opt); err != nil {
			f.Close()
			return "", err
		}
		return name, f.Close()
	})
}

// day is a whole generated day (conn, http, dns, ssl, files) of n background connections.
func day(tb testing.TB, n int) *dataset {
	return get(tb, fmt.Sprintf("day-%d", n), func(dir string) (string, error) {
		opt := synth.DefaultOptions()
		opt.Conns = n
		logs := filepath.Join(dir, "logs")
		if _, err := synth.Generate(logs, opt); err != nil {
			return "", err
		}
		// The truth stays out of the folder sluice reads.
		return logs, os.Rename(filepath.Join(logs, synth.TruthFile), filepath.Join(dir, synth.TruthFile))
	})
}

// measure returns the bytes and the records (lines that are not headers) under path.
func measure(path string) (size, records int64, err error) {
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		br := bufio.NewReaderSize(f, 1<<20)
		start := true
		for {
			line, err := br.ReadSlice('\n')
			size += int64(len(line))
			if start && len(line) > 0 && line[0] != '#' {
				records++
			}
			start = len(line) > 0 && line[len(line)-1] == '\n'
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				break
			}
		}
		return nil
	})
	return size, records, err
}

// hunt runs the engine over path with every detection at its defaults, as `sluice hunt`
// does without a config file.
func hunt(tb testing.TB, path string) *engine.Result { return huntWith(tb, path, false) }

// huntWith is hunt; parseAll makes the readers parse every record, also of the log types no
// detection reads (which a hunt only counts).
func huntWith(tb testing.TB, path string, parseAll bool) *engine.Result {
	tb.Helper()
	// SLUICE_BENCH_SKIP lists detections to leave out (IDs, comma separated): what one costs
	var skip []string
	if v := os.Getenv("SLUICE_BENCH_SKIP"); v != "" {
		skip = strings.Split(v, ",")
	}
	chosen, err := detect.Select(detect.All(), nil, skip)
	if err != nil {
		tb.Fatal(err)
	}
	res := runEngine(tb, path, chosen, parseAll)
	if len(res.Findings) == 0 {
		tb.Fatal("no findings: the planted cases went unseen")
	}
	return res
}

// runEngine runs the engine over path with the detections given at their defaults, as
// `sluice hunt` does without a config file.
func runEngine(tb testing.TB, path string, dets []detect.Detection, parseAll bool) *engine.Result {
	tb.Helper()
	cfg := &config.Config{}
	chosen, err := cfg.Apply(dets)
	if err != nil {
		tb.Fatal(err)
	}
	internal, err := cfg.Internal()
	if err != nil {
		tb.Fatal(err)
	}
	env := &detect.Env{Internal: internal, Evidence: cfg.EvidenceLimit()}
	inputs, err := source.Expand([]string{path}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := engine.Run(context.Background(), inputs, engine.Options{Detections: chosen, Env: env, MinScore: cfg.MinScore, ParseAll: parseAll})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func benchHunt(b *testing.B, d *dataset, parseAll bool) {
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		huntWith(b, d.path, parseAll)
	}
	b.ReportMetric(float64(d.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkHunt runs every detection over the conn.log the seed pipeline reads.
func BenchmarkHunt(b *testing.B) {
	benchHunt(b, connLog(b, benchConns(), benchPairs()), false)
}

// BenchmarkHuntDay runs every detection over a whole day: conn, http, dns, ssl and files. Log
// types no detection reads are counted, not parsed, as in `sluice hunt`.
func BenchmarkHuntDay(b *testing.B) {
	benchHunt(b, day(b, benchDayConns()), false)
}

// BenchmarkHuntDayParseAll is BenchmarkHuntDay with every record of every log parsed into an
// event: the reader's full cost, as when later detections read http, dns and ssl.
func BenchmarkHuntDayParseAll(b *testing.B) {
	benchHunt(b, day(b, benchDayConns()), true)
}

// BenchmarkCLI runs the sluice binary, as a user does, over the conn.log of BenchmarkHunt and
// reports its peak resident memory (peak-MB) beside the speed: the memory bound holds for the
// whole process, with its default --memory-limit. The peak is what sluice reports of itself
// (VmHWM): getrusage would count this test process, whose memory the child shares until exec.
func BenchmarkCLI(b *testing.B) {
	d := connLog(b, benchConns(), benchPairs())
	benchCLI(b, d.path, d.bytes, d.records, "records/s")
}

// benchCLI builds the sluice binary, hunts path with it b.N times and reports the speed (n
// units a run) and the peak memory sluice reports of itself.
func benchCLI(b *testing.B, path string, size, n int64, unit string) {
	bin := filepath.Join(b.TempDir(), "sluice")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sluice").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	b.SetBytes(size)
	b.ResetTimer()
	var peak float64
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "hunt", "--no-progress", "--format", "jsonl", "-o", os.DevNull, path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("sluice hunt: %v\n%s", err, out)
		}
		// the summary says "..., peak memory 875 MB; ..."
		if _, after, ok := strings.Cut(string(out), "peak memory "); ok {
			var v float64
			var u string
			if _, err := fmt.Sscanf(after, "%f %2s", &v, &u); err == nil {
				peak = max(peak, v*map[string]float64{"kB": 1e-3, "MB": 1, "GB": 1e3}[u])
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), unit)
	if peak > 0 {
		b.ReportMetric(peak, "peak-MB")
	}
}

// needTools skips when the shell pipeline cannot run here.
func needTools(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"bash", "awk", "sort", "grep", "head", "datamash"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed (apt-get install -y datamash for datamash); the seed pipeline cannot run", tool)
		}
	}
}

func seedPipeline(tb testing.TB, path string) []byte {
	tb.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command("bash", "seed-pipeline.sh", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("seed-pipeline.sh: %v\n%s", err, errb.String())
	}
	return out.Bytes()
}

// BenchmarkSeedPipeline runs the seed's shell pipeline (awk for zeek-cut, sort, grep,
// datamash, sort, head) over the same conn.log as BenchmarkHunt.
func BenchmarkSeedPipeline(b *testing.B) {
	needTools(b)
	d := connLog(b, benchConns(), benchPairs())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := seedPipeline(b, d.path); bytes.Count(out, []byte("\n")) != 10 {
			b.Fatalf("seed pipeline printed %q", out)
		}
	}
	b.ReportMetric(float64(d.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestSeedPipelineAgrees checks that the seed's top-10 uploaders are the pairs sluice's
// upload-volume detection reports, on a small day.
func TestSeedPipelineAgrees(t *testing.T) {
	needTools(t)
	d := connLog(t, 50_000, 5_000)
	top := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(seedPipeline(t, d.path))), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Fatalf("seed pipeline line %q", line)
		}
		top[f[0]+" "+f[1]] = true
	}
	if len(top) != 10 {
		t.Fatalf("seed pipeline gave %d pairs", len(top))
	}
	res := hunt(t, d.path)
	for _, f := range res.Findings {
		if f.Detection == "upload-volume" {
			delete(top, f.Entities.Src+" "+f.Entities.Dst)
		}
	}
	for p := range top {
		t.Errorf("the seed pipeline's top-10 pair %s is not among sluice's upload-volume findings", p)
	}
}
