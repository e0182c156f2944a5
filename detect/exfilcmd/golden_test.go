package exfilcmd_test

import (
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/exfilcmd"
	"github.com/sluice-hunt/sluice/finding"
)

// chains returns the chain findings.
func chains(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Figure("archive_command") != nil {
			out = append(out, f)
		}
	}
	return out
}

// Golden cases (see testdata/gen.go), one per branch firing and not.
func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		files  []string
		count  int // findings
		chains int
	}{
		// 7z a, scp, Compress-Archive, rclone copy, plink tunnel; chain 7z -> scp naming the archive
		{"fire", []string{"testdata/fire.xml"}, 6, 1},
		{"quiet", []string{"testdata/quiet.xml"}, 0, 0},
		{"late", []string{"testdata/late.xml"}, 2, 0},
		// tar -czf, curl --upload-file; chain naming the archive; tar -xzf quiet
		{"linux", []string{"testdata/linux.audit.log"}, 3, 1},
		// tar.exe -cf, then 50 MiB out over a connection from the host's address
		{"conn-chain", []string{"testdata/conn-chain.xml", "testdata/conn-chain.conn.log"}, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := detecttest.Hunt(t, exfilcmd.New(), c.files...)
			for _, f := range fs {
				t.Logf("%d %s", f.Risk, f.Summary)
			}
			if len(fs) != c.count || len(chains(fs)) != c.chains {
				t.Errorf("%d findings (%d chains), want %d (%d)", len(fs), len(chains(fs)), c.count, c.chains)
			}
			detecttest.Golden(t, "testdata/"+c.name+".golden.jsonl", fs)
		})
	}
}

// TestChainDetails: the chain's steps, gap and named archive.
func TestChainDetails(t *testing.T) {
	ch := chains(detecttest.Hunt(t, exfilcmd.New(), "testdata/fire.xml"))
	if len(ch) != 1 || ch[0].Risk != 95 || ch[0].Figure("gap") != 180.0 || !strings.Contains(ch[0].Summary, "names the archive") ||
		len(ch[0].Evidence) != 2 || len(ch[0].Processes) != 2 {
		t.Fatalf("%+v", ch)
	}
	cc := chains(detecttest.Hunt(t, exfilcmd.New(), "testdata/conn-chain.xml", "testdata/conn-chain.conn.log"))
	if len(cc) != 1 || cc[0].Entities.Dst != "203.0.113.9" || cc[0].Figure("bytes_out") != int64(52_428_800) || cc[0].Entities.Src != "192.168.56.30" {
		t.Fatalf("%+v", cc)
	}
}
