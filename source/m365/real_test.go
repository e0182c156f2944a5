package m365

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// realFiles returns the files of the shared datasets' Microsoft 365 folders (m365*), skipping
// the test when there are none: no public unified audit log is kept there yet.
func realFiles(t *testing.T) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(datasets, "m365*"))
	var files []string
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && filepath.Base(p) != "LICENSE" && filepath.Ext(p) != ".md" {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Skipf("no Microsoft 365 audit log in the shared datasets (%s/m365*); the fixtures stand in", datasets)
	}
	return files
}

// Every record of a real unified audit log is read, each event is whole, and Records gives
// the records back.
func TestReal(t *testing.T) {
	for _, p := range realFiles(t) {
		var c collector
		st, err := readAll(t, source.FileInput(p, -1), &c, 0)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if st.TotalSkipped() != 0 {
			t.Errorf("%s: skipped %v: %s", p, st.Skipped, problems(st))
		}
		if len(c.got) == 0 {
			t.Errorf("%s: no events", p)
			continue
		}
		ops := map[event.CloudOp]int{}
		var pos []uint32
		for _, e := range c.got {
			if e.TS == 0 || e.Name == "" || e.Service == "" || e.Ref.Line == 0 {
				t.Fatalf("%s: event without time, name, service or position: %+v", p, e)
			}
			ops[e.Op]++
			pos = append(pos, e.Ref.Line)
		}
		t.Logf("%s: %d events, by operation %v", p, len(c.got), ops)
		slices.Sort(pos)
		pos = slices.Compact(pos)
		o, err := source.Open(source.FileInput(p, -1), nil)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := o.Format.Records(o.R, []uint32{pos[0], pos[len(pos)-1]})
		o.Close()
		if err != nil || recs[pos[0]] == "" || recs[pos[len(pos)-1]] == "" {
			t.Errorf("%s: Records: %v", p, err)
		}
	}
}
