package upload

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

// TestMemoryFootprint measures the aggregator's heap per pair and per connection: 100,000
// pairs with 1 connection each, then 10 connections each (small ones, under the evidence
// floor, as most are). It fails only far above the budget the hot path is designed for.
func TestMemoryFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement skipped in -short mode")
	}
	const pairs = 100_000
	c := &event.Conn{Proto: "tcp", Duration: 1000, OrigBytes: 500, RespBytes: 1500}
	feed := func(a *Aggregator, rounds int) {
		for r := 0; r < rounds; r++ {
			for i := 0; i < pairs; i++ {
				c.Src = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
				c.Dst = netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i % 7)})
				c.DstPort = 443
				c.TS = event.Time(1_700_000_000_000_000 + int64(r)*1e6)
				c.Ref = event.Ref{Line: uint32(i)}
				a.ObserveConn(c)
			}
		}
	}
	d := New()
	env := testEnv()
	before := detecttest.HeapAlloc()
	a := d.NewAggregator(env).(*Aggregator)
	feed(a, 1)
	one := detecttest.HeapAlloc()
	feed(a, 9)
	ten := detecttest.HeapAlloc()
	perPair := float64(one-before) / pairs
	perConn := (float64(ten) - float64(one)) / (9 * pairs)
	t.Logf("upload-volume: %.0f B per pair, %.1f B per further connection", perPair, perConn)
	if perPair > 250 || perConn > 8 {
		t.Errorf("state grew past its budget: %.0f B per pair, %.1f B per connection", perPair, perConn)
	}
	runtime.KeepAlive(a)
}
