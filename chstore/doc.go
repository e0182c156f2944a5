// Package chstore is sluice's event store in ClickHouse: the tables, loading logs into them
// (`sluice ingest`), and reading the events back for a hunt (`sluice hunt --clickhouse`).
//
// # Tables
//
// One table per event kind (conn, http, dns, ssl, files, smtp, ftp, x509, notice, host, cloud),
// MergeTree, partitioned by day, ordered by the content the records came from (fid), then by
// the keys the detections group on (conn: source, destination, port, time; http: source, host,
// time; dns: source, query, time ...): the rows of one file are one range of the primary key,
// so that streaming a file's events back, or finding the batches of a file already in, reads
// that file's rows and not the whole day's. Every table has the same leading columns:
//
//	fid    String   the content id of the file the record came from (SHA-256 of its bytes)
//	batch  UInt32   the insert the row came in (numbered in the same order on every load)
//	file   String   the file's path as loaded
//	line   UInt32   the record's position in it (line, packet, record ordinal: event.Ref.Line)
//	day    Date     the partition
//	ts     Int64    microseconds since the Unix epoch, UTC
//	src    String   the source address (the sharding key of a cluster)
//	event  String   the whole normalized event, as JSON (package eventlog)
//
// then typed columns for SQL (conn: dst, sport, dport, proto, service, duration, orig_bytes,
// resp_bytes, orig_ip_bytes, resp_ip_bytes, conn_state; http: dst, dport, method, host, uri,
// user_agent, status, request_body_len; ...: see schema.go). sluice_files records each
// content loaded: fid, path, format, size, the hash of its first 64 KiB (head), the content it
// extends (prefix_of), the last position loaded, the events, when.
//
// With --cluster NAME each table is a ReplicatedMergeTree <name>_local created ON CLUSTER,
// with a Distributed table <name> over the shards, sharded by cityHash64(src): every record of
// a source lands on one shard, so a detection's per-source state is whole on one shard and the
// shards aggregate in parallel (docs/scale-out.md). --ttl DAYS adds a TTL where the server has
// it (19.6 and later) and otherwise drops the partitions past it after loading.
//
// The columns and SQL are what ClickHouse 18.16 (Debian's) and current releases both accept:
// no LowCardinality, no DateTime64, no IPv4/IPv6 types, no query parameters; addresses are
// text, times integers.
//
// # Loading
//
// Each file is read through its format (package source), in order, and its events become
// rows, sent in batches of at most Options.BatchRows rows of one table and one day: one
// partition, one block, so that an insert lands whole or not at all. Loading is idempotent:
//
//   - A file whose content (fid) is in sluice_files is skipped.
//   - A file whose first bytes are those of content loaded before (same head hash, and the
//     SHA-256 of its first size bytes is that content's fid) is that log grown: only its
//     records past the position loaded before are loaded (line formats; a capture or a
//     document that grew is such a file too, and only its records past the old last position
//     count).
//   - A load that stopped (a crash, a killed server, ^C) left some batches of a file in; the
//     next load numbers the batches the same way, finds which are in (by fid and batch) and
//     sends only the others. sluice_files gets the file's row only after all its batches, so
//     row counts are exact after any number of interruptions.
//
// Queries are retried with back-off on connection errors and transient server errors (package
// clickhouse); an insert that failed is not retried blindly: the next load finds whether it
// landed.
//
// # Hunting
//
// Inputs returns one input per original path (sorted, as a hunt over the files lists them),
// each streaming its events in position order as an event log (package eventlog), bounded to
// a time window. The engine runs every detection on them exactly as on the files, so the
// findings are the same (TestHuntMatchesEmbedded runs every golden fixture both ways);
// evidence text comes from the original file when it is at hand, else from the stored event.
package chstore
