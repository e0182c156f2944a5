package cloudstorage_test

import (
	"io"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/cloudstorage"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/synth"
)

// The seed's branches and bands from each vendor's log, read by the vendor's reader.

var day = time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)

func at(h, m, s int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

func seedRows(t *testing.T, path string) []finding.Finding {
	t.Helper()
	var out []finding.Finding
	for _, f := range detecttest.Hunt(t, cloudstorage.New(), path) {
		if f.Figure("mode") == "seed" {
			out = append(out, f)
		}
	}
	return out
}

type vendorCase struct {
	name string
	file func(t *testing.T) string
	risk int
}

func run(t *testing.T, cases []vendorCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := seedRows(t, c.file(t))
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want no row, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one row of risk %d, got %d rows", c.risk, len(fs))
			}
			t.Log(fs[0].Summary)
		})
	}
}

func TestCloudTrail(t *testing.T) {
	alice := synth.Principal{Account: "111122223333", User: "alice", KeyID: "AKIAIOSFODNN7EXAMPLE"}
	ua := "aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64"
	puts := func(n int, size int64, spread bool) func(t *testing.T) string {
		return func(t *testing.T) string {
			var calls []synth.Call
			for i := range n {
				s := 5
				if spread {
					s += i
				}
				calls = append(calls, synth.S3(at(10, 0, s), alice, "PutObject", "203.0.113.5", ua, "exfil-drop", "dump.tar", size, -1, ""))
			}
			return detecttest.WriteFile(t, "111122223333_CloudTrail_us-east-1_x.json", func(b io.Writer) error { return synth.WriteCloudTrailFile(b, calls) })
		}
	}
	acl := func(grant string) func(t *testing.T) string {
		return func(t *testing.T) string {
			calls := []synth.Call{synth.S3(at(9, 0, 0), alice, "PutObject", "203.0.113.5", ua, "reports", "q3.xlsx", 60_000_000, -1, "")}
			for range 5 {
				calls = append(calls, synth.Call{Time: at(10, 0, 0), Who: alice, Name: "PutObjectAcl", From: "203.0.113.5", Agent: ua, Data: true,
					Request: map[string]any{"bucketName": "reports", "key": "q3.xlsx", "acl": "", "x-amz-acl": []string{grant}}})
			}
			return detecttest.WriteFile(t, "trail.json", func(b io.Writer) error { return synth.WriteCloudTrailLines(b, calls) })
		}
	}
	run(t, []vendorCase{
		{"PutObject band 9", puts(5, 60_000_000, false), 90},
		{"PutObject band 8", puts(5, 20_000_000, false), 80},
		{"PutObject 8 MB: no band", puts(5, 8_000_000, false), 0},
		{"PutObject four times", puts(4, 60_000_000, false), 0},
		{"PutObject over five seconds", puts(5, 60_000_000, true), 0},
		{"FileSharedExternally: object made public-read five times, size from its upload", acl("public-read"), 90},
		{"FileSharedExternally: a private ACL is no share", acl("private"), 0},
	})
}

func TestM365(t *testing.T) {
	site := "https://contoso-my.sharepoint.com/personal/bob_contoso_com/"
	shares := func(n int, size int64, targetType, target string) func(t *testing.T) string {
		return func(t *testing.T) string {
			recs := []synth.M365{{Time: at(9, 0, 0), Operation: "FileUploaded", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "198.51.100.4",
				Site: site, Folder: "Documents", File: "plans.zip", Size: size}}
			for range n {
				recs = append(recs, synth.M365{Time: at(10, 0, 0), Operation: "SharingSet", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "198.51.100.4",
					Site: site, Folder: "Documents", File: "plans.zip", Size: -1, Target: target, TargetType: targetType})
			}
			return detecttest.WriteFile(t, "audit.json", func(b io.Writer) error { return synth.WriteM365(b, "4a0fd3e3-2b6f-4f0e-9d3c-6a1b2c3d4e5f", recs) })
		}
	}
	run(t, []vendorCase{
		{"FileSharedExternally band 9: shared with a guest, 60 MB", shares(5, 60_000_000, "Guest", "eve_fabrikam.com#ext#@contoso.onmicrosoft.com"), 90},
		{"FileSharedExternally band 8: 20 MB", shares(5, 20_000_000, "Guest", "eve_fabrikam.com#ext#@contoso.onmicrosoft.com"), 80},
		{"shared with a member: not external", shares(5, 60_000_000, "Member", "carol@contoso.com"), 0},
		{"four shares", shares(4, 60_000_000, "Guest", "eve_fabrikam.com#ext#@contoso.onmicrosoft.com"), 0},
		{"8 MB", shares(5, 8_000_000, "Guest", "eve_fabrikam.com#ext#@contoso.onmicrosoft.com"), 0},
		{"PutObject is CloudTrail's: uploads alone are no row", func(t *testing.T) string {
			var recs []synth.M365
			for range 5 {
				recs = append(recs, synth.M365{Time: at(10, 0, 0), Operation: "FileUploaded", Workload: "OneDrive", User: "bob@contoso.com", ClientIP: "198.51.100.4",
					Site: site, Folder: "Documents", File: "plans.zip", Size: 60_000_000})
			}
			return detecttest.WriteFile(t, "audit.json", func(b io.Writer) error { return synth.WriteM365(b, "4a0fd3e3-2b6f-4f0e-9d3c-6a1b2c3d4e5f", recs) })
		}, 0},
	})
}

func TestGoogle(t *testing.T) {
	gmail := func(n int, size int64) func(t *testing.T) string {
		return func(t *testing.T) string {
			var acts []synth.Activity
			for range n {
				acts = append(acts, synth.GmailSent(at(10, 0, 0), "carol@example.com", "192.0.2.7", "export", size, "x@example.org"))
			}
			return detecttest.WriteFile(t, "activities.json", func(w io.Writer) error { return synth.WriteActivities(w, "C03az79cb", acts) })
		}
	}
	downloads := func(t *testing.T) string {
		var acts []synth.Activity
		for range 12 {
			acts = append(acts, synth.Activity{Time: at(10, 0, 0), App: "drive", Actor: "carol@example.com", IP: "192.0.2.7", Type: "access", Name: "download",
				OwnerDomain: "example.com", Params: map[string]any{"doc_id": "1Ab", "doc_title": "payroll.xlsx", "owner": "carol@example.com", "doc_type": "spreadsheet"}})
		}
		return detecttest.WriteFile(t, "activities.json", func(w io.Writer) error { return synth.WriteActivities(w, "C03az79cb", acts) })
	}
	run(t, []vendorCase{
		{"Google_Admin_Logs band 9: five 60 MB messages in one second", gmail(5, 60_000_000), 90},
		{"Google_Admin_Logs band 8: 20 MB", gmail(5, 20_000_000), 80},
		{"8 MB", gmail(5, 8_000_000), 0},
		{"four messages", gmail(4, 60_000_000), 0},
		{"Drive logs no size: twelve downloads of a file pass the access count and score nothing", downloads, 0},
	})
}
