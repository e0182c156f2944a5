package m365

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// benchSize is about how large each benchmark's input is.
const benchSize = 16 << 20

// repeat builds an input of about benchSize from a fixture's records: head, the records
// joined by sep (repeated), tail. It returns the input and how many records it holds.
func repeat(recs []string, head, sep, tail string) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString(head)
	n := 0
	for b.Len() < benchSize {
		for _, r := range recs {
			if n > 0 {
				b.WriteString(sep)
			}
			b.WriteString(r)
			n++
		}
	}
	b.WriteString(tail)
	return b.Bytes(), n
}

// BenchmarkRead reads each shape from memory into a sink that does nothing, and beside it the
// baseline: encoding/json decoding the same bytes into map[string]any (the CSV through
// encoding/csv, AuditData into a map; Search-UnifiedAuditLog's AuditData strings into maps too).
func BenchmarkRead(b *testing.B) {
	l := strings.Split(strings.TrimSpace(fixture(b, "api.jsonl")), "\n")
	var pretty []string
	for _, r := range l {
		var v any
		json.Unmarshal([]byte(r), &v)
		p, _ := json.MarshalIndent(v, "  ", "  ")
		pretty = append(pretty, "  "+string(p))
	}
	sual := fixture(b, "sual.json")
	sualRecs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(sual), "[\n"), "\n]"), ",\n    {")
	for i := 1; i < len(sualRecs); i++ {
		sualRecs[i] = "    {" + sualRecs[i]
	}
	c := strings.Split(strings.TrimSpace(fixture(b, "export.csv")), "\n")

	type input struct {
		name string
		data []byte
		n    int
		base func(b *testing.B, data []byte)
	}
	jsonl, n1 := repeat(l, "", "\n", "\n")
	blob, n2 := repeat(l, "[", ",", "]\n")
	pr, n3 := repeat(pretty, "[\n", ",\n", "\n]\n")
	sj, n4 := repeat(sualRecs, "[\n", ",\n", "\n]\n")
	cs, n5 := repeat(c[1:], c[0]+"\n", "\n", "\n")
	for _, in := range []input{
		{"jsonl", jsonl, n1, baseLines},
		{"api-blob", blob, n2, baseDoc},
		{"api-pretty", pr, n3, baseDoc},
		{"sual-json", sj, n4, baseSUAL},
		{"csv", cs, n5, baseCSV},
	} {
		b.Run(in.name+"/reader", func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				var sink event.NopSink
				st := source.NewStats()
				err := Read(context.Background(), bytes.NewReader(in.data), source.FileInfo{Name: "bench"}, st, func(j source.Job) error {
					j.Run(sink, st)
					return nil
				})
				if err != nil || st.TotalSkipped() != 0 || st.Read[logType] != int64(in.n) {
					b.Fatal(err, st.Skipped, st.Read, in.n)
				}
			}
			b.ReportMetric(float64(in.n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(in.name+"/baseline", func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				in.base(b, in.data)
			}
			b.ReportMetric(float64(in.n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func baseLines(b *testing.B, data []byte) {
	for l := range bytes.SplitSeq(data, []byte{'\n'}) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func baseDoc(b *testing.B, data []byte) {
	var v []map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
}

func baseSUAL(b *testing.B, data []byte) {
	var v []map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
	for _, o := range v {
		var m map[string]any
		if err := json.Unmarshal([]byte(o["AuditData"].(string)), &m); err != nil {
			b.Fatal(err)
		}
	}
}

func baseCSV(b *testing.B, data []byte) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		b.Fatal(err)
	}
	for {
		fs, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(fs[5]), &m); err != nil {
			b.Fatal(err)
		}
	}
}
