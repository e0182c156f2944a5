package eventlog_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/eventlog"
)

// FuzzDecode: a line of any bytes decodes or fails, never panics; a line that decodes is
// valid JSON, and its event written again decodes to the same event at the same position.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "zeek", "*.log*"))
	for _, name := range files {
		st, err := os.Stat(name)
		if err != nil {
			f.Fatal(err)
		}
		for i, r := range readInput(f, source.FileInput(name, st.Size())) {
			if i%50 != 0 {
				continue
			}
			line, err := eventlog.Encode(nil, r.k, r.pos, r.e)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(bytes.TrimSuffix(line, []byte("\n")))
		}
	}
	f.Add([]byte(`{"k":"dns","l":007,"e":{}}`))
	f.Add([]byte(`{"e":{},"l":7,"k":"dns"}`))
	f.Add([]byte(`{"k":"conn","l":1,"e":{"Query":"a\\xff"}} `))
	f.Fuzz(func(t *testing.T, line []byte) {
		k, pos, e, err := eventlog.Decode(line)
		if err != nil {
			return
		}
		if !json.Valid(line) {
			t.Fatalf("decoded a line that is not JSON: %q", line)
		}
		again, err := eventlog.Encode(nil, k, pos, e)
		if err != nil {
			t.Fatal(err)
		}
		k2, pos2, e2, err := eventlog.Decode(bytes.TrimSuffix(again, []byte("\n")))
		if err != nil {
			t.Fatalf("%q written again as %q: %v", line, again, err)
		}
		if k2 != k || pos2 != pos || !reflect.DeepEqual(e, e2) {
			t.Fatalf("%q: %v %d %+v came back as %v %d %+v", line, k, pos, e, k2, pos2, e2)
		}
	})
}
