package cloudupload_test

import (
	"io"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/cloudupload"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/synth"
)

// The seed's rules from each vendor's log, read by the vendor's reader.

var day = time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)

func at(h, m, s int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

type vendorCase struct {
	name string
	file func(t *testing.T) string
	risk int
}

func run(t *testing.T, cases []vendorCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := detecttest.Hunt(t, cloudupload.New(), c.file(t))
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want none, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one finding of risk %d, got %d", c.risk, len(fs))
			}
			t.Log(fs[0].Summary)
		})
	}
}

func TestCloudTrail(t *testing.T) {
	alice := synth.Principal{Account: "111122223333", User: "alice", KeyID: "AKIAIOSFODNN7EXAMPLE"}
	puts := func(n int, size int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			var calls []synth.Call
			for range n {
				calls = append(calls, synth.S3(at(10, 0, 5), alice, "PutObject", "203.0.113.5", "Boto3/1.34.0", "drop-zone", "x.7z", size, -1, ""))
			}
			return detecttest.WriteFile(t, "trail.json", func(w io.Writer) error { return synth.WriteCloudTrailFile(w, calls) })
		}
	}
	run(t, []vendorCase{
		{"putObject above 10 MB three times: 9", puts(3, 10_000_001), 90},
		{"putObject at 10 MB: no risk", puts(3, 10_000_000), 0},
		{"putObject twice", puts(2, 90_000_000), 0},
	})
}

func TestM365(t *testing.T) {
	site := "https://contoso-my.sharepoint.com/personal/bob_contoso_com/"
	org := "4a0fd3e3-2b6f-4f0e-9d3c-6a1b2c3d4e5f"
	uploads := func(n int, op string, size int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			var recs []synth.M365
			for i := range n {
				recs = append(recs, synth.M365{Time: at(10, 0, 0), Operation: op, Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "198.51.100.4",
					Site: site, Folder: "Documents", File: string(rune('a'+i)) + ".zip", Size: size})
			}
			return detecttest.WriteFile(t, "audit.json", func(w io.Writer) error { return synth.WriteM365(w, org, recs) })
		}
	}
	sends := func(n int, size int64, rcpt ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			var recs []synth.M365
			for range n {
				recs = append(recs, synth.M365{Time: at(11, 0, 0), Operation: "Send", Workload: "Exchange", User: "bob@contoso.com", ClientIP: "198.51.100.4",
					Subject: "files", Size: size, Recipients: rcpt})
			}
			return detecttest.WriteFile(t, "audit.json", func(w io.Writer) error { return synth.WriteM365(w, org, recs) })
		}
	}
	run(t, []vendorCase{
		{"FileUploaded above 10 MB three times: 9", uploads(3, "FileUploaded", 12_000_000), 90},
		{"FileUploaded at 9 MB", uploads(3, "FileUploaded", 9_000_000), 0},
		{"FileUploaded twice", uploads(2, "FileUploaded", 12_000_000), 0},
		{"FileSyncUploadedFull: upload, never scored", uploads(3, "FileSyncUploadedFull", 90_000_000), 0},
		{"FileUploaded without a size", uploads(3, "FileUploaded", -1), 0},
		{"Send above 5 MB three times: 8", sends(3, 6_000_000, "x@fabrikam.com"), 80},
		{"Send at 5 MB", sends(3, 5_000_000, "x@fabrikam.com"), 0},
		{"Send twice", sends(2, 6_000_000, "x@fabrikam.com"), 0},
		{"Send naming no recipient: no destination", sends(3, 6_000_000), 0},
	})
}

func TestGoogle(t *testing.T) {
	gmail := func(n int, size int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			var acts []synth.Activity
			for range n {
				acts = append(acts, synth.GmailSent(at(10, 0, 0), "carol@example.com", "192.0.2.7", "export", size, "x@example.org", "y@example.org"))
			}
			return detecttest.WriteFile(t, "activities.json", func(w io.Writer) error { return synth.WriteActivities(w, "C03az79cb", acts) })
		}
	}
	uploads := func(t *testing.T) string {
		var acts []synth.Activity
		for i := range 3 {
			acts = append(acts, synth.Activity{Time: at(10, 0, 0), App: "drive", Actor: "carol@example.com", IP: "192.0.2.7", Type: "create", Name: "upload",
				OwnerDomain: "example.com", Params: map[string]any{"doc_id": "1Ab" + string(rune('a'+i)), "doc_title": "dump.zip", "owner": "carol@example.com", "doc_type": "zip"}})
		}
		return detecttest.WriteFile(t, "activities.json", func(w io.Writer) error { return synth.WriteActivities(w, "C03az79cb", acts) })
	}
	run(t, []vendorCase{
		{"email_sent above 5 MB three times: 8", gmail(3, 5_000_001), 80},
		{"email_sent at 5 MB", gmail(3, 5_000_000), 0},
		{"email_sent twice", gmail(2, 50_000_000), 0},
		{"drive_upload: in the where, never scored (and Drive logs no size)", uploads, 0},
	})
}
