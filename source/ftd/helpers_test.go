package ftd

import (
	"context"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// collector keeps copies of the events it gets, in order. The reader reuses its events; the
// strings view read blocks, which are never written again.
type collector struct {
	event.NopSink
	mu   sync.Mutex
	conn []event.Conn
	http []event.HTTP
	dns  []event.DNS
	tls  []event.TLS
	all  []string // the kinds in the order they came
}

func (c *collector) Conn(e *event.Conn) {
	c.mu.Lock()
	c.conn = append(c.conn, *e)
	c.all = append(c.all, "conn")
	c.mu.Unlock()
}

func (c *collector) HTTP(e *event.HTTP) {
	c.mu.Lock()
	c.http = append(c.http, *e)
	c.all = append(c.all, "http")
	c.mu.Unlock()
}

func (c *collector) DNS(e *event.DNS) {
	c.mu.Lock()
	c.dns = append(c.dns, *e)
	c.all = append(c.all, "dns")
	c.mu.Unlock()
}

func (c *collector) TLS(e *event.TLS) {
	c.mu.Lock()
	c.tls = append(c.tls, *e)
	c.all = append(c.all, "tls")
	c.mu.Unlock()
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
	if o.Format.Name != "ftd" {
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

// readDirect reads text with Read, without sniffing.
func readDirect(t testing.TB, name, text string, skip event.KindSet, sink event.Sink) *source.Stats {
	t.Helper()
	st := source.NewStats()
	err := Read(context.Background(), strings.NewReader(text), source.FileInfo{Name: name, Skip: skip}, st, func(j source.Job) error {
		j.Run(sink, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func readFixture(t *testing.T, name string) (*collector, *source.Stats) {
	t.Helper()
	path := "testdata/" + name
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	st, err := readAll(t, source.FileInput(path, fi.Size()), 0, &c)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalSkipped() != 0 || len(st.Problems) != 0 {
		t.Fatalf("%s: skipped %v, problems %v", name, st.Skipped, st.Problems)
	}
	if st.Read[logType] != int64(len(c.conn)) {
		t.Errorf("%s: counted %d connection records, got %d conn events", name, st.Read[logType], len(c.conn))
	}
	return &c, st
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

func utc(s string) event.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return event.FromStd(t)
}

func secs(n int64) event.Duration { return event.Duration(n * 1_000_000) }

// conn builds an expected connection.
func conn(line uint32, ts, sensor, src string, sport uint16, dst string, dport uint16, proto, service string) event.Conn {
	c := blankConn
	c.Ref = event.Ref{Line: line}
	c.TS, c.Sensor = utc(ts), sensor
	c.Src, c.SrcPort, c.Dst, c.DstPort = addr(src), sport, addr(dst), dport
	c.Proto, c.Service = proto, service
	return c
}

// counts sets the duration (Unset when negative) and the counts of a connection.
func counts(c event.Conn, dur int64, ob, rb, op, rp int64) event.Conn {
	c.Duration = event.Unset
	if dur >= 0 {
		c.Duration = secs(dur)
	}
	c.OrigBytes, c.OrigIPBytes, c.RespBytes, c.RespIPBytes, c.OrigPkts, c.RespPkts = ob, ob, rb, rb, op, rp
	return c
}

func policy(c event.Conn, action, rule, user string) event.Conn {
	c.Action, c.Rule, c.User = action, rule, user
	return c
}

// httpOf builds the expected HTTP event of a connection.
func httpOf(c event.Conn, host, url, uri, ua, ref string, status int64) event.HTTP {
	h := blankHTTP
	h.Meta, h.Flow = c.Meta, c.Flow
	h.Host, h.URL, h.URI, h.UserAgent, h.Referrer, h.StatusCode = host, url, uri, ua, ref, status
	h.Username, h.Action = c.User, c.Action
	return h
}

func tlsOf(c event.Conn, name, version, cipher string, established bool) event.TLS {
	return event.TLS{Meta: c.Meta, Flow: c.Flow, ServerName: name, Version: version, Cipher: cipher, Established: established}
}

func dnsOf(c event.Conn, query string, qtype int64, qname string, rcode int64, rname string) event.DNS {
	d := blankDNS
	d.Meta, d.Flow, d.Proto = c.Meta, c.Flow, c.Proto
	d.Query, d.QType, d.QTypeName, d.RCode, d.RCodeName = query, qtype, qname, rcode, rname
	return d
}

func compare[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s event %d:\n got %+v\nwant %+v", what, i+1, got[i], want[i])
		}
	}
}

func fileInputOf(t testing.TB, path string) source.Input {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return source.FileInput(path, fi.Size())
}
