package portmismatch_test

import (
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/portmismatch"
)

const apt29 = "../../../shared/datasets/apt29-day1-zeek"

// TestAPT29 hunts the OTRF APT29 day-1 Zeek logs. Every protocol Zeek identified there is on
// its port (TLS C2 on 8443, Kerberos inside SMB on 445, DNS on 53); the C2 on 1234 carries no
// identified protocol. The default must report nothing. The seed's table reports the two
// NetBIOS name broadcasts (DNS on 137 to 10.0.1.255), which ignore_special_dst drops.
func TestAPT29(t *testing.T) {
	if _, err := os.Stat(apt29); err != nil {
		t.Skipf("real dataset not present (%v): it lives beside the project in shared/datasets", err)
	}
	for _, f := range detecttest.Hunt(t, portmismatch.New(), apt29) {
		t.Errorf("unexpected finding: %s", f.Summary)
	}
	fs := detecttest.Hunt(t, configure(t, seedExact), apt29)
	for _, f := range fs {
		t.Log(f.Summary)
		if f.Entities.App != "dns" || f.Entities.DstPort != 137 || f.Entities.Dst != "10.0.1.255" {
			t.Errorf("seed table: unexpected finding %s", f.Summary)
		}
	}
	if len(fs) != 2 {
		t.Errorf("seed table: %d findings, want the 2 NetBIOS broadcasts", len(fs))
	}
}
