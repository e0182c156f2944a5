package auditd

import (
	"bytes"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/source"
)

// Read cuts its blocks so that no event is split between jobs: reading a file of many blocks
// gives exactly what one job over the whole file gives.
func TestBlocks(t *testing.T) {
	text, want := genLog(40000)
	if len(text) < 8*source.BlockSize {
		t.Fatalf("only %d bytes", len(text))
	}
	var split collector
	st := readDirect(text, &split)
	var whole collector
	wst := source.NewStats()
	(&job{f: source.FileInfo{Name: "x"}, parts: []part{{text, 1}}}).Run(&whole, wst)
	if len(whole.evs) != want || len(split.evs) != want {
		t.Fatalf("events: %d in one job, %d in blocks, want %d", len(whole.evs), len(split.evs), want)
	}
	if !reflect.DeepEqual(split.evs, whole.evs) {
		for i := range whole.evs {
			if !reflect.DeepEqual(split.evs[i], whole.evs[i]) {
				t.Fatalf("event %d differs:\n%+v\n%+v", i, split.evs[i], whole.evs[i])
			}
		}
	}
	if len(st.Problems) != 0 || len(wst.Problems) != 0 {
		t.Errorf("problems %v %v", problems(st), problems(wst))
	}
	if st.Ignored["auditd"] != wst.Ignored["auditd"] || st.Read["auditd"] != int64(want) {
		t.Errorf("read %v ignored %v, one job: ignored %v", st.Read, st.Ignored, wst.Ignored)
	}
	for _, e := range split.evs[:200] {
		if e.Op == 1 && (len(e.Args) < 7 || e.Args[3] != "Mozilla/5.0 (X11; Linux x86_64)") && e.Args[0] == "curl" {
			t.Fatalf("bad event %+v", e)
		}
	}
}

// cutPoint cuts before the last event's SYSCALL record, keeps interleaved events together,
// and does not cut a file of JSON events.
func TestCutPoint(t *testing.T) {
	l := func(typ string, serial int) string {
		return "type=" + typ + " msg=audit(1700000000.000:" + string(rune('0'+serial)) + "): x=1\n"
	}
	for _, c := range []struct {
		name  string
		lines []string
		cut   int // line index where the tail starts; -1 all of it continues the events before
		open  bool
	}{
		{"complete", []string{l("SYSCALL", 1), l("EXECVE", 1), l("EOE", 1), l("SYSCALL", 2), l("EXECVE", 2)}, 3, false},
		{"last line", []string{l("SYSCALL", 1), l("EXECVE", 1), l("EOE", 1), l("SYSCALL", 2)}, 3, false},
		{"previous open", []string{l("EOE", 0), l("SYSCALL", 1), l("SYSCALL", 2)}, 1, false},
		{"previous eoe later", []string{l("SYSCALL", 1), l("PROCTITLE", 1), l("SYSCALL", 2), l("EOE", 1)}, 0, false},
		{"no eoe", []string{l("SYSCALL", 1), l("EXECVE", 1), l("PROCTITLE", 1), l("SYSCALL", 2), l("EXECVE", 2)}, 3, false},
		{"neither eoe nor proctitle", []string{l("SYSCALL", 1), l("EXECVE", 1), l("SYSCALL", 2), l("EXECVE", 2)}, 2, false},
		{"interleaved", []string{l("SYSCALL", 1), l("SYSCALL", 2), l("EXECVE", 1), l("EXECVE", 2)}, 0, false},
		{"interleaved later", []string{l("SYSCALL", 0), l("EOE", 0), l("SYSCALL", 1), l("SYSCALL", 2), l("EXECVE", 1), l("EXECVE", 2), l("USER_LOGIN", 3)}, 2, false},
		{"no syscall", []string{l("USER_LOGIN", 1), l("USER_LOGIN", 2)}, -1, false},
		{"json", []string{`{"ID":"1700000000.000:1"}` + "\n", `{"ID":"1700000000.000:2"}` + "\n"}, 2, true},
		{"start after open", []string{l("SYSCALL", 2)}, -1, true},
		{"start after closed", []string{l("SYSCALL", 2)}, 0, false},
		{"records only", []string{l("EXECVE", 1), l("PATH", 1)}, -1, false},
	} {
		block := strings.Join(c.lines, "")
		want := -1
		if c.cut >= 0 {
			want = len(strings.Join(c.lines[:c.cut], ""))
		}
		if got := cutPoint([]byte(block), &cutState{open: c.open, closers: c.name != "neither eoe nor proctitle"}); got != want {
			t.Errorf("%s: cut at %d, want %d", c.name, got, want)
		}
		if got := cutPoint([]byte(strings.TrimSuffix(block, "\n")), &cutState{open: c.open, closers: c.name != "neither eoe nor proctitle"}); got != want && c.cut < len(c.lines) {
			t.Errorf("%s without the last line end: cut at %d, want %d", c.name, got, want)
		}
	}
}

// Whatever the block boundaries, the events are those of one job over the whole text.
func TestRandomBlocks(t *testing.T) {
	text, _ := genLog(3000)
	text = append(text, mustRead(t, "testdata/audit.log")...)
	var whole collector
	(&job{f: source.FileInfo{Name: "x"}, parts: []part{{text, 1}}}).Run(&whole, source.NewStats())
	lines := bytes.SplitAfter(text, []byte{'\n'})
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 30; trial++ {
		var got collector
		st := source.NewStats()
		sp := splitter{f: source.FileInfo{Name: "x"}}
		first := uint32(1)
		for i := 0; i < len(lines); {
			n := 1 + rng.IntN([]int{3, 20, 200}[trial%3])
			n = min(n, len(lines)-i)
			block := bytes.Join(lines[i:i+n], nil)
			if j := sp.block(block, first); j != nil {
				j.Run(&got, st)
			}
			first += uint32(n)
			i += n
		}
		if j := sp.end(); j != nil {
			j.Run(&got, st)
		}
		if !reflect.DeepEqual(got.evs, whole.evs) {
			t.Fatalf("trial %d: %d events, want %d; problems %v", trial, len(got.evs), len(whole.evs), problems(st))
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
