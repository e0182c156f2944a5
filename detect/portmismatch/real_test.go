package portmismatch_test

import (
	"os"
	"strings"
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

// TestPANOS hunts the real PAN-OS TRAFFIC log (Splunk attack_data, 2014): the firewall's App-ID
// names the application, so TLS to 10.131.16.132:7443 (from many hosts) and HTTP on 7080 are
// mismatches without Zeek, each with the firewall's line as evidence.
func TestPANOS(t *testing.T) {
	fs := detecttest.Hunt(t, portmismatch.New(), detecttest.Dataset(t, "panos-traffic"))
	var tls7443, http7080 int
	for _, f := range fs {
		e := f.Entities
		switch {
		case e.App == "ssl" && e.Dst == "10.131.16.132" && e.DstPort == 7443:
			tls7443++
		case e.App == "http" && e.DstPort == 7080:
			http7080++
		}
		if len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0].Text, ",TRAFFIC,") {
			t.Errorf("evidence of %s: %+v", f.Summary, f.Evidence)
		}
	}
	if tls7443 < 10 || http7080 != 1 {
		t.Errorf("%d findings of TLS on 7443, %d of HTTP on 7080; want at least 10 and 1", tls7443, http7080)
	}
}
