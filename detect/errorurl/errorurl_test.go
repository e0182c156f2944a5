package errorurl

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

func req(src int, host, uri string, status int64, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: event.Time(1_772_409_600_000_000 + int64(n)*60_000_000), Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr("10.0.0." + strconv.Itoa(src)), Dst: netip.MustParseAddr("198.51.100.9"), DstPort: 80},
		Method: "GET", Host: host, URI: uri, UserAgent: "x", StatusCode: status, ReqBytes: event.Unset, RespBytes: event.Unset,
	}
}

func many(n int, fn func(i int) *event.HTTP) []any {
	var out []any
	for i := 0; i < n; i++ {
		out = append(out, fn(i))
	}
	return out
}

func score(t *testing.T, evs []any) []finding.Finding {
	return detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, evs)
}

func TestMinErrors(t *testing.T) {
	c2 := func(i int) *event.HTTP { return req(5, "c2.example", "/api/check?id="+strconv.Itoa(i), 404, i) }
	if fs := score(t, many(9, c2)); len(fs) != 0 {
		t.Errorf("9 errors: %d findings", len(fs))
	}
	fs := score(t, many(10, c2))
	if len(fs) != 1 {
		t.Fatalf("10 errors: %d findings", len(fs))
	}
	f := fs[0]
	if f.Entities.Src != "10.0.0.5" || f.Entities.DstHost != "c2.example" || f.Risk != 35 || f.Figure("statuses") != "404×10" {
		t.Errorf("finding: %+v", f)
	}
	if f.Figure("example") != "/api/check?id=0" {
		t.Errorf("example %v", f.Figure("example"))
	}
}

func TestOneSuccessClears(t *testing.T) {
	evs := many(30, func(i int) *event.HTTP { return req(i%3+1, "shop.example", "/cart", 500, i) })
	evs = append(evs, req(9, "shop.example", "/cart?x=1", 200, 99))
	if fs := score(t, evs); len(fs) != 0 {
		t.Errorf("a URL that once answered 200: %+v", fs)
	}
	// split: the success in another part, merged in either order
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		if fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), order, evs[:30], evs[30:]); len(fs) != 0 {
			t.Errorf("order %v: %d findings", order, len(fs))
		}
	}
}

func TestRiskAndNoise(t *testing.T) {
	// many sources, a broken link: info
	evs := many(12, func(i int) *event.HTTP { return req(i%6+1, "news.example", "/fonts/a.woff", 404, i) })
	// a redirect is a success
	evs = append(evs, many(12, func(i int) *event.HTTP { return req(7, "r.example", "/go", 302, i) })...)
	// no reply (timeouts) counts apart, not as errors
	evs = append(evs, many(12, func(i int) *event.HTTP { return req(8, "dead.example", "/", event.Unset, i) })...)
	// ignored path
	evs = append(evs, many(12, func(i int) *event.HTTP { return req(9, "x.example", "/favicon.ico", 404, i) })...)
	// a tunnel
	evs = append(evs, many(12, func(i int) *event.HTTP {
		r := req(10, "y.example", "y.example:443", 403, i)
		r.Method = "CONNECT"
		return r
	})...)
	// proxy denials from one source, many of them
	evs = append(evs, many(100, func(i int) *event.HTTP {
		r := req(11, "blocked.example", "/gate.php", 403, i)
		r.Action = "TCP_DENIED"
		return r
	})...)
	fs := score(t, evs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Entities.DstHost+"="+strconv.Itoa(f.Risk))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"blocked.example=60", "news.example=15"}) {
		t.Errorf("got %q", got)
	}
}

func TestMergeOrder(t *testing.T) {
	var all []any
	for i := 0; i < 60; i++ {
		all = append(all, req(i%5+1, "c2.example", "/a", int64(400+i%3), i), req(2, "ok.example", "/b", int64(200+300*(i%2)), i))
	}
	want := detecttest.JSONL(t, score(t, all))
	parts := make([][]any, 4)
	for i, e := range all {
		parts[(i*3)%4] = append(parts[(i*3)%4], e)
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}} {
		if got := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), order, parts...)); string(got) != string(want) {
			t.Fatalf("order %v:\n got %s\nwant %s", order, got, want)
		}
	}
}
