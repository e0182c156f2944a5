package dnstunnel

import (
	"net/netip"
	"strconv"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// SQLKinds: the conn and dns records are read in the store (detect.SQLPart).
func (d *Detection) SQLKinds() event.KindSet {
	return event.KindSet(0).With(event.KindConn).With(event.KindDNS)
}

// FeedSQL gives ObserveDNS the stored DNS records, grouped by client, server, name and type in
// the store (detect.Store.DNS: each name travels once), and the never-connected check what
// ObserveConn keeps of the conn records: the last time each destination address was connected
// to (DNS to port 53 left out).
func (d *Detection) FeedSQL(_ *detect.Env, s *detect.Store, into func(netip.Addr) detect.Aggregator) error {
	err := s.DNS(func(e *event.DNS) error {
		into(e.Src).(*Aggregator).ObserveDNS(e)
		return nil
	})
	if err != nil || !d.p.CheckConnections {
		return err
	}
	a := into(netip.Addr{}).(*Aggregator) // a shared table: merged across partitions by key
	return s.Query("SELECT dst, max(ts) FROM conn WHERE "+s.Where+" AND dst != '' AND NOT (dport = 53 AND service = 'dns') GROUP BY dst",
		func(f [][]byte) error {
			dst, err := netip.ParseAddr(string(f[0]))
			if err != nil {
				return nil
			}
			ts, _ := strconv.ParseInt(string(f[1]), 10, 64)
			a.sawConn = true
			t, fresh := a.conns.Get(dst.Unmap().As16())
			if fresh || event.Time(ts) > *t {
				*t = event.Time(ts)
			}
			return nil
		})
}
