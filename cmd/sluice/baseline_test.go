package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A baseline saved from the sample day holds its user agents; hunting the same day with it
// leaves no rare user agent to report, and the other detections are unchanged.
func TestBaselineSaveAndHunt(t *testing.T) {
	const dir = "../../testdata/zeek"
	path := filepath.Join(t.TempDir(), "baseline.json")
	_, stderr, err := run(t, "", "baseline", "save", "-o", path, dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "user_agents") {
		t.Errorf("save summary: %s", stderr)
	}
	shown, _, err := run(t, "", "baseline", "show", path)
	if err != nil || !strings.Contains(shown, "\nuser_agents (") && !strings.HasPrefix(shown, "user_agents (") {
		t.Fatalf("show: %v\n%s", err, shown)
	}
	without, _, err := run(t, "", "hunt", "--format", "jsonl", "--quiet", dir)
	if err != nil {
		t.Fatal(err)
	}
	with, _, err := run(t, "", "hunt", "--format", "jsonl", "--quiet", "--baseline", path, dir)
	if err != nil {
		t.Fatal(err)
	}
	count := func(s, det string) (n int) {
		for _, f := range decode(t, s) {
			if f.Detection == det {
				n++
			}
		}
		return n
	}
	if count(without, "rare-user-agent") == 0 {
		t.Fatal("the sample has no rare user agents to begin with")
	}
	if n := count(with, "rare-user-agent"); n != 0 {
		t.Errorf("%d rare user agents reported against their own baseline", n)
	}
	if count(with, "beacon") != count(without, "beacon") {
		t.Error("the baseline changed another detection's findings")
	}
	// --merge keeps what the file held; a missing -o or a bad file are errors
	if _, stderr, err := run(t, "", "baseline", "save", "--merge", "-o", path, dir); err != nil || !strings.Contains(stderr, "(0 new)") {
		t.Errorf("merge: %v %s", err, stderr)
	}
	if _, _, err := run(t, "", "baseline", "save", dir); err == nil {
		t.Error("save without -o")
	}
	if _, _, err := run(t, "", "hunt", "--baseline", "hunt_test.go", dir); err == nil || !strings.Contains(err.Error(), "hunt_test.go") {
		t.Errorf("a file that is no baseline: %v", err)
	}
}
