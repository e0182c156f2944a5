package config

import (
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect"
	_ "github.com/sluice-hunt/sluice/detect/all"
	"github.com/sluice-hunt/sluice/source/pcap"
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

func TestSourcesPcap(t *testing.T) {
	c, err := Parse([]byte("sources:\n  pcap:\n    tcp_idle: 2m\n    active: 30m\n    max_flows: 1000\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := c.SourceOptions()[pcap.FormatName].(pcap.Options)
	if o.TCPIdle != 2*time.Minute || o.Active != 30*time.Minute || o.MaxFlows != 1000 || o.UDPIdle != 0 {
		t.Errorf("options %+v", o)
	}
	if _, err := Parse([]byte("sources:\n  pcap:\n    tcp_idel: 2m\n")); err == nil {
		t.Error("a misspelt pcap option was accepted")
	}
}
