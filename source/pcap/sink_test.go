package pcap

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// datasets is the shared real-data folder beside the repository.
var datasets = filepath.Join("..", "..", "..", "shared", "datasets")

// sink keeps copies of the events it gets.
type sink struct {
	conns []event.Conn
	https []event.HTTP
	dnss  []event.DNS
	tlss  []event.TLS
	files []event.File
	smtps []event.SMTP
	ftps  []event.FTP
}

func (s *sink) Conn(e *event.Conn) { s.conns = append(s.conns, *e) }
func (s *sink) HTTP(e *event.HTTP) { s.https = append(s.https, *e) }
func (s *sink) DNS(e *event.DNS)   { s.dnss = append(s.dnss, *e) }
func (s *sink) TLS(e *event.TLS)   { s.tlss = append(s.tlss, *e) }
func (s *sink) File(e *event.File) { s.files = append(s.files, *e) }
func (s *sink) SMTP(e *event.SMTP) { s.smtps = append(s.smtps, *e) }
func (s *sink) FTP(e *event.FTP)   { s.ftps = append(s.ftps, *e) }
func (*sink) X509(*event.X509)     {}
func (*sink) Notice(*event.Notice) {}
func (*sink) Host(*event.Host)     {}
func (*sink) Cloud(*event.Cloud)   {}

// readBytes runs Read and its jobs (in order, on one sink) over a capture's bytes.
func readBytes(t testing.TB, name string, b []byte, opt Options) (*sink, *source.Stats, error) {
	t.Helper()
	s := &sink{}
	st := source.NewStats()
	f := source.FileInfo{ID: 1, Name: name}
	err := ReadOptions(context.Background(), bytes.NewReader(b), f, st, func(j source.Job) error {
		js := source.NewStats()
		j.Run(s, js)
		st.Merge(js)
		return nil
	}, opt)
	return s, st, err
}

// realCapture reads a capture of the shared datasets, skipping the test when it is absent.
func realCapture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(datasets, rel))
	if err != nil {
		t.Skipf("real dataset %s not present (it lives in the shared datasets folder beside the repo): %v", rel, err)
	}
	return b
}
