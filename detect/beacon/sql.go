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
// the HTTP and host records still stream to the detection (SQLKinds). ClickHouse 18.16 and
// current releases both run it (and tlsSQL, and the grouping of detect.Store.DNS).
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

// tlsSQL is the TLS part: per source, server name as logged and whether the handshake was
// established, every handshake's time, file and line in time order, and the addresses and
// ports the name was called on. The name is normalized in Go (normName), as for streamed
// records: names that differ only in case or a trailing dot make one series.
const tlsSQL = `
SELECT src, server_name, established, files,
       arrayMap(x -> x.1, pts), arrayMap(x -> indexOf(files, x.2), pts), arrayMap(x -> x.3, pts), dsts, ports
FROM (
  SELECT src, server_name, established, groupUniqArray(file) AS files,
         arraySort(groupArray((ts, file, line))) AS pts, groupUniqArray(dst) AS dsts, groupUniqArray(dport) AS ports
  FROM ssl
  WHERE {where} AND src != '' AND server_name != ''
  GROUP BY src, server_name, established
)`

// SQLKinds: the conn, TLS and DNS records are aggregated in the store; the other kinds
// stream.
func (d *Detection) SQLKinds() event.KindSet {
	return event.KindSet(0).With(event.KindConn).With(event.KindTLS).With(event.KindDNS)
}

// points reads the columns of a row that hold a series' points: files, then times, indexes
// into files and lines (and more arrays after them, as asked).
func points(s *detect.Store, f [][]byte, n int) ([][][]byte, error) {
	cols := make([][][]byte, n)
	for i := range cols {
		var err error
		if cols[i], err = s.Array(f[i]); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// refOf is the reference of a point: its file (an index into files, from 1) and line.
func refOf(s *detect.Store, files [][]byte, fileIndex, line []byte) event.Ref {
	fi := detect.Int(fileIndex) - 1 // indexOf counts from 1
	if fi < 0 || int(fi) >= len(files) {
		return event.Ref{}
	}
	return s.Ref(string(files[fi]), uint32(detect.Int(line)))
}

// feedTLS builds the name series of the TLS records in the store, as ObserveTLS does.
func (d *Detection) feedTLS(s *detect.Store, into func(netip.Addr) detect.Aggregator) error {
	q := strings.NewReplacer("{where}", s.Where).Replace(tlsSQL)
	return s.Query(q, func(f [][]byte) error {
		if len(f) != 9 {
			return fmt.Errorf("%d columns", len(f))
		}
		src, err := netip.ParseAddr(string(f[0]))
		name := normName(string(f[1]))
		if err != nil || name == "" {
			return nil // ObserveTLS skips these too
		}
		cols, err := points(s, f[3:], 6)
		if err != nil {
			return err
		}
		files, times, fileIdx, lines, dsts, ports := cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]
		a := into(src).(*Aggregator)
		a.sources.Get(src.As16())
		p := getName(a.names, nameKey{src: src.As16(), name: name})
		p.via |= viaTLS
		ser := &p.ok
		if string(f[2]) != "1" {
			if p.failed == nil {
				p.failed = &series{}
			}
			ser = p.failed
		}
		for i := range times {
			ser.add(event.Time(detect.Int(times[i])), 0, false, a.p.MaxPoints, refOf(s, files, fileIdx[i], lines[i]))
		}
		for _, port := range ports {
			p.ports.add(uint16(detect.Int(port)))
		}
		for _, dst := range dsts {
			ip, _ := netip.ParseAddr(string(dst)) // the zero address when none was logged, as streamed
			p.addDst(ip)
		}
		return nil
	})
}

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
	// DNS first (its scan is shared with dns-tunnel, which waits for it): the records grouped
	// by client, server, name and type in the store (each name travels once), through
	// ObserveDNS: lookup series and the names of answered addresses
	err := s.DNS(func(e *event.DNS) error {
		into(e.Src).(*Aggregator).ObserveDNS(e)
		return nil
	})
	if err != nil {
		return err
	}
	if err := d.feedTLS(s, into); err != nil {
		return err
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
		cols, err := points(s, f[4:], 5)
		if err != nil {
			return err
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
			ser.add(event.Time(detect.Int(cols[1][i])), size, size >= 0, a.p.MaxPoints, refOf(s, files, cols[3][i], cols[4][i]))
		}
		return nil
	})
}
