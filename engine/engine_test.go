package engine_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/zeek"
)

func hunt(t *testing.T, workers int, opt engine.Options, paths ...string) *engine.Result {
	t.Helper()
	inputs, err := source.Expand(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range detect.All() {
		opt.Detections = append(opt.Detections, config.Detection{Detection: d})
	}
	opt.Env = detecttest.Env()
	opt.Workers = workers
	res, err := engine.Run(context.Background(), inputs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const apt29 = "../../shared/datasets/apt29-day1-zeek"

// Findings must not depend on how many workers parse the input or in which order chunks land.
func TestDeterministicAcrossWorkers(t *testing.T) {
	if _, err := os.Stat(apt29); err != nil {
		t.Skip("APT29 dataset not present beside the repo")
	}
	var want []byte
	for _, w := range []int{1, 2, 3, 8} {
		for rep := 0; rep < 3; rep++ {
			got := detecttest.JSONL(t, hunt(t, w, engine.Options{}, apt29).Findings)
			if want == nil {
				want = got
				if len(got) == 0 {
					t.Fatal("no findings on APT29")
				}
				continue
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d workers (run %d) gave different findings", w, rep)
			}
		}
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const header = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n"

// A folder with a good log, a truncated gzip, a binary file and an empty file: the good log
// is read, each bad one is reported by name, and nothing panics.
func TestBadFilesDoNotStopTheRun(t *testing.T) {
	dir := t.TempDir()
	var lines strings.Builder
	lines.WriteString(header)
	for i := 0; i < 3000; i++ {
		lines.WriteString("1600000000.000000\tC1\t10.0.0.1\t1000\t203.0.113.9\t22\ttcp\tssh\t7200.5\t100\t100\tSF\n")
	}
	writeFile(t, dir, "a_conn.log", []byte(lines.String()))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines.String()))
	zw.Close()
	writeFile(t, dir, "b_conn.log.gz", gz.Bytes()[:gz.Len()-30])
	writeFile(t, dir, "c.bin", []byte{0x7f, 'E', 'L', 'F', 0, 0, 1})
	writeFile(t, dir, "d_empty.log", nil)
	res := hunt(t, 2, engine.Options{}, dir)
	if res.Stats.Read["conn"] < 3000 {
		t.Errorf("read %v", res.Stats.Read)
	}
	if len(res.Failed) != 1 || !strings.Contains(res.Failed[0].String(), "b_conn.log.gz: offset") || !strings.Contains(res.Failed[0].String(), "truncated gzip") {
		t.Errorf("failed: %v", res.Failed)
	}
	if len(res.Unrecognized) != 2 {
		t.Errorf("unrecognized: %v", res.Unrecognized)
	}
	found := false
	for _, f := range res.Findings {
		if f.Detection == "long-connection" && f.Entities.Dst == "203.0.113.9" {
			found = true
		}
	}
	if !found {
		t.Errorf("the 2 h SSH session was not found: %v", res.Findings)
	}
}

func TestTimeFilter(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "conn.log", []byte(header+
		"1600000000.000000\tC1\t10.0.0.1\t1000\t203.0.113.9\t22\ttcp\tssh\t7200\t100\t100\tSF\n"+
		"1600090000.000000\tC2\t10.0.0.1\t1001\t203.0.113.9\t22\ttcp\tssh\t7200\t100\t100\tSF\n"))
	res := hunt(t, 1, engine.Options{Since: event.Time(1600050000) * 1e6}, dir)
	if res.Events[event.KindConn] != 1 || res.OutOfRange != 1 {
		t.Errorf("events %v, out of range %d", res.Events, res.OutOfRange)
	}
	if res.Window.First != event.Time(1600090000)*1e6 {
		t.Errorf("window %+v", res.Window)
	}
	res = hunt(t, 1, engine.Options{Until: event.Time(1600050000) * 1e6}, dir)
	if res.Events[event.KindConn] != 1 {
		t.Errorf("until: events %v", res.Events)
	}
}

func TestEvidenceReadBack(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "conn.log", []byte(header+
		"1600000000.000000\tC1\t10.0.0.1\t1000\t203.0.113.9\t22\ttcp\tssh\t7200\t100\t100\tSF\n"))
	res := hunt(t, 1, engine.Options{}, dir)
	for _, f := range res.Findings {
		if f.Detection != "long-connection" {
			continue
		}
		ev := f.Evidence[0]
		if ev.Line != 8 || !strings.HasPrefix(ev.Text, "1600000000.000000\tC1") || !strings.HasSuffix(ev.File, "conn.log") {
			t.Errorf("evidence %+v", ev)
		}
		return
	}
	t.Fatal("no long-connection finding")
}
