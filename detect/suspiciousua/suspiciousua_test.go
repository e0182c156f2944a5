package suspiciousua

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

const t0 = event.Time(1_772_409_600_000_000)

// req is one request from src to dst (an address) for host with user agent ua, in file 0.
func req(src, dst, host, ua string, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: t0 + event.Time(n)*1_000_000, Ref: event.Ref{File: 0, Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), DstPort: 80},
		Method: "GET", Host: host, URI: "/", UserAgent: ua, StatusCode: 200,
		RequestBodyLen: 0, ResponseBodyLen: 100, ReqBytes: event.Unset, RespBytes: event.Unset,
	}
}

// background makes n sources browse host with a browser user agent, which makes host common.
func background(host, dst string, n int) []any {
	var out []any
	for i := 0; i < n; i++ {
		out = append(out, req("10.9.0."+itoa(i+1), dst, host, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0", i))
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

func hunt(t *testing.T, d *Detection, evs ...any) []finding.Finding {
	t.Helper()
	return detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs)
}

func TestClasses(t *testing.T) {
	common := background("www.common.example", "203.0.113.10", 5)
	for _, tc := range []struct {
		name string
		evs  []any
		risk int // 0: silent
	}{
		{"malicious to an internal host", []any{req("10.0.0.5", "10.0.0.9", "intranet", "HttpBrowser/1.0", 1)}, 60},
		{"malicious to a rare external host", []any{req("10.0.0.5", "198.51.100.7", "evil.example", "HttpBrowser/1.0", 1)}, 80},
		{"script to a common external host", slices.Concat(common, []any{req("10.0.0.5", "203.0.113.10", "www.common.example", "curl/8.5.0", 9)}), 25},
		{"script to a rare external host", []any{req("10.0.0.5", "198.51.100.7", "evil.example", "curl/8.5.0", 1)}, 45},
		{"script to an internal host only", []any{req("10.0.0.5", "10.0.0.9", "intranet", "curl/8.5.0", 1)}, 0},
		{"empty to a rare external host", []any{req("10.0.0.6", "10.0.0.9", "intranet", "Mozilla/5.0", 0), req("10.0.0.5", "198.51.100.7", "evil.example", "", 1)}, 35},
		{"empty to a common external host", slices.Concat(common, []any{req("10.0.0.5", "203.0.113.10", "www.common.example", "", 9)}), 0},
		{"outdated to a rare external host", []any{req("10.0.0.5", "198.51.100.7", "evil.example", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", 1)}, 40},
		{"outdated to a common external host", slices.Concat(common, []any{req("10.0.0.5", "203.0.113.10", "www.common.example", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", 9)}), 0},
		{"encoded to an internal host", []any{req("10.0.0.5", "10.0.0.9", "intranet", "aG9zdG5hbWU9V0lOLURDMDE7dXNlcj1hZG1pbg==", 1)}, 45},
		{"BITS to Windows Update", []any{req("10.0.0.5", "198.51.100.7", "au.download.windowsupdate.com", "Microsoft BITS/7.8", 1)}, 0},
		{"browser", []any{req("10.0.0.5", "198.51.100.7", "evil.example", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", 1)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []finding.Finding
			for _, f := range hunt(t, New(), tc.evs...) {
				if f.Entities.Src == "10.0.0.5" {
					got = append(got, f)
				}
			}
			if tc.risk == 0 {
				if len(got) != 0 {
					t.Fatalf("want silence, got %s", got[0].Summary)
				}
				return
			}
			if len(got) != 1 || got[0].Risk != tc.risk {
				t.Fatalf("want one finding of risk %d, got %d: %+v", tc.risk, len(got), got)
			}
		})
	}
}

func TestRareBoundary(t *testing.T) {
	// rare_sources 3: a host with 3 sources is rare, with 4 it is not
	for n, want := range map[int]int{3: 45, 4: 25} {
		var evs []any
		for i := 0; i < n-1; i++ {
			evs = append(evs, req("10.9.0."+itoa(i+1), "198.51.100.7", "api.example", "Mozilla/5.0 Chrome/120.0", i))
		}
		evs = append(evs, req("10.0.0.5", "198.51.100.7", "api.example", "python-requests/2.31.0", 50))
		fs := hunt(t, New(), evs...)
		if len(fs) != 1 || fs[0].Risk != want {
			t.Errorf("%d sources: got %+v, want one finding of risk %d", n, fs, want)
		}
	}
}

func TestEmptyAgentNeedsALogThatRecordsAgents(t *testing.T) {
	e := req("10.0.0.5", "198.51.100.7", "evil.example", "", 1)
	e.Ref.File = 3 // a proxy log without user agents
	if fs := hunt(t, New(), e); len(fs) != 0 {
		t.Errorf("file without user agents: %+v", fs)
	}
	noReq := req("10.0.0.5", "198.51.100.7", "evil.example", "", 1)
	noReq.Method = "" // Zeek logs a response or a timeout without a request
	if fs := hunt(t, New(), req("10.0.0.6", "10.0.0.9", "x", "Mozilla/5.0", 0), noReq); len(fs) != 0 {
		t.Errorf("record without a request: %+v", fs)
	}
}

func TestIncludeInternal(t *testing.T) {
	d := New()
	d.p.IncludeInternal = true
	if fs := hunt(t, d, req("10.0.0.5", "10.0.0.9", "intranet", "curl/8.5.0", 1)); len(fs) != 1 || fs[0].Risk != 25 {
		t.Errorf("include_internal: %+v", fs)
	}
}

func TestMergeOrder(t *testing.T) {
	var all []any
	all = append(all, background("www.common.example", "203.0.113.10", 6)...)
	for i := 0; i < 40; i++ {
		all = append(all, req("10.0.0.5", "198.51.100.7", "evil.example", "curl/8.5.0", 100+i))
		all = append(all, req("10.0.0.7", "203.0.113.10", "www.common.example", "Go-http-client/1.1", 200+i))
		all = append(all, req("10.0.0.8", "198.51.100.9", "c2.example", "", 300+i))
		all = append(all, req("10.9.0.1", "198.51.100.9", "c2.example", "Mozilla/5.0 Chrome/120", 400+i))
	}
	want := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, all))
	parts := make([][]any, 3)
	for i, e := range all {
		parts[(i*7)%3] = append(parts[(i*7)%3], e)
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		got := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), order, parts...))
		if string(got) != string(want) {
			t.Fatalf("order %v:\n got %s\nwant %s", order, got, want)
		}
	}
	if len(want) == 0 {
		t.Fatal("no findings")
	}
}

func TestAgentsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.yaml")
	os.WriteFile(path, []byte("- family: our implant\n  class: malicious\n  exact: [AcmeUpdater/1.0]\n"), 0o644)
	d := New()
	d.p.AgentsFile = path
	fs := hunt(t, d, req("10.0.0.5", "10.0.0.9", "intranet", "AcmeUpdater/1.0", 1))
	if len(fs) != 1 || fs[0].Figure("family") != "our implant" {
		t.Fatalf("agents_file entry not used: %+v", fs)
	}
	d.p.AgentsFile = filepath.Join(t.TempDir(), "absent.yaml")
	if err := d.Prepare(); err == nil {
		t.Error("absent agents_file accepted")
	}
}

// The RITA lab's hosts poll www.alexa.com with PowerShell's user agent: each shows.
func TestRITAPowerShell(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "rita-http")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real data not present (%v): the datasets folder sits beside the repository in the team's environment", err)
	}
	fs := detecttest.Hunt(t, New(), filepath.Join(dir, "valid_tsv__http.log.gz"))
	ps := 0
	for _, f := range fs {
		if f.Figure("family") == "PowerShell" {
			ps++
			if f.Entities.DstHost != "www.alexa.com" || f.Severity != finding.Low {
				t.Errorf("PowerShell finding: %s %s", f.Severity, f.Summary)
			}
		}
	}
	if ps != 10 {
		t.Errorf("%d PowerShell findings, want 10 (one per polling host)", ps)
	}
	detecttest.Golden(t, filepath.Join("testdata", "rita-http.golden.jsonl"), fs)
}
