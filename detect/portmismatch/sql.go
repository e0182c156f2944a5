package portmismatch

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// serviceSQL is the aggregation in the event store: the conn records that name a service,
// grouped by source, destination, port, transport and service, with the sums, first and last
// time, and the k biggest connections (payload bytes both ways, then earliest, then lowest file
// and line, as detect.Sample keeps). Which services are off their ports is judged in Go, by
// the same code as for streamed records, once per group. ClickHouse 18.16 and current releases
// both run it.
const serviceSQL = `
SELECT src, dst, dport, proto, service, n, first, last, out, in,
       arrayMap(x -> x.1, ev), arrayMap(x -> x.2, ev), arrayMap(x -> x.3, ev), arrayMap(x -> x.4, ev), arrayMap(x -> x.5, ev)
FROM (
  SELECT src, dst, dport, proto, service, count() AS n, min(ts) AS first, max(ts) AS last,
         sum(greatest(orig_bytes, 0)) AS out, sum(greatest(resp_bytes, 0)) AS in,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArray((greatest(orig_bytes, 0) + greatest(resp_bytes, 0), ts, file, line, sport))), 1, {k}) AS ev
  FROM conn
  WHERE {where} AND service != ''
  GROUP BY src, dst, dport, proto, service
)`

// AggregateSQL runs the grouping in the event store (detect.SQLAggregator).
func (d *Detection) AggregateSQL(env *detect.Env, s *detect.Store) (detect.Aggregator, error) {
	a := d.NewAggregator(env).(*Aggregator)
	if a.t == nil {
		return a, nil // Score reports the error
	}
	q := strings.NewReplacer("{k}", strconv.Itoa(max(a.k, 1)), "{where}", s.Where).Replace(serviceSQL)
	err := s.Query(q, func(f [][]byte) error {
		if len(f) != 15 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, _ := netip.ParseAddr(string(f[0]))
		dst, _ := netip.ParseAddr(string(f[1]))
		port64, _ := strconv.ParseUint(string(f[2]), 10, 16)
		port, service := uint16(port64), string(f[4])
		apps, n := a.mismatches(service, port, dst)
		if n == 0 {
			return nil
		}
		var cols [5][][]byte
		for i := range cols {
			var err error
			if cols[i], err = s.Array(f[10+i]); err != nil {
				return err
			}
		}
		proto, _ := protoName(string(f[3]))
		first := event.Time(detect.Int(f[6]))
		for _, app := range apps[:n] {
			g := &group{n: detect.Int(f[5]), first: first, last: event.Time(detect.Int(f[7])), out: detect.Int(f[8]), in: detect.Int(f[9]),
				service: service, serviceTS: first}
			for i := range cols[0] {
				g.sample.Add(a.k, detect.Item{Rank: detect.Int(cols[0][i]), TS: event.Time(detect.Int(cols[1][i])),
					Ref: s.Ref(string(cols[2][i]), uint32(detect.Int(cols[3][i]))), SrcPort: uint16(detect.Int(cols[4][i]))})
			}
			a.mergeGroup(key{src: src, dst: dst, port: port, app: app, proto: strings.Clone(proto)}, g)
		}
		return nil
	})
	return a, err
}
