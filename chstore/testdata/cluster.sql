CREATE DATABASE IF NOT EXISTS `sluice` ON CLUSTER `hunt`;

CREATE TABLE IF NOT EXISTS `sluice`.`conn_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `sport` UInt16,
  `dport` UInt16,
  `proto` String,
  `service` String,
  `duration` Int64,
  `orig_bytes` Int64,
  `resp_bytes` Int64,
  `orig_ip_bytes` Int64,
  `resp_ip_bytes` Int64,
  `conn_state` String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/conn', '{replica}')
PARTITION BY day
ORDER BY (fid, src, dst, dport, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`conn` ON CLUSTER `hunt` AS `sluice`.`conn_local`
ENGINE = Distributed(`hunt`, `sluice`, `conn_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`http_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `dport` UInt16,
  `method` String,
  `host` String,
  `uri` String,
  `user_agent` String,
  `status` Int64,
  `request_body_len` Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/http', '{replica}')
PARTITION BY day
ORDER BY (fid, src, host, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`http` ON CLUSTER `hunt` AS `sluice`.`http_local`
ENGINE = Distributed(`hunt`, `sluice`, `http_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`dns_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `dport` UInt16,
  `query` String,
  `qtype` String,
  `rcode` String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/dns', '{replica}')
PARTITION BY day
ORDER BY (fid, src, query, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`dns` ON CLUSTER `hunt` AS `sluice`.`dns_local`
ENGINE = Distributed(`hunt`, `sluice`, `dns_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`ssl_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `dport` UInt16,
  `server_name` String,
  `established` UInt8
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/ssl', '{replica}')
PARTITION BY day
ORDER BY (fid, src, server_name, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`ssl` ON CLUSTER `hunt` AS `sluice`.`ssl_local`
ENGINE = Distributed(`hunt`, `sluice`, `ssl_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`files_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `source` String,
  `mime_type` String,
  `seen_bytes` Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/files', '{replica}')
PARTITION BY day
ORDER BY (fid, src, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`files` ON CLUSTER `hunt` AS `sluice`.`files_local`
ENGINE = Distributed(`hunt`, `sluice`, `files_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`smtp_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `mailfrom` String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/smtp', '{replica}')
PARTITION BY day
ORDER BY (fid, src, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`smtp` ON CLUSTER `hunt` AS `sluice`.`smtp_local`
ENGINE = Distributed(`hunt`, `sluice`, `smtp_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`ftp_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `dst` String,
  `command` String,
  `file_size` Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/ftp', '{replica}')
PARTITION BY day
ORDER BY (fid, src, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`ftp` ON CLUSTER `hunt` AS `sluice`.`ftp_local`
ENGINE = Distributed(`hunt`, `sluice`, `ftp_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`x509_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/x509', '{replica}')
PARTITION BY day
ORDER BY (fid, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`x509` ON CLUSTER `hunt` AS `sluice`.`x509_local`
ENGINE = Distributed(`hunt`, `sluice`, `x509_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`notice_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `note` String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/notice', '{replica}')
PARTITION BY day
ORDER BY (fid, src, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`notice` ON CLUSTER `hunt` AS `sluice`.`notice_local`
ENGINE = Distributed(`hunt`, `sluice`, `notice_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`host_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `computer` String,
  `op` String,
  `image` String,
  `dst` String,
  `dport` UInt16
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/host', '{replica}')
PARTITION BY day
ORDER BY (fid, computer, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`host` ON CLUSTER `hunt` AS `sluice`.`host_local`
ENGINE = Distributed(`hunt`, `sluice`, `host_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.`cloud_local` ON CLUSTER `hunt` (
  `fid` String,
  `batch` UInt32,
  `file` String,
  `line` UInt32,
  `day` Date,
  `ts` Int64,
  `src` String,
  `event` String,
  `provider` String,
  `user` String,
  `name` String,
  `container` String,
  `bytes` Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/cloud', '{replica}')
PARTITION BY day
ORDER BY (fid, user, ts) TTL day + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS `sluice`.`cloud` ON CLUSTER `hunt` AS `sluice`.`cloud_local`
ENGINE = Distributed(`hunt`, `sluice`, `cloud_local`, cityHash64(src));

CREATE TABLE IF NOT EXISTS `sluice`.sluice_files_local ON CLUSTER `hunt` (
  fid String,
  path String,
  format String,
  size UInt64,
  head String,
  prefix_of String,
  positions UInt32,
  events UInt64,
  loaded DateTime
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/sluice/sluice_files', '{replica}')
ORDER BY (fid);

CREATE TABLE IF NOT EXISTS `sluice`.sluice_files ON CLUSTER `hunt` AS `sluice`.sluice_files_local
ENGINE = Distributed(`hunt`, `sluice`, sluice_files_local, rand());
