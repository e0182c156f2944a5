package rareua

import (
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

func req(src int, ua, host string, n int) *event.HTTP {
	return &event.HTTP{
		Meta:   event.Meta{TS: event.Time(1_772_409_600_000_000 + int64(n)*1_000_000), Ref: event.Ref{Line: uint32(n + 1)}},
		Flow:   event.Flow{Src: netip.MustParseAddr("10.0.0." + strconv.Itoa(src)), Dst: netip.MustParseAddr("203.0.113.5"), DstPort: 80},
		Method: "GET", Host: host, URI: "/", UserAgent: ua, StatusCode: 200, ReqBytes: event.Unset, RespBytes: event.Unset,
	}
}

// population: 12 sources browsing with a common agent; src 1 and 2 add agents of their own.
func population() []any {
	var evs []any
	for i := 1; i <= 12; i++ {
		evs = append(evs, req(i, "Mozilla/5.0 Common/1.0", "www.example.com", i))
	}
	evs = append(evs, req(1, "RareTool/1.0", "api.example.net", 20), req(1, "RareTool/1.0", "api.example.net", 21))
	evs = append(evs, req(1, "TwoHosts/2.0", "a.example", 22), req(2, "TwoHosts/2.0", "b.example", 23))
	evs = append(evs, req(1, "ThreeHosts/3.0", "a.example", 24), req(2, "ThreeHosts/3.0", "a.example", 25), req(3, "ThreeHosts/3.0", "a.example", 26))
	evs = append(evs, req(4, "", "a.example", 27)) // no agent: not counted (the seed's "is NOT NULL")
	return evs
}

func agents(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Entities.UserAgent)
	}
	slices.Sort(out)
	return out
}

func TestRare(t *testing.T) {
	fs := detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, population())
	if got := agents(fs); !slices.Equal(got, []string{"RareTool/1.0", "TwoHosts/2.0"}) {
		t.Fatalf("rare agents %q, want RareTool and TwoHosts (max_sources 2; ThreeHosts has 3)", got)
	}
	for _, f := range fs {
		if f.Risk != 15 || f.Severity != finding.Info {
			t.Errorf("%s: risk %d, want 15 (info)", f.Entities.UserAgent, f.Risk)
		}
		if f.Entities.UserAgent == "RareTool/1.0" {
			if f.Entities.Src != "10.0.0.1" || f.Entities.DstHost != "api.example.net" || f.Figure("one_source_one_host") != true || f.Figure("requests") != int64(2) {
				t.Errorf("RareTool finding: %+v", f)
			}
			if f.Figure("rarity_rank") != 1 {
				t.Errorf("RareTool should rank first (1 source, 2 requests): %v", f.Figure("rarity_rank"))
			}
		}
	}
	d := New()
	d.p.MaxSources = 3
	if got := agents(detecttest.ScoreEvents(t, d, detecttest.Env(), nil, population())); len(got) != 3 {
		t.Errorf("max_sources 3: %q", got)
	}
}

func TestMinPopulation(t *testing.T) {
	d := New()
	d.p.MinPopulation = 13 // the input has 12 sources with an agent
	if fs := detecttest.ScoreEvents(t, d, detecttest.Env(), nil, population()); len(fs) != 0 {
		t.Errorf("below min_population: %d findings", len(fs))
	}
	d.p.MinPopulation = 12
	if fs := detecttest.ScoreEvents(t, d, detecttest.Env(), nil, population()); len(fs) != 2 {
		t.Errorf("at min_population: %d findings", len(fs))
	}
}

func TestBaseline(t *testing.T) {
	d := New()
	agg := d.NewAggregator(detecttest.Env())
	for _, e := range population() {
		detecttest.Observe(agg, e)
	}
	seen := d.Baseline(agg)
	slices.Sort(seen)
	if !slices.Equal(slices.Compact(seen), []string{"Mozilla/5.0 Common/1.0", "RareTool/1.0", "ThreeHosts/3.0", "TwoHosts/2.0"}) {
		t.Fatalf("baseline values %q", seen)
	}
	env := detecttest.Env()
	env.Baseline = baseline.New()
	env.Baseline.Add(Section, "RareTool/1.0", "Mozilla/5.0 Common/1.0")
	fs := detecttest.ScoreEvents(t, New(), env, nil, population())
	if got := agents(fs); !slices.Equal(got, []string{"TwoHosts/2.0"}) {
		t.Fatalf("with a baseline: %q, want only the new rare agent", got)
	}
	if fs[0].Risk != 25 || fs[0].Figure("new_since_baseline") != true {
		t.Errorf("new agent: risk %d", fs[0].Risk)
	}
}

func TestMergeOrder(t *testing.T) {
	all := population()
	want := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), nil, all))
	parts := make([][]any, 3)
	for i, e := range all {
		parts[i%3] = append(parts[i%3], e)
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 0, 1}} {
		if got := detecttest.JSONL(t, detecttest.ScoreEvents(t, New(), detecttest.Env(), order, parts...)); string(got) != string(want) {
			t.Fatalf("order %v:\n got %s\nwant %s", order, got, want)
		}
	}
}
