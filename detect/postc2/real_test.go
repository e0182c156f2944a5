package postc2_test

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/postc2"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// all returns the detection with min_risk 0: every pair that POSTed, with its score.
func all() *postc2.Detection {
	d := postc2.New()
	d.Params().(*postc2.Params).MinRisk = 0
	return d
}

// TestRITA hunts 24 hours of the RITA lab's HTTP (27,213 records, 746 POSTs, all benign). Nothing
// reaches min_risk. Scored from 0, the highest pairs are at 40, and they are two benign shapes:
// the ad tracker t.skimresources.com/api/track.php (IE11 with a Referer, nothing else fetched
// from that host: post_only, script_path, external) and FortiClient posting /fdsupdate to
// Fortinet's servers by address under "Mozilla/4.0 (compatible; FCT 5.6.0; Windows NT 5.1)", a
// string that names no browser engine (post_only, ip_host, external). The Windows Update and
// device-metadata clients' POSTs are excluded.
func TestRITA(t *testing.T) {
	dir := detecttest.Dataset(t, "rita-http")
	if fs := detecttest.Hunt(t, postc2.New(), dir); len(fs) != 0 {
		for _, f := range fs {
			t.Errorf("unexpected finding: %d %s", f.Risk, f.Summary)
		}
	}
	fs := detecttest.Hunt(t, all(), dir)
	if len(fs) == 0 {
		t.Fatal("no POST scored at all")
	}
	counts := map[int]int{}
	for _, f := range fs {
		counts[f.Risk]++
		if f.Risk > 40 {
			t.Errorf("risk %d: %s", f.Risk, f.Summary)
		}
		if f.Risk < 40 {
			continue
		}
		skim := f.Entities.DstHost == "t.skimresources.com" && f.Figure("uri") == "/api/track.php"
		forti := strings.HasPrefix(f.Entities.UserAgent, "Mozilla/4.0 (compatible; FCT ") && f.Figure("uri") == "/fdsupdate"
		if !skim && !forti {
			t.Errorf("unexpected pair at 40: %s", f.Summary)
		}
		if strings.Contains(f.Summary, "update.microsoft.com") || strings.Contains(f.Summary, "metaservices.microsoft.com") {
			t.Errorf("excluded client scored: %s", f.Summary)
		}
	}
	t.Logf("pairs that POSTed, by risk: %v", counts)
}

// TestAPT29 hunts the OTRF APT29 day-1 Zeek logs: their only HTTP is WebDAV (PROPFIND, PUT,
// LOCK ...) from 10.0.1.4 to 192.168.0.4, and no POST, so nothing is scored at all.
func TestAPT29(t *testing.T) {
	dir := detecttest.Dataset(t, "apt29-day1-zeek")
	res := detecttest.HuntResult(t, []detect.Detection{all()}, dir)
	if res.Events[event.KindHTTP] == 0 {
		t.Fatal("no HTTP records read")
	}
	for _, f := range res.Findings {
		t.Errorf("unexpected finding: %d %s", f.Risk, f.Summary)
	}
}

// TestWRCCDC hunts the WRCCDC DNS and TLS logs: no HTTP, nothing to report (the detection must
// not stumble on logs of other kinds).
func TestWRCCDC(t *testing.T) {
	dir := detecttest.Dataset(t, "wrccdc-dns-ssl")
	res := detecttest.HuntResult(t, []detect.Detection{all()}, dir)
	if res.Events[event.KindHTTP] != 0 || len(res.Findings) != 0 {
		t.Errorf("%d HTTP records, %d findings; want none", res.Events[event.KindHTTP], len(res.Findings))
	}
}

// pcapHTTP hunts a packet-capture dataset (read by source/pcap), failing when no HTTP record
// came out of it.
func pcapHTTP(t *testing.T, d detect.Detection, name string) []finding.Finding {
	t.Helper()
	res := detecttest.HuntResult(t, []detect.Detection{d}, detecttest.Dataset(t, name))
	if res.Events[event.KindHTTP] == 0 {
		t.Fatalf("%s: no HTTP records read from the captures", name)
	}
	return res.Findings
}

// TestAgentTeslaCapture hunts the real AgentTesla capture (any.run task 0e328ab7, from
// corelight/zeek-agenttesla-detector): one finding, 192.168.100.134's POST of the encrypted
// form to originwealth.ydns.eu, at risk 100; the host's OCSP, CRL and SSDP traffic and the
// FTP-exfiltration capture beside it add nothing.
func TestAgentTeslaCapture(t *testing.T) {
	fs := pcapHTTP(t, postc2.New(), "agenttesla-pcap")
	if len(fs) != 1 {
		for _, f := range fs {
			t.Log(f.Summary)
		}
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Entities.Src != "192.168.100.134" || f.Entities.DstHost != "originwealth.ydns.eu" || f.Entities.Dst != "78.41.139.12" ||
		f.Figure("uri") != "/sew/inc/10a5031d37bc79.php" || f.Risk != 100 {
		t.Errorf("finding: %d %s", f.Risk, f.Summary)
	}
	if sig, _ := f.Figure("signals").(string); f.Figure("body") != nil && !strings.Contains(sig, "encoded_body") {
		t.Errorf("the body was captured but not judged encoded: %s", sig)
	}
	t.Log(f.Summary)
}

// TestCalderaCapture hunts the CALDERA sandcat capture: 60 POSTs from 172.18.0.3 to the internal
// 172.18.0.2:8888 (59 /beacon under Go-http-client/1.1, base64 JSON bodies, and one curl
// /file/download), regular check-ins that are the beacon detection's. Nothing is fetched from
// the server and the bodies are encoded (post_only, encoded_body: 40), but no browser string,
// no script path and an internal server keep the pair below min_risk.
func TestCalderaCapture(t *testing.T) {
	for _, f := range pcapHTTP(t, postc2.New(), "caldera-pcap") {
		t.Errorf("unexpected finding: %d %s", f.Risk, f.Summary)
	}
	fs := pcapHTTP(t, all(), "caldera-pcap")
	if len(fs) != 1 || fs[0].Entities.Src != "172.18.0.3" || fs[0].Risk != 40 || fs[0].Figure("signals") != "post_only, encoded_body" {
		for _, f := range fs {
			t.Errorf("scored: %d %s", f.Risk, f.Summary)
		}
	}
}
