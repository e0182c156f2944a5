package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/synth"
)

// plantedBeacon is a beacon the benchmark adds to the generated connections.
type plantedBeacon struct {
	src, dst string
	period   time.Duration
	jitter   float64
}

// plantBeacons writes a conn.log of n beacons (periods from 30 s to an hour, jitter from 0 to
// 50 %, 6 to 20 hours long) from hosts the background does not use.
func plantBeacons(path string, n int, start time.Time) ([]plantedBeacon, error) {
	r := rand.New(rand.NewPCG(2026, 3))
	periods := []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}
	jitters := []float64{0, 0.1, 0.3, 0.5}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-03-05-00-00-00\n"+
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"+
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n")
	var out []plantedBeacon
	for i := 0; i < n; i++ {
		b := plantedBeacon{src: fmt.Sprintf("10.60.0.%d", i+1), dst: fmt.Sprintf("198.18.%d.%d", i/200, 1+i%200),
			period: periods[i%len(periods)], jitter: jitters[(i/len(periods))%len(jitters)]}
		out = append(out, b)
		length := time.Duration(6+r.IntN(15)) * time.Hour
		t := start.Add(time.Duration(r.IntN(3)) * time.Hour)
		end := t.Add(length)
		size := 300 + r.IntN(2000)
		for k := 0; t.Before(end); k++ {
			fmt.Fprintf(w, "%d.%06d\tCb%03d%06d\t%s\t%d\t%s\t443\ttcp\tssl\t0.350000\t%d\t%d\tSF\tT\tF\t0\tShADadFf\t8\t%d\t8\t%d\t(empty)\n",
				t.Unix(), t.Nanosecond()/1000, i, k, b.src, 40000+k%20000, b.dst, size+r.IntN(20), 2000+r.IntN(500), size+400, 3000)
			t = t.Add(time.Duration(float64(b.period) * (1 + b.jitter*(2*r.Float64()-1))))
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return out, f.Close()
}

// BenchmarkBeaconPrecision runs the beacon detection (the sluice binary, as a user does) over
// the benchmark's generated connections with 40 planted beacons of assorted periods and jitter
// (plus the generator's own planted HTTPS beacon), and reports speed, peak memory, and the
// precision and recall of the findings against the planted set.
func BenchmarkBeaconPrecision(b *testing.B) {
	d := connLog(b, benchConns(), benchPairs())
	dir := filepath.Join(filepath.Dir(d.path), "with-beacons")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	link := filepath.Join(dir, "conn.log")
	os.Remove(link)
	if err := os.Symlink(d.path, link); err != nil {
		b.Fatal(err)
	}
	planted, err := plantBeacons(filepath.Join(dir, "beacons.conn.log"), 40, synth.DefaultStart)
	if err != nil {
		b.Fatal(err)
	}
	want := map[string]bool{"10.50.0.11 203.0.113.80": true} // the generator's https-beacon
	for _, p := range planted {
		want[p.src+" "+p.dst] = true
	}
	bin := filepath.Join(b.TempDir(), "sluice")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/sluice").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	out := filepath.Join(b.TempDir(), "findings.jsonl")
	b.SetBytes(d.bytes)
	b.ResetTimer()
	var summary string
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "hunt", "--no-progress", "--detections", "beacon", "--format", "jsonl", "-o", out, dir)
		o, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("sluice hunt: %v\n%s", err, o)
		}
		summary = string(o)
	}
	b.StopTimer()
	b.ReportMetric(float64(d.records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if _, after, ok := strings.Cut(summary, "peak memory "); ok {
		var v float64
		var unit string
		if _, err := fmt.Sscanf(after, "%f %2s", &v, &unit); err == nil {
			b.ReportMetric(v*map[string]float64{"kB": 1e-3, "MB": 1, "GB": 1e3}[unit], "peak-MB")
		}
	}
	found, all, hits, allMed, hitsMed := map[string]bool{}, 0, 0, 0, 0
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var f finding.Finding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			b.Fatal(err)
		}
		k := f.Entities.Src + " " + f.Entities.Dst
		all++
		if f.Severity >= finding.Medium {
			allMed++
		}
		if want[k] {
			found[k] = true
			hits++
			if f.Severity >= finding.Medium {
				hitsMed++
			}
		}
	}
	if all > 0 {
		b.ReportMetric(float64(hits)/float64(all), "precision")
	}
	if allMed > 0 {
		b.ReportMetric(float64(hitsMed)/float64(allMed), "precision-medium+")
	}
	b.ReportMetric(float64(len(found))/float64(len(want)), "recall")
	b.Logf("%d findings (%d medium or worse); %d of %d planted beacons found", all, allMed, len(found), len(want))
	for k := range want {
		if !found[k] {
			b.Logf("missed: %s", k)
		}
	}
}
