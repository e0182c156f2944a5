package clickhouse

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"
)

const connTable = `CREATE TABLE conn (
	ts DateTime, uid String, src String, sport UInt16, dst String, dport UInt16,
	proto String, duration Float64, orig_bytes UInt64, resp_bytes UInt64
) ENGINE = MergeTree ORDER BY (src, ts)`

var connColumns = []string{"ts", "uid", "src", "sport", "dst", "dport", "proto", "duration", "orig_bytes", "resp_bytes"}

// writeConn writes a Zeek-conn-like row.
func writeConn(w *RowWriter, i int, base time.Time) {
	w.DateTime(base.Add(time.Duration(i) * time.Millisecond))
	w.String("C" + strconv.Itoa(1000000+i))
	w.String("10.0.0." + strconv.Itoa(i%250))
	w.Uint(uint64(49152 + i%16000))
	w.String("192.0.2." + strconv.Itoa(i%97))
	w.Uint(443)
	w.String("tcp")
	w.Float(float64(i%1000) / 7)
	w.Uint(uint64(i * 13 % 100000))
	w.Uint(uint64(i * 7 % 1000000))
}

// BenchmarkInsert measures rows per second of Zeek-conn-like rows (10 columns) into a
// MergeTree table on a local server, in inserts of up to 100,000 rows, with and without gzip.
func BenchmarkInsert(b *testing.B) {
	c, _ := startClient(b)
	ctx := context.Background()
	if err := c.Exec(ctx, connTable); err != nil {
		b.Fatal(err)
	}
	base := time.Unix(1700000000, 0)
	for _, compress := range []bool{true, false} {
		name := "gzip"
		if !compress {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			c.Compress = compress
			b.ReportAllocs()
			n := b.N
			for done := 0; done < n; {
				batch := min(n-done, 100_000)
				err := c.Insert(ctx, "conn", connColumns, func(w *RowWriter) error {
					for i := range batch {
						writeConn(w, done+i, base)
						if err := w.EndRow(); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				done += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRowWriter is the client's share of an insert: encoding rows, no server.
func BenchmarkRowWriter(b *testing.B) {
	w := &RowWriter{w: io.Discard, buf: make([]byte, 0, rowWriterFlush+4096)}
	base := time.Unix(1700000000, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		writeConn(w, i, base)
		if err := w.EndRow(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQuery measures rows per second read back (10 columns, gzip and plain).
func BenchmarkQuery(b *testing.B) {
	c, _ := startClient(b)
	ctx := context.Background()
	if err := c.Exec(ctx, connTable); err != nil {
		b.Fatal(err)
	}
	const rows = 1_000_000
	base := time.Unix(1700000000, 0)
	err := c.Insert(ctx, "conn", connColumns, func(w *RowWriter) error {
		for i := range rows {
			writeConn(w, i, base)
			if err := w.EndRow(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, compress := range []bool{true, false} {
		name := "gzip"
		if !compress {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			c.Compress = compress
			b.ReportAllocs()
			var total int
			for b.Loop() {
				err := c.Query(ctx, "SELECT * FROM conn", func(f [][]byte) error {
					total++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
