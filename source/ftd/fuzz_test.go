package ftd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// checkSink checks every event it gets against the input it came from.
type checkSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	conns int
	last  event.Ref
}

func (c *checkSink) meta(m event.Meta, f event.Flow) {
	if m.Ref.Line < 1 || m.Ref.Line > c.lines {
		c.t.Fatalf("record at line %d of a %d-line input", m.Ref.Line, c.lines)
	}
	if !f.Src.IsValid() || !f.Dst.IsValid() || m.TS < 0 {
		c.t.Fatalf("src %v dst %v ts %d", f.Src, f.Dst, m.TS)
	}
}

func (c *checkSink) Conn(e *event.Conn) {
	c.meta(e.Meta, e.Flow)
	c.conns++
	if e.Ref.Line <= c.last.Line && c.conns > 1 {
		c.t.Fatalf("conn of line %d after line %d", e.Ref.Line, c.last.Line)
	}
	c.last = e.Ref
	for _, n := range []int64{int64(e.Duration), e.OrigBytes, e.RespBytes, e.OrigPkts, e.RespPkts, e.OrigIPBytes, e.RespIPBytes} {
		if n < event.Unset {
			c.t.Fatalf("negative count in %+v", e)
		}
	}
	if e.OrigBytes != e.OrigIPBytes || e.RespBytes != e.RespIPBytes {
		c.t.Fatalf("bytes %+v", e)
	}
}

func (c *checkSink) HTTP(e *event.HTTP) {
	c.meta(e.Meta, e.Flow)
	if e.Ref != c.last || e.StatusCode != event.Unset && (e.StatusCode < 100 || e.StatusCode > 999) {
		c.t.Fatalf("http %+v after conn of %v", e, c.last)
	}
	if e.URL != "" && e.URI == "" {
		c.t.Fatalf("url %q without uri", e.URL)
	}
}

func (c *checkSink) TLS(e *event.TLS) {
	c.meta(e.Meta, e.Flow)
	if e.Ref != c.last || e.ServerName == "" {
		c.t.Fatalf("tls %+v after conn of %v", e, c.last)
	}
}

func (c *checkSink) DNS(e *event.DNS) {
	c.meta(e.Meta, e.Flow)
	if e.Ref != c.last || e.Query == "" {
		c.t.Fatalf("dns %+v after conn of %v", e, c.last)
	}
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// FuzzRead feeds arbitrary bytes through sniffing and the reader (with and without sniffing,
// parsing and only counting): no panic, no record beyond the input's lines, no impossible
// values, every line counted once.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.log")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, l := range bytes.Split(data, []byte{'\n'}) {
			f.Add(l)
		}
	}
	f.Add([]byte("<134>Mar 20 12:34:56 ftd1 : %FTD-1-430002: AccessControlRuleAction: Block, SrcIP: ::1, DstIP: ::2, Protocol: 58, ICMPType: Echo Request"))
	f.Add([]byte("%ASA-x-6-430003: Tunnel or Prefilter Rule: , SrcIP: 1.2.3.4, DstIP: 1.2.3.5, URL: [::1]:80, ReferencedHost: [::"))
	f.Add([]byte("Dec 31 23:59:59 %FTD-1-430003: SrcIP: 1.2.3.4, DstIP: 1.2.3.5, ConnectionDuration: 99999999999, DNSQuery: x, DNSRecordType: 65535"))
	all := event.KindSet(0).With(event.KindConn).With(event.KindHTTP).With(event.KindDNS).With(event.KindTLS)
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		c := &checkSink{t: t, lines: lines}
		st := readDirect(t, "ftd.log", string(data), 0, c)
		if int64(c.conns) != st.Read[logType] {
			t.Fatalf("%d conns, %d counted", c.conns, st.Read[logType])
		}
		counted := readDirect(t, "ftd.log", string(data), all, c)
		if total(counted.Read)+total(counted.Ignored)+counted.TotalSkipped() != total(st.Read)+total(st.Ignored)+st.TotalSkipped() {
			t.Fatalf("counted %v %v %v, parsed %v %v %v", counted.Read, counted.Ignored, counted.Skipped, st.Read, st.Ignored, st.Skipped)
		}
		if Sniff(data, "ftd.log") {
			c2 := &checkSink{t: t, lines: lines}
			if _, err := readAll(t, source.ReaderInput("ftd.log", bytes.NewReader(data)), 0, c2); err != nil {
				t.Fatal(err)
			}
			if c2.conns != c.conns {
				t.Fatalf("%d conns through Open, %d directly", c2.conns, c.conns)
			}
		}
	})
}
