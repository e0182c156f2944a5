package clouddownload_test

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/clouddownload"
	"github.com/sluice-hunt/sluice/detect/cloudexposure"
	"github.com/sluice-hunt/sluice/detect/cloudstorage"
	"github.com/sluice-hunt/sluice/detect/cloudupload"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

// OTRF ec2_proxy_s3_exfiltration: 103 Logstash-wrapped CloudTrail records. An attacker took the
// instance profile credentials of the web server i-0317f6c6b66ae9c40 through its misconfigured
// reverse proxy, listed the buckets from a Mac (aws-cli on Darwin) at 1.2.3.4, and synced the
// bucket mordors3stack-s3bucket-llp2yingx64a: two GetObject of ring.txt. That is the only
// finding of the cloud detections; the console user's and the services' calls stay quiet.
func TestOTRFEC2ProxyS3(t *testing.T) {
	path := detecttest.Dataset(t, "otrf-host-cloud/ec2_proxy_s3_exfiltration.zip")
	res := detecttest.HuntResult(t, []detect.Detection{clouddownload.New(), cloudexposure.New(), cloudstorage.New(), cloudupload.New()}, path)
	if n := res.Events[event.KindCloud]; n != 103 {
		t.Errorf("%d cloud events, want 103", n)
	}
	if n := res.Stats.TotalSkipped(); n != 0 {
		t.Errorf("%d records skipped: %v", n, res.Stats.Problems)
	}
	if len(res.Findings) != 1 {
		for _, f := range res.Findings {
			t.Logf("%s %d %s", f.Detection, f.Risk, f.Summary)
		}
		t.Fatalf("%d findings, want 1", len(res.Findings))
	}
	f := res.Findings[0]
	const session = "arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0/i-0317f6c6b66ae9c40"
	if f.Detection != clouddownload.ID || f.Figure("mode") != "first-access" || f.Risk != 70 {
		t.Errorf("%s %v risk %d", f.Detection, f.Figure("mode"), f.Risk)
	}
	if f.Entities.User != session || f.Entities.Src != "1.2.3.4" || f.Entities.DstHost != "s3://mordors3stack-s3bucket-llp2yingx64a" {
		t.Errorf("entities %+v", f.Entities)
	}
	if f.Figure("reads") != int64(2) || f.Figure("role") != "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0" ||
		f.Figure("instance") != "i-0317f6c6b66ae9c40" {
		t.Errorf("figures %+v", f.Figures)
	}
	for _, w := range []string{"first access of " + session + " to s3://mordors3stack-s3bucket-llp2yingx64a from 1.2.3.4: 2 GetObject of ring.txt",
		"Darwin/19.5.0", "before the first read"} {
		if !strings.Contains(f.Summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, f.Summary)
		}
	}
	reads := 0
	for _, ev := range f.Evidence {
		if strings.Contains(ev.Text, `"GetObject"`) && strings.Contains(ev.Text, "ring.txt") {
			reads++
		}
	}
	if reads != 2 {
		t.Errorf("evidence holds %d GetObject records, want 2: %+v", reads, f.Evidence)
	}
	t.Log(f.Summary)
}
