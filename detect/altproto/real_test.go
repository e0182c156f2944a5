package altproto_test

import (
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/detect/altproto"
	"github.com/sluice-hunt/sluice/detect/detecttest"
)

const apt29 = "../../../shared/datasets/apt29-day1-zeek"

// TestAPT29 hunts the OTRF APT29 day-1 Zeek logs. Their exfiltration went over WebDAV on port
// 80 and stays out of this analytic's ports. What the seed's thresholds do report is the
// attacker's lateral tool transfer over SMB, 10.0.1.4 -> 10.0.1.6:445 (a 4.26 MB file and
// smaller copies, 00:35-00:47 UTC). Two sensors logged every one of those connections, so the
// seed's count and sum, which take records as they come, see 30 connections and 11.8 MB where
// there were 15 and 5.9 MB; this test pins that behaviour (see README.md, "duplicate records").
func TestAPT29(t *testing.T) {
	if _, err := os.Stat(apt29); err != nil {
		t.Skipf("real dataset not present (%v): it lives beside the project in shared/datasets", err)
	}
	fs := detecttest.Hunt(t, altproto.New(), apt29)
	for _, f := range fs {
		t.Log(f.Summary)
	}
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the SMB transfer only", len(fs))
	}
	f := fs[0]
	if f.Entities.Src != "10.0.1.4" || f.Entities.Dst != "10.0.1.6" || f.Entities.DstPort != 445 || f.Risk != 80 {
		t.Errorf("finding %+v risk %d", f.Entities, f.Risk)
	}
	if f.Figure("connections") != int64(30) || f.Figure("bytes_out") != int64(11_802_110) || f.Figure("src_ports") != 15 {
		t.Errorf("figures %+v", f.Figures)
	}
}
