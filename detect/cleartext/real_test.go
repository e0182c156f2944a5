package cleartext_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// TestAPT29 hunts the OTRF APT29 day-1 Zeek logs (613 connections: Kerberos, SMB, LDAP and
// DCE-RPC to the domain controller 10.0.0.4, SMB between the victims, TLS C2 to 192.168.0.4,
// the WebDAV exfiltration). Every cleartext protocol there stays inside the internal networks,
// so nothing is reported. With the attacker network 192.168.0.0/24 declared external, the
// victim 10.0.1.4's SMB attempts to the attacker's 192.168.0.4 on 139 and 445 (the Windows
// WebDAV client's fallback before `net use` over HTTP; all refused, REJ) make one key: below
// min_risk by default, reported at 30 with min_risk 0.
func TestAPT29(t *testing.T) {
	dir := detecttest.Dataset(t, "apt29-day1-zeek")
	if fs := detecttest.Hunt(t, configure(t, "min_risk: 0"), dir); len(fs) != 0 {
		for _, f := range fs {
			t.Errorf("unexpected finding: %s", f.Summary)
		}
	}
	env := detecttest.Env()
	env.External = netset.MustParse([]string{"192.168.0.0/24"})
	res := detecttest.HuntEnv(t, env, []detect.Detection{configure(t, "")}, dir)
	for _, f := range res.Findings {
		t.Errorf("attacker network external, default min_risk: unexpected finding: %s", f.Summary)
	}
	res = detecttest.HuntEnv(t, env, []detect.Detection{configure(t, "min_risk: 0")}, dir)
	if len(res.Findings) != 1 {
		t.Fatalf("attacker network external, min_risk 0: %d findings, want 1", len(res.Findings))
	}
	f := res.Findings[0]
	t.Log(f.Summary)
	if f.Entities.Src != "10.0.1.4" || f.Entities.Dst != "192.168.0.4" || f.Entities.App != "smb" || f.Risk != 30 {
		t.Errorf("finding %+v risk %d", f.Entities, f.Risk)
	}
	if want := "10.0.1.4 opened 10 SMB connections to 192.168.0.4:445, none established"; f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
}

// TestAgentTeslaCapture hunts the two AgentTesla captures through the packet-capture reader
// (source/pcap). The FTP capture must give the finding of the
// hand-written Zeek fixture: the STOR of the credentials page, 533 B, as the FTP user; the
// HTTP capture (a POST to 78.41.139.12:80) is not this detection's and adds nothing.
func TestAgentTeslaCapture(t *testing.T) {
	ftp := detecttest.Dataset(t, "agenttesla-pcap/Traces__f9421792-7d2c-47d3-90e0-07eb54ae12fa.pcap")
	http := detecttest.Dataset(t, "agenttesla-pcap/Traces__0e328ab7-12b2-4843-8717-a5b3ebef33a8.pcap")
	res := detecttest.HuntResult(t, []detect.Detection{configure(t, "min_risk: 0")}, ftp, http)
	if len(res.Unrecognized) > 0 || res.Events[event.KindConn]+res.Events[event.KindFTP] == 0 {
		t.Fatalf("the captures were not read: %v", res.Unrecognized)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want 1", len(res.Findings))
	}
	f := res.Findings[0]
	t.Log(f.Summary)
	if f.Entities.Src != "192.168.100.164" || f.Entities.Dst != "143.95.79.226" || f.Entities.User != "husband@elquijotebanquetes.com" {
		t.Errorf("entities %+v", f.Entities)
	}
	if f.Figure("uploads") != int64(1) || f.Figure("upload_bytes") != int64(533) {
		t.Errorf("uploads %v, bytes %v; want 1 file of 533 B", f.Figure("uploads"), f.Figure("upload_bytes"))
	}
	if f.Risk < 70 {
		t.Errorf("risk %d, want at least 70", f.Risk)
	}
}
