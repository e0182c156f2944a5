package altproto_test

import (
	"testing"

	"github.com/sluice-hunt/sluice/detect/altproto"
	"github.com/sluice-hunt/sluice/detect/detecttest"
)

// Golden cases: Zeek TSV fixtures in testdata/ and the exact findings expected from them.
//
//   - exfil: 60 MB of mail submission to the outside on 587 in 6 connections (risk 90), 12.5 MB
//     of SMB to the outside (80), 10.5 MB of DNS over TCP to an outside server (80), 10.4 MB of
//     SMTP in 5 connections of which one has unset bytes (80). Silent: 40 MB in 4 connections,
//     exactly 10,000,000 bytes in 5, 24 MB in 6 connections split 3/3 across 11:00, 100 MB on
//     443, and the host's ordinary DNS lookups.
//   - fileserver: 35 MB copied to an internal SMB share in 8 connections: the seed reports it
//     (80), and external_only: true silences it.
func TestGolden(t *testing.T) {
	for _, name := range []string{"exfil", "fileserver"} {
		t.Run(name, func(t *testing.T) {
			fs := detecttest.Hunt(t, altproto.New(), "testdata/"+name+".log")
			detecttest.Golden(t, "testdata/"+name+".golden.jsonl", fs)
		})
	}
	t.Run("fileserver.external_only", func(t *testing.T) {
		fs := detecttest.Hunt(t, configure(t, "external_only: true"), "testdata/fileserver.log")
		detecttest.Golden(t, "testdata/fileserver.external_only.golden.jsonl", fs)
	})
}
