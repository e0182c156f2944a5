package squid

import (
	"context"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// collector keeps deep copies of the HTTP events it gets.
type collector struct {
	event.NopSink
	mu  sync.Mutex
	got []event.HTTP
}

func (c *collector) HTTP(e *event.HTTP) {
	cp := *e
	for _, s := range []*string{&cp.UID, &cp.Sensor, &cp.Method, &cp.Host, &cp.URI, &cp.Referrer, &cp.Version,
		&cp.UserAgent, &cp.Username, &cp.URL, &cp.Action} {
		*s = strings.Clone(*s)
	}
	if e.RespMimeTypes != nil {
		cp.RespMimeTypes = event.List{}
		for _, m := range e.RespMimeTypes {
			cp.RespMimeTypes = append(cp.RespMimeTypes, strings.Clone(m))
		}
	}
	c.mu.Lock()
	c.got = append(c.got, cp)
	c.mu.Unlock()
}

// readAll reads one input through source.Open (sniffing included) and its format, running the
// jobs in order.
func readAll(t testing.TB, in source.Input, sink event.Sink) (*source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	if o.Format.Name != "squid" {
		t.Fatalf("%s sniffed as %s", in.Name, o.Format.Name)
	}
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

// readDirect reads text with Read, without sniffing.
func readDirect(t testing.TB, name, text string, sink event.Sink) *source.Stats {
	t.Helper()
	st := source.NewStats()
	err := Read(context.Background(), strings.NewReader(text), source.FileInfo{Name: name}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func readFixture(t *testing.T, name string) []event.HTTP {
	t.Helper()
	path := "testdata/" + name
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(path, fi.Size()), &c)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(st.Problems) != 0 {
		t.Fatalf("%s: skipped %v, problems %v", name, st.Skipped, st.Problems)
	}
	if st.Read["http"] != int64(len(c.got)) {
		t.Errorf("%s: counted %d http records, got %d events", name, st.Read["http"], len(c.got))
	}
	return c.got
}

func problems(st *source.Stats) string {
	var msgs []string
	for _, p := range st.Problems {
		msgs = append(msgs, p.String())
	}
	return strings.Join(msgs, "\n")
}

func addr(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	return netip.MustParseAddr(s)
}

// rec builds an expected event from the fields every record has.
func rec(line uint32, ts event.Time, src, dst string, port uint16, method, url, host, uri string, status, size int64, action string) event.HTTP {
	e := blank
	e.Ref = event.Ref{Line: line}
	e.TS = ts
	e.Src, e.Dst, e.DstPort = addr(src), addr(dst), port
	e.Method, e.URL, e.Host, e.URI = method, url, host, uri
	e.StatusCode, e.RespBytes, e.Action = status, size, action
	return e
}

func mime(e event.HTTP, m string) event.HTTP {
	e.RespMimeTypes = event.List{m}
	return e
}

func with(e event.HTTP, f func(*event.HTTP)) event.HTTP {
	f(&e)
	return e
}

func compare(t *testing.T, name string, got, want []event.HTTP) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !equal(got[i], want[i]) {
			t.Errorf("%s record %d:\n got %+v\nwant %+v", name, i+1, got[i], want[i])
		}
	}
}

func equal(a, b event.HTTP) bool { return reflect.DeepEqual(a, b) }
