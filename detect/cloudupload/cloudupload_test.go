package cloudupload

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

var t0 = time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)

func at(sec float64) event.Time {
	return event.FromStd(t0.Add(time.Duration(sec * float64(time.Second))))
}

func n(k int, f func() *event.Cloud) []any {
	var out []any
	for range k {
		out = append(out, f())
	}
	return out
}

const m = 1_000_000

func s3(size int64) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(0.5)}, Src: netip.MustParseAddr("203.0.113.9"), Provider: "aws", Service: "s3.amazonaws.com",
		Name: "PutObject", Op: event.CloudUpload, User: "arn:aws:iam::111122223333:user/alice", Container: "drop-bucket", Object: "a.7z", Bytes: size}
}

func m365(name string, size int64) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(0.5)}, Src: netip.MustParseAddr("198.51.100.4"), Provider: "m365", Service: "OneDrive",
		Name: name, Op: event.CloudUpload, User: "bob@contoso.com", Container: "https://contoso-my.sharepoint.com/personal/bob", Object: "Documents/x.zip", Bytes: size}
}

func mail(provider string, size int64, rcpt ...string) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(0.5)}, Src: netip.MustParseAddr("198.51.100.4"), Provider: provider, Service: "Exchange",
		Name: "Send", Op: event.CloudMail, User: "bob@contoso.com", Container: "bob@contoso.com", Object: "Q3 numbers", Bytes: size, Recipients: rcpt}
}

func drive(size int64) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(0.5)}, Src: netip.MustParseAddr("192.0.2.7"), Provider: "google", Service: "drive",
		Name: "upload", Op: event.CloudUpload, User: "carol@example.com", Container: "carol@example.com", Object: "dump.zip", ObjectID: "1x", Bytes: size}
}

func TestSeed(t *testing.T) {
	cases := []struct {
		name string
		evs  []any
		risk int
	}{
		{"putObject above 10 MB, three times: 9", n(3, func() *event.Cloud { return s3(11 * m) }), 90},
		{"putObject at 10 MB: no risk", n(3, func() *event.Cloud { return s3(10 * m) }), 0},
		{"putObject twice: below count", n(2, func() *event.Cloud { return s3(50 * m) }), 0},
		{"FileUploaded above 10 MB: 9 (the case names the operation)", n(3, func() *event.Cloud { return m365("FileUploaded", 20*m) }), 90},
		{"FileUploaded at 9 MB: no risk", n(3, func() *event.Cloud { return m365("FileUploaded", 9*m) }), 0},
		{"FileSyncUploadedFull is upload, but the case scores no risk", n(3, func() *event.Cloud { return m365("FileSyncUploadedFull", 50*m) }), 0},
		{"Exchange email_sent above 5 MB: 8", n(3, func() *event.Cloud { return mail("m365", 6*m, "x@fabrikam.com") }), 80},
		{"Gmail email_sent above 5 MB: 8", n(3, func() *event.Cloud {
			e := mail("google", 6*m, "x@example.org")
			e.Service, e.Name = "gmail", "send"
			return e
		}), 80},
		{"email_sent at 5 MB: no risk", n(3, func() *event.Cloud { return mail("m365", 5*m, "x@fabrikam.com") }), 0},
		{"email_sent without recipients: no destination, dropped by stats", n(3, func() *event.Cloud { return mail("m365", 6*m) }), 0},
		{"drive_upload: in the where, never scored", n(5, func() *event.Cloud { return drive(90 * m) }), 0},
		{"GetObject is not in the search", n(3, func() *event.Cloud {
			e := s3(50 * m)
			e.Name, e.Op = "GetObject", event.CloudDownload
			return e
		}), 0},
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
				t.Fatalf("want one finding of risk %d, got %d findings", c.risk, len(fs))
			}
			if fs[0].Figure("count") != int64(len(c.evs)) {
				t.Errorf("count %v", fs[0].Figure("count"))
			}
			t.Log(fs[0].Summary)
		})
	}
}

func TestRecipientsOrder(t *testing.T) {
	a := mail("m365", 6*m, "b@x.org", "a@x.org")
	b := mail("m365", 6*m, "a@x.org", "b@x.org")
	c := mail("m365", 6*m, "b@x.org", "a@x.org")
	fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, []any{a}, []any{b, c})
	if len(fs) != 1 || fs[0].Figure("destination") != "a@x.org,b@x.org" {
		t.Fatalf("recipients in any order are one destination: %+v", fs)
	}
}
