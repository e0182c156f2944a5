package beacon

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/finding"
)

func dataset(t *testing.T, name string) string { return detecttest.Dataset(t, name) }

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

// OTRF Empire (HELK/nxlog Windows events, no network log): Empire's HTTP C2, 51 Sysmon 3
// connections of powershell.exe from 172.18.39.5 to 10.10.10.5:80 in 4 minutes, is a beacon
// from host connections alone, and names the process, its user and host; nothing else fires.
func TestEmpireHostConnections(t *testing.T) {
	fs := detecttest.Hunt(t, New(), dataset(t, "otrf-host-cloud/empire_dllinjection_LoadLibrary_CreateRemoteThread.zip"))
	if len(fs) != 1 {
		for _, f := range fs {
			t.Logf("%s", f.Summary)
		}
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if e := f.Entities; e.Src != "172.18.39.5" || e.Dst != "10.10.10.5" || e.DstPort != 80 || e.Process != "powershell.exe" ||
		e.Host != "WORKSTATION5.mordor.local" || e.User != `MORDOR\pgustavo` {
		t.Errorf("entities %+v", e)
	}
	if fig(f, "connections") != 51 || f.Severity < finding.High || !strings.Contains(f.Summary, "host logs only") {
		t.Errorf("%d %s", f.Risk, f.Summary)
	}
	if len(f.Processes) != 1 || f.Processes[0].Records != 51 || f.Processes[0].PID != 9076 {
		t.Errorf("processes %+v", f.Processes)
	}
}

// Caldera's sandcat agent, straight from the packet capture: 58 POST /beacon over one
// keep-alive connection to 172.18.0.2:8888 are one beacon, with the requests as evidence.
func TestCalderaSandcatPcap(t *testing.T) {
	fs := detecttest.Hunt(t, New(), filepath.Join(dataset(t, "caldera-pcap"), "Traces__sandcat.pcap"))
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %v", len(fs), fs)
	}
	f := fs[0]
	if e := f.Entities; e.Src != "172.18.0.3" || e.Dst != "172.18.0.2" || e.DstPort != 8888 {
		t.Errorf("beacon %s -> %s:%d: %s", e.Src, e.Dst, e.DstPort, f.Summary)
	}
	if fig(f, "connections") < 58 || f.Severity < finding.Medium {
		t.Errorf("%v calls, severity %s: %s", f.Figure("connections"), f.Severity, f.Summary)
	}
	if len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0].Text, "172.18.0.3") {
		t.Errorf("evidence %+v", f.Evidence)
	}
}
