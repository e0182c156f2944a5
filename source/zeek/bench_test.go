package zeek

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkTSVConn parses a Zeek conn.log (SLUICE_BENCH_CONNLOG, else a generated sample)
// into events delivered to a sink that does nothing: the reader's own cost.
func BenchmarkTSVConn(b *testing.B) {
	data := benchLog(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sink event.NopSink
		st := source.NewStats()
		err := ReadTSV(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "conn.log"}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchLog(b *testing.B) []byte {
	if p := os.Getenv("SLUICE_BENCH_CONNLOG"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	var buf bytes.Buffer
	buf.WriteString(connHeader)
	line := "1709596800.138085\tCYODuxIwwfq3dzs5u\t192.168.1.121\t60053\t69.75.243.100\t443\ttcp\tssl\t4.908944\t395\t23160\tSF\tT\tF\t0\tShADadFf\t12\t1019\t18\t24096\t-\n"
	for buf.Len() < 32<<20 {
		buf.WriteString(line)
	}
	return buf.Bytes()
}

// BenchmarkJSONConn parses a generated Zeek JSON conn.log: the JSON scanner and the field
// mapping, into a sink that does nothing.
func BenchmarkJSONConn(b *testing.B) {
	var buf bytes.Buffer
	line := `{"ts":1709596800.138085,"uid":"CYODuxIwwfq3dzs5u","id.orig_h":"192.168.1.121","id.orig_p":60053,"id.resp_h":"69.75.243.100","id.resp_p":443,"proto":"tcp","service":"ssl","duration":4.908944,"orig_bytes":395,"resp_bytes":23160,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":12,"orig_ip_bytes":1019,"resp_pkts":18,"resp_ip_bytes":24096,"tunnel_parents":[]}` + "\n"
	for buf.Len() < 32<<20 {
		buf.WriteString(line)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sink event.NopSink
		st := source.NewStats()
		err := ReadJSON(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "conn.log"}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
