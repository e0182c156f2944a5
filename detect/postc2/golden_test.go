package postc2_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/postc2"
)

// Golden cases: hand-written fixtures in testdata/ and the exact findings expected from them.
//
//   - agenttesla: the AgentTesla HTTP exfiltration case as Zeek logs it (no body): one POST
//     /sew/inc/10a5031d37bc79.php to originwealth.ydns.eu (78.41.139.12:80) with a Firefox 99
//     user agent, no Referer, no Origin, nothing else fetched from the host; the host's other
//     HTTP (CryptoAPI's OCSP and CRL fetches, an SSDP M-SEARCH) stays silent. Risk 100.
//   - agenttesla-stream: the same traffic as Splunk Stream records it, with the 460-byte
//     URL-encoded base64 body (form_data) and its Content-Type: the body and content type
//     signals add to the same finding.
//   - families: other families' shapes: Lokibot (fre.php on a bare address, its own
//     Mozilla/4.08 string), Pony (gate.php under /panel/ on a Duck DNS name), an implant under
//     CryptoAPI's user agent to a Duck DNS host (exclusions do not hold there), a Chrome string
//     posting to a compromised site's plugin script, and a lab C2 on an internal address
//     (medium).
//   - benign, benign-stream: POSTs that must stay silent: OCSP from CryptoAPI and from Firefox,
//     a login form posted with Referer and Origin after its page, an API client posting JSON
//     (also with base64 inside), Windows Update and device-metadata clients, an endpoint agent
//     posting to a bare address under a Mozilla/4.0 string that names no browser, an analytics
//     beacon with Origin, an ad tracker with Referer, a lab agent beaconing internally, a
//     multipart photo upload, a reply without its request.
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"agenttesla", "agenttesla.log"},
		{"agenttesla-stream", "agenttesla-stream.json"},
		{"families", "families.log"},
		{"benign", "benign.log"},
		{"benign-stream", "benign-stream.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := detecttest.Hunt(t, postc2.New(), "testdata/"+tc.file)
			detecttest.Golden(t, "testdata/"+tc.name+".golden.jsonl", fs)
		})
	}
	// The benign fixtures again with min_risk 0: what each pair scores (at most 40, the
	// endpoint agent posting to a bare address and the ad tracker's PHP endpoint), and that the
	// excluded shapes (OCSP, Windows clients) give nothing at all.
	for _, name := range []string{"benign", "benign-stream"} {
		t.Run(name+".all", func(t *testing.T) {
			d := postc2.New()
			d.Params().(*postc2.Params).MinRisk = 0
			ext := ".log"
			if name == "benign-stream" {
				ext = ".json"
			}
			fs := detecttest.Hunt(t, d, "testdata/"+name+ext)
			for _, f := range fs {
				if f.Risk >= postc2.DefaultParams().MinRisk {
					t.Errorf("benign pair at risk %d: %s", f.Risk, f.Summary)
				}
			}
			detecttest.Golden(t, "testdata/"+name+".all.golden.jsonl", fs)
		})
	}
}
