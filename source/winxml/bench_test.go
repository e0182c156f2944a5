package winxml

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

const benchEvents = 100_000

// benchFile writes a file of about 100k events: the fixture's seven (six host events, one
// ignored) over and over, in the fixture's shape.
func benchFile(b *testing.B, name string, utf16 bool) (string, int) {
	data := fixture(b, name)
	var head, tail []byte
	var units [][]byte
	if name == "events.xml" {
		locs := regexp.MustCompile(`(?s)<Event .*?</Event>\n`).FindAllIndex(data, -1)
		head, tail = data[:locs[0][0]], data[locs[len(locs)-1][1]:]
		for _, l := range locs {
			units = append(units, data[l[0]:l[1]])
		}
	} else {
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if bytes.Contains(l, []byte("<Event")) {
				units = append(units, l)
			}
		}
	}
	var out bytes.Buffer
	out.Write(head)
	n := 0
	for n < benchEvents {
		for _, u := range units {
			out.Write(u)
			n++
		}
	}
	out.Write(tail)
	text := out.Bytes()
	if utf16 {
		text = toUTF16(text, false, true)
	}
	p := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(p, text, 0o644); err != nil {
		b.Fatal(err)
	}
	return p, n
}

// BenchmarkRead reads about 100k events from a file in each shape, the jobs run in turn into a
// sink that does nothing.
func BenchmarkRead(b *testing.B) {
	for _, c := range []struct {
		name  string
		utf16 bool
	}{{"events.xml", false}, {"oneline.xml", false}, {"splunk_export.json", false}, {"oneline.xml", true}} {
		label := c.name
		if c.utf16 {
			label += "/utf16"
		}
		b.Run(label, func(b *testing.B) {
			p, n := benchFile(b, c.name, c.utf16)
			fi, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				f, err := os.Open(p)
				if err != nil {
					b.Fatal(err)
				}
				var sink event.NopSink
				st := source.NewStats()
				err = Read(context.Background(), f, source.FileInfo{Name: c.name}, st, func(j source.Job) error {
					j.Run(sink, st)
					return nil
				})
				f.Close()
				if err != nil || st.TotalSkipped() != 0 || st.Read["sysmon"]+st.Read["security"]+st.Ignored["sysmon"] != int64(n) {
					b.Fatal(err, st.Skipped, st.Read, st.Ignored)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkEncodingXML is the yardstick the hand-written scanner was measured against:
// encoding/xml only tokenizing the same one-event-a-line file.
func BenchmarkEncodingXML(b *testing.B) {
	p, n := benchFile(b, "oneline.xml", false)
	fi, _ := os.Stat(p)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		d := xml.NewDecoder(f)
		for {
			if _, err = d.RawToken(); err != nil {
				break
			}
		}
		f.Close()
		if err != io.EOF {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
