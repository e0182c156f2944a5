package upload

import (
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/finding"
)

// Golden cases: Zeek TSV fixtures in testdata/ and the exact findings expected from them.
//
//   - uploads: one day of a small network: HTTPS exfiltration (asymmetric and #1), an internal
//     backup (one-way but internal to internal: top uploader only), scp to an outside host
//     (asymmetric, ratio 16.7), inbound mail (asymmetric, inbound: lower risk), a video call and
//     a download (top uploaders only), everyday small pairs (ranks 7-10 listed, 11-14 silent),
//     connection attempts with unset orig_bytes and payload-less multicast (never listed).
//   - rotated: the same day in two files; one pair reaches min_bytes only when both files are
//     summed, as `cat conn.*log` does.
func TestGolden(t *testing.T) {
	cases := []struct {
		name  string
		files []string
	}{
		{"uploads", []string{"testdata/uploads.log"}},
		{"rotated", []string{"testdata/rotated.00.log", "testdata/rotated.01.log"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := detecttest.Hunt(t, New(), c.files...)
			detecttest.Golden(t, "testdata/"+c.name+".golden.jsonl", fs)
		})
	}
}

const apt29 = "../../../shared/datasets/apt29-day1-zeek"

// TestAPT29 hunts the OTRF APT29 day-1 Zeek logs: the WebDAV exfiltration 10.0.1.4 ->
// 192.168.0.4 (2,187,099 B out over 16 connections) must be among the top uploaders, second
// only to the lateral SMB traffic 10.0.1.4 -> 10.0.1.6.
func TestAPT29(t *testing.T) {
	if _, err := os.Stat(apt29); err != nil {
		t.Skipf("real dataset not present (%v): it lives beside the project in shared/datasets", err)
	}
	fs := detecttest.Hunt(t, New(), apt29)
	byPair := map[string]int{}
	for i, f := range fs {
		byPair[f.Entities.Src+" "+f.Entities.Dst] = i
	}
	i, ok := byPair["10.0.1.4 192.168.0.4"]
	if !ok {
		t.Fatalf("WebDAV exfiltration pair 10.0.1.4 -> 192.168.0.4 not reported; findings: %v", summaries(fs))
	}
	f := fs[i]
	if f.Figure("rank") != 2 || f.Figure("bytes_out") != int64(2_187_099) || f.Figure("bytes_in") != int64(5_347_774) ||
		f.Figure("connections") != int64(16) {
		t.Errorf("exfil pair figures: %+v", f.Figures)
	}
	if len(f.Evidence) == 0 {
		t.Error("exfil pair has no evidence")
	}
	j, ok := byPair["10.0.1.4 10.0.1.6"]
	if !ok || fs[j].Figure("rank") != 1 {
		t.Errorf("lateral SMB pair 10.0.1.4 -> 10.0.1.6 should be #1: %v", summaries(fs))
	}
	if len(fs) > 10 {
		t.Errorf("%d findings; the seed lists 10 pairs and nothing here is asymmetric to the outside", len(fs))
	}
	for _, f := range fs {
		t.Log(f.Risk, f.Summary)
	}
}

func summaries(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Summary)
	}
	return out
}

// TestPANOS: the volume analytics read the firewall's byte counts (bytes sent and received of
// each TRAFFIC end record, duplicates dropped): the seed's top 10 uploaders of the real PAN-OS
// log, each with its bytes and the firewall's lines as evidence.
func TestPANOS(t *testing.T) {
	fs := detecttest.Hunt(t, New(), detecttest.Dataset(t, "panos-traffic"))
	if len(fs) != 10 {
		t.Fatalf("%d findings, want the seed's top 10", len(fs))
	}
	for _, f := range fs {
		if b, ok := f.Figure("bytes_out").(int64); !ok || b <= 0 || len(f.Evidence) == 0 {
			t.Errorf("bytes_out %v, %d evidence: %s", f.Figure("bytes_out"), len(f.Evidence), f.Summary)
		}
	}
}
