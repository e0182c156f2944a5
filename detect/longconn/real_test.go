package longconn

import (
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
)

// Caldera's manx agent, straight from the packet capture: its raw TCP C2 session to
// 172.18.0.2:7010 lasts 12.5 of the capture's 13 minutes.
func TestCalderaManxPcap(t *testing.T) {
	fs := detecttest.Hunt(t, New(), filepath.Join(detecttest.Dataset(t, "caldera-pcap"), "Traces__manx-tcp.pcap"))
	found := false
	for _, f := range fs {
		e := f.Entities
		if e.Src == "172.18.0.3" && e.Dst == "172.18.0.2" && e.DstPort == 7010 {
			found = true
			if len(f.Evidence) == 0 {
				t.Errorf("no evidence: %s", f.Summary)
			}
		} else {
			t.Errorf("unexpected finding %s", f.Summary)
		}
	}
	if !found {
		t.Errorf("manx's C2 session not reported: %v", fs)
	}
}
