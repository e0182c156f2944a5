package detect

import (
	"net/netip"
	"strconv"

	"github.com/sluice-hunt/sluice/event"
)

// Store is the event store a detection's aggregation can run in (ClickHouse: package
// chstore): a SQL query over its tables (one per event kind, named as Zeek's logs: conn, http,
// dns, ssl, files, smtp, ftp, x509, notice, host, cloud; columns in chstore's documentation),
// and the run's view of it.
type Store struct {
	// Query runs a SELECT and hands each row's fields (TabSeparated, unescaped) to fn.
	Query func(sql string, fn func(fields [][]byte) error) error
	// Where is the condition that bounds rows to the run: its time window (--since, --until,
	// --window) on the ts column; "1" when unbounded.
	Where string
	// FileID maps a stored record's file path to the run's file table (event.Ref.File).
	FileID func(path string) (uint32, bool)
	// Array splits an Array field of a row into its elements (strings unquoted).
	Array func(field []byte) ([][]byte, error)
	// Conns hands fn the stored conn records (whole, as streamed) that match a SQL condition
	// on the conn table's columns, within the run's bounds: a detection that needs only a few
	// records streams only those.
	Conns func(cond string, fn func(*event.Conn) error) error
	// DNS hands fn the stored DNS records with a query, within the run's bounds, grouped in
	// the store by what repeats (client, server, port, name, type, answer code) so that each
	// name travels once. Each record has the fields the DNS detections read, as streamed: TS,
	// Ref, Src, Dst, DstPort, Query, QType, QTypeName, RCode, RCodeName, Answers, TTLs; the
	// others are zero. Records come grouped, not in file order: the aggregators' results must
	// not depend on order (as Merge's). The detections that read them in one hunt share one
	// scan (their FeedSQL run at once), so a FeedSQL calls DNS once.
	DNS func(fn func(*event.DNS) error) error
}

// SQLAggregator is a detection whose aggregation runs as SQL inside the event store: the store
// groups and sums, and the rows come back into the detection's own aggregate, which its Score
// turns into findings as it does for streamed events. A hunt over the store gives the same
// findings either way.
type SQLAggregator interface {
	// AggregateSQL returns the merged aggregate of the events the store holds in the run's
	// bounds, as the engine's merge of those events streamed would be.
	AggregateSQL(env *Env, s *Store) (Aggregator, error)
}

// Ref returns the reference of a stored record.
func (s *Store) Ref(path string, line uint32) event.Ref {
	id, _ := s.FileID(path)
	return event.Ref{File: id, Line: line}
}

// SQLPart is a detection whose aggregation runs in the store for some of the kinds it reads
// (SQLKinds): the events of the other kinds stream to it as usual, and FeedSQL adds what the
// store aggregated to the engine's own partition aggregators, each source's state into the
// partition that holds it (so that the detection's per-partition layout holds).
type SQLPart interface {
	// SQLKinds are the kinds FeedSQL reads in the store.
	SQLKinds() event.KindSet
	// FeedSQL adds the store's aggregation of SQLKinds to the aggregators that aggregatorFor
	// returns: the aggregator of the partition that holds a source address's state.
	FeedSQL(env *Env, s *Store, aggregatorFor func(src netip.Addr) Aggregator) error
}

// Int reads an integer field of a row (0 when it is not one: the store's columns are typed).
func Int(field []byte) int64 {
	n, _ := strconv.ParseInt(string(field), 10, 64)
	return n
}
