package beacon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/finding"
)

const datasets = "../../../shared/datasets"

func dataset(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (the shared datasets folder lives beside the repo): %v", name, err)
	}
	return p
}

// APT29 day 1: the C2 10.0.1.6 -> 192.168.0.4:8443 (376 TLS connections in 4 minutes) is a
// beacon and ranks first among them.
func TestAPT29(t *testing.T) {
	fs := detecttest.Hunt(t, New(), dataset(t, "apt29-day1-zeek"))
	if len(fs) == 0 {
		t.Fatal("no beacon found")
	}
	if e := fs[0].Entities; e.Src != "10.0.1.6" || e.Dst != "192.168.0.4" || e.DstPort != 8443 {
		t.Errorf("first beacon %s -> %s:%d: %s", e.Src, e.Dst, e.DstPort, fs[0].Summary)
	}
	if fig(fs[0], "connections") != 376 {
		t.Errorf("connections %v", fs[0].Figure("connections"))
	}
	for _, f := range fs {
		if f.Severity >= finding.Medium {
			t.Errorf("a medium or worse beacon in APT29's background: %s", f.Summary)
		}
	}
}

// RITA's lab day (http.log only): every host polling www.alexa.com every 5 minutes is found
// by name, one finding per host, its period near 300 s.
func TestRITAAlexa(t *testing.T) {
	fs := detecttest.Hunt(t, New(), dataset(t, "rita-http"))
	hosts := map[string]float64{}
	for _, f := range fs {
		if f.Entities.DstHost == "www.alexa.com" {
			if _, dup := hosts[f.Entities.Src]; dup {
				t.Errorf("two findings for %s", f.Entities.Src)
			}
			hosts[f.Entities.Src] = fig(f, "period")
			if f.Entities.App != "http" || f.Severity < finding.Medium {
				t.Errorf("%s: app %q severity %s", f.Entities.Src, f.Entities.App, f.Severity)
			}
		}
	}
	// the log holds the polling of ten hosts: 10.55.100.100 and .103 to .111
	if len(hosts) != 10 {
		t.Errorf("alexa polling found from %d hosts, want 10: %v", len(hosts), hosts)
	}
	for h, p := range hosts {
		if !strings.HasPrefix(h, "10.55.100.") || p < 290 || p > 310 {
			t.Errorf("%s: period %.1f s", h, p)
		}
	}
}

// WRCCDC (20 minutes of a competition network, ssl and dns only): what fires is listed and
// justified in README.md; background must not produce a crowd of medium findings.
func TestWRCCDCBackground(t *testing.T) {
	dir := dataset(t, "wrccdc-dns-ssl")
	fs := detecttest.Hunt(t, New(), filepath.Join(dir, "zeek-default__ssl.log.gz"), filepath.Join(dir, "zeek-default__dns.log.gz"))
	var medium []string
	for _, f := range fs {
		if f.Severity >= finding.Medium {
			medium = append(medium, f.Entities.Src+" -> "+f.Entities.DstHost)
		}
	}
	// cortanaupdate.stream (a 30 s heartbeat from one host: worth a look), the scoring bot
	// donbot and a livefyre widget: see the README
	if len(medium) > 3 {
		t.Errorf("%d medium or worse beacons on background traffic: %v", len(medium), medium)
	}
	fleet := false
	for _, f := range fs {
		if f.Entities.DstHost == "ise.wrccdc.org" {
			if f.Entities.Src != "" || fig(f, "sources") < 20 {
				t.Errorf("ise.wrccdc.org should be one fleet finding: %s", f.Summary)
			}
			fleet = true
		}
	}
	if !fleet {
		t.Error("the ise.wrccdc.org agents' fleet finding is missing")
	}
}
