package clouddownload

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

var t0 = time.Date(2020, 9, 14, 1, 0, 0, 0, time.UTC)

func at(sec float64) event.Time {
	return event.FromStd(t0.Add(time.Duration(sec * float64(time.Second))))
}

const (
	session = "arn:aws:sts::123456789012:assumed-role/WebRole/i-0317f6c6b66ae9c40"
	cli     = "[aws-cli/1.18.136 Python/3.8.5 Darwin/19.5.0 botocore/1.17.59]"
)

func ev(sec float64, op event.CloudOp, name, obj string) *event.Cloud {
	return &event.Cloud{Meta: event.Meta{TS: at(sec), Ref: event.Ref{Line: uint32(sec) + 1}}, Src: netip.MustParseAddr("203.0.113.50"),
		Provider: "aws", Service: "s3.amazonaws.com", Name: name, Op: op, User: session, UserType: "AssumedRole",
		Role: "arn:aws:iam::123456789012:role/WebRole", Instance: "i-0317f6c6b66ae9c40", UserAgent: cli,
		Container: "bank-data", Object: obj, Bytes: event.Unset, Count: 1}
}

func only(fs []finding.Finding, mode string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Figure("mode") == mode {
			out = append(out, f)
		}
	}
	return out
}

func TestFirstAccess(t *testing.T) {
	list := ev(0, event.CloudList, "ListObjects", "")
	get := func(sec float64) *event.Cloud { return ev(sec, event.CloudDownload, "GetObject", "ring.txt") }
	server := func(e *event.Cloud) *event.Cloud {
		e.UserAgent = "aws-sdk-go/1.44.0 (go1.20; linux; amd64)"
		return e
	}
	cases := []struct {
		name string
		evs  []any
		risk int
		why  []string
	}{
		{"instance credentials from a Mac, after a listing", []any{list, get(120), get(780)}, 70,
			[]string{"credentials of instance i-0317f6c6b66ae9c40 used from a workstation client", "ListObjects 2m00s before the first read"}},
		{"from a Mac without listing", []any{get(120)}, 50, []string{"workstation client"}},
		{"listing then reads by a server: 40, under min_risk", []any{server(list), server(get(120))}, 0, nil},
		{"listing then reads, min_risk 40", []any{server(list), server(get(120))}, 40, []string{"ListObjects"}},
		{"a listing an hour before does not count", []any{server(list), server(get(3700))}, 0, nil},
		{"reads alone from a server: ordinary", []any{server(get(1))}, 0, nil},
		{"a new address for the principal", []any{
			func() *event.Cloud {
				e := server(ev(0, event.CloudOther, "GetCallerIdentity", ""))
				e.Src = netip.MustParseAddr("10.1.2.3")
				return e
			}(),
			server(get(60))}, 30, nil},
		{"failed reads are not reads", []any{func() *event.Cloud { e := get(1); e.Error = "AccessDenied"; return e }()}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := New()
			if c.name == "a new address for the principal" || c.name == "listing then reads, min_risk 40" || c.name == "a listing an hour before does not count" {
				d.p.MinRisk = 30
			}
			fs := only(detecttest.ScoreEvents(t, d, detecttest.Env(), nil, c.evs), "first-access")
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want none, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one first access of risk %d, got %+v", c.risk, fs)
			}
			f := fs[0]
			for _, w := range append(c.why, "first access of "+session+" to s3://bank-data from ") {
				if !strings.Contains(f.Summary, w) {
					t.Errorf("summary %q lacks %q", f.Summary, w)
				}
			}
			t.Log(f.Summary)
		})
	}
}

func TestFirstAccessBaseline(t *testing.T) {
	evs := []any{ev(1, event.CloudDownload, "GetObject", "a")}
	env := detecttest.Env()
	env.Baseline = baseline.New()
	env.Baseline.Add(Section, session+"|bank-data|203.0.113.50")
	if fs := detecttest.ScoreEvents(t, New(), env, nil, evs); len(fs) != 0 {
		t.Fatalf("a triple in the baseline is not new: %s", fs[0].Summary)
	}
	env.Baseline = baseline.New()
	env.Baseline.Add(Section, "someone|else|192.0.2.1")
	fs := detecttest.ScoreEvents(t, New(), env, nil, evs)
	if len(fs) != 1 || fs[0].Risk != 70 || !strings.Contains(fs[0].Summary, "not in the baseline") {
		t.Fatalf("a triple the baseline lacks: %+v", fs)
	}
	got := New().Baseline(func() *Aggregator {
		a := New().NewAggregator(detecttest.Env()).(*Aggregator)
		a.ObserveCloud(evs[0].(*event.Cloud))
		return a
	}())
	if len(got) != 1 || got[0] != session+"|bank-data|203.0.113.50" {
		t.Errorf("baseline values %q", got)
	}
}

func TestBulk(t *testing.T) {
	mk := func(k int, step float64, size int64) []any {
		var out []any
		for i := range k {
			e := ev(float64(i)*step, event.CloudDownload, "GetObject", fmt.Sprintf("o%d", i))
			e.UserAgent, e.Instance, e.Bytes = "Boto3/1.26", "", size
			out = append(out, e)
		}
		return out
	}
	cases := []struct {
		name string
		evs  []any
		risk int
	}{
		{"50 reads in 10 minutes", mk(50, 10, 1000), 50},
		{"49 reads: below", mk(49, 10, 1000), 0},
		{"50 reads over 50 minutes: below in any window", mk(50, 60, 1000), 0},
		{"250 reads: five times the count", mk(250, 2, 1000), 60},
		{"10 reads of 60 MB: bytes", mk(10, 30, 60_000_000), 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := only(detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, c.evs), "bulk")
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want none, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Risk != c.risk {
				t.Fatalf("want one bulk finding of risk %d, got %+v", c.risk, fs)
			}
			t.Log(fs[0].Summary)
		})
	}
}

func TestMailItemsAccessedCount(t *testing.T) {
	e := &event.Cloud{Meta: event.Meta{TS: at(0)}, Src: netip.MustParseAddr("198.51.100.4"), Provider: "m365", Service: "Exchange",
		Name: "MailItemsAccessed", Op: event.CloudDownload, User: "bob@contoso.com", Container: "bob@contoso.com", Object: "Inbox", Bytes: event.Unset, Count: 400}
	fs := only(detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, []any{e}), "bulk")
	if len(fs) != 1 || fs[0].Figure("items") != int64(400) {
		t.Fatalf("a Sync of 400 items is a bulk read: %+v", fs)
	}
}
