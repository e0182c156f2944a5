package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/pcap"
	"github.com/sluice-hunt/sluice/synth"
)

// benchPcapConns is the number of connections of the generated capture
// (SLUICE_BENCH_PCAP_CONNS, default 20,000: about 300,000 packets, 100 MB).
func benchPcapConns() int { return envInt("SLUICE_BENCH_PCAP_CONNS", 20_000) }

var (
	pcapMu      sync.Mutex
	pcapPackets = map[string]int{}
)

// packetCapture is a pcap of n connections from 200 clients to 2,000 servers: 70% HTTP
// (a request and a 1-8 KB response), 20% TLS (a ClientHello and 2-6 KB from the server), 10%
// DNS lookups over UDP.
func packetCapture(tb testing.TB, n int) (*dataset, int) {
	name := fmt.Sprintf("pcap-%d", n)
	d := get(tb, name, func(dir string) (string, error) {
		path := filepath.Join(dir, "capture.pcap")
		f, err := os.Create(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		c, err := synth.NewCapture(f, time.Date(2024, 3, 5, 9, 0, 0, 0, time.UTC))
		if err != nil {
			return "", err
		}
		c.Gap = 200 * time.Microsecond
		hello, err := synth.ClientHello("www.example.com")
		if err != nil {
			return "", err
		}
		r := rand.New(rand.NewPCG(3, 5))
		body := bytes.Repeat([]byte("<p>lorem ipsum dolor sit amet</p>\n"), 300)
		for i := range n {
			cl := netip.AddrFrom4([4]byte{10, 1, byte(r.IntN(2)), byte(1 + r.IntN(100))})
			sv := netip.AddrFrom4([4]byte{198, 51, byte(r.IntN(8)), byte(1 + r.IntN(250))})
			sport := uint16(20000 + i%40000)
			switch k := r.IntN(10); {
			case k < 7:
				t := c.TCP(netip.AddrPortFrom(cl, sport), netip.AddrPortFrom(sv, 80))
				t.Send([]byte(fmt.Sprintf("GET /page/%d HTTP/1.1\r\nHost: site%d.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n", i, r.IntN(500))))
				size := 1000 + r.IntN(7000)
				t.Reply(append([]byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n", size)), body[:size]...))
				t.Close()
			case k < 9:
				t := c.TCP(netip.AddrPortFrom(cl, sport), netip.AddrPortFrom(sv, 443))
				t.Send(hello)
				t.Reply(body[:2000+r.IntN(4000)])
				t.Close()
			default:
				q := []byte{byte(i >> 8), byte(i), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1}
				c.UDP(netip.AddrPortFrom(cl, sport), netip.AddrPortFrom(netip.MustParseAddr("10.0.0.53"), 53), q)
			}
		}
		pcapMu.Lock()
		pcapPackets[name] = c.Packets
		pcapMu.Unlock()
		return path, c.Err()
	})
	pcapMu.Lock()
	defer pcapMu.Unlock()
	return d, pcapPackets[name]
}

// countSink counts events.
type countSink struct {
	event.NopSink
	n int
}

func (s *countSink) Conn(*event.Conn) { s.n++ }

// readCapture runs the pcap reader over a file, its jobs in this goroutine, every event kind
// parsed.
func readCapture(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	s := &countSink{}
	st := source.NewStats()
	err = pcap.Read(context.Background(), f, source.FileInfo{Name: path}, st, func(j source.Job) error {
		j.Run(s, st)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s.n
}

// BenchmarkPcapRead reads the generated capture into events (flows, reassembly, HTTP, TLS,
// DNS): packets/s and MB/s of the reader alone.
func BenchmarkPcapRead(b *testing.B) {
	d, packets := packetCapture(b, benchPcapConns())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for range b.N {
		readCapture(b, d.path)
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkPcapHunt is `sluice hunt` over the capture: every detection.
func BenchmarkPcapHunt(b *testing.B) {
	d, packets := packetCapture(b, benchPcapConns())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for range b.N {
		huntWith(b, d.path, false)
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkPcapCLI is the sluice binary hunting the capture: speed and peak memory (the
// capture streams: memory follows the flows open at once, not the capture's size).
func BenchmarkPcapCLI(b *testing.B) {
	d, packets := packetCapture(b, benchPcapConns())
	benchCLI(b, d.path, d.bytes, int64(packets), "packets/s")
}

func needTshark(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		tb.Skip("tshark is not installed (apt-get install -y tshark); the comparison cannot run")
	}
}

// tsharkConv runs what a hunter would to list a capture's TCP conversations.
func tsharkConv(tb testing.TB, path string) []byte {
	tb.Helper()
	cmd := exec.Command("tshark", "-r", path, "-q", "-z", "conv,tcp")
	cmd.Env = append(os.Environ(), "HOME="+tb.TempDir())
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("tshark: %v", err)
	}
	return out
}

// BenchmarkTsharkConv is `tshark -r FILE -q -z conv,tcp` over the same capture: the baseline
// of BenchmarkPcapRead.
func BenchmarkTsharkConv(b *testing.B) {
	needTshark(b)
	d, packets := packetCapture(b, benchPcapConns())
	b.SetBytes(d.bytes)
	b.ResetTimer()
	for range b.N {
		tsharkConv(b, d.path)
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

var convLine = regexp.MustCompile(`(?m)^\S+:\d+\s+<->\s+\S+:\d+\s+(\d+)\s`)

// TestPcapTsharkAgrees checks that sluice finds the TCP connections tshark lists in the
// benchmark's capture (a small one).
func TestPcapTsharkAgrees(t *testing.T) {
	needTshark(t)
	d, _ := packetCapture(t, 500)
	out := tsharkConv(t, d.path)
	want := len(convLine.FindAll(out, -1))
	f, err := os.Open(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tcp := 0
	s := &connSink{fn: func(c *event.Conn) {
		if c.Proto == "tcp" {
			tcp++
		}
	}}
	st := source.NewStats()
	if err := pcap.Read(context.Background(), f, source.FileInfo{Name: d.path}, st, func(j source.Job) error { j.Run(s, st); return nil }); err != nil {
		t.Fatal(err)
	}
	if want == 0 || tcp != want {
		t.Errorf("sluice: %d tcp connections, tshark: %d conversations\n%s", tcp, want, firstLines(out, 8))
	}
}

type connSink struct {
	event.NopSink
	fn func(*event.Conn)
}

func (s *connSink) Conn(c *event.Conn) { s.fn(c) }

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n") + " (" + strconv.Itoa(len(b)) + " bytes)"
}
