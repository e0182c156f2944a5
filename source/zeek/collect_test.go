package zeek

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// collector keeps deep copies of the events it gets, as JSON lines, so that tests can compare
// events from different files and formats.
type collector struct {
	mu   sync.Mutex
	recs map[event.Kind][]string
}

func newCollector() *collector { return &collector{recs: map[event.Kind][]string{}} }

func (c *collector) add(k event.Kind, v any, ref *event.Ref, sensor *string) {
	saved, savedSensor := *ref, *sensor
	*ref, *sensor = event.Ref{}, "" // compare content, not position
	b, err := json.Marshal(v)
	*ref, *sensor = saved, savedSensor
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.recs[k] = append(c.recs[k], string(b))
	c.mu.Unlock()
}

func (c *collector) Conn(e *event.Conn)     { c.add(event.KindConn, e, &e.Ref, &e.Sensor) }
func (c *collector) HTTP(e *event.HTTP)     { c.add(event.KindHTTP, e, &e.Ref, &e.Sensor) }
func (c *collector) DNS(e *event.DNS)       { c.add(event.KindDNS, e, &e.Ref, &e.Sensor) }
func (c *collector) TLS(e *event.TLS)       { c.add(event.KindTLS, e, &e.Ref, &e.Sensor) }
func (c *collector) File(e *event.File)     { c.add(event.KindFile, e, &e.Ref, &e.Sensor) }
func (c *collector) SMTP(e *event.SMTP)     { c.add(event.KindSMTP, e, &e.Ref, &e.Sensor) }
func (c *collector) FTP(e *event.FTP)       { c.add(event.KindFTP, e, &e.Ref, &e.Sensor) }
func (c *collector) X509(e *event.X509)     { c.add(event.KindX509, e, &e.Ref, &e.Sensor) }
func (c *collector) Notice(e *event.Notice) { c.add(event.KindNotice, e, &e.Ref, &e.Sensor) }
func (c *collector) Host(e *event.Host)     { c.add(event.KindHost, e, &e.Ref, &e.Sensor) }
func (c *collector) Cloud(e *event.Cloud)   { c.add(event.KindCloud, e, &e.Ref, &e.Sensor) }

// readAll reads one input through source.Open and its format, running jobs in order.
func readAll(t testing.TB, in source.Input, sink event.Sink) (*source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	st := source.NewStats()
	err = o.Format.Read(context.Background(), o.R, source.FileInfo{Name: in.Name}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		err = source.ReadError(o, err)
	}
	return st, err
}

func readString(t testing.TB, name, text string, sink event.Sink) (*source.Stats, error) {
	return readAll(t, source.ReaderInput(name, strings.NewReader(text)), sink)
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

var _ = netip.Addr{}
