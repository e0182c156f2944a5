package exfilcmd_test

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/exfilcmd"
)

func dataset(t *testing.T, name string) string { return detecttest.Dataset(t, name) }

// DE_sysmon-3-rdp-tun.evtx: plink.exe -P 80 -R 127.0.0.3:4444:127.0.0.2:3389 to 10.0.2.18 (RDP
// tunnelled over SSH on port 80) is an SSH tunnel on a web port.
func TestPlinkTunnel(t *testing.T) {
	fs := detecttest.Hunt(t, exfilcmd.New(), dataset(t, "sysmon-evtx/sbousseaden__DE_sysmon-3-rdp-tun.evtx"))
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Figure("command") != "ssh tunnel" || f.Risk != 90 || f.Entities.Process != "plink.exe" || !strings.Contains(f.Summary, "port 80") ||
		!strings.Contains(f.Processes[0].CommandLine, "-R 127.0.0.3:4444:127.0.0.2:3389") {
		t.Errorf("%d %s", f.Risk, f.Summary)
	}
}

// The OTRF Empire set (12,200 events, 2,5xx process starts): Empire's launcher is powershell
// -enc (the seed's risk 7, not reported alone); nothing reaches the seed's threshold.
func TestEmpire(t *testing.T) {
	for _, f := range detecttest.Hunt(t, exfilcmd.New(), dataset(t, "otrf-host-cloud/empire_dllinjection_LoadLibrary_CreateRemoteThread.zip")) {
		t.Errorf("%d %s", f.Risk, f.Summary)
	}
}
