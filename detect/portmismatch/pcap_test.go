package portmismatch

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/synth"
)

// A packet capture with HTTP on 8081 and TLS on port 80: the protocols are identified from
// the payload, so both mismatches fire without Zeek.
func TestPcapHTTPOn8081AndTLSOn80(t *testing.T) {
	hello, err := synth.ClientHello("cdn.example.net")
	if err != nil {
		t.Fatal(err)
	}
	ws, out := netip.MustParseAddr("10.1.1.5"), netip.MustParseAddr("203.0.113.9")
	path := detecttest.WriteFile(t, "mismatch.pcap", func(w io.Writer) error {
		c, err := synth.NewCapture(w, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		if err != nil {
			return err
		}
		h := c.TCP(netip.AddrPortFrom(ws, 50001), netip.AddrPortFrom(out, 8081))
		h.Send([]byte("GET /tasks HTTP/1.1\r\nHost: 203.0.113.9:8081\r\nUser-Agent: python-requests/2.31\r\n\r\n"))
		h.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnone"))
		h.Close()
		s := c.TCP(netip.AddrPortFrom(ws, 50002), netip.AddrPortFrom(out, 80))
		s.Send(hello)
		s.Reply([]byte("\x15\x03\x03\x00\x02\x02\x28")) // a handshake_failure alert
		s.Close()
		return c.Err()
	})
	fs := detecttest.Hunt(t, New(), path)
	got := map[string]int{}
	for _, f := range fs {
		got[f.Entities.App] = f.Entities.DstPort
		if f.Entities.Src != "10.1.1.5" || f.Entities.Dst != "203.0.113.9" || len(f.Evidence) == 0 {
			t.Errorf("finding %+v", f)
		}
	}
	if len(fs) != 2 || got["http"] != 8081 || got["ssl"] != 80 {
		t.Errorf("findings by app %v, want http on 8081 and ssl on 80", got)
	}
}
