package exfilcmd

import (
	"net/netip"
	"strconv"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// SQLKinds: of the conn records, the store sends only the big ones (detect.SQLPart).
func (d *Detection) SQLKinds() event.KindSet { return event.KindSet(0).With(event.KindConn) }

// FeedSQL streams the conn records that send more than chain_bytes (the only ones
// ObserveConn keeps) instead of every record.
func (d *Detection) FeedSQL(_ *detect.Env, s *detect.Store, into func(netip.Addr) detect.Aggregator) error {
	return s.Conns("orig_bytes > "+strconv.FormatInt(d.p.MinBytes, 10)+" AND src != ''", func(c *event.Conn) error {
		into(c.Src).(*Aggregator).ObserveConn(c)
		return nil
	})
}
