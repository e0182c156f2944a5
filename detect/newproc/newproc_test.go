package newproc_test

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/newproc"
	"github.com/sluice-hunt/sluice/event"
)

func conn(host, image string, ts int64, dst string, port uint16, initiated int8) any {
	return &event.Host{Meta: event.Meta{TS: event.Time(ts * 1e6), Ref: event.Ref{Line: uint32(ts)}}, Op: event.OpConnect,
		Computer: host, Proc: event.Proc{Image: image, PID: event.Unset}, Initiated: initiated,
		Flow: event.Flow{Src: netip.MustParseAddr("192.168.1.10"), SrcPort: uint16(40000 + ts), Dst: netip.MustParseAddr(dst), DstPort: port}}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\Alice\AppData\Local\Microsoft\Teams\current\Teams.exe`: `c:\users\*\appdata\local\microsoft\teams\current\teams.exe`,
		`/home/bob/bin/tool`:              `/home/*/bin/tool`,
		`C:\Windows\System32\svchost.exe`: `c:\windows\system32\svchost.exe`,
	} {
		if got := newproc.Normalize(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}

// A baseline of the processes seen on the network: a run that adds a new one reports it, once
// per host and image, whatever the partition order; the baseline's own processes and inbound
// connections are quiet; without a baseline nothing is reported.
func TestNewProcess(t *testing.T) {
	day1 := []any{
		conn("WS1", `C:\Users\alice\AppData\Local\Teams\Teams.exe`, 1, "52.1.1.1", 443, 1),
		conn("WS1", `C:\Windows\System32\svchost.exe`, 2, "10.0.0.53", 53, 1),
	}
	d := newproc.New()
	env := detecttest.Env()
	if fs := detecttest.ScoreEvents(t, d, env, nil, day1); len(fs) != 0 {
		t.Fatalf("no baseline: %d findings", len(fs))
	}
	agg := d.NewAggregator(env)
	for _, e := range day1 {
		detecttest.Observe(agg, e)
	}
	env.Baseline = baseline.New()
	env.Baseline.Add(newproc.Section, d.Baseline(agg)...)

	day2a := []any{
		conn("WS2", `C:\Users\bob\AppData\Local\Teams\Teams.exe`, 10, "52.1.1.1", 443, 1), // same program, other profile
		conn("WS2", `C:\Users\bob\AppData\Local\Temp\svc.exe`, 11, "203.0.113.9", 80, 1),
		conn("WS2", `C:\Users\bob\AppData\Local\Temp\svc.exe`, 12, "203.0.113.9", 80, 1),
	}
	day2b := []any{
		conn("WS2", `C:\Users\bob\AppData\Local\Temp\svc.exe`, 13, "203.0.113.10", 8080, 1),
		conn("WS2", `C:\Program Files\Srv\listener.exe`, 14, "192.168.1.10", 9000, 0), // inbound
	}
	a := detecttest.ScoreEvents(t, d, env, []int{0, 1}, day2a, day2b)
	b := detecttest.ScoreEvents(t, d, env, []int{1, 0}, day2a, day2b)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("merge order changes the findings")
	}
	if len(a) != 1 {
		t.Fatalf("%d findings: %+v", len(a), a)
	}
	f := a[0]
	if f.Entities.Process != "svc.exe" || f.Risk != 70 || f.Figure("connections") != int64(3) || f.Figure("destinations") != 2 || len(f.Evidence) != 3 {
		t.Fatalf("%d %s %+v", f.Risk, f.Summary, f.Figures)
	}
}
