package evtx

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/source"
)

// FuzzRead reads arbitrary bytes as an EVTX file: it must never panic nor hang, report each
// problem with the file's name, and read back every event it emits through the Records hook.
// With EVTX_WATCHDOG set, an input that takes more than 5 s crashes the worker, so that the
// fuzzer keeps it. Inputs are a chunk or more: run with -fuzzminimizetime 5s or so, else the
// fuzzer spends a minute minimizing each new input.
func FuzzRead(f *testing.F) {
	s := sample()
	f.Add(s)
	f.Add(s[:headerBlockSize+chunkSize+3000]) // cut in the second chunk
	f.Add(s[:headerBlockSize+700])            // cut in the first record
	f.Add(s[:headerBlockSize+100])            // cut in the chunk header
	f.Add([]byte(fileMagic))
	m, _ := filepath.Glob(filepath.Join(datasets, "sysmon-evtx", "*.evtx"))
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), headerBlockSize+chunkSize)]) // the first chunk
		}
	}
	if b, err := readLibraryLog(); err == nil {
		f.Add(b[:headerBlockSize+2*chunkSize]) // Security events, UserData
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if os.Getenv("EVTX_WATCHDOG") != "" {
			w := time.AfterFunc(5*time.Second, func() { panic("slow input") })
			defer w.Stop()
		}
		sink, st, err := readAll(t, "fuzz.evtx", bytes.NewReader(data))
		if err != nil {
			if len(data) >= headerBlockSize && bytes.HasPrefix(data, []byte(fileMagic)) {
				t.Fatalf("error after a whole header: %v", err)
			}
			return
		}
		for _, p := range st.Problems {
			if p.File != "fuzz.evtx" || !strings.Contains(p.String(), "fuzz.evtx") || strings.Contains(p.Msg, "panic") {
				t.Fatalf("problem %+v", p)
			}
		}
		if len(sink.hosts) == 0 {
			return
		}
		var pos []uint32
		for _, h := range sink.hosts {
			if len(pos) > 0 && h.Ref.Line <= pos[len(pos)-1] {
				t.Fatalf("positions out of order: %d after %d", h.Ref.Line, pos[len(pos)-1])
			}
			pos = append(pos, h.Ref.Line)
		}
		texts, err := Records(bytes.NewReader(data), pos)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pos {
			if !strings.HasPrefix(texts[p], `{"Event":{`) {
				t.Fatalf("record %d: no text (%q)", p, texts[p])
			}
		}
	})
}

// Read stops with an error, never a panic, on a header it cannot read.
func TestReadHeaderErrors(t *testing.T) {
	err := Read(context.Background(), bytes.NewReader([]byte("NotEvtx!"+strings.Repeat("\x00", 5000))), source.FileInfo{Name: "x"}, source.NewStats(),
		func(source.Job) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not an evtx file") {
		t.Fatal(err)
	}
}
