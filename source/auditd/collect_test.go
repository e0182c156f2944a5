package auditd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// datasets is the shared datasets folder beside the repository.
var datasets = filepath.Join("..", "..", "..", "shared", "datasets")

// collector keeps deep copies of the host events it gets.
type collector struct {
	event.NopSink
	mu  sync.Mutex
	evs []event.Host
}

func (c *collector) Host(e *event.Host) {
	c.mu.Lock()
	c.evs = append(c.evs, clone(e))
	c.mu.Unlock()
}

// clone copies an event out of the reader's buffers.
func clone(e *event.Host) event.Host {
	x := *e
	x.Computer = strings.Clone(x.Computer)
	x.Proc.Image = strings.Clone(x.Proc.Image)
	x.Proc.CommandLine = strings.Clone(x.Proc.CommandLine)
	x.Proc.User = strings.Clone(x.Proc.User)
	x.CurrentDir = strings.Clone(x.CurrentDir)
	if x.Args != nil {
		x.Args = make(event.List, len(e.Args))
		for i, a := range e.Args {
			x.Args[i] = strings.Clone(a)
		}
	}
	return x
}

// readInput reads one input through source.Open and the format it sniffs as, running jobs in
// order; it fails the test when the format is not auditd.
func readInput(t testing.TB, in source.Input) ([]event.Host, *source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, nil, err
	}
	defer o.Close()
	if o.Format.Name != "auditd" {
		t.Fatalf("%s sniffed as %s", in.Name, o.Format.Name)
	}
	c := &collector{}
	st := source.NewStats()
	err = o.Format.Read(context.Background(), o.R, source.FileInfo{Name: in.Name}, st, func(j source.Job) error {
		j.Run(c, st)
		return nil
	})
	if err != nil {
		err = source.ReadError(o, err)
	}
	return c.evs, st, err
}

func readFile(t testing.TB, path string) ([]event.Host, *source.Stats) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	evs, st, err := readInput(t, source.FileInput(path, fi.Size()))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return evs, st
}

func readString(t testing.TB, name, text string) ([]event.Host, *source.Stats, error) {
	t.Helper()
	return readInput(t, source.ReaderInput(name, strings.NewReader(text)))
}

// readDirect runs Read on text without sniffing, in jobs of the given block size.
func readDirect(text []byte, sink event.Sink) *source.Stats {
	st := source.NewStats()
	_ = Read(context.Background(), strings.NewReader(string(text)), source.FileInfo{Name: "x"}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	return st
}

// withoutRef returns the events with Ref cleared, for comparing shapes.
func withoutRef(evs []event.Host) []event.Host {
	out := slices.Clone(evs)
	for i := range out {
		out[i].Ref = event.Ref{}
	}
	return out
}

func problems(st *source.Stats) []string {
	var out []string
	for _, p := range st.Problems {
		out = append(out, p.String())
	}
	return out
}
