package altproto

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// groupSQL is the aggregation in the event store (SQL that ClickHouse 18.16 and current
// releases both run; no % on timestamps: 18.16 types Int64 % UInt32 as 32 bits): the conn
// records to the watched ports,
// grouped by bucket, source, destination and port as ObserveConn groups them, with the
// group's count, byte sums (unset counting 0), first and last time, transports, distinct
// source ports, and its evidence: the k records a Sample keeps (most bytes out, then
// earliest, then lowest file and line), as parallel arrays.
const groupSQL = `
SELECT b, src, dst, dport, n, out, in, first, last, protos, sports,
       arrayMap(x -> x.1, ev), arrayMap(x -> x.2, ev), arrayMap(x -> x.3, ev),
       arrayMap(x -> x.4, ev), arrayMap(x -> x.5, ev)
FROM (
  SELECT intDiv(ts, toInt64({span})) - if(ts < 0 AND intDiv(ts, toInt64({span})) * toInt64({span}) != ts, 1, 0) AS b,
         src, dst, dport,
         count() AS n, sum(greatest(orig_bytes, 0)) AS out, sum(greatest(resp_bytes, 0)) AS in,
         min(ts) AS first, max(ts) AS last,
         groupUniqArray(proto) AS protos, groupUniqArray(sport) AS sports,
         arraySlice(arraySort(x -> (-x.1, x.2, x.3, x.4),
                              groupArray((orig_bytes, ts, file, line, sport))), 1, {k}) AS ev
  FROM conn
  WHERE {where} AND dport IN ({ports})
  GROUP BY b, src, dst, dport
)`

// AggregateSQL runs the grouping in the event store (detect.SQLAggregator): the groups come
// back as ObserveConn would have built them from the same records.
func (d *Detection) AggregateSQL(env *detect.Env, s *detect.Store) (detect.Aggregator, error) {
	a := d.NewAggregator(env).(*Aggregator)
	if a.err != nil {
		return a, nil // Score reports it
	}
	var ports []string
	for _, p := range d.params.Ports {
		ports = append(ports, strconv.Itoa(int(p)))
	}
	if len(ports) == 0 {
		return a, nil
	}
	q := strings.NewReplacer("{span}", strconv.FormatInt(a.r.span, 10), "{k}", strconv.Itoa(max(a.k, 0)),
		"{where}", s.Where, "{ports}", strings.Join(ports, ", ")).Replace(groupSQL)
	err := s.Query(q, func(f [][]byte) error {
		if len(f) != 16 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, dst := addr(f[1]), addr(f[2])
		if a.r.external && a.env.IsInternal(dst) {
			return nil
		}
		b, err1 := strconv.ParseInt(string(f[0]), 10, 64)
		port, err2 := strconv.ParseUint(string(f[3]), 10, 16)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("bucket %q port %q", f[0], f[3])
		}
		g := &group{}
		g.n = detect.Int(f[4])
		g.out, g.in = detect.Int(f[5]), detect.Int(f[6])
		g.first, g.last = event.Time(detect.Int(f[7])), event.Time(detect.Int(f[8]))
		protos, err := s.Array(f[9])
		if err != nil {
			return err
		}
		for _, p := range protos {
			g.protos |= protoBit(string(p))
		}
		sports, err := s.Array(f[10])
		if err != nil {
			return err
		}
		for _, p := range sports {
			g.srcPorts.add(uint16(detect.Int(p)))
		}
		var cols [5][][]byte
		for i := range cols {
			if cols[i], err = s.Array(f[11+i]); err != nil {
				return err
			}
		}
		for i := range cols[0] {
			g.sample.Add(a.k, detect.Item{Rank: detect.Int(cols[0][i]), TS: event.Time(detect.Int(cols[1][i])),
				Ref: s.Ref(string(cols[2][i]), uint32(detect.Int(cols[3][i]))), SrcPort: uint16(detect.Int(cols[4][i]))})
		}
		a.groups[key{bucket: event.Time(b * a.r.span), src: src, dst: dst, port: uint16(port)}] = g
		return nil
	})
	return a, err
}

func addr(b []byte) netip.Addr {
	a, _ := netip.ParseAddr(string(b))
	return a
}
