package winxml

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// datasets is the shared folder of real data beside the repository.
var datasets = filepath.Join("..", "..", "..", "shared", "datasets")

// collector keeps deep copies of the host events it gets.
type collector struct {
	event.NopSink
	got []event.Host
}

func (c *collector) Host(e *event.Host) {
	cp := *e
	for _, s := range []*string{&cp.UID, &cp.Sensor, &cp.Log, &cp.Computer, &cp.CurrentDir, &cp.OriginalFileName, &cp.Hashes,
		&cp.Proto, &cp.DstHost, &cp.Query, &cp.QueryStatus, &cp.QueryResults, &cp.TargetFile,
		&cp.Proc.GUID, &cp.Proc.Image, &cp.Proc.CommandLine, &cp.Proc.User,
		&cp.Parent.GUID, &cp.Parent.Image, &cp.Parent.CommandLine, &cp.Parent.User} {
		*s = strings.Clone(*s)
	}
	c.got = append(c.got, cp)
}

// content renders an event as JSON without its position, to compare events of different
// shapes.
func content(e event.Host) string {
	e.Ref = event.Ref{}
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// readInput reads one input through source.Open and the format it sniffs, running the jobs in
// order.
func readInput(t testing.TB, in source.Input, skip event.KindSet) ([]event.Host, *source.Stats, error) {
	t.Helper()
	o, err := source.Open(in, nil)
	if err != nil {
		return nil, nil, err
	}
	defer o.Close()
	if o.Format.Name != "windows-xml" {
		t.Fatalf("%s: read as %s", in.Name, o.Format.Name)
	}
	var c collector
	st := source.NewStats()
	err = o.Format.Read(context.Background(), o.R, source.FileInfo{Name: in.Name, Skip: skip}, st, func(j source.Job) error {
		j.Run(&c, st)
		return nil
	})
	if err != nil {
		err = source.ReadError(o, err)
	}
	return c.got, st, err
}

// readBytes reads data as the file name, through sniffing.
func readBytes(t testing.TB, name string, data []byte) ([]event.Host, *source.Stats) {
	t.Helper()
	got, st, err := readInput(t, source.ReaderInput(name, bytes.NewReader(data)), 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return got, st
}

// readSmall reads data with small blocks and a small limit on events, without sniffing.
func readSmall(t testing.TB, data []byte, size, maxEvent int) ([]event.Host, *source.Stats) {
	t.Helper()
	var c collector
	st := source.NewStats()
	f := source.FileInfo{Name: "small.xml"}
	err := read(context.Background(), bytes.NewReader(data), f, st, func(j source.Job) error {
		j.Run(&c, st)
		return nil
	}, size, maxEvent)
	if err != nil {
		t.Fatal(err)
	}
	return c.got, st
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readFixture reads a fixture that must read without problems.
func readFixture(t *testing.T, name string) []event.Host {
	t.Helper()
	got, st := readBytes(t, name, fixture(t, name))
	if st.TotalSkipped() != 0 {
		t.Fatalf("%s: skipped %v: %s", name, st.Skipped, problems(st))
	}
	return got
}

func problems(st *source.Stats) string {
	var msgs []string
	for _, p := range st.Problems {
		msgs = append(msgs, p.String())
	}
	return strings.Join(msgs, "\n")
}

// toUTF16 encodes text as UTF-16, with a byte order mark when bom.
func toUTF16(text []byte, bigEndian, bom bool) []byte {
	var out []byte
	put := func(u uint16) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(string(text))) {
		put(u)
	}
	return out
}

func lines(got []event.Host) []uint32 {
	var l []uint32
	for _, e := range got {
		l = append(l, e.Ref.Line)
	}
	return l
}

// readAllOneByte decodes UTF-16LE read one byte at a time.
func readAllOneByte(in []byte) (string, error) {
	b, err := io.ReadAll(&utf16Reader{r: iotest.OneByteReader(bytes.NewReader(in))})
	return string(b), err
}

// jsonMarshal quotes s as JSON does (with '<' and '>' escaped).
func jsonMarshal(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func itoa(n int) string { return strconv.Itoa(n) }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
