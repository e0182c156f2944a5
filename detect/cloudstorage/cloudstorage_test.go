package cloudstorage

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

var t0 = time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)

func at(sec float64) event.Time {
	return event.FromStd(t0.Add(time.Duration(sec * float64(time.Second))))
}

// put is an S3 PutObject.
func put(sec float64, key string, size int64) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(sec)}, Src: netip.MustParseAddr("203.0.113.9"), Provider: "aws", Service: "s3.amazonaws.com",
		Name: "PutObject", Op: event.CloudUpload, User: "arn:aws:iam::111122223333:user/alice", Account: "111122223333",
		Container: "corp-backups", Object: key, Bytes: size, Count: 1}
}

func repeat(n int, f func(i int) *event.Cloud) []any {
	var out []any
	for i := range n {
		out = append(out, f(i))
	}
	return out
}

func score(t *testing.T, d *Detection, evs ...[]any) []finding.Finding {
	t.Helper()
	return detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs...)
}

func mode(fs []finding.Finding, m string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Figure("mode") == m {
			out = append(out, f)
		}
	}
	return out
}

func TestSeed(t *testing.T) {
	m := int64(1_000_000)
	share := func(sec float64, size int64) *event.Cloud {
		return &event.Cloud{Meta: event.Meta{TS: at(sec)}, Src: netip.MustParseAddr("198.51.100.4"), Provider: "m365", Service: "OneDrive",
			Name: "SharingSet", Op: event.CloudShare, User: "bob@contoso.com", Container: "https://contoso-my.sharepoint.com/personal/bob",
			Object: "Documents/plans.zip", Bytes: size, Scope: event.ScopeExternal, Target: "eve@fabrikam.com", Count: 1}
	}
	drive := func(sec float64, size int64) *event.Cloud {
		return &event.Cloud{Meta: event.Meta{TS: at(sec)}, Src: netip.MustParseAddr("192.0.2.7"), Provider: "google", Service: "drive",
			Name: "download", Op: event.CloudDownload, User: "carol@example.com", Container: "carol@example.com",
			Object: "payroll.xlsx", ObjectID: "1AbC", Bytes: size, Count: 1}
	}
	cases := []struct {
		name string
		evs  []any
		risk int // 0: no seed row
	}{
		{"band 9: five PutObject of 60 MB in one second", repeat(5, func(i int) *event.Cloud { return put(0.1*float64(i), "dump.tar", 60*m) }), 90},
		{"band 8: five PutObject of 20 MB in one second", repeat(5, func(i int) *event.Cloud { return put(0.1*float64(i), "dump.tar", 20*m) }), 80},
		{"band edge: 50,000,000 B is band 8", repeat(5, func(i int) *event.Cloud { return put(0, "dump.tar", 50*m) }), 80},
		{"no band: 8 MB passes the where, scores nothing", repeat(5, func(i int) *event.Cloud { return put(0, "dump.tar", 8*m) }), 0},
		{"count: four are not five", repeat(4, func(i int) *event.Cloud { return put(0, "dump.tar", 60*m) }), 0},
		{"_time: five seconds are five rows", repeat(5, func(i int) *event.Cloud { return put(float64(i), "dump.tar", 60*m) }), 0},
		{"file_name: five objects are five rows", repeat(5, func(i int) *event.Cloud { return put(0, fmt.Sprintf("part%d", i), 60*m) }), 0},
		{"file_size: sizes differ", repeat(5, func(i int) *event.Cloud { return put(0, "dump.tar", 60*m+int64(i)) }), 0},
		{"access count branch alone: eleven writes of a small file", repeat(11, func(i int) *event.Cloud { return put(0, "small", 1000) }), 0},
		{"GetObject is not in the search", repeat(5, func(i int) *event.Cloud {
			e := put(0, "dump.tar", 60*m)
			e.Name, e.Op = "GetObject", event.CloudDownload
			return e
		}), 0},
		{"FileSharedExternally: five external shares of a 30 MB file", repeat(5, func(i int) *event.Cloud { return share(0, 30*m) }), 80},
		{"FileSharedExternally: internal shares are not", repeat(5, func(i int) *event.Cloud {
			e := share(0, 30*m)
			e.Scope = event.ScopeInternal
			return e
		}), 0},
		{"FileSharedExternally: size learned from the upload", append(repeat(5, func(i int) *event.Cloud { return share(1, event.Unset) }),
			&event.Cloud{Meta: event.Meta{TS: at(0)}, Provider: "m365", Service: "OneDrive", Name: "FileUploaded", Op: event.CloudUpload,
				User: "bob@contoso.com", Container: "https://contoso-my.sharepoint.com/personal/bob", Object: "Documents/plans.zip", Bytes: 70 * m}), 90},
		{"FileSharedExternally: no size anywhere", repeat(5, func(i int) *event.Cloud { return share(0, event.Unset) }), 0},
		{"Google_Admin_Logs: any Google event with a size", repeat(5, func(i int) *event.Cloud { return drive(0, 12*m) }), 80},
		{"Google_Admin_Logs: without a size", repeat(5, func(i int) *event.Cloud { return drive(0, event.Unset) }), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := mode(score(t, New(), c.evs), "seed")
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want no seed row, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one seed row, got %d", len(fs))
			}
			if fs[0].Risk != c.risk || fs[0].Figure("risk_score") != c.risk/10 {
				t.Errorf("risk %d (risk_score %v), want %d", fs[0].Risk, fs[0].Figure("risk_score"), c.risk)
			}
			t.Log(fs[0].Summary)
		})
	}
}

func TestSeedMergeOrder(t *testing.T) {
	evs := repeat(6, func(i int) *event.Cloud { return put(0.1*float64(i), "dump.tar", 60_000_000) })
	one := score(t, New(), evs)
	split := detecttest.ScoreEvents(t, New(), detecttest.Env(), []int{2, 0, 1}, evs[:2], evs[2:3], evs[3:])
	if string(detecttest.JSONL(t, one)) != string(detecttest.JSONL(t, split)) {
		t.Errorf("merge order changes the findings:\n%s\n%s", detecttest.JSONL(t, one), detecttest.JSONL(t, split))
	}
}

func TestWindow(t *testing.T) {
	m := int64(1_000_000)
	cases := []struct {
		name string
		evs  []any
		risk int
	}{
		{"six 3 MB objects in an hour: 18 MB", repeat(6, func(i int) *event.Cloud { return put(float64(i*300), fmt.Sprintf("f%d", i), 3*m) }), 50},
		{"six 10 MB objects: above 50 MB", repeat(6, func(i int) *event.Cloud { return put(float64(i*300), fmt.Sprintf("f%d", i), 10*m) }), 60},
		{"into another account's bucket", repeat(6, func(i int) *event.Cloud {
			e := put(float64(i*300), fmt.Sprintf("f%d", i), 3*m)
			e.Owner = "444455556666"
			return e
		}), 70},
		{"four objects: below min_count", repeat(4, func(i int) *event.Cloud { return put(float64(i*300), fmt.Sprintf("f%d", i), 30*m) }), 0},
		{"two hours: two windows of 9 MB", repeat(6, func(i int) *event.Cloud { return put(float64(i*1200), fmt.Sprintf("f%d", i), 3*m) }), 0},
		{"multipart: the parts count, the completion does not", append(
			repeat(5, func(i int) *event.Cloud {
				e := put(float64(i), "big.bin", 4*m)
				e.Name = "UploadPart"
				return e
			}), &event.Cloud{Meta: event.Meta{TS: at(6)}, Provider: "aws", Service: "s3.amazonaws.com", Name: "CompleteMultipartUpload", Op: event.CloudUpload,
				User: "arn:aws:iam::111122223333:user/alice", Container: "corp-backups", Object: "big.bin", Bytes: event.Unset}), 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := mode(score(t, New(), c.evs), "window")
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want none, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one window of risk %d, got %+v", c.risk, fs)
			}
			if !strings.Contains(fs[0].Summary, "s3://corp-backups") {
				t.Errorf("summary %q does not name the bucket", fs[0].Summary)
			}
			t.Log(fs[0].Summary)
		})
	}
}
