package gworkspace

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/auditd"
	_ "github.com/sluice-hunt/sluice/source/evtx"
	_ "github.com/sluice-hunt/sluice/source/squid"
	_ "github.com/sluice-hunt/sluice/source/stream"
	_ "github.com/sluice-hunt/sluice/source/winjson"
	_ "github.com/sluice-hunt/sluice/source/winxml"
	_ "github.com/sluice-hunt/sluice/source/zeek"
)

// head returns the decompressed first source.SniffSize bytes of r, as source.Open sniffs them.
func head(t *testing.T, r io.Reader) []byte {
	t.Helper()
	d, _, err := source.Decompress(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bufio.NewReaderSize(d, source.SniffSize).Peek(source.SniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		t.Fatal(err)
	}
	return b
}

// The other formats' fixtures (and the project's sample logs) are not ours, and the other
// formats do not claim ours: source.Open, which tries every registered format in turn, picks
// this one for each fixture.
func TestOtherFormats(t *testing.T) {
	var others []string
	for _, g := range []string{"../*/testdata/*", "../../testdata/*", "../../testdata/*/*", "../../testdata/*/*/*"} {
		m, _ := filepath.Glob(g)
		others = append(others, m...)
	}
	n := 0
	for _, p := range others {
		if strings.Contains(p, "gworkspace") || strings.Contains(p, filepath.Join("cloud", "google")) {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if Sniff(head(t, f), filepath.Base(p)) {
			t.Errorf("Sniff claims %s", p)
		}
		f.Close()
		n++
	}
	if n < 20 {
		t.Errorf("only %d other fixtures found", n)
	}
	for _, name := range allShapes() {
		o, err := source.Open(source.FileInput(filepath.Join("testdata", name), -1), nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Format.Name != FormatName {
			t.Errorf("%s opened as %s", name, o.Format.Name)
		}
		o.Close()
	}
	if got := source.Formats(); len(got) < 8 {
		t.Errorf("formats registered: %v", got)
	}
}
