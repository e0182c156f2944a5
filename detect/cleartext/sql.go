package cleartext

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// SQLKinds: of the conn records, the store sends only those of the protocols watched
// (detect.SQLPart).
func (d *Detection) SQLKinds() event.KindSet { return event.KindSet(0).With(event.KindConn) }

// FeedSQL streams the conn records that may be of a watched protocol: a service that names
// one (or an FTP data channel), or a watched port. ObserveConn then judges them as streamed
// records; the others (most: web, TLS, DNS) stay in the store.
func (d *Detection) FeedSQL(_ *detect.Env, s *detect.Store, into func(netip.Addr) detect.Aggregator) error {
	c := d.c
	if c == nil {
		var err error
		if c, err = compile(&d.p); err != nil {
			return nil // Score reports it
		}
	}
	quote := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	conds := []string{"position(lower(service), 'ftp-data') > 0"}
	var names []string
	for name, r := range c.svc {
		if r >= 0 {
			names = append(names, strings.ToLower(name))
		}
	}
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		conds = append(conds, "position(lower(service), '"+quote.Replace(n)+"') > 0")
	}
	var ports []string
	for p, id := range c.port {
		if id > 0 {
			ports = append(ports, strconv.Itoa(p))
		}
	}
	if len(ports) > 0 {
		conds = append(conds, "dport IN ("+strings.Join(ports, ", ")+")")
	}
	return s.Conns(strings.Join(conds, " OR "), func(e *event.Conn) error {
		into(e.Src).(*Aggregator).ObserveConn(e)
		return nil
	})
}
