// Package tlshello reads the first handshake message of each side of a TLS connection, the
// ClientHello and the ServerHello, from the reassembled bytes of a TCP stream, and computes
// what Zeek's ssl.log says of them plus the JA3, JA3S and JA4 fingerprints.
//
// # Input: records and handshake messages
//
// A TLS stream is a sequence of records (RFC 8446 section 5.1; RFC 5246 section 6.2): a 5-byte
// header — content type (22 = handshake), protocol version (3,x: 0x0300 SSL 3.0 to 0x0303;
// TLS 1.3 keeps 0x0301/0x0303 here), 2-byte fragment length (at most 2^14, plus 2048 tolerated)
// — then the fragment. Handshake messages (RFC 8446 section 4) are a 1-byte type (1
// ClientHello, 2 ServerHello), a 3-byte length and the body, and may span records; the hello
// is the first message of each side. ParseClientHello and ParseServerHello take the stream from
// its first byte, gather the hello across as many records as it needs (the last one may be cut
// short) and return ErrShort while the hello is incomplete, so a capture reader can call again
// when more bytes arrive. Any other first record (alert, application data, another protocol)
// gives an error wrapping ErrNotTLS; an SSLv2-format ClientHello (a 2-byte header with the top
// bit set, message type 1, sent by some old clients) gives one wrapping ErrSSLv2 and is not
// decoded; inconsistent lengths give one wrapping ErrMalformed. Nothing here panics, whatever
// the bytes, and memory is allocated in proportion to the bytes given, never to the lengths
// they claim (the fuzz tests run it on mangled hellos).
//
// # ClientHello (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2)
//
// Fields in order: legacy_version (2 bytes; 0x0303 in TLS 1.3), random (32),
// legacy_session_id (1-byte length, up to 32), cipher_suites (2-byte length, 2 bytes each),
// legacy_compression_methods (1-byte length), then optionally extensions (2-byte length; each
// a 2-byte type, 2-byte length and data). Kept: the versions, the cipher suites, the compression methods,
// the extension types in wire order, and from the extensions (IANA TLS ExtensionType Values):
//
//   - 0 server_name (RFC 6066 section 3): a list of (name_type, name); the first host_name
//     (type 0) is ServerName, the SNI that Zeek logs as server_name;
//   - 10 supported_groups (RFC 8422 section 5.1.1, RFC 8446 section 4.2.7): 2-byte groups;
//   - 11 ec_point_formats (RFC 8422 section 5.1.2): 1-byte formats;
//   - 13 signature_algorithms (RFC 8446 section 4.2.3): 2-byte schemes, in preference order;
//   - 16 application_layer_protocol_negotiation (RFC 7301 section 3.1): a list of 1-byte-length
//     protocol names (h2, http/1.1 ...);
//   - 43 supported_versions (RFC 8446 section 4.2.1): a 1-byte-length list of versions;
//   - 51 key_share (RFC 8446 section 4.2.8): the group of each offered share.
//
// Lists keep GREASE values (RFC 8701: 0x0a0a, 0x1a1a ... 0xfafa, which clients insert to keep
// servers tolerant); the fingerprints drop them.
//
// # ServerHello (RFC 8446 section 4.1.3)
//
// legacy_version, random, legacy_session_id echo, cipher_suite (the chosen one),
// legacy_compression_method, then optional extensions: supported_versions (one version: TLS 1.3),
// ALPN (the one chosen protocol: Zeek's next_protocol), key_share (the group used). A random
// equal to SHA-256("HelloRetryRequest") marks a HelloRetryRequest. NegotiatedVersion is what
// Zeek logs as version; Curve is Zeek's curve: the key_share group in TLS 1.3, and for ECDHE
// suites before it the named curve of the ServerKeyExchange (RFC 8422 section 5.4) when the
// bytes passed reach it (it comes after the Certificate message).
//
// # Names
//
// VersionName, CipherName and CurveName give the strings Zeek writes in ssl.log's version,
// cipher and curve columns (Zeek's base/protocols/ssl/consts.zeek; cipher and group names are
// the IANA registry's), with "unknown-<decimal>" for values they do not know, as Zeek does.
//
// # JA3 and JA3S (github.com/salesforce/ja3, README)
//
// JA3 is the MD5 of a string of five comma-separated fields, each a "-"-joined list of decimal
// values with GREASE values left out: the ClientHello's legacy_version, its cipher suites,
// its extension types in wire order, its supported groups, its EC point formats; absent lists
// leave their field empty. Example from the JA3 README:
// "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0" gives
// ada70206e40642a3e4461f35503241d5. JA3S is the same over the ServerHello's legacy_version,
// chosen cipher suite and extension types in wire order (the reference implementation keeps
// GREASE there; servers do not send it).
//
// # JA4 (FoxIO, github.com/FoxIO-LLC/ja4, technical_details/JA4.md)
//
// JA4 reads a_b_c, for example t13d1516h2_8daaf6152771_e5627efa2ab1. Part a is ten
// characters:
//
//   - "t" for TLS over TCP (QUIC's "q" and DTLS's "d" are not produced here);
//   - the version: the highest supported_versions value other than GREASE, or when the client
//     sent none the hello's legacy_version (never the record version), written 13, 12, 11, 10,
//     s3 (SSL 3.0), s2 (0x0002), d1, d2, d3 (DTLS), else 00;
//   - "d" when the server_name extension is present (a domain), "i" when not (an IP address);
//   - the number of cipher suites and the number of extensions, GREASE excluded (signalling
//     values and SNI and ALPN included), two digits each, capped at 99;
//   - the first and last characters of the first ALPN protocol, "00" when there is no ALPN
//     extension, no protocol, or an empty first protocol; a one-character protocol gives that
//     character twice; when the first or last byte is not an ASCII letter or digit, the first
//     and last characters of the protocol's hex form instead (0xab 0xcd gives "ad", 0x30 0xab
//     "3b").
//
// Part b is the first 12 hex digits of the SHA-256 of the cipher suites, GREASE excluded, as
// 4-digit lower-case hex, sorted, joined by commas. Part c is the same over the extension
// types, GREASE, server_name (0000) and ALPN (0010) excluded, sorted, followed — when the
// hello has signature algorithms — by "_" and the signature_algorithms values in their original
// order. An empty list (no ciphers; no extensions left) gives "000000000000" instead of a hash.
// JA4R gives the unhashed string (the spec's JA4_r), JA4RO the unhashed one in wire order with
// SNI and ALPN kept (JA4_ro).
//
// Two points where this package follows the specification rather than FoxIO's own tools: the
// ALPN hex rule above (FoxIO's Python and Rust tools and its Wireshark plugin print "9" for
// non-ASCII bytes, so "99" where this package gives "bd" for 0xba 0xad; the specification
// replaced that rule in 2024, and s2n-tls, Wireshark's built-in JA4 and FoxIO's nginx module
// follow it), and GREASE values, which are dropped from the signature algorithms too ("ignore
// GREASE values anywhere"); those tools keep them there, which only matters for a client that
// puts GREASE in signature_algorithms.
//
// JA4 (TLS client fingerprinting) is under the BSD 3-Clause licence like JA3; the other JA4+
// methods (JA4S, JA4X ...) are under FoxIO's non-commercial licence and are not implemented
// here.
package tlshello
