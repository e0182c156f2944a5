package newproc_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/baseline"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/newproc"
)

// Golden cases (see testdata/gen.go): baseline.json is `sluice baseline save` of before.xml.
// after.xml fires once (a tool in the user's Temp calling out); before.xml against its own
// baseline, and after.xml without a baseline, are quiet.
func TestGolden(t *testing.T) {
	env := detecttest.Env()
	var err error
	if env.Baseline, err = baseline.Load("testdata/baseline.json"); err != nil {
		t.Fatal(err)
	}
	fs := detecttest.HuntEnv(t, env, []detect.Detection{newproc.New()}, "testdata/after.xml").Findings
	if len(fs) != 1 || fs[0].Entities.Process != "syncsvc.exe" || fs[0].Risk != 70 || fs[0].Entities.Host != "WS-B" {
		t.Errorf("after: %+v", fs)
	}
	detecttest.Golden(t, "testdata/after.golden.jsonl", fs)
	for _, f := range detecttest.HuntEnv(t, env, []detect.Detection{newproc.New()}, "testdata/before.xml").Findings {
		t.Errorf("before, against its own baseline: %s", f.Summary)
	}
	for _, f := range detecttest.Hunt(t, newproc.New(), "testdata/after.xml") {
		t.Errorf("no baseline: %s", f.Summary)
	}
}
