package unencrypted_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/unencrypted"
	"github.com/sluice-hunt/sluice/netset"
)

// Golden cases (see testdata/gen.go): fire.xml holds one case per branch of the seed and a
// renamed ftp.exe; quiet.xml what the seed leaves alone, one per branch.
func TestGolden(t *testing.T) {
	fire := detecttest.Hunt(t, unencrypted.New(), "testdata/fire.xml")
	detecttest.Golden(t, "testdata/fire.golden.jsonl", fire)
	methods := map[string]int{}
	for _, f := range fire {
		methods[f.Figure("exfil_method").(string)]++
		if len(f.Processes) != 1 || f.Processes[0].Image == "" || f.Entities.Host != "WIN-ATOMIC" {
			t.Errorf("%s: no process or host: %+v", f.Summary, f.Processes)
		}
	}
	for _, m := range []string{unencrypted.FTP, unencrypted.HTTP, unencrypted.DNS, unencrypted.SMTP, unencrypted.Plaintext} {
		if methods[m] == 0 {
			t.Errorf("branch %s did not fire", m)
		}
	}
	quiet := detecttest.Hunt(t, unencrypted.New(), "testdata/quiet.xml")
	for _, f := range quiet {
		t.Errorf("quiet case fired: %s", f.Summary)
	}
}

// TestExternalNetworks: the private server (10.10.10.5, as Empire's in the OTRF set) is
// excluded by the seed, and reported once the config says its network is external.
func TestExternalNetworks(t *testing.T) {
	env := detecttest.Env()
	env.External = netset.MustParse([]string{"10.10.10.0/24"})
	fs := detecttest.HuntEnv(t, env, []detect.Detection{unencrypted.New()}, "testdata/quiet.xml").Findings
	if len(fs) != 1 || fs[0].Entities.Dst != "10.10.10.5" || fs[0].Figure("exfil_method") != unencrypted.Plaintext || fs[0].Figure("events") != int64(5) {
		for _, f := range fs {
			t.Logf("%s", f.Summary)
		}
		t.Fatalf("want one Plaintext_Network finding for 10.10.10.5:80 (5 connections), got %d", len(fs))
	}
	detecttest.Golden(t, "testdata/quiet.external.golden.jsonl", fs)
}
