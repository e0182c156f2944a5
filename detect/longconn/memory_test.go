package longconn

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
)

// TestMemoryFootprint measures the aggregator's heap per key (src, dst, port, transport) and
// per connection: 100,000 keys with 1 connection each, then 10 each, a minute apart (no two
// join: the worst case, every interval kept) or a second apart (chained: compacted away).
// It fails only far above the budget the hot path is designed for.
func TestMemoryFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement skipped in -short mode")
	}
	const keys = 100_000
	c := &event.Conn{Proto: "tcp", Duration: 2_000_000, OrigBytes: 500, RespBytes: 1500}
	feed := func(a *Aggregator, from, to int, step event.Time) {
		for r := from; r < to; r++ {
			for i := 0; i < keys; i++ {
				c.Src = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
				c.Dst = netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i % 7)})
				c.DstPort = 443
				c.TS = event.Time(1_700_000_000_000_000) + event.Time(r)*step
				c.Ref = event.Ref{Line: uint32(i)}
				a.ObserveConn(c)
			}
		}
	}
	for _, tc := range []struct {
		name string
		step event.Time
	}{{"sparse", 60_000_000}, {"chained", 3_000_000}} {
		d := New()
		env := testEnv(day)
		before := detecttest.HeapAlloc()
		a := d.NewAggregator(env).(*Aggregator)
		feed(a, 0, 1, tc.step)
		one := detecttest.HeapAlloc()
		feed(a, 1, 10, tc.step)
		ten := detecttest.HeapAlloc()
		perKey := float64(one-before) / keys
		perConn := (float64(ten) - float64(one)) / (9 * keys)
		t.Logf("long-connection, %s: %.0f B per key, %.1f B per further connection", tc.name, perKey, perConn)
		if perKey > 300 || perConn > 24 {
			t.Errorf("%s: state grew past its budget: %.0f B per key, %.1f B per connection", tc.name, perKey, perConn)
		}
		runtime.KeepAlive(a)
	}
}
