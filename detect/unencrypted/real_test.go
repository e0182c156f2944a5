package unencrypted_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/unencrypted"
	"github.com/sluice-hunt/sluice/netset"
)

func dataset(t *testing.T, name string) string { return detecttest.Dataset(t, name) }

// OTRF Empire set: the seed stays silent on Empire's C2 (powershell.exe to 10.10.10.5:80 is a
// private destination, which the seed excludes) and on the rest of the 12,200 events; once the
// config says 10.10.10.0/24 is not internal, Plaintext_Network reports the 51 connections.
func TestEmpire(t *testing.T) {
	path := dataset(t, "otrf-host-cloud/empire_dllinjection_LoadLibrary_CreateRemoteThread.zip")
	for _, f := range detecttest.Hunt(t, unencrypted.New(), path) {
		t.Errorf("fired by default: %s", f.Summary)
	}
	env := detecttest.Env()
	env.External = netset.MustParse([]string{"10.10.10.0/24"})
	fs := detecttest.HuntEnv(t, env, []detect.Detection{unencrypted.New()}, path).Findings
	if len(fs) != 1 {
		t.Fatalf("%d findings with 10.10.10.0/24 external, want 1", len(fs))
	}
	f := fs[0]
	if f.Figure("exfil_method") != unencrypted.Plaintext || f.Figure("events") != int64(51) || f.Figure("is_external_dest") != 1 ||
		f.Entities.Dst != "10.10.10.5" || f.Entities.Process != "powershell.exe" || f.Entities.Host != "WORKSTATION5.mordor.local" {
		t.Errorf("%d %s %+v", f.Risk, f.Summary, f.Entities)
	}
}

// The Sigma regression samples: the renamed ftp.exe (EVTX and its JSON twin) is FTP by the
// seed's own image regex (renamed-ftp.exe contains ftp.exe); the curl samples are downloads.
func TestSysmonSamples(t *testing.T) {
	fs := detecttest.Hunt(t, unencrypted.New(), dataset(t, "sysmon-evtx"))
	if len(fs) != 1 || fs[0].Figure("exfil_method") != unencrypted.FTP || fs[0].Figure("events") != int64(2) || fs[0].Entities.Process != "renamed-ftp.exe" {
		for _, f := range fs {
			t.Logf("%s", f.Summary)
		}
		t.Fatalf("want one FTP finding for renamed-ftp.exe (EVTX + JSON), got %d", len(fs))
	}
}
