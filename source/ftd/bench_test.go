package ftd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// BenchmarkRead parses FTD syslog (SLUICE_BENCH_FTDLOG, else a generated sample of about 32 MiB
// of FTD 7.x connection end events, a third with HTTP and a sixth with DNS fields, and a start
// event for every fourth) into events delivered to a sink that does nothing: the reader's own
// cost, on one core.
func BenchmarkRead(b *testing.B) {
	benchRead(b, 0)
}

// BenchmarkCount is the same input when no detection of the run reads what FTD gives: lines are
// only counted.
func BenchmarkCount(b *testing.B) {
	benchRead(b, event.KindSet(0).With(event.KindConn).With(event.KindHTTP).With(event.KindDNS).With(event.KindTLS))
}

func benchRead(b *testing.B, skip event.KindSet) {
	var data []byte
	if p := os.Getenv("SLUICE_BENCH_FTDLOG"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	} else {
		data = sample(32 << 20)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var sink event.NopSink
		st := source.NewStats()
		err := Read(context.Background(), bytes.NewReader(data), source.FileInfo{Name: "ftd.log", Skip: skip}, st, func(j source.Job) error {
			j.Run(sink, st)
			return nil
		})
		if err != nil || st.TotalSkipped() != 0 {
			b.Fatal(err, st.Skipped, st.Problems)
		}
	}
}

// sample generates about size bytes of FTD connection events.
func sample(size int) []byte {
	var buf bytes.Buffer
	for i := 0; buf.Len() < size; i++ {
		ts := fmt.Sprintf("2024-03-20T%02d:%02d:%02dZ", i/3600%24, i/60%60, i%60)
		common := fmt.Sprintf("EventPriority: Low, DeviceUUID: 3f6b2d10-77a1-11ee-8c2d-52a3c4e5f601, InstanceID: %d, FirstPacketSecond: %s, ConnectionID: %d, AccessControlRuleAction: Allow, SrcIP: 10.20.%d.%d, DstIP: 198.51.%d.%d, SrcPort: %d, DstPort: %%d, Protocol: %%s, IngressInterface: inside, EgressInterface: outside, IngressZone: INSIDE, EgressZone: OUTSIDE, IngressVRF: Global, EgressVRF: Global, ACPolicy: HQ-Policy, AccessControlRuleName: Web-Out, Prefilter Policy: Default Prefilter Policy, User: ACME\\user%d",
			i%8, ts, i, i/256%256, i%256, i/7%256, i%253, 1024+i%60000, i%500)
		if i%4 == 0 {
			fmt.Fprintf(&buf, "%s fw-hq-2 : %%FTD-1-430002: "+common+", InitiatorPackets: 3, ResponderPackets: 1, InitiatorBytes: 517, ResponderBytes: 74, NAPPolicy: Balanced Security and Connectivity\n", ts, 443, "tcp")
		}
		switch i % 6 {
		case 0, 1:
			fmt.Fprintf(&buf, "%s fw-hq-2 : %%FTD-1-430003: "+common+", UserAgent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36, Client: Chrome, ClientVersion: 122.0.0.0, ApplicationProtocol: HTTP, WebApplication: Web Browsing, ConnectionDuration: %d, InitiatorPackets: %d, ResponderPackets: %d, InitiatorBytes: %d, ResponderBytes: %d, NAPPolicy: Balanced Security and Connectivity, HTTPResponse: 200, ReferencedHost: www%d.example.com, URL: http://www%d.example.com/path/to/resource/%d.js?v=%d\n",
				ts, 80, "tcp", i%90, 6+i%50, 4+i%70, 900+i%9000, 1000+i%90000, i%500, i%500, i, i%97)
		case 2:
			fmt.Fprintf(&buf, "%s fw-hq-2 : %%FTD-6-430003: "+common+", Client: DNS client, ApplicationProtocol: DNS, ConnectionDuration: 0, InitiatorPackets: 1, ResponderPackets: 1, InitiatorBytes: %d, ResponderBytes: %d, NAPPolicy: Balanced Security and Connectivity, DNSQuery: host%d.example.com, DNSRecordType: a host address, DNSResponseType: No error, DNS_TTL: 300\n",
				ts, 53, "udp", 80+i%40, 120+i%300, i%1000)
		default:
			fmt.Fprintf(&buf, "%s fw-hq-2 : %%FTD-1-430003: "+common+", Client: SSL client, ApplicationProtocol: HTTPS, ConnectionDuration: %d, InitiatorPackets: %d, ResponderPackets: %d, InitiatorBytes: %d, ResponderBytes: %d, NAPPolicy: Balanced Security and Connectivity, URLCategory: Business and Industry, URLReputation: Favorable, URL: https://api%d.example.net\n",
				ts, 443, "tcp", i%600, 11+i%40, 11+i%90, 1410+i%20000, 5233+i%900000, i%300)
		}
	}
	return buf.Bytes()
}
