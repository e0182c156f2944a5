package upload

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// pairSQL is the aggregation in the event store: one row per source/destination pair of the
// conn records with both addresses, as ObserveConn builds a pair: bytes out (of records that
// set them) and in (above 0), first start and last end, connections, destination ports,
// transports, the connection that sent the most (most bytes, then earliest, then lowest file
// and line), and the k largest of those at or above the evidence floor. ClickHouse 18.16 and
// current releases both run it.
const pairSQL = `
SELECT src, dst, out, in, first, last, conns, ports, protos,
       arrayMap(x -> x.1, best), arrayMap(x -> x.2, best), arrayMap(x -> x.3, best), arrayMap(x -> x.4, best),
       arrayMap(x -> x.1, ev), arrayMap(x -> x.2, ev), arrayMap(x -> x.3, ev), arrayMap(x -> x.4, ev)
FROM (
  SELECT src, dst,
         sum(if(orig_bytes >= 0, orig_bytes, 0)) AS out, sum(if(resp_bytes > 0, resp_bytes, 0)) AS in,
         min(ts) AS first, max(ts + greatest(duration, 0)) AS last, count() AS conns,
         groupUniqArray(dport) AS ports, groupUniqArray(proto) AS protos,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArrayIf((orig_bytes, ts, file, line), orig_bytes >= 0)), 1, 1) AS best,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArrayIf((orig_bytes, ts, file, line), orig_bytes >= {floor})), 1, {k}) AS ev
  FROM conn
  WHERE {where} AND src != '' AND dst != ''
  GROUP BY src, dst
)`

// AggregateSQL runs the pairing in the event store (detect.SQLAggregator).
func (d *Detection) AggregateSQL(env *detect.Env, s *detect.Store) (detect.Aggregator, error) {
	a := d.NewAggregator(env).(*Aggregator)
	q := strings.NewReplacer("{floor}", strconv.FormatInt(a.floor, 10), "{k}", strconv.Itoa(max(a.k, 1)),
		"{where}", s.Where).Replace(pairSQL)
	err := s.Query(q, func(f [][]byte) error {
		if len(f) != 17 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, err1 := netip.ParseAddr(string(f[0]))
		dst, err2 := netip.ParseAddr(string(f[1]))
		if err1 != nil || err2 != nil {
			return nil // not an address: ObserveConn skips it too
		}
		p := a.get(pairKey{src.As16(), dst.As16()})
		p.out, p.in = detect.Int(f[2]), detect.Int(f[3])
		p.first, p.last = event.Time(detect.Int(f[4])), event.Time(detect.Int(f[5]))
		p.conns = uint32(detect.Int(f[6]))
		ports, err := s.Array(f[7])
		if err != nil {
			return err
		}
		var ps []uint16
		for _, x := range ports {
			ps = append(ps, uint16(detect.Int(x)))
		}
		slices.Sort(ps)
		if len(ps) > 0 {
			p.port = ps[0]
		}
		if len(ps) > 1 {
			p.ext = &pairExt{ports: ps[1:]}
		}
		protos, err := s.Array(f[8])
		if err != nil {
			return err
		}
		for _, x := range protos {
			p.protos |= protoBit(string(x))
		}
		best, err := records(s, f[9:13])
		if err != nil {
			return err
		}
		p.best = record{bytes: -1}
		if len(best) > 0 {
			p.best = best[0]
		}
		ev, err := records(s, f[13:17])
		if err != nil {
			return err
		}
		if len(ev) > 0 && a.k > 0 {
			if p.ext == nil {
				p.ext = &pairExt{}
			}
			for _, r := range ev {
				p.ext.ev.Add(a.k, r.item())
			}
		}
		return nil
	})
	return a, err
}

// records reads parallel arrays of bytes, ts, file and line.
func records(s *detect.Store, cols [][]byte) ([]record, error) {
	var arrs [4][][]byte
	for i := range arrs {
		var err error
		if arrs[i], err = s.Array(cols[i]); err != nil {
			return nil, err
		}
	}
	out := make([]record, len(arrs[0]))
	for i := range out {
		out[i] = record{bytes: detect.Int(arrs[0][i]), ts: event.Time(detect.Int(arrs[1][i])), ref: s.Ref(string(arrs[2][i]), uint32(detect.Int(arrs[3][i])))}
	}
	return out, nil
}
