package panos_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all" // every reader: none may claim PAN-OS logs before this one
	_ "github.com/sluice-hunt/sluice/source/panos"
)

// PAN-OS logs (the test files, and the real sample when the shared datasets are present) are
// claimed by this reader and by no other, whatever the order the readers register in.
func TestOpenAmongAll(t *testing.T) {
	files, _ := filepath.Glob("testdata/*")
	files = append(files, "../../../shared/datasets/panos-traffic/unusual_volume_data_download.txt")
	for _, name := range files {
		fi, err := os.Stat(name)
		if err != nil {
			t.Logf("%s: %v (skipped)", name, err)
			continue
		}
		o, err := source.Open(source.FileInput(name, fi.Size()), nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if o.Format.Name != "panos" {
			t.Errorf("%s: sniffed as %s", name, o.Format.Name)
		}
		o.Close()
	}
}
