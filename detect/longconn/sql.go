package longconn

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// keySQL is the aggregation in the event store: per source, destination, port and transport,
// the sums ObserveConn keeps, every connection's start and duration (the sessions are merged
// from them in Go, by the same code), the longest connection and the k longest at or above the
// evidence floor (longer, then earlier, then lowest file and line, as detect.Sample keeps).
// ClickHouse 18.16 and current releases both run it.
const keySQL = `
SELECT src, dst, dport, proto, conns, dur, out, in,
       arrayMap(x -> x.1, ivs), arrayMap(x -> x.2, ivs),
       arrayMap(x -> x.1, best), arrayMap(x -> x.2, best), arrayMap(x -> x.3, best), arrayMap(x -> x.4, best),
       arrayMap(x -> x.1, ev), arrayMap(x -> x.2, ev), arrayMap(x -> x.3, ev), arrayMap(x -> x.4, ev)
FROM (
  SELECT src, dst, dport, proto, count() AS conns, sum(greatest(duration, 0)) AS dur,
         sum(if(orig_bytes > 0, orig_bytes, 0)) AS out, sum(if(resp_bytes > 0, resp_bytes, 0)) AS in,
         arraySort(groupArray((ts, greatest(duration, 0)))) AS ivs,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArray((greatest(duration, 0), ts, file, line))), 1, 1) AS best,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArrayIf((greatest(duration, 0), ts, file, line), greatest(duration, 0) >= {floor})), 1, {k}) AS ev
  FROM conn
  WHERE {where} AND src != '' AND dst != ''
  GROUP BY src, dst, dport, proto
)`

// AggregateSQL runs the grouping in the event store (detect.SQLAggregator).
func (d *Detection) AggregateSQL(env *detect.Env, s *detect.Store) (detect.Aggregator, error) {
	a := d.NewAggregator(env).(*Aggregator)
	q := strings.NewReplacer("{floor}", strconv.FormatInt(int64(a.floor), 10), "{k}", strconv.Itoa(max(a.k, 1)),
		"{where}", s.Where).Replace(keySQL)
	err := s.Query(q, func(f [][]byte) error {
		if len(f) != 18 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, err1 := netip.ParseAddr(string(f[0]))
		dst, err2 := netip.ParseAddr(string(f[1]))
		if err1 != nil || err2 != nil {
			return nil // not an address: ObserveConn skips it too
		}
		port, _ := strconv.ParseUint(string(f[2]), 10, 16)
		k := key{src: src.As16(), dst: dst.As16(), port: uint16(port), proto: protoCode(string(f[3]))}
		st, fresh := a.keys.Get(k) // transports sluice does not name share a key: add to it
		if fresh {
			*st = state{compactAt: minCompact, best: conn{dur: -1}}
		}
		st.conns += uint32(detect.Int(f[4]))
		st.sum += event.Duration(detect.Int(f[5]))
		st.out += detect.Int(f[6])
		st.in += detect.Int(f[7])
		starts, err := s.Array(f[8])
		if err != nil {
			return err
		}
		durs, err := s.Array(f[9])
		if err != nil {
			return err
		}
		for i := range starts {
			st.add(pack(span(event.Time(detect.Int(starts[i])), event.Duration(detect.Int(durs[i])))), a.gap)
		}
		best, err := conns(s, f[10:14])
		if err != nil {
			return err
		}
		for _, c := range best {
			if c.better(st.best) {
				st.best = c
			}
		}
		ev, err := conns(s, f[14:18])
		if err != nil {
			return err
		}
		for _, c := range ev {
			if a.k > 0 {
				if st.ev == nil {
					st.ev = &detect.Sample{}
				}
				st.ev.Add(a.k, c.item())
			}
		}
		return nil
	})
	return a, err
}

// conns reads parallel arrays of duration, ts, file and line.
func conns(s *detect.Store, cols [][]byte) ([]conn, error) {
	var arrs [4][][]byte
	for i := range arrs {
		var err error
		if arrs[i], err = s.Array(cols[i]); err != nil {
			return nil, err
		}
	}
	out := make([]conn, len(arrs[0]))
	for i := range out {
		out[i] = conn{dur: event.Duration(detect.Int(arrs[0][i])), ts: event.Time(detect.Int(arrs[1][i])), ref: s.Ref(string(arrs[2][i]), uint32(detect.Int(arrs[3][i])))}
	}
	return out, nil
}
