package beacon

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// seriesSQL is the conn part of the aggregation in the event store: per source, destination,
// port and outcome (the failed states apart), every call's time, bytes sent (IP bytes, else
// payload bytes; negative when neither is set), file and line, in time order, each file named
// once per series. The series are built from them by the same code as from streamed records;
// the TLS, HTTP, DNS and host records still stream to the detection (SQLKinds). ClickHouse
// 18.16 and current releases both run it.
const seriesSQL = `
SELECT src, dst, dport, failed, files,
       arrayMap(x -> x.1, pts), arrayMap(x -> x.2, pts), arrayMap(x -> indexOf(files, x.3), pts), arrayMap(x -> x.4, pts)
FROM (
  SELECT src, dst, dport, {failed} AS failed, groupUniqArray(file) AS files,
         arraySort(groupArray((ts, if(orig_ip_bytes >= 0, orig_ip_bytes, orig_bytes), file, line))) AS pts
  FROM conn
  WHERE {where} AND src != '' AND dst != ''
  GROUP BY src, dst, dport, failed
)`

// SQLKinds: the conn records are aggregated in the store; the other kinds stream.
func (d *Detection) SQLKinds() event.KindSet { return event.KindSet(0).With(event.KindConn) }

// FeedSQL builds the address series of the conn records in the store into the partitions'
// aggregators (detect.SQLPart).
func (d *Detection) FeedSQL(env *detect.Env, s *detect.Store, into func(netip.Addr) detect.Aggregator) error {
	var failed []string
	for _, st := range d.p.FailedStates {
		failed = append(failed, "'"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(st)+"'")
	}
	isFailed := "0"
	if len(failed) > 0 {
		isFailed = "conn_state IN (" + strings.Join(failed, ", ") + ")"
	}
	q := strings.NewReplacer("{failed}", isFailed, "{where}", s.Where).Replace(seriesSQL)
	return s.Query(q, func(f [][]byte) error {
		if len(f) != 9 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, err1 := netip.ParseAddr(string(f[0]))
		dst, err2 := netip.ParseAddr(string(f[1]))
		if err1 != nil || err2 != nil || d.p.ExcludeSpecial && netset.IsSpecial(dst) {
			return nil // ObserveConn skips these too
		}
		a := into(src).(*Aggregator)
		port, _ := strconv.ParseUint(string(f[2]), 10, 16)
		var cols [5][][]byte
		for i := range cols {
			var err error
			if cols[i], err = s.Array(f[4+i]); err != nil {
				return err
			}
		}
		files := cols[0]
		a.sources.Get(src.As16())
		p, _ := a.ips.Get(ipKey{src.As16(), dst.As16(), uint16(port)})
		ser := &p.ok
		if string(f[3]) == "1" {
			if p.failed == nil {
				p.failed = &series{}
			}
			ser = p.failed
		}
		for i := range cols[1] {
			size := detect.Int(cols[2][i])
			fi := detect.Int(cols[3][i]) - 1 // indexOf counts from 1
			var ref event.Ref
			if fi >= 0 && int(fi) < len(files) {
				ref = s.Ref(string(files[fi]), uint32(detect.Int(cols[4][i])))
			}
			ser.add(event.Time(detect.Int(cols[1][i])), size, size >= 0, a.p.MaxPoints, ref)
		}
		return nil
	})
}
