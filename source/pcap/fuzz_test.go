package pcap

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/synth"
)

// FuzzRead reads arbitrary bytes as a capture: it must never panic, name the file in every
// problem, and read back every event's packet through the Records hook.
func FuzzRead(f *testing.F) {
	f.Add(writeCapture(f, func(c *synth.Capture) {
		h := c.TCP(ap(client, 50003), ap(server, 80))
		h.Send([]byte("POST /a HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\nPK\x03\x04"))
		h.Reply([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"))
		h.Close()
		c.UDP(ap(client, 40000), ap(server, 53), synth.DNSMessage(7, "a.example.com", false, server))
	}))
	for _, p := range []string{"agenttesla-pcap/Traces__f9421792-7d2c-47d3-90e0-07eb54ae12fa.pcap", "caldera-pcap/Traces__sandcat.pcap"} {
		if b, err := os.ReadFile(filepath.Join(datasets, p)); err == nil {
			f.Add(b[:min(len(b), 32<<10)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, st, err := readBytes(t, "fuzz.pcap", data, DefaultOptions())
		if err != nil {
			return
		}
		for _, p := range st.Problems {
			if p.File != "fuzz.pcap" || !strings.Contains(p.String(), "fuzz.pcap") {
				t.Fatalf("problem %+v", p)
			}
		}
		var pos []uint32
		for _, c := range s.conns {
			pos = append(pos, c.Ref.Line)
		}
		if len(pos) == 0 {
			return
		}
		recs, err := Records(bytes.NewReader(data), sortedUnique(pos))
		if err != nil && !strings.Contains(err.Error(), "EOF") {
			return
		}
		for _, p := range pos {
			if recs[p] == "" && err == nil {
				t.Fatalf("packet %d not read back", p)
			}
		}
	})
}

// FuzzStreams sends arbitrary bytes over a TCP connection (the client's half first, then the
// server's) on a port: identification and every application analyzer must take any bytes.
func FuzzStreams(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"), []byte("HTTP/1.1 200 OK\r\n\r\nbody"), uint16(80))
	f.Add([]byte("USER a\r\nPASV\r\nSTOR x\r\n"), []byte("220 FTP\r\n227 (1,2,3,4,5,6)\r\n150 go\r\n226 ok\r\n"), uint16(21))
	f.Add([]byte("EHLO a\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename=x.zip\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n--b--\r\n.\r\n"),
		[]byte("220 SMTP\r\n"), uint16(25))
	f.Add([]byte("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"), []byte("\x16\x03\x03\x00\x02\x02\x00"), uint16(443))
	f.Add([]byte("\x00\x1d\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07example\x03com\x00\x00\x01\x00\x01"), []byte{}, uint16(53))
	f.Fuzz(func(t *testing.T, c, s []byte, port uint16) {
		if os.Getenv("PCAP_WATCHDOG") != "" {
			w := time.AfterFunc(3*time.Second, func() { panic("slow input") })
			defer w.Stop()
		}
		data := writeCapture(t, func(cp *synth.Capture) {
			h := cp.TCP(ap(client, 50003), ap(server, port))
			h.Send(c)
			h.Reply(s)
			h.Send(c)
			h.Close()
		})
		if _, _, err := readBytes(t, "fuzz.pcap", data, DefaultOptions()); err != nil {
			t.Fatal(err)
		}
	})
}

func sortedUnique(v []uint32) []uint32 {
	out := append([]uint32(nil), v...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	k := 0
	for i, x := range out {
		if i == 0 || x != out[k-1] {
			out[k] = x
			k++
		}
	}
	return out[:k]
}
