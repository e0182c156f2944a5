package config

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
)

// A config that sets a detection the run leaves out (--detections) is still valid.
func TestApplySubset(t *testing.T) {
	c, err := Parse([]byte("detections:\n  upload-volume:\n    top_n: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	var some []detect.Detection
	for _, d := range detect.All() {
		if d.Info().ID != "upload-volume" {
			some = append(some, d)
		}
	}
	if _, err := c.Apply(some); err != nil {
		t.Errorf("subset: %v", err)
	}
	c2, err := Parse([]byte("detections:\n  no-such-thing: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Apply(some); err == nil {
		t.Error("unknown detection accepted")
	}
}
