package ftd

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/source"
)

const datasets = "../../../shared/datasets"

// TestRealNotClaimed: no file of the shared real datasets (Zeek, PAN-OS, Windows, cloud logs ...)
// is taken for FTD syslog.
func TestRealNotClaimed(t *testing.T) {
	if _, err := os.Stat(datasets); err != nil {
		t.Skipf("real datasets not present (they live in the shared datasets folder beside the repo): %v", err)
	}
	n := 0
	err := filepath.WalkDir(datasets, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		r, _, err := source.Decompress(f)
		if err != nil {
			return nil // not a stream this test can read
		}
		head := make([]byte, source.SniffSize)
		k, _ := io.ReadFull(r, head)
		n++
		if Sniff(head[:k], d.Name()) {
			t.Errorf("%s taken for FTD syslog", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files sniffed", n)
}
