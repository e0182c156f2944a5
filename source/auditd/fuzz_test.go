package auditd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

type checkSink struct {
	event.NopSink
	t     *testing.T
	lines uint32
	n     int
}

func (c *checkSink) Host(e *event.Host) {
	c.n++
	if e.Ref.Line == 0 || e.Ref.Line > c.lines {
		c.t.Fatalf("event at line %d of %d", e.Ref.Line, c.lines)
	}
	if e.Op != event.OpProcess && e.Op != event.OpConnect || e.Log != "auditd" {
		c.t.Fatalf("event %+v", e)
	}
	if e.Op == event.OpConnect && (!e.Dst.IsValid() || e.Initiated != 1) {
		c.t.Fatalf("connect without a destination: %+v", e)
	}
	_ = e.Proc.CommandLine + e.Proc.Image + e.Computer + e.CurrentDir
	for _, a := range e.Args {
		_ = len(a)
	}
}

// FuzzRead feeds arbitrary bytes through Sniff, Read (as raw and JSON lines, in jobs) and
// Records: no panic, events only on lines that exist, connects with a destination.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 8<<10 {
			f.Add(b)
		}
		lines := bytes.SplitAfter(b, []byte{'\n'})
		for i := 0; i+6 <= len(lines); i += 5 { // runs of lines: parts of events
			f.Add(bytes.Join(lines[i:i+6], nil))
		}
	}
	f.Add([]byte(lineExecve + "type=EXECVE msg=audit(1700000000.000:1): argc=2 a0=\"x\" a1_len=4 a1[0]=4142 a1[1]=\"CD\"\n" + eoe))
	f.Add([]byte(`{"ID":"1.1:1","SYSCALL":{"arch":"0xc000003e","syscall":42},"SOCKADDR":[{"saddr":"%0a%00%00P` + "\x00" + `"},{"SADDR":"{ saddr_fam=inet6 laddr=::1 lport=80 }"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		Sniff(data, "x")
		lines := uint32(bytes.Count(data, []byte{'\n'}) + 1)
		sink := &checkSink{t: t, lines: lines}
		st := readDirect(data, sink)
		if int64(sink.n) != st.Read["auditd"] {
			t.Fatalf("%d events, read %v", sink.n, st.Read)
		}
		for _, p := range st.Problems {
			if p.Line == 0 || p.Line > lines {
				t.Fatalf("problem at line %d of %d: %s", p.Line, lines, p.Msg)
			}
		}
		// one job over everything, as Run sees a block
		(&job{f: source.FileInfo{Name: "x"}, parts: []part{{data, 1}}}).Run(&checkSink{t: t, lines: lines}, source.NewStats())
		if _, err := Records(bytes.NewReader(data), []uint32{1, 2, 3, lines}); err != nil {
			t.Fatal(err)
		}
	})
}
