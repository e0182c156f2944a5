package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/synth"
)

// benchDNSLines sizes the dns.log of BenchmarkDNS (SLUICE_BENCH_DNS_LINES, default 3,000,000).
func benchDNSLines() int { return envInt("SLUICE_BENCH_DNS_LINES", 3_000_000) }

// dnsStats keeps what synth.WriteDNSDay said of each dns.log made, by dataset name.
var dnsStats sync.Map

// dnsLog is a dns.log of about lines lines made by synth.WriteDNSDay (5,000 clients, two
// resolvers that forward, three planted tunnels), shared like the other datasets.
func dnsLog(tb testing.TB, lines int) (*dataset, synth.DNSDayStats) {
	name := fmt.Sprintf("dns-%d", lines)
	d := get(tb, name, func(dir string) (string, error) {
		path := filepath.Join(dir, "dns.log")
		f, err := os.Create(path)
		if err != nil {
			return "", err
		}
		start := time.Now()
		st, err := synth.WriteDNSDay(f, synth.DNSDayOptions{Seed: 1, Queries: lines})
		if err != nil {
			f.Close()
			return "", err
		}
		tb.Logf("dns.log: %d lines, %.1f MB, %d sources, %d names, %d lines from the resolvers to the outside; written in %s",
			st.Lines, float64(st.Bytes)/1e6, st.Clients, st.Names, st.Forwarded, time.Since(start).Round(time.Millisecond))
		for _, tu := range st.Tunnels {
			tb.Logf("planted tunnel: %s via %s, %d %s names under %s", tu.Client, tu.Server, tu.Queries, tu.Encoding, tu.Domain)
		}
		dnsStats.Store(name, st)
		return path, f.Close()
	})
	st, _ := dnsStats.Load(name)
	return d, st.(synth.DNSDayStats)
}

// dnsDetections are the registered detections that read DNS records, less those
// SLUICE_BENCH_SKIP lists (as for BenchmarkHunt).
func dnsDetections() []detect.Detection {
	skip := strings.Split(os.Getenv("SLUICE_BENCH_SKIP"), ",")
	var out []detect.Detection
	for _, d := range detect.All() {
		if slices.Contains(d.Info().Kinds, event.KindDNS) && !slices.Contains(skip, d.Info().ID) {
			out = append(out, d)
		}
	}
	return out
}

// huntDNS runs the engine over path with the detections given at their defaults; with none,
// it parses every record all the same (the reading's own cost).
func huntDNS(tb testing.TB, path string, dets []detect.Detection) *engine.Result {
	tb.Helper()
	res := runEngine(tb, path, dets, len(dets) == 0)
	if n := res.Stats.TotalSkipped(); n > 0 || len(res.Failed) > 0 || len(res.Unrecognized) > 0 {
		tb.Fatalf("%d records skipped, failed %v, unrecognized %v: %v", n, res.Failed, res.Unrecognized, res.Stats.Problems)
	}
	return res
}

// BenchmarkDNS times the DNS hunt on one generated dns.log (SLUICE_BENCH_DNS_LINES lines):
//
//   - read-only: the engine with no detection, every record parsed: the reading's cost;
//   - sluice: the engine with every detection that reads DNS (detect.All() whose Info().Kinds
//     has event.KindDNS);
//   - shell: the RITA-style question a hunter asks with the shell, unique subdomains per
//     domain per client (dnsPipeline).
//
// Each reports MB/s, records/s and peak-MB, the peak resident memory: of this process for
// the engine (its high-water mark reset before the runs), of the pipeline's processes
// together for the shell.
func BenchmarkDNS(b *testing.B) {
	d, st := dnsLog(b, benchDNSLines())
	b.Run("read-only", func(b *testing.B) {
		benchDNSEngine(b, d, st, nil)
	})
	b.Run("sluice", func(b *testing.B) {
		dets := dnsDetections()
		if len(dets) == 0 {
			b.Skip("no registered detection reads DNS")
		}
		var ids []string
		for _, x := range dets {
			ids = append(ids, x.Info().ID)
		}
		b.Logf("detections that read DNS: %s", strings.Join(ids, ", "))
		benchDNSEngine(b, d, st, dets)
	})
	b.Run("shell", func(b *testing.B) {
		needDNSTools(b)
		b.SetBytes(d.bytes)
		b.ResetTimer()
		var peak int64
		var out []byte
		for i := 0; i < b.N; i++ {
			var p int64
			out, p = dnsPipelineRun(b, d.path)
			peak = max(peak, p)
		}
		b.StopTimer()
		b.ReportMetric(float64(d.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		if peak > 0 {
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
		}
		top := parseDNSPipeline(b, out)
		found := 0
		for _, tu := range st.Tunnels {
			if top[tu.Client.String()+" "+lastTwoLabels(tu.Domain)] == tu.Queries {
				found++
			}
		}
		b.Logf("the pipeline's top ten has %d of the %d planted tunnel clients:\n%s", found, len(st.Tunnels), out)
	})
}

func benchDNSEngine(b *testing.B, d *dataset, st synth.DNSDayStats, dets []detect.Detection) {
	b.SetBytes(d.bytes)
	p := startPeak()
	b.ResetTimer()
	var res *engine.Result
	for i := 0; i < b.N; i++ {
		res = huntDNS(b, d.path, dets)
	}
	b.StopTimer()
	b.ReportMetric(float64(d.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if peak := p.stop(); peak > 0 {
		b.ReportMetric(float64(peak)/1e6, "peak-MB")
	}
	if res.Events[event.KindDNS] != d.records {
		b.Fatalf("%d DNS events of %d records", res.Events[event.KindDNS], d.records)
	}
	byDet := map[string]int{}
	found := 0
	for _, f := range res.Findings {
		byDet[f.Detection]++
	}
	for _, tu := range st.Tunnels {
		for _, f := range res.Findings {
			if f.Entities.Src == tu.Client.String() && f.Entities.Domain != "" &&
				(tu.Domain == f.Entities.Domain || strings.HasSuffix(tu.Domain, "."+f.Entities.Domain)) {
				found++
				break
			}
		}
	}
	b.Logf("%d findings %v; %d of the %d planted tunnel clients among them", len(res.Findings), byDet, found, len(st.Tunnels))
}

// dnsPipeline is the shell baseline: the hunter's RITA-style "unique subdomains per domain,
// per client" over a dns.log ($1),
//
//	zeek-cut id.orig_h query < dns.log | awk '{n=split($2,a,"."); print $1, a[n-1]"."a[n], $2}' \
//	  | sort -u | awk '{print $1, $2}' | uniq -c | sort -rn | head
//
// With zeek-cut when it is installed; without, awk stands in for it as in seed-pipeline.sh:
// it prints columns 3 and 10 (id.orig_h, query) of the lines that are not # headers. It runs
// under LC_ALL=C, as seed-pipeline.sh does: in other locales sort ignores the spaces, so the
// lines of one client and domain need not be adjacent for uniq -c (and the C locale is the
// fastest sort).
const dnsPipeline = `set -u
export LC_ALL=C
cut_fields() {
	if command -v zeek-cut >/dev/null 2>&1; then
		zeek-cut id.orig_h query <"$1"
	else
		awk -F'\t' '!/^#/ { print $3 "\t" $10 }' <"$1"
	fi
}
cut_fields "$1" |
	awk '{n=split($2,a,"."); print $1, a[n-1]"."a[n], $2}' |
	sort -u |
	awk '{print $1, $2}' |
	uniq -c |
	sort -rn |
	head
status=("${PIPESTATUS[@]}")
# head stops reading after ten lines, so the last sort may die of SIGPIPE (141).
names=(zeek-cut awk sort awk uniq sort head)
for i in "${!status[@]}"; do
	s=${status[$i]}
	case "$i:$s" in
	*:0 | 5:141) ;;
	*)
		echo "${names[$i]} failed (exit $s)" >&2
		exit "$s"
		;;
	esac
done
`

// needDNSTools skips when the pipeline cannot run here.
func needDNSTools(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"bash", "awk", "sort", "uniq", "head"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed; the shell pipeline cannot run", tool)
		}
	}
}

// dnsPipelineRun runs dnsPipeline over path and returns its output and the peak resident
// memory of its processes together (bash, zeek-cut or awk, the awks, the sorts, uniq, head),
// sampled every 10 ms.
func dnsPipelineRun(tb testing.TB, path string) ([]byte, int64) {
	tb.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command("bash", "-c", dnsPipeline, "dns-pipeline", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop := make(chan struct{})
	peakc := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, treeRSS(cmd.Process.Pid))
			select {
			case <-stop:
				peakc <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	peak := <-peakc
	if err != nil {
		tb.Fatalf("dns pipeline: %v\n%s", err, errb.String())
	}
	return out.Bytes(), peak
}

// treeRSS is the resident memory of process pid and its descendants, in bytes (0 where
// /proc does not list children).
func treeRSS(pid int) int64 {
	var total int64
	pending := []int{pid}
	for len(pending) > 0 {
		p := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p)); err == nil {
			if f := strings.Fields(string(b)); len(f) > 1 {
				pages, _ := strconv.ParseInt(f[1], 10, 64)
				total += pages * int64(os.Getpagesize())
			}
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", p, p))
		if err != nil {
			continue
		}
		for _, c := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(c); err == nil {
				pending = append(pending, n)
			}
		}
	}
	return total
}

// parseDNSPipeline reads the pipeline's "count client domain" lines into a map of counts by
// "client domain".
func parseDNSPipeline(tb testing.TB, out []byte) map[string]int64 {
	tb.Helper()
	top := map[string]int64{}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 10 {
		tb.Fatalf("the dns pipeline printed %d lines: %q", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 {
			tb.Fatalf("dns pipeline line %q", line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			tb.Fatalf("dns pipeline line %q", line)
		}
		top[f[1]+" "+f[2]] = n
	}
	return top
}

// lastTwoLabels is the pipeline's idea of a domain: a[n-1]"."a[n].
func lastTwoLabels(name string) string {
	f := strings.Split(name, ".")
	if len(f) < 2 {
		return "." + name
	}
	return f[len(f)-2] + "." + f[len(f)-1]
}

// rssPeak measures the peak resident memory of this process over a span, as sluice reports its
// own (VmHWM of /proc/self/status): start collects the garbage, returns it to the system and
// resets the high-water mark (clear_refs 5); where that cannot be done it samples VmRSS every
// 10 ms instead.
type rssPeak struct {
	sampling bool
	stopc    chan struct{}
	result   chan int64
}

func startPeak() *rssPeak {
	runtime.GC()
	debug.FreeOSMemory()
	p := &rssPeak{}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err == nil {
		return p
	}
	p.sampling = true
	p.stopc, p.result = make(chan struct{}), make(chan int64, 1)
	go func() {
		var m int64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			m = max(m, procStatus("VmRSS:"))
			select {
			case <-p.stopc:
				p.result <- m
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// stop returns the peak in bytes, 0 when unknown.
func (p *rssPeak) stop() int64 {
	if p.sampling {
		close(p.stopc)
		return <-p.result
	}
	return procStatus("VmHWM:")
}

// procStatus reads a memory line of /proc/self/status ("VmHWM:   123456 kB") in bytes, 0
// when there is none.
func procStatus(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if v, ok := bytes.CutPrefix(line, []byte(key)); ok {
			if f := bytes.Fields(v); len(f) >= 1 {
				if kb, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// TestDNSPipeline checks the shell baseline and the data on a small dns.log: the pipeline
// runs, and ranks every planted tunnel client among its top ten with all its names; the
// engine reads every record.
func TestDNSPipeline(t *testing.T) {
	d, st := dnsLog(t, 150_000)
	res := huntDNS(t, d.path, nil)
	if res.Events[event.KindDNS] != d.records || d.records != st.Lines {
		t.Fatalf("%d DNS events, %d records, %d lines written", res.Events[event.KindDNS], d.records, st.Lines)
	}
	needDNSTools(t)
	out, _ := dnsPipelineRun(t, d.path)
	top := parseDNSPipeline(t, out)
	for _, tu := range st.Tunnels {
		k := tu.Client.String() + " " + lastTwoLabels(tu.Domain)
		if top[k] != tu.Queries {
			t.Errorf("tunnel %s: %d in the pipeline's top ten, want %d\n%s", k, top[k], tu.Queries, out)
		}
	}
}
