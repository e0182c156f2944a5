package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/clouddownload"
	"github.com/sluice-hunt/sluice/detect/cloudexposure"
	"github.com/sluice-hunt/sluice/detect/cloudstorage"
	"github.com/sluice-hunt/sluice/detect/cloudupload"
	"github.com/sluice-hunt/sluice/synth"
)

func benchCloud() int { return envInt("SLUICE_BENCH_CLOUD", 200_000) }

// cloudRecordsPerFile is how many records a generated CloudTrail file holds (CloudTrail
// delivers a file about every five minutes per region; busy accounts' files hold thousands).
const cloudRecordsPerFile = 5000

// cloudTrail is a folder of CloudTrail files ({"Records":[...]}, not compressed, so that jq
// and sluice read the same bytes) with n records: S3 reads and writes of 300 application roles
// and users on 60 buckets, management calls, and one planted seed row (five PutObject of the
// same 64 MB object in one second).
func cloudTrail(tb testing.TB, n int) *dataset {
	return get(tb, fmt.Sprintf("cloudtrail-%d", n), func(dir string) (string, error) {
		logs := filepath.Join(dir, "trail")
		if err := os.MkdirAll(logs, 0o755); err != nil {
			return "", err
		}
		r := rand.New(rand.NewPCG(7, 31))
		start := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
		var who []synth.Principal
		for i := range 300 {
			if i%3 == 0 {
				who = append(who, synth.Principal{Account: "111122223333", User: fmt.Sprintf("svc-%03d", i), KeyID: fmt.Sprintf("AKIAEXAMPLE%09d", i)})
			} else {
				who = append(who, synth.Principal{Account: "111122223333", Role: fmt.Sprintf("AppRole%03d", i), Session: fmt.Sprintf("i-0%016x", i*7919), KeyID: fmt.Sprintf("ASIAEXAMPLE%09d", i), Instance: true})
			}
		}
		ua := "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.47.7"
		var calls []synth.Call
		flush := func(k int) error {
			if len(calls) == 0 {
				return nil
			}
			var b bytes.Buffer
			if err := synth.WriteCloudTrailFile(&b, calls); err != nil {
				return err
			}
			calls = calls[:0]
			return os.WriteFile(filepath.Join(logs, fmt.Sprintf("111122223333_CloudTrail_us-east-1_%05d.json", k)), b.Bytes(), 0o644)
		}
		for i := range n {
			t := start.Add(time.Duration(int64(i) * int64(24*time.Hour) / int64(n)))
			p := who[r.IntN(len(who))]
			bucket := fmt.Sprintf("corp-data-%02d", r.IntN(60))
			from := fmt.Sprintf("10.50.%d.%d", r.IntN(8), 1+r.IntN(250))
			switch x := r.IntN(10); {
			case i == n/2:
				for range 5 {
					calls = append(calls, synth.S3(t, who[1], "PutObject", "203.0.113.66", ua, "corp-exports", "db-dump.tar.gz", 64_000_000, 0, ""))
				}
			case x < 7:
				calls = append(calls, synth.S3(t, p, "GetObject", from, ua, bucket, fmt.Sprintf("data/%05d.parquet", r.IntN(20000)), 0, int64(1000+r.IntN(5_000_000)), ""))
			case x < 9:
				calls = append(calls, synth.S3(t, p, "PutObject", from, ua, bucket, fmt.Sprintf("out/%05d.parquet", r.IntN(20000)), int64(1000+r.IntN(20_000_000)), 0, ""))
			default:
				calls = append(calls, synth.Call{Time: t, Who: p, Source: "ec2.amazonaws.com", Name: "DescribeInstances", From: from, Agent: ua,
					Request: map[string]any{"instancesSet": map[string]any{}, "filterSet": map[string]any{}}})
			}
			if len(calls) >= cloudRecordsPerFile {
				if err := flush(i); err != nil {
					return "", err
				}
			}
		}
		return logs, flush(n)
	})
}

func cloudDetections() []detect.Detection {
	return []detect.Detection{clouddownload.New(), cloudexposure.New(), cloudstorage.New(), cloudupload.New()}
}

// BenchmarkCloudHunt runs the four cloud detections over the CloudTrail folder.
func BenchmarkCloudHunt(b *testing.B) {
	d := cloudTrail(b, benchCloud())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := runEngine(b, d.path, cloudDetections(), false)
		if len(res.Findings) == 0 {
			b.Fatal("the planted seed row went unseen")
		}
	}
	b.ReportMetric(float64(benchCloud())*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// jqSeed is seed 003's cloud storage analytic for CloudTrail as a hunter would run it without
// sluice: jq pulls the stats fields of PutObject records, sort | uniq -c counts alike rows, awk
// keeps count >= 5 and a size above 10,000,000 (the lowest band).
const jqSeed = `cat "$1"/*.json | jq -r '.Records[] | select(.eventName=="PutObject") | ` +
	`[.eventTime, .sourceIPAddress, .userIdentity.arn, .requestParameters.key, .eventName, .requestParameters.bucketName, ` +
	`(.additionalEventData.bytesTransferredIn // "" | tostring)] | @tsv' | LC_ALL=C sort | LC_ALL=C uniq -c | ` +
	`awk -F'\t' '{ split($1, a, " "); if (a[1] >= 5 && $7 > 10000000) print }'`

func needJQ(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"bash", "jq", "sort", "uniq", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed (apt-get install -y jq for jq); the jq pipeline cannot run", tool)
		}
	}
}

func runJQ(tb testing.TB, dir string) string {
	tb.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command("bash", "-c", jqSeed, "jq-seed", dir)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("jq pipeline: %v\n%s", err, errb.String())
	}
	return out.String()
}

// BenchmarkCloudJQ runs the jq pipeline over the same folder.
func BenchmarkCloudJQ(b *testing.B) {
	needJQ(b)
	d := cloudTrail(b, benchCloud())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if runJQ(b, d.path) == "" {
			b.Fatal("the planted seed row went unseen")
		}
	}
	b.ReportMetric(float64(benchCloud())*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// TestCloudJQAgrees: on a small folder, the jq pipeline's rows are cloud-storage-exfil's seed
// rows (same key, same count).
func TestCloudJQAgrees(t *testing.T) {
	needJQ(t)
	d := cloudTrail(t, 20_000)
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(runJQ(t, d.path)), "\n") {
		if l != "" {
			f := strings.Split(l, "\t")
			n := strings.Fields(f[0])[0]
			want = append(want, strings.Join([]string{n, f[2], f[3], f[5], f[6]}, " "))
		}
	}
	var got []string
	for _, f := range runEngine(t, d.path, []detect.Detection{cloudstorage.New()}, false).Findings {
		if f.Figure("mode") == "seed" {
			got = append(got, fmt.Sprint(f.Figure("count"), " ", f.Figure("user"), " ", f.Figure("file_name"), " ", f.Figure("storage_bucket"), " ", f.Figure("file_size")))
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 || !slices.Equal(want, got) {
		t.Errorf("jq rows %q\nsluice rows %q", want, got)
	}
}
