package chstore

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/sluice-hunt/sluice/clickhouse"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/engine"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/eventlog"
)

// Where is the SQL condition on ts for the bounds [since, until) (zero: unbounded), with the
// days they span on the partition column, so that ClickHouse reads only those partitions.
func Where(since, until event.Time) string {
	w := "1"
	if since != 0 {
		w += " AND ts >= " + strconv.FormatInt(int64(since), 10) + " AND day >= '" + dayOf(since) + "'"
	}
	if until != 0 {
		w += " AND ts < " + strconv.FormatInt(int64(until), 10) + " AND day <= '" + dayOf(until) + "'"
	}
	return w
}

// dayOf is the day (the partition) a row of time t is stored in.
func dayOf(t event.Time) string { return t.Std().Format("2006-01-02") }

// Aggregates are what the store computed for a run: engine.Options' Prebuilt, PrebuiltKinds
// and Window (Apply sets them).
type Aggregates struct {
	// Streamed are the kinds some detection still reads as streamed events (Inputs need send
	// no other).
	Streamed event.KindSet
	Prebuilt []detect.Aggregator
	Feeds    []func(func(netip.Addr) detect.Aggregator) error
	Kinds    []event.KindSet
	Window   *detect.Window
}

// Apply sets the engine's options from the aggregates.
func (a *Aggregates) Apply(opt *engine.Options) {
	opt.Prebuilt, opt.Feeds, opt.PrebuiltKinds, opt.Window = a.Prebuilt, a.Feeds, a.Kinds, a.Window
}

// Aggregate runs, inside the store, the aggregation of the detections that have one
// (detect.SQLAggregator) and returns their aggregates by the detections' index (nil for the
// others, which read the streamed events; a detect.SQLPart also reads the streamed events of
// the kinds its SQL does not cover), and the span of the run's events. inputs are the run's inputs (Inputs): their order
// is the file table the aggregates' evidence refers to.
func Aggregate(ctx context.Context, c *clickhouse.Client, dets []detect.Detection, env *detect.Env, since, until event.Time, inputs []source.Input) (*Aggregates, error) {
	if err := Check(ctx, c); err != nil {
		return nil, err
	}
	store := Store(ctx, c, since, until, inputs)
	// the feeds that read the dns records share one scan of them (they run at once)
	var dnsFeeds []int
	var dns *sharedScan[*event.DNS] // made after the loop: the closures read it when they run
	pre := make([]detect.Aggregator, len(dets))
	feeds := make([]func(func(netip.Addr) detect.Aggregator) error, len(dets))
	covered := make([]event.KindSet, len(dets))
	kinds := event.KindSet(0).With(event.KindHost) // host events are always read (attribution)
	streamed := event.KindSet(0).With(event.KindHost)
	for i, d := range dets {
		obs := observed(d.NewAggregator(env))
		kinds |= obs
		switch p := d.(type) {
		case detect.SQLAggregator:
		case detect.SQLPart:
			streamed |= obs &^ p.SQLKinds()
		default:
			streamed |= obs
		}
		if p, ok := d.(detect.SQLPart); ok {
			covered[i] = p.SQLKinds()
			if p.SQLKinds().Has(event.KindDNS) {
				dnsFeeds = append(dnsFeeds, i)
			}
			own := *store
			own.DNS = func(fn func(*event.DNS) error) error { return dns.subscribe(i, fn) }
			feeds[i] = func(into func(netip.Addr) detect.Aggregator) error {
				defer dns.leave(i)
				if err := p.FeedSQL(env, &own, into); err != nil {
					return fmt.Errorf("aggregation in ClickHouse: %w", err)
				}
				return nil
			}
			continue
		}
		s, ok := d.(detect.SQLAggregator)
		if !ok {
			continue
		}
		a, err := s.AggregateSQL(env, store)
		if err != nil {
			return nil, fmt.Errorf("%s: aggregation in ClickHouse: %w", d.Info().ID, err)
		}
		pre[i] = a
	}
	dns = newSharedScan(store.DNS, dnsFeeds)
	var parts []string
	for _, t := range tables {
		if !kinds.Has(t.kind) {
			continue
		}
		hi := "max(ts)"
		if t.kind == event.KindConn { // a connection's window reaches to its end (as the engine's)
			hi = "max(ts + greatest(duration, 0))"
		}
		parts = append(parts, "SELECT min(ts) AS lo, "+hi+" AS hi FROM "+t.name+" WHERE ts != 0 AND "+store.Where)
	}
	w := &detect.Window{}
	err := c.Query(ctx, "SELECT min(lo), max(hi), sum(x) FROM (SELECT lo, hi, 1 AS x FROM ("+strings.Join(parts, " UNION ALL ")+") WHERE hi != 0)", func(f [][]byte) error {
		if string(f[2]) == "0" {
			return nil
		}
		lo, _ := strconv.ParseInt(string(f[0]), 10, 64)
		hi, _ := strconv.ParseInt(string(f[1]), 10, 64)
		w.First, w.Last = event.Time(lo), event.Time(hi)
		return nil
	})
	return &Aggregates{Streamed: streamed, Prebuilt: pre, Feeds: feeds, Kinds: covered, Window: w}, err
}

// Store is the event store as the detections' SQL sees it (detect.Store) for a run over
// [since, until) (zero: unbounded) whose file table is inputs (Inputs).
func Store(ctx context.Context, c *clickhouse.Client, since, until event.Time, inputs []source.Input) *detect.Store {
	ids := map[string]uint32{}
	for i, in := range inputs {
		ids[in.Name] = uint32(i)
	}
	store := &detect.Store{
		Query:  func(sql string, fn func([][]byte) error) error { return c.Query(ctx, sql, fn) },
		Where:  Where(since, until),
		FileID: func(p string) (uint32, bool) { id, ok := ids[p]; return id, ok },
		Array:  clickhouse.ParseArray,
	}
	store.Conns = func(cond string, fn func(*event.Conn) error) error {
		return c.Query(ctx, "SELECT file, line, event FROM conn WHERE "+store.Where+" AND ("+cond+")", func(f [][]byte) error {
			e, err := eventlog.DecodeEvent(event.KindConn, f[2])
			if err != nil {
				return err
			}
			cn := e.(*event.Conn)
			cn.Ref = store.Ref(string(f[0]), uint32(detect.Int(f[1])))
			return fn(cn)
		})
	}
	store.DNS = func(fn func(*event.DNS) error) error { return storedDNS(store, fn) }
	return store
}

// observed is the kinds an aggregator observes: the kinds whose events the engine reads, and
// whose times make the run's window.
func observed(a detect.Aggregator) event.KindSet {
	var s event.KindSet
	for k, ok := range map[event.Kind]bool{
		event.KindConn: is[detect.ConnObserver](a), event.KindHTTP: is[detect.HTTPObserver](a),
		event.KindDNS: is[detect.DNSObserver](a), event.KindTLS: is[detect.TLSObserver](a),
		event.KindFile: is[detect.FileObserver](a), event.KindSMTP: is[detect.SMTPObserver](a),
		event.KindFTP: is[detect.FTPObserver](a), event.KindX509: is[detect.X509Observer](a),
		event.KindNotice: is[detect.NoticeObserver](a), event.KindHost: is[detect.HostObserver](a),
		event.KindCloud: is[detect.CloudObserver](a),
	} {
		if ok {
			s = s.With(k)
		}
	}
	return s
}

func is[T any](a detect.Aggregator) bool {
	_, ok := a.(T)
	return ok
}

// dnsSQL groups the dns rows by what repeats from query to query, each group with its files,
// its distinct answer lists (the Answers and TTLs of the event JSON) and every query's time,
// file, line and answers (indexes into the files and answer lists).
const dnsSQL = `
SELECT src, dst, dport, query, qtype, qt, rcode, rc, files, answers,
       arrayMap(x -> x.1, pts), arrayMap(x -> indexOf(files, x.2), pts), arrayMap(x -> x.3, pts), arrayMap(x -> indexOf(answers, x.4), pts)
FROM (
  SELECT src, dst, dport, query, qtype, qt, rcode, rc, groupUniqArray(file) AS files, groupUniqArray(ans) AS answers,
         arraySort(groupArray((ts, file, line, ans))) AS pts
  FROM (
    SELECT src, dst, dport, query, qtype, rcode, ts, file, line,
           visitParamExtractInt(event, 'QType') AS qt, visitParamExtractInt(event, 'RCode') AS rc,
           concat(visitParamExtractRaw(event, 'Answers'), '\t', visitParamExtractRaw(event, 'TTLs')) AS ans
    FROM dns
    WHERE {where} AND src != '' AND query != ''
  )
  GROUP BY src, dst, dport, query, qtype, qt, rcode, rc
)`

// storedDNS reads the dns rows with a query back as records (detect.Store.DNS).
func storedDNS(s *detect.Store, fn func(*event.DNS) error) error {
	q := strings.NewReplacer("{where}", s.Where).Replace(dnsSQL)
	return s.Query(q, func(f [][]byte) error {
		if len(f) != 14 {
			return fmt.Errorf("dns: %d columns", len(f))
		}
		src, err := netip.ParseAddr(string(f[0]))
		if err != nil {
			return nil
		}
		dst, _ := netip.ParseAddr(string(f[1])) // none logged: the zero address, as streamed
		var cols [6][][]byte
		for i, j := range []int{8, 9, 10, 11, 12, 13} {
			if cols[i], err = s.Array(f[j]); err != nil {
				return fmt.Errorf("dns: %w", err)
			}
		}
		files, lists, times, fileIdx, lines, listIdx := cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]
		type answers struct {
			answers event.List
			ttls    []event.Duration
		}
		decoded := make([]answers, len(lists))
		for i, l := range lists {
			a, t, _ := bytes.Cut(l, []byte("\t"))
			var names []string
			var ttls []event.Duration
			if len(a) > 0 {
				if names, err = eventlog.Strings(a); err != nil {
					return fmt.Errorf("dns answers %q: %w", a, err)
				}
			}
			if len(t) > 0 {
				if err := jsonv2.Unmarshal(t, &ttls); err != nil {
					return fmt.Errorf("dns TTLs %q: %w", t, err)
				}
			}
			decoded[i] = answers{names, ttls}
		}
		e := event.DNS{Query: string(f[3]), QTypeName: string(f[4]), QType: detect.Int(f[5]),
			RCodeName: string(f[6]), RCode: detect.Int(f[7])}
		e.Src, e.Dst, e.DstPort = src, dst, uint16(detect.Int(f[2]))
		for i := range times {
			r := e
			r.TS = event.Time(detect.Int(times[i]))
			if fi := detect.Int(fileIdx[i]) - 1; fi >= 0 && int(fi) < len(files) {
				r.Ref = s.Ref(string(files[fi]), uint32(detect.Int(lines[i])))
			}
			if li := detect.Int(listIdx[i]) - 1; li >= 0 && int(li) < len(decoded) {
				r.Answers, r.TTLs = decoded[li].answers, decoded[li].ttls
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	})
}
