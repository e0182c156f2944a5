package cloudexposure

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

var t0 = time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)

func at(sec float64) event.Time {
	return event.FromStd(t0.Add(time.Duration(sec * float64(time.Second))))
}

func aws(sec float64, op event.CloudOp, name, user, container, scope, target string) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(sec)}, Src: netip.MustParseAddr("203.0.113.9"), Provider: "aws", Service: "s3.amazonaws.com",
		Name: name, Op: op, User: user, Container: container, Scope: scope, Target: target, Bytes: event.Unset, Count: 1}
}

const alice = "arn:aws:iam::111122223333:user/alice"

func get(sec float64, user, container, key string) *event.Cloud {
	e := aws(sec, event.CloudDownload, "GetObject", user, container, "", "")
	e.Object, e.Bytes = key, 5000
	return e
}

func m365(sec float64, op event.CloudOp, name, user, obj, scope string) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(sec)}, Src: netip.MustParseAddr("198.51.100.4"), Provider: "m365", Service: "OneDrive",
		Name: name, Op: op, User: user, Container: "https://contoso-my.sharepoint.com/personal/bob", Object: obj, Scope: scope, Bytes: event.Unset, Count: 1}
}

func TestExposure(t *testing.T) {
	cases := []struct {
		name string
		evs  []any
		risk int
		want string
	}{
		{"bucket made public", []any{aws(0, event.CloudShare, "PutBucketPolicy", alice, "reports", event.ScopePublic, "*")}, 60, "opened s3://reports"},
		{"bucket made public, then read by others", []any{
			aws(0, event.CloudShare, "PutBucketPolicy", alice, "reports", event.ScopePublic, "*"),
			get(60, "anonymous", "reports", "a.csv"), get(61, "anonymous", "reports", "b.csv"),
			get(30, alice, "reports", "mine.csv"),
		}, 90, "then read 2 times by anonymous"},
		{"reads before the share do not count", []any{
			get(-60, "anonymous", "reports", "a.csv"),
			aws(0, event.CloudShare, "PutBucketPolicy", alice, "reports", event.ScopePublic, "*"),
		}, 60, ""},
		{"bucket shared with another account", []any{aws(0, event.CloudShare, "PutBucketPolicy", alice, "reports", event.ScopeExternal, "444455556666")}, 0, ""},
		{"replication to another account", []any{aws(0, event.CloudReplicate, "PutBucketReplication", alice, "reports", event.ScopeExternal, "arn:aws:s3:::exfil-bucket")}, 70, "set replication of s3://reports to arn:aws:s3:::exfil-bucket"},
		{"replication inside the account", []any{aws(0, event.CloudReplicate, "PutBucketReplication", alice, "reports", event.ScopeInternal, "arn:aws:s3:::dr")}, 0, ""},
		{"snapshot taken then shared", []any{
			func() *event.Cloud {
				e := aws(0, event.CloudSnapshot, "CreateSnapshot", alice, "vol-0abc", "", "snap-0123")
				e.Service = "ec2.amazonaws.com"
				return e
			}(),
			func() *event.Cloud {
				e := aws(300, event.CloudShare, "ModifySnapshotAttribute", alice, "snap-0123", event.ScopeExternal, "444455556666")
				e.Service = "ec2.amazonaws.com"
				return e
			}(),
		}, 80, "the snapshot was taken of vol-0abc 5m00s before"},
		{"snapshot made public", []any{func() *event.Cloud {
			e := aws(300, event.CloudShare, "ModifySnapshotAttribute", alice, "snap-0123", event.ScopePublic, "all")
			e.Service = "ec2.amazonaws.com"
			return e
		}()}, 80, ""},
		{"failed share", []any{func() *event.Cloud {
			e := aws(0, event.CloudShare, "PutBucketPolicy", alice, "reports", event.ScopePublic, "*")
			e.Error = "AccessDenied"
			return e
		}()}, 0, ""},
		{"anonymous link alone", []any{m365(0, event.CloudShare, "AnonymousLinkCreated", "bob@contoso.com", "Documents/plans.zip", event.ScopePublic)}, 0, ""},
		{"anonymous link then used", []any{
			m365(0, event.CloudShare, "AnonymousLinkCreated", "bob@contoso.com", "Documents/plans.zip", event.ScopePublic),
			m365(3600, event.CloudDownload, "AnonymousLinkUsed", "anonymous", "Documents/plans.zip", event.ScopePublic),
		}, 60, "opened to anyone with the link"},
		{"a link to one file, another file read", []any{
			m365(0, event.CloudShare, "AnonymousLinkCreated", "bob@contoso.com", "Documents/plans.zip", event.ScopePublic),
			m365(60, event.CloudDownload, "FileDownloaded", "eve@fabrikam.com", "Documents/other.docx", ""),
		}, 0, ""},
		{"guest share then downloaded", []any{
			m365(0, event.CloudShare, "SharingSet", "bob@contoso.com", "Documents/plans.zip", event.ScopeExternal),
			m365(60, event.CloudDownload, "FileDownloaded", "eve_fabrikam.com#ext#@contoso.onmicrosoft.com", "Documents/plans.zip", ""),
		}, 50, "shared outside the organisation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, c.evs)
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want none, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one finding of risk %d, got %+v", c.risk, fs)
			}
			if !strings.Contains(fs[0].Summary, c.want) {
				t.Errorf("summary %q lacks %q", fs[0].Summary, c.want)
			}
			t.Log(fs[0].Summary)
		})
	}
}
