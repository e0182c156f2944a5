package chstore

import (
	"fmt"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// A value a typed column takes from an event: a string or an integer.
type value struct {
	s     string
	n     int64
	isInt bool
}

func str(s string) value { return value{s: s} }
func num(n int64) value  { return value{n: n, isInt: true} }
func flag(b bool) value {
	if b {
		return num(1)
	}
	return num(0)
}
func addr(a interface {
	IsValid() bool
	String() string
}) value {
	if !a.IsValid() {
		return value{}
	}
	return value{s: a.String()}
}

// column is a typed column of a kind's table, beside the common ones.
type column struct {
	name, typ string
	of        func(e any) value
}

// legacy computes, for the columns added after the schema's first release (by table.column),
// the column from the event JSON: the rows loaded before Migrate added the column read it
// through this DEFAULT expression (ClickHouse evaluates it for parts written without the
// column), so that an aggregation over them is as right as over new rows.
var legacy = map[string]string{
	"ssl.established": "visitParamExtractBool(event, 'Established')",
}

// table is the table of one event kind.
type table struct {
	kind  event.Kind
	name  string
	order []string // ORDER BY after fid: the detections' grouping keys
	cols  []column
}

// commonColumns every table has, in this order, before its own: where the record came from
// (the file's content id, the insert batch, the path and position), when (day for the
// partition, ts in microseconds), its source address (the sharding key), and the whole event.
var commonColumns = []struct{ name, typ string }{
	{"fid", "String"}, {"batch", "UInt32"}, {"file", "String"}, {"line", "UInt32"},
	{"day", "Date"}, {"ts", "Int64"}, {"src", "String"}, {"event", "String"},
}

func conn(e any) *event.Conn { return e.(*event.Conn) }
func http(e any) *event.HTTP { return e.(*event.HTTP) }
func dns(e any) *event.DNS   { return e.(*event.DNS) }

// tables are the event store's tables, one per event kind.
var tables = []*table{
	{kind: event.KindConn, name: "conn", order: []string{"src", "dst", "dport", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(conn(e).Dst) }},
		{"sport", "UInt16", func(e any) value { return num(int64(conn(e).SrcPort)) }},
		{"dport", "UInt16", func(e any) value { return num(int64(conn(e).DstPort)) }},
		{"proto", "String", func(e any) value { return str(conn(e).Proto) }},
		{"service", "String", func(e any) value { return str(conn(e).Service) }},
		{"duration", "Int64", func(e any) value { return num(int64(conn(e).Duration)) }},
		{"orig_bytes", "Int64", func(e any) value { return num(conn(e).OrigBytes) }},
		{"resp_bytes", "Int64", func(e any) value { return num(conn(e).RespBytes) }},
		{"orig_ip_bytes", "Int64", func(e any) value { return num(conn(e).OrigIPBytes) }},
		{"resp_ip_bytes", "Int64", func(e any) value { return num(conn(e).RespIPBytes) }},
		{"conn_state", "String", func(e any) value { return str(conn(e).ConnState) }},
	}},
	{kind: event.KindHTTP, name: "http", order: []string{"src", "host", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(http(e).Dst) }},
		{"dport", "UInt16", func(e any) value { return num(int64(http(e).DstPort)) }},
		{"method", "String", func(e any) value { return str(http(e).Method) }},
		{"host", "String", func(e any) value { return str(http(e).Host) }},
		{"uri", "String", func(e any) value { return str(http(e).URI) }},
		{"user_agent", "String", func(e any) value { return str(http(e).UserAgent) }},
		{"status", "Int64", func(e any) value { return num(http(e).StatusCode) }},
		{"request_body_len", "Int64", func(e any) value { return num(http(e).RequestBodyLen) }},
	}},
	{kind: event.KindDNS, name: "dns", order: []string{"src", "query", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(dns(e).Dst) }},
		{"dport", "UInt16", func(e any) value { return num(int64(dns(e).DstPort)) }},
		{"query", "String", func(e any) value { return str(dns(e).Query) }},
		{"qtype", "String", func(e any) value { return str(dns(e).QTypeName) }},
		{"rcode", "String", func(e any) value { return str(dns(e).RCodeName) }},
	}},
	{kind: event.KindTLS, name: "ssl", order: []string{"src", "server_name", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(e.(*event.TLS).Dst) }},
		{"dport", "UInt16", func(e any) value { return num(int64(e.(*event.TLS).DstPort)) }},
		{"server_name", "String", func(e any) value { return str(e.(*event.TLS).ServerName) }},
		{"established", "UInt8", func(e any) value { return flag(e.(*event.TLS).Established) }},
	}},
	{kind: event.KindFile, name: "files", order: []string{"src", "ts"}, cols: []column{
		{"source", "String", func(e any) value { return str(e.(*event.File).Source) }},
		{"mime_type", "String", func(e any) value { return str(e.(*event.File).MimeType) }},
		{"seen_bytes", "Int64", func(e any) value { return num(e.(*event.File).SeenBytes) }},
	}},
	{kind: event.KindSMTP, name: "smtp", order: []string{"src", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(e.(*event.SMTP).Dst) }},
		{"mailfrom", "String", func(e any) value { return str(e.(*event.SMTP).MailFrom) }},
	}},
	{kind: event.KindFTP, name: "ftp", order: []string{"src", "ts"}, cols: []column{
		{"dst", "String", func(e any) value { return addr(e.(*event.FTP).Dst) }},
		{"command", "String", func(e any) value { return str(e.(*event.FTP).Command) }},
		{"file_size", "Int64", func(e any) value { return num(e.(*event.FTP).FileSize) }},
	}},
	{kind: event.KindX509, name: "x509", order: []string{"ts"}},
	{kind: event.KindNotice, name: "notice", order: []string{"src", "ts"}, cols: []column{
		{"note", "String", func(e any) value { return str(e.(*event.Notice).Note) }},
	}},
	{kind: event.KindHost, name: "host", order: []string{"computer", "ts"}, cols: []column{
		{"computer", "String", func(e any) value { return str(e.(*event.Host).Computer) }},
		{"op", "String", func(e any) value { return str(e.(*event.Host).Op.String()) }},
		{"image", "String", func(e any) value { return str(e.(*event.Host).Proc.Image) }},
		{"dst", "String", func(e any) value { return addr(e.(*event.Host).Dst) }},
		{"dport", "UInt16", func(e any) value { return num(int64(e.(*event.Host).DstPort)) }},
	}},
	{kind: event.KindCloud, name: "cloud", order: []string{"user", "ts"}, cols: []column{
		{"provider", "String", func(e any) value { return str(e.(*event.Cloud).Provider) }},
		{"user", "String", func(e any) value { return str(e.(*event.Cloud).User) }},
		{"name", "String", func(e any) value { return str(e.(*event.Cloud).Name) }},
		{"container", "String", func(e any) value { return str(e.(*event.Cloud).Container) }},
		{"bytes", "Int64", func(e any) value { return num(e.(*event.Cloud).Bytes) }},
	}},
}

// tableOf is the table of each kind.
var tableOf = func() [event.NumKinds]*table {
	var t [event.NumKinds]*table
	for _, x := range tables {
		t[x.kind] = x
	}
	return t
}()

// columnNames lists a table's columns in insert order.
func (t *table) columnNames() []string {
	var names []string
	for _, c := range commonColumns {
		names = append(names, c.name)
	}
	for _, c := range t.cols {
		names = append(names, c.name)
	}
	return names
}

// Layout says how the tables are created.
type Layout struct {
	// Cluster, when set, creates each table ON CLUSTER as a ReplicatedMergeTree (<name>_local)
	// with a Distributed table <name> over it, sharded by the source address.
	Cluster string
	// TTLDays, when above 0, keeps that many days: a TTL clause on servers that have TTL
	// (19.6 and later); on older ones ingest drops the partitions past it.
	TTLDays int
	// TTL is whether the server supports the TTL clause.
	TTL bool
}

// filesTable records the inputs loaded, by content.
const filesTable = "sluice_files"

// DDL returns the statements that create the tables of database db (IF NOT EXISTS).
func DDL(db string, l Layout) []string {
	q := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	onCluster := ""
	if l.Cluster != "" {
		onCluster = " ON CLUSTER " + q(l.Cluster)
	}
	var out []string
	out = append(out, "CREATE DATABASE IF NOT EXISTS "+q(db)+onCluster)
	for _, t := range tables {
		var cols []string
		for _, c := range commonColumns {
			cols = append(cols, q(c.name)+" "+c.typ)
		}
		for _, c := range t.cols {
			cols = append(cols, q(c.name)+" "+c.typ)
		}
		ttl := ""
		if l.TTLDays > 0 && l.TTL {
			ttl = fmt.Sprintf(" TTL day + toIntervalDay(%d)", l.TTLDays)
		}
		// the content first: a file's rows are one range (a hunt streams a file's events, a
		// load resumes a file's batches), ordered within it by the detections' grouping keys
		order := strings.Join(append([]string{"fid"}, t.order...), ", ")
		body := "(\n  " + strings.Join(cols, ",\n  ") + "\n)"
		if l.Cluster == "" {
			out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s %s\nENGINE = MergeTree()\nPARTITION BY day\nORDER BY (%s)%s",
				q(db), q(t.name), body, order, ttl))
			continue
		}
		local := t.name + "_local"
		out = append(out,
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s %s\nENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/%s/%s', '{replica}')\nPARTITION BY day\nORDER BY (%s)%s",
				q(db), q(local), onCluster, body, db, t.name, order, ttl),
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s\nENGINE = Distributed(%s, %s, %s, cityHash64(src))",
				q(db), q(t.name), onCluster, q(db), q(local), q(l.Cluster), q(db), q(local)))
	}
	files := "(\n  fid String,\n  path String,\n  format String,\n  size UInt64,\n  head String,\n  prefix_of String,\n  positions UInt32,\n  events UInt64,\n  loaded DateTime\n)"
	if l.Cluster == "" {
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s %s\nENGINE = MergeTree()\nORDER BY (fid)", q(db), filesTable, files))
	} else {
		out = append(out,
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_local%s %s\nENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/%s/%s', '{replica}')\nORDER BY (fid)",
				q(db), filesTable, onCluster, files, db, filesTable),
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s_local\nENGINE = Distributed(%s, %s, %s_local, rand())",
				q(db), filesTable, onCluster, q(db), filesTable, q(l.Cluster), q(db), filesTable))
	}
	return out
}
