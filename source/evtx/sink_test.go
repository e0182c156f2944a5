package evtx

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// datasets is the shared real-data folder beside the repository.
var datasets = filepath.Join("..", "..", "..", "shared", "datasets")

// hostSink collects copies of the host events it gets.
type hostSink struct{ hosts []event.Host }

func (*hostSink) Conn(*event.Conn)     {}
func (*hostSink) HTTP(*event.HTTP)     {}
func (*hostSink) DNS(*event.DNS)       {}
func (*hostSink) TLS(*event.TLS)       {}
func (*hostSink) File(*event.File)     {}
func (*hostSink) SMTP(*event.SMTP)     {}
func (*hostSink) FTP(*event.FTP)       {}
func (*hostSink) X509(*event.X509)     {}
func (*hostSink) Notice(*event.Notice) {}
func (s *hostSink) Host(e *event.Host) { s.hosts = append(s.hosts, *e) }
func (*hostSink) Cloud(*event.Cloud)   {}

// readAll runs Read and its jobs (in order, on one sink) over r.
func readAll(t testing.TB, name string, r io.Reader) (*hostSink, *source.Stats, error) {
	t.Helper()
	sink := &hostSink{}
	st := source.NewStats()
	f := source.FileInfo{ID: 1, Name: name}
	err := Read(context.Background(), r, f, st, func(j source.Job) error {
		js := source.NewStats()
		j.Run(sink, js)
		st.Merge(js)
		return nil
	})
	return sink, st, err
}

// realFile opens a file of the shared datasets, skipping the test when it is absent.
func realFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(datasets, rel))
	if err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", rel, err)
	}
	return b
}

// realEVTX lists the EVTX files of the shared datasets, skipping the test when there are none.
func realEVTX(t testing.TB) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(datasets, "sysmon-evtx", "*.evtx"))
	if len(m) == 0 {
		t.Skipf("real dataset sysmon-evtx not present (it lives in the shared datasets folder beside the repo)")
	}
	return m
}
