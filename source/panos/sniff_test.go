package panos

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/source"
)

func TestSniff(t *testing.T) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(data, filepath.Base(name)) {
			t.Errorf("%s: not sniffed", name)
		}
	}
	for _, tc := range []struct {
		name string
		text string
		want bool
	}{
		{"bare", rec(46, trafficBase, nil) + "\n", true},
		{"one of three bad", rec(46, trafficBase, nil) + "\ngarbage line\n" + rec(42, threatBase, nil) + "\n", true},
		{"system only", "<14>Mar  5 16:02:30 PA-3220 1,2024/03/05 16:02:30,012801001234,SYSTEM,general,0,2024/03/05 16:02:30,,general\n", true},
		{"header", "Domain,Receive Time,Serial #,Type,Threat/Content Type\n", true},
		{"header without type", "Receive Time,Serial #,Source address\n", false},
		{"other csv", "Date,Type,Amount\n2024/03/05 16:00:05,x,TRAFFIC\n", false},
		{"no type", "1,2024/03/05 16:00:05,012801001234,traffic,end\n", false},
		{"no time", "1,yesterday,012801001234,TRAFFIC,end\n", false},
		{"no serial", "1,2024/03/05 16:00:05,,TRAFFIC,end\n", false},
		{"strata", "2021-10-27T19:20:59.000000Z,no-serial,TRAFFIC,end,10.0,2021-10-27T19:20:40.000000Z\n", false},
		{"empty", "", false},
		{"blank", "\n\n", false},
	} {
		if got := Sniff([]byte(tc.text), "x.log"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// No other reader's test files are claimed by this one (their first 64 KiB, decompressed, as
// source.Open sniffs).
func TestSniffOthers(t *testing.T) {
	others, _ := filepath.Glob("../*/testdata/*")
	n := 0
	for _, name := range others {
		if strings.HasPrefix(name, "../panos/") {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			f.Close()
			continue
		}
		r, _, err := source.Decompress(f)
		if err != nil {
			f.Close()
			continue
		}
		head, _ := io.ReadAll(io.LimitReader(r, source.SniffSize))
		f.Close()
		n++
		if Sniff(head, filepath.Base(name)) {
			t.Errorf("%s: sniffed as PAN-OS", name)
		}
	}
	t.Logf("%d files of other readers checked", n)
}
