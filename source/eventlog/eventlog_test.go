package eventlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/all"
	"github.com/sluice-hunt/sluice/source/eventlog"
)

// collect keeps every event an input yields, in order, as (kind, position, event copy).
type rec struct {
	k   event.Kind
	pos uint32
	e   any
}

type collector struct {
	mu   sync.Mutex
	recs []rec
}

func (c *collector) add(k event.Kind, ref event.Ref, e any) {
	c.mu.Lock()
	c.recs = append(c.recs, rec{k, ref.Line, e})
	c.mu.Unlock()
}

func (c *collector) Conn(e *event.Conn)     { v := *e; c.add(event.KindConn, e.Ref, &v) }
func (c *collector) HTTP(e *event.HTTP)     { v := *e; c.add(event.KindHTTP, e.Ref, &v) }
func (c *collector) DNS(e *event.DNS)       { v := *e; c.add(event.KindDNS, e.Ref, &v) }
func (c *collector) TLS(e *event.TLS)       { v := *e; c.add(event.KindTLS, e.Ref, &v) }
func (c *collector) File(e *event.File)     { v := *e; c.add(event.KindFile, e.Ref, &v) }
func (c *collector) SMTP(e *event.SMTP)     { v := *e; c.add(event.KindSMTP, e.Ref, &v) }
func (c *collector) FTP(e *event.FTP)       { v := *e; c.add(event.KindFTP, e.Ref, &v) }
func (c *collector) X509(e *event.X509)     { v := *e; c.add(event.KindX509, e.Ref, &v) }
func (c *collector) Notice(e *event.Notice) { v := *e; c.add(event.KindNotice, e.Ref, &v) }
func (c *collector) Host(e *event.Host)     { v := *e; c.add(event.KindHost, e.Ref, &v) }
func (c *collector) Cloud(e *event.Cloud)   { v := *e; c.add(event.KindCloud, e.Ref, &v) }

func readInput(t testing.TB, in source.Input) []rec {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	c := &collector{}
	st := source.NewStats()
	if err := o.Format.Read(context.Background(), o.R, source.FileInfo{ID: 0, Name: in.Name}, st, func(j source.Job) error {
		j.Run(c, source.NewStats())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c.recs
}

// Every event of the sample logs (Zeek, Sysmon, auditd, cloud audit logs, a packet capture)
// written to an event log and read back is the same event at the same position.
func TestRoundTrip(t *testing.T) {
	var files []string
	for _, dir := range []string{"zeek", "host", "cloud", "pcap"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
		sub, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*", "*"))
		files = append(append(files, m...), sub...)
	}
	n := 0
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || !st.Mode().IsRegular() || filepath.Ext(f) == ".md" {
			continue
		}
		orig := readInput(t, source.FileInput(f, st.Size()))
		b := []byte(eventlog.Header(f))
		for _, r := range orig {
			if b, err = eventlog.Encode(b, r.k, r.pos, r.e); err != nil {
				t.Fatal(err)
			}
		}
		back := readInput(t, source.ReaderInput("events", bytes.NewReader(b)))
		if len(back) != len(orig) {
			t.Fatalf("%s: %d events back of %d", f, len(back), len(orig))
		}
		for i := range orig {
			a, z := orig[i], back[i]
			clearRef(a.e)
			clearRef(z.e)
			if a.k != z.k || a.pos != z.pos || !reflect.DeepEqual(a.e, z.e) {
				ja, _ := json.Marshal(a.e)
				jz, _ := json.Marshal(z.e)
				t.Fatalf("%s: event %d differs:\n%s\n%s", f, i, ja, jz)
			}
			n++
		}
	}
	if n < 10000 {
		t.Errorf("only %d events compared", n)
	}
}

// clearRef zeroes an event's Ref (the file index differs between the two reads).
func clearRef(e any) {
	v := reflect.ValueOf(e).Elem().FieldByName("Ref")
	v.Set(reflect.Zero(v.Type()))
}

// Strings that are bytes, not text, come back byte for byte.
func TestBytesRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", `C:\Windows\System32`, "J\xe4germeister", "\xff\xfe\\x41", `\x41`, "é\\", ""} {
		e := &event.DNS{Query: s, Answers: event.List{s, "ok"}}
		b, err := eventlog.Encode(nil, event.KindDNS, 1, e)
		if err != nil {
			t.Fatal(err)
		}
		_, _, back, err := eventlog.Decode(bytes.TrimSuffix(b, []byte("\n")))
		if err != nil {
			t.Fatal(err)
		}
		d := back.(*event.DNS)
		if d.Query != s || d.Answers[0] != s || d.Answers[1] != "ok" || e.Query != s {
			t.Errorf("%q came back as %q, %q", s, d.Query, d.Answers)
		}
	}
}

// BenchmarkDecode decodes the lines of the Zeek sample logs (conn, dns, http, ssl, files ...)
// written as an event log: the cost of each event a hunt in ClickHouse streams back.
func BenchmarkDecode(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "zeek", "*.log*"))
	var lines [][]byte
	var size int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range readInput(b, source.FileInput(f, st.Size())) {
			line, err := eventlog.Encode(nil, r.k, r.pos, r.e)
			if err != nil {
				b.Fatal(err)
			}
			line = bytes.TrimSuffix(line, []byte("\n"))
			lines = append(lines, line)
			size += int64(len(line))
		}
	}
	if len(lines) == 0 {
		b.Fatal("no sample lines")
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, l := range lines {
			if _, _, _, err := eventlog.Decode(l); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEncode writes the events of the Zeek sample logs as event log lines: the cost of
// each event `sluice ingest` stores.
func BenchmarkEncode(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "zeek", "*.log*"))
	var recs []rec
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, readInput(b, source.FileInput(f, st.Size()))...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var line []byte
	for range b.N {
		for _, r := range recs {
			var err error
			if line, err = eventlog.Encode(line[:0], r.k, r.pos, r.e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "events/s")
}
