package jsonl

import "testing"

// BenchmarkScan scans Zeek conn records (flat and nested spellings) and a Splunk Stream event.
func BenchmarkScan(b *testing.B) {
	lines := [][]byte{
		[]byte(`{"ts":1709596800.138085,"uid":"CYODuxIwwfq3dzs5u","id.orig_h":"192.168.1.121","id.orig_p":60053,"id.resp_h":"69.75.243.100","id.resp_p":443,"proto":"tcp","service":"ssl","duration":4.908944,"orig_bytes":395,"resp_bytes":23160,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":12,"orig_ip_bytes":1019,"resp_pkts":18,"resp_ip_bytes":24096,"tunnel_parents":[]}`),
		[]byte(`{"ts":1709596800.138085,"uid":"CYODuxIwwfq3dzs5u","id":{"orig_h":"192.168.1.121","orig_p":60053,"resp_h":"69.75.243.100","resp_p":443},"proto":"tcp","service":"ssl","duration":4.908944,"orig_bytes":395,"resp_bytes":23160,"conn_state":"SF"}`),
		[]byte(`{"endtime":"2021-12-13T17:29:28.499004Z","timestamp":"2021-12-13T17:29:28.453391Z","bytes":2000,"bytes_in":177,"bytes_out":1823,"dest_ip":"10.0.1.16","dest_port":8080,"http_method":"GET","http_user_agent":"Java/1.8.0_181","site":"10.0.1.16:8080","src_ip":"10.0.1.25","src_port":41132,"status":200,"time_taken":45647,"uri":"/a.class","uri_path":"/a.class"}`),
	}
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var s Scanner
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			if _, err := s.Scan(l); err != nil {
				b.Fatal(err)
			}
		}
	}
}
