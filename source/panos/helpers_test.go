package panos

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const datasets = "../../../shared/datasets"

// dataset returns the path of a real dataset, skipping the test when the shared datasets
// folder is not beside the repository.
func dataset(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(datasets, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", name, err)
	}
	return p
}

// collector keeps deep copies of the events it gets.
type collector struct {
	mu     sync.Mutex
	conns  []event.Conn
	https  []event.HTTP
	files  []event.File
	notes  []event.Notice
	other  int
	jsonOf map[event.Ref]string
}

// deep copies an event through JSON (strings alias the read block, lists the parser's arrays).
func deep[T any](v *T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func (c *collector) Conn(e *event.Conn) {
	c.mu.Lock()
	c.conns = append(c.conns, deep(e))
	c.mu.Unlock()
}
func (c *collector) HTTP(e *event.HTTP) {
	c.mu.Lock()
	c.https = append(c.https, deep(e))
	c.mu.Unlock()
}
func (c *collector) File(e *event.File) {
	c.mu.Lock()
	c.files = append(c.files, deep(e))
	c.mu.Unlock()
}
func (c *collector) Notice(e *event.Notice) {
	c.mu.Lock()
	c.notes = append(c.notes, deep(e))
	c.mu.Unlock()
}
func (c *collector) DNS(*event.DNS)     { c.other++ }
func (c *collector) TLS(*event.TLS)     { c.other++ }
func (c *collector) SMTP(*event.SMTP)   { c.other++ }
func (c *collector) FTP(*event.FTP)     { c.other++ }
func (c *collector) X509(*event.X509)   { c.other++ }
func (c *collector) Host(*event.Host)   { c.other++ }
func (c *collector) Cloud(*event.Cloud) { c.other++ }

func (c *collector) total() int {
	return len(c.conns) + len(c.https) + len(c.files) + len(c.notes) + c.other
}

// readAll reads one input through source.Open (sniffing included) and its format, running the
// jobs in order.
func readAll(t testing.TB, in source.Input, skip event.KindSet, sink event.Sink) (*source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	if o.Format.Name != "panos" {
		t.Fatalf("%s sniffed as %s", in.Name, o.Format.Name)
	}
	st := source.NewStats()
	err = o.Format.Read(context.Background(), o.R, source.FileInfo{Name: in.Name, Skip: skip}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		err = source.ReadError(o, err)
	}
	return st, err
}

func readFile(t testing.TB, path string, skip event.KindSet, sink event.Sink) *source.Stats {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := readAll(t, source.FileInput(path, fi.Size()), skip, sink)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// readDirect reads text with Read, without sniffing, in blocks of the given size (0: the
// default).
func readDirect(t testing.TB, text string, sink event.Sink) *source.Stats {
	t.Helper()
	st := source.NewStats()
	err := Read(context.Background(), strings.NewReader(text), source.FileInfo{Name: "panos.log"}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func problems(st *source.Stats) string {
	var msgs []string
	for _, p := range st.Problems {
		msgs = append(msgs, p.String())
	}
	return strings.Join(msgs, "\n")
}
