// Package pcap reads packet captures (libpcap's pcap, microsecond or nanosecond, either byte
// order, and pcapng) and produces the events Zeek would log from them: conn, http, dns, ssl,
// ftp, smtp and files records, so that every detection runs on a capture unchanged. No Zeek,
// no libpcap: the capture formats, the protocol layers, IPv4 defragmentation and TCP
// reassembly are gopacket's (github.com/gopacket/gopacket: pcapgo, layers, ip4defrag,
// reassembly, pure Go); flows and the application parsers are this package's.
//
// # Reading
//
// Sniff claims an input that starts with a pcap or pcapng magic number (a gzip, zstd or zip
// around it is undone before, by package source). Link types: Ethernet (with 802.1Q VLAN
// tags), Linux cooked capture v1 and v2, BSD loopback, raw IPv4/IPv6. Frames that are not
// IPv4/IPv6 carrying TCP, UDP or ICMP (ARP, LLDP, STP, IPv6 extension headers, GRE, ESP ...)
// are counted as "not read", not as errors. IPv4 fragments are reassembled (gopacket's
// ip4defrag, with its security checks); IPv6 fragments are not.
//
// A capture is read as a stream, packet by packet, in one goroutine (flows need their
// packets in order); the events are handed to the engine's workers in batches of 512, so
// detections run in parallel with the reading. Memory is bounded: flows are kept until they
// end (see Flows), at most Options.MaxFlows at once (1,048,576 by default; past it the flows
// idle the longest are reported early, and the run says so once); the reassembler buffers at
// most 64 pages (~120 KB) of out-of-order data per connection and 16,384 pages (~30 MB) in
// all; each application parser keeps a bounded amount per connection (32 KiB of HTTP headers,
// 8 KiB lines, 16 KiB of TLS hellos, 512 bytes of each request body).
//
// The position of an event (event.Ref.Line, shown as file:N) is the ordinal of a packet, from
// 1: the first packet of the flow for conn records, the packet that carried the first byte of
// the request for http, of the command for ftp, of MAIL FROM for smtp, the query's packet for
// dns, the ClientHello's for ssl. The Records hook reads such a packet back as one line of
// text: time, endpoints, protocol, TCP flags and sequence number, payload length and the first
// 160 bytes of the payload, quoted:
//
//	packet 189 2024-03-07T19:00:49.470352Z 192.168.100.164:49209 > 143.95.79.226:21 tcp [P.] seq 3315512381 len 43: "STOR PW_admin-USER-PC_2024_03_07_19_00_36.html\r\n"
//
// # Flows (conn)
//
// A flow is the packets between two endpoints of one transport: TCP and UDP by address and
// port, ICMP by address pair. The originator is the sender of the first SYN; when the capture
// starts in the middle of a connection, the side on a service port (below 1024, or a port
// services listen on: 3306, 3389, 8080, 8443 ...) is the responder, else the first sender is
// the originator (a guess, marked "^" in history as Zeek marks its flips). A flow ends:
//
//   - TCP: CloseDelay (5 s) after both FINs or a RST, or when its 4-tuple opens again with a
//     new SYN; after TCPIdle (5 min) without a packet;
//   - UDP: after UDPIdle (1 min) without a packet; ICMP: after ICMPIdle (1 min);
//   - at the end of the capture;
//   - with Active set (default off), a flow that has lasted that long is reported and goes on
//     as a new record with the same uid.
//
// These are Zeek's defaults (tcp_inactivity_timeout, udp_inactivity_timeout,
// icmp_inactivity_timeout, tcp_close_delay); sluice.yaml sets them (sources.pcap, see package
// config).
//
// The conn record has Zeek's fields: uid ("C" and 17 base-62 digits derived from the
// endpoints and the start, so the same capture read twice gives the same ids), ts (the first
// packet), duration (last packet - first), proto, service (the application protocol
// identified, see below), orig_bytes and resp_bytes (TCP: payload bytes by sequence numbers,
// from the first SYN or the first data seen, retransmissions counted once, as Zeek counts
// them; UDP and ICMP: payload bytes), orig_pkts, resp_pkts, orig_ip_bytes, resp_ip_bytes (IP
// lengths), missed_bytes (bytes the reassembler never saw), conn_state (S0, S1, SF, REJ, S2,
// S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH; UDP: S0 one way, SF both ways, SHR responder
// only) and history (S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST, T retransmission;
// upper case for the originator, each letter once per direction, in the order first seen).
// local_orig and local_resp are unset (sluice judges addresses by internal_networks).
//
// # Protocols, whatever the port
//
// The application protocol of a TCP connection is identified from its first bytes, never
// from the port: so HTTP on 8888, TLS on 80 or SSH on 443 are what they are (and
// protocol-port-mismatch can tell). service is:
//
//	http   the client starts with a request line (GET/POST/PUT/HEAD/OPTIONS/DELETE/CONNECT/
//	       PATCH/TRACE or a WebDAV method, a space, a target, " HTTP/"), or the server with HTTP/1.
//	ssl    a TLS handshake record (0x16 0x03 0x00-0x04) holding a ClientHello, or an SSLv2 hello
//	ssh    either side starts with "SSH-"
//	smb    a NetBIOS session message carrying SMB1, SMB2/3 or SMB3 transform ("\xffSMB" ...)
//	rdp    a TPKT header carrying an X.224 connection request
//	dns    a length-prefixed DNS query (one question, no answers)
//	ftp    a 220 greeting answered by USER, AUTH, FEAT, SYST, OPTS or PASS (or a banner naming FTP)
//	smtp   a 220 greeting answered by EHLO or HELO (or a banner naming SMTP)
//	pop3   the server starts with "+OK"; imap: "* OK"
//	irc    NICK, CAP LS, or an IRC USER line from the client; a ":server NOTICE" or 001 from
//	       the server
//	ftp-data  a connection to the endpoint an FTP session announced (PASV, EPSV, PORT, EPRT)
//
// Anything else is "" (unknown), decided once 64 bytes of one side, or some bytes of both,
// are in. A UDP flow is "dns" when its first packets decode as DNS messages (a standard query
// or response with one question), on any port.
//
// # Application records
//
// http: one record a request, with its response's status (Zeek http.log): method, host (the
// Host header as sent, port included), uri, version, user_agent, referrer, origin, username
// (of Basic authorization), proxied (Forwarded, X-Forwarded-For, Via ... as "NAME -> value"),
// request_body_len and response_body_len (after undoing chunked encoding), status_code,
// status_msg, trans_depth; beyond Zeek: the request's Content-Type and the first 512 bytes of
// its body (event.HTTP.Body: archives and form data in uploads are judged from them). Requests
// and responses are paired in order (pipelining); interim 1xx responses are skipped; HEAD,
// 204 and 304 responses have no body; a response without length runs to the close; after
// CONNECT's 2xx or a 101 the connection leaves HTTP. A request whose response never came is
// reported at the end of its connection without status.
//
// ftp: the commands Zeek's ftp.log records (APPE, DELE, RETR, STOR, STOU, ACCT, PORT, PASV,
// EPRT, EPSV) with their final reply code and message, the session's user (from USER;
// "<unknown>" before it), the argument as sent, and for transfers the data channel (passive,
// its endpoints) and file_size: the bytes the data connection carried toward the receiver
// (the client for RETR, the server for STOR), with the file's MIME type from its first bytes
// and the fuid of its files record. files: one record a data connection that carried a file
// (not listings), source FTP_DATA, with filename (the command's argument), tx_hosts,
// rx_hosts, is_orig, seen_bytes.
//
// smtp: one record a mail transaction (MAIL FROM to the end of DATA, or to RSET): helo,
// mailfrom, rcptto, and from the message's headers from, to, subject (RFC 2047 decoded),
// user_agent (User-Agent or X-Mailer), and fuids of its attachments; tls when STARTTLS was
// used (the session is reported then and not read on). files: one record an attachment (a
// MIME part with a file name), source SMTP, with filename, mime_type (the part's type, or
// from its decoded first bytes when it says application/octet-stream) and seen_bytes (the
// decoded size). Server replies are not read.
//
// dns: one record a query and its response (by flow and id, UDP and TCP), Zeek's dns.log
// fields: trans_id, rtt, query, qclass, qtype, qtype_name, rcode, rcode_name, AA, TC, RD, RA,
// rejected (an error other than NXDOMAIN without answers), answers (addresses, names, "TXT n
// text") and TTLs. A query never answered is reported when its flow ends.
//
// ssl: one record a TLS session with a hello (package tlshello): server_name (SNI), version
// and cipher (the server's choice, Zeek's names), curve, next_protocol (ALPN the server
// chose), ja3, ja3s, ja4; established when both sides sent a ChangeCipherSpec or application
// data record after the server's hello (Zeek waits for the Finished messages; this is the
// nearest a passive reader can tell without keys). Certificates are not read.
//
// # Problems
//
// Nothing in a capture makes the reader panic or allocate without bound (fuzzed: FuzzRead on
// whole captures, FuzzStreams on any bytes over a TCP connection).
//
//   - A file header cut short or unknown: an error naming the input; nothing is read.
//   - A capture cut inside a packet (a capture copied while it was written, a truncated gzip):
//     the packets before it are read and their flows reported, and the input is listed as not
//     read to its end: file: offset N: packet M: capture cut short (truncated gzip stream).
//   - A record header that cannot be right (a capture length above the snap length, or above
//     the packet's length): the same, "packet M: ...: a capture cannot be read past a bad
//     record header", counted under "bad pcap record" (a pcap cannot be resynchronised).
//   - A frame whose IP or transport header is broken: skipped as file:N: bad packet; a link
//     type sluice does not read: skipped as "unsupported link type".
//   - Bytes the capture missed (snap length, drops): counted in missed_bytes; the application
//     parser of that direction stops at the gap (an HTTP response cut by it is reported with
//     what was read).
package pcap
