// Package panos reads the TRAFFIC and THREAT logs of Palo Alto Networks firewalls (PAN-OS 6.0
// and later) as they reach a syslog collector, and as the web interface and Panorama export
// them to CSV. TRAFFIC records become event.Conn, THREAT url records event.HTTP, THREAT file
// and wildfire records event.File and the other THREAT records event.Notice. Other log types
// are counted, not read.
//
// # Lines
//
// PAN-OS writes each log record as one line of comma-separated values. A field that holds a
// comma or a quote (URLs, user agents, threat names) is quoted, with "" for a quote; the
// URL/Filename field is always quoted. Whatever stands before the record is passed over: the
// syslog header (RFC 3164, "<14>Nov  8 23:52:52 fw-1 ", which PAN-OS calls BSD; RFC 5424,
// "<14>1 2024-03-05T16:03:00+00:00 fw-1 - - - - ", its IETF), and the prefix a collector adds
// (Kiwi Syslog's "2014-11-08 23:52:53<TAB>Local2.Info<TAB>10.139.6.24<TAB>", also with its tabs
// written out as `\t`, as in Splunk's attack_data). The record starts at the word before the
// first comma: PAN-OS's first field (FUTURE_USE, "1") holds no space, and the headers no comma.
// After the record, white space, CR, NUL, Kiwi's "<000>" (its rendering of a NUL byte)
// and line ends written out as text (`\r\n`) are dropped.
//
// An exported CSV file starts with a header line, "Domain,Receive Time,Serial #,Type,..."
// ("Threat/Content Type,Config Version,Generate Time,Source address" follow): its columns are then
// read by name (the export's names, "seqno", "pkts_sent", "user_agent" ... as well as the
// syslog documentation's), so that an export of any release and any column order reads. A
// file may hold several exports one after the other; lines before any header are syslog.
//
// # Fields
//
// The syslog format is positional and the same in every release since 6.0: new fields are
// only ever appended, so a line is read whatever its release, a field being taken when the line
// is long enough to hold it. The fields the reader uses, by 0-based position, with the release
// that added them (6.1-8: between 6.1 and 8.0, see below):
//
//	pos  field                   since  notes
//	     both types
//	0    FUTURE_USE              6.0    "1"
//	1    Receive Time            6.0    when the management plane received the record
//	2    Serial Number           6.0    the firewall's
//	3    Type                    6.0    TRAFFIC, THREAT, SYSTEM, CONFIG ...
//	4    Subtype                 6.0    start, end, drop, deny; url, file, wildfire, virus ... (Threat/Content Type)
//	6    Generated Time          6.0    when the dataplane wrote it
//	7    Source Address          6.0    of the original (pre-NAT) session
//	8    Destination Address     6.0
//	9    NAT Source IP           6.0    not mapped (see NAT)
//	10   NAT Destination IP      6.0    not mapped
//	11   Rule Name               6.0
//	12   Source User             6.0
//	14   Application             6.0    App-ID's name: web-browsing, ssl, dns ...
//	22   Session ID              6.0
//	24   Source Port             6.0
//	25   Destination Port        6.0
//	29   Protocol                6.0    tcp, udp, icmp ...
//	30   Action                  6.0    allow, deny, drop, reset-both ...; alert, block-url ...
//	     TRAFFIC
//	32   Bytes Sent              6.0    client to server
//	33   Bytes Received          6.0    server to client
//	35   Start Time              6.0
//	36   Elapsed Time            6.0    seconds
//	39   Sequence Number         6.0
//	44   Packets Sent            6.0
//	45   Packets Received        6.0
//	46   Session End Reason      6.1    tcp-fin, tcp-rst-from-client, aged-out, threat, policy-deny ...
//	     THREAT
//	31   URL/Filename            6.0    the URL (host and path) or a file name; quoted
//	32   Threat ID               6.0    "name(id)"; "(9999)" in URL records
//	35   Direction               6.0    client-to-server, server-to-client
//	36   Sequence Number         6.0
//	41   Content Type            6.0    of the HTTP response
//	43   File Digest             6.1-8  WildFire's SHA-256
//	46   User Agent              6.1-8
//	49   Referer                 6.1-8
//	63   HTTP Method             8.0    get, post ...
//
// TRAFFIC then has Device Group Hierarchy 1-4, Virtual System Name, Device Name and Action
// Source (47-53, the 7.1 list), the VM UUIDs and tunnel fields (54-60, 8.0), SCTP (61-64, 8.1),
// Rule UUID and HTTP/2 Connection (65-66), App Flap Count to Dynamic User Group Name (67-74, the
// 9.1 list), then XFF Address, the Device-ID fields and more (75 on, 10.x and 11.x). THREAT has
// Content Type (41) in 6.0, PCAP_ID to Report ID (42-53) by 8.0 (6.1 added the first of them;
// the releases between are not pinned here, which the reader does not need), Device Group
// Hierarchy to Device Name (54-59), the VM UUIDs, HTTP Method and tunnel fields (61-68, 8.0),
// Threat Category and Content Version (69-70), then SCTP, HTTP Headers, URL Category List,
// Rule UUID ... (72 on). A TRAFFIC record must have at least the 37 fields up to Elapsed Time,
// a THREAT record the 36 up to Direction; later fields are unset when a line stops before them.
//
// Sources: PAN-OS Administrator's Guide, Syslog Field Descriptions, for 6.1
// (https://www.paloaltonetworks.com/documentation/61/pan-os/pan-os/reports-and-logging/syslog-field-descriptions,
// where Session End Reason is marked new), 7.1 and 8.0
// (https://www.paloaltonetworks.com/documentation/71/pan-os/pan-os/monitoring/syslog-field-descriptions,
// .../documentation/80/...), 8.1 Traffic Log Fields
// (https://docs.paloaltonetworks.com/pan-os/8-1/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions/traffic-log-fields),
// 9.1 Threat Log Fields (.../pan-os/9-1/.../threat-log-fields.html), 10.1 Traffic and 10.2
// Threat Log Fields (.../pan-os/10-1/.../traffic-log-fields, .../pan-os/10-2/.../threat-log-fields)
// and 11.0 Traffic Log Fields (.../pan-os/11-0/.../traffic-log-fields.html); for 6.0, the layout
// Trellix ESM documents for PAN-OS (https://docs.trellix.com/docs/palo-alto-networks-pan-os-log-format-and-field-mapping),
// which the real 6.0 sample matches field for field (46 TRAFFIC, 42 THREAT fields); the field
// order of the Splunk Add-on for Palo Alto Networks (transforms.conf, extract_traffic and
// extract_threat) agrees with all of them.
//
// Times are "2014/11/08 23:52:52" in the firewall's local time, with no zone: they are taken
// as UTC. A firewall set to another zone than UTC therefore yields times off by its offset;
// comparisons within its logs are unaffected. ISO 8601 times with a zone (custom formats, the
// high-resolution timestamps) are read too.
//
// # Mapping
//
// TRAFFIC end, drop and deny records become event.Conn:
//
//	event.Conn          PAN-OS                        notes
//	Meta.TS             Start Time                    Generated Time when the start is missing or PAN-OS's zero time
//	Meta.UID            Session ID                    "" for 0 (drops have no session); ids repeat over time
//	Meta.Sensor         Serial Number                 the firewall
//	Src, Dst            Source/Destination Address    pre-NAT: the inside host of outbound traffic
//	SrcPort, DstPort    Source/Destination Port
//	Proto               Protocol                      tcp, udp, icmp (ipv6-icmp too); others as logged
//	Service             Application                   "" for incomplete, insufficient-data, not-applicable, unknown-tcp, unknown-udp, unknown-p2p, unknown
//	Duration            Elapsed Time                  whole seconds
//	OrigBytes           Bytes Sent                    client to server, on the wire (headers included)
//	RespBytes           Bytes Received                server to client, on the wire
//	OrigIPBytes         Bytes Sent                    the same: PAN-OS counts no payload apart
//	RespIPBytes         Bytes Received
//	OrigPkts, RespPkts  Packets Sent/Received         unset in a line shorter than 6.0's 46 fields
//	ConnState           Action, Session End Reason    see below
//	Action, Rule, User  Action, Rule Name, Source User
//
// Zeek's orig_bytes and resp_bytes count payload; PAN-OS counts whole packets, so OrigBytes and
// RespBytes are larger than Zeek's for the same session by the headers (40 bytes or more a
// packet): volume thresholds meet them a little sooner. LocalOrig, LocalResp and MissedBytes are
// unset, History empty.
//
// ConnState puts the record in Zeek's conn_state words where it can: REJ for a session the
// firewall reset (reset-client, reset-server, reset-both); S0 for one it blocked (deny, drop,
// drop-icmp ...), and for an allowed one that got no packet (else no byte) back; then by
// Session End Reason (6.1) SF for tcp-fin, RSTO for tcp-rst-from-client, RSTR for
// tcp-rst-from-server; SF for UDP and ICMP with packets both ways; else "" (aged-out TCP, a
// session ended by a threat or a policy change, 6.0 logs without an end reason).
//
// A session can be logged twice: a start record when it is allowed (if the rule logs at
// session start) and an end record when it ends, with the whole session's counts. Reading both
// would count its bytes twice, and a reader cannot wait for an end record that may never come
// (the file may stop first). So start records are counted (Ignored "panos-traffic-start") and
// not read; end, drop and deny records are read. A session still open when the logs stop is
// therefore not seen.
//
// THREAT url records (URL filtering) become event.HTTP: TS the Generated Time, the flow as
// above, URL the URL/Filename as logged (host and path without a scheme; PAN-OS may cut a
// long one short), Host its host without a port, URI its path and query ("" when
// none), Method the HTTP Method (8.0 and later; PAN-OS logs it in lower case, the event holds
// it in upper case), UserAgent and Referrer their fields (added after 6.0), RespMimeTypes the
// Content Type (the response's), Username the Source User and Action the action (alert,
// block-url, continue ...). For an undecrypted TLS session the URL is what the server name
// said, "*.example.com/" for a wildcard certificate, and there is no method. StatusCode,
// ReqBytes, RespBytes and the body lengths are unset: URL logs do not say them.
//
// THREAT file (file blocking) and wildfire (WildFire submission) records become event.File
// (TS the Generated Time, else the Receive Time; the flow as above, addresses optional):
// Filename from URL/Filename, Source the application in Zeek's words (HTTP for web-browsing,
// FTP_DATA, SMTP, POP3, IMAP, SMB, SSL; other applications upper-cased), IsOrig 1 when the
// Direction is client-to-server (an upload), 0 for server-to-client, and SHA256 the File Digest
// when it is one. MimeType is empty (PAN-OS names the file type in the threat name, "ZIP(52005)",
// not as a MIME type), the sizes unset.
//
// The other THREAT subtypes (vulnerability, spyware, virus, wildfire-virus, ml-virus, flood,
// scan, packet, data ...) become event.Notice (TS and flow as for files; a flood or scan may
// name no destination): Note "PAN-OS::" and the subtype, Msg the Threat
// ID field as logged ("Microsoft Windows NAT Helper DNS Query Denial of Service(31339)"), Sub
// the URL/Filename, NoticeSrc, NoticeDst and Port the session's source, destination and
// destination port, Actions the action. The severity has no field in event.Notice.
//
// SYSTEM, CONFIG, HIP-MATCH, GLOBALPROTECT, USERID, AUTH, DECRYPTION, CORRELATION and the other
// log types are counted (Ignored "panos-system", "panos-config" ...), as are TRAFFIC records of
// another subtype than end, drop, deny and start. Read records are counted under panos-traffic,
// panos-url, panos-file and panos-threat; when no detection of the run reads a kind
// (source.FileInfo.Skip), its records are counted there without being converted.
//
// # NAT
//
// Src and Dst are the addresses of the original session: for outbound traffic the inside host
// and the outside server, for traffic to a published server the outside client and the
// server's public address. The post-NAT addresses and ports (NAT Source IP ... NAT Destination
// Port) are not mapped; "0.0.0.0" there means no translation.
//
// # Duplicates
//
// A record can reach a collector twice (logs forwarded both by the firewall and by Panorama,
// two forwarding profiles to one server): the real sample holds 219 such copies in 1,000 lines,
// each within 20 lines of the first. Each log type of a firewall numbers its records (Sequence
// Number, "a 64-bit log entry identifier incremented sequentially; each log type has a unique
// number space"), so a record with the serial number, type and sequence number of one among the
// last 256 records is a copy: it is counted (Ignored "panos-duplicate") and not read. The
// window spans block boundaries.
//
// # Problems
//
// A line whose fourth field is not a log type is skipped ("not a PAN-OS record"), as is one
// in the layout of Strata Logging Service (Cortex Data Lake) forwarding, which has no
// FUTURE_USE first field and other columns ("Strata Logging Service layout", not read). A
// TRAFFIC or THREAT record shorter than its minimum, with an unclosed quote, a bad address, time
// or number is skipped and reported as file:line: reason. Host names a resolving collector
// appended to addresses, "10.137.8.23(SAL-V1-OLBWEB2)", are dropped. Strings in the events view
// the read block (see package event), except fields with "" escapes, which are copied.
package panos
