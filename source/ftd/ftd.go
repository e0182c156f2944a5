// Package ftd reads the connection events that Cisco Secure Firewall Threat Defense (FTD,
// formerly Firepower Threat Defense, and its NGIPS sensors) sends as syslog, into event.Conn
// records, with the event.HTTP, event.TLS and event.DNS records that their fields carry.
//
// # Format
//
// FTD sends its security events as syslog messages 430001 (intrusion), 430002 (connection
// start), 430003 (connection end), 430004 (file) and 430005 (file malware) ("Security Event
// Syslog Messages" in Cisco's Secure Firewall Threat Defense Syslog Messages guide,
// https://www.cisco.com/c/en/us/td/docs/security/firepower/Syslogs/b_fptd_syslog_guide/security-event-syslog-messages.html).
// A line is a syslog header, Cisco's message tag and the message:
//
//	<134>Mar 20 2024 12:00:02 fw-hq-2 : %FTD-1-430003: EventPriority: Low, DeviceUUID: 3f6b...,
//	  InstanceID: 3, FirstPacketSecond: 2024-03-20T12:00:01Z, ConnectionID: 1201,
//	  AccessControlRuleAction: Allow, SrcIP: 10.20.14.37, DstIP: 198.51.100.77, SrcPort: 51317,
//	  DstPort: 443, Protocol: tcp, ..., ACPolicy: HQ, AccessControlRuleName: Web-Out,
//	  Prefilter Policy: Default Prefilter Policy, User: CORP\avega, Client: SSL client,
//	  ApplicationProtocol: HTTPS, ConnectionDuration: 1, InitiatorPackets: 11, ResponderPackets: 11,
//	  InitiatorBytes: 1410, ResponderBytes: 5233, ..., URL: https://cdn.example
//
// (one line). The header is whatever the device and the relays wrote: an optional priority
// ("<134>"), then FTD's timestamp, Cisco's "Mar 20 2024 12:00:02" (optionally after a day
// name, with UTC after it) or, with the RFC 5424 timestamp option (FTD 6.3 and later), ISO
// 8601 "2024-03-20T12:00:02Z"; then the device id when "logging device-id" is on, and a colon.
// An RFC 5424 relay writes "1 <ISO time> <host> - - - "; an RFC 3164 relay may put its own
// "Mar 20 12:00:03 <host>" before the device's header. The last timestamp with a year is
// taken, else the last one (a time without a year gets the current year, or last year's when
// that would be more than a day ahead, as syslog receivers do); a time without a zone is UTC.
// The device id is the word after that timestamp. The tag is %FTD-<severity>-<id> (the
// severity is configurable: 1 and 6 both occur), %NGIPS-... from NGIPS sensors, and %ASA-...
// from FTD before 6.3; messages of FTD before 6.3 that carry no tag at all are not read.
//
// The message is "Key: Value" pairs separated by ", ", in the order FTD writes them; a key
// without a value is left out. Keys are CamelCase words, a few with spaces ("Prefilter
// Policy", "Tunnel or Prefilter Rule", "Endpoint Profile"). Values are not quoted or escaped
// and may hold ", " themselves (user agents, URLs, rule names), so a value runs to the next
// ", " that is followed by a key: one to five words of letters, digits and underscores, the
// first starting with an upper-case letter, and a colon. (A user agent holding ", Word: "
// would be cut there.)
//
// # Mapping
//
// The fields are those of FMC's connection events, whose documentation names each one's
// syslog key ("Connection and Security Intelligence Event Fields",
// https://www.cisco.com/c/en/us/td/docs/security/firepower/650/configuration/guide/fpmc-config-guide-v65/connection_and_security_intelligence_events.html).
// A connection record becomes an event.Conn:
//
//	Meta.TS      FirstPacketSecond (ISO 8601, one-second resolution): the first packet, as Zeek's
//	             ts. Without it (older versions), the header's time, less ConnectionDuration
//	             for an end event (FTD logs it when the connection ends)
//	Meta.Sensor  the device id of the header
//	Meta.UID     unset: DeviceUUID, InstanceID, ConnectionID and FirstPacketSecond together
//	             identify a connection, and no other record of this reader refers to it
//	Src, SrcPort SrcIP, SrcPort: the initiator, before NAT (NAT_InitiatorIP is not read)
//	Dst, DstPort DstIP, DstPort: the responder. For ICMP, which has no ports, the type and
//	             code as Zeek writes them there: ICMPType and ICMPCode by number, or by
//	             name ("Echo Request", "No Code"; ICMPv6's own numbers for Protocol
//	             ipv6-icmp), a name not known being 0
//	Proto        Protocol: tcp, udp, icmp (also ICMPv6, as Zeek); numbers 6, 17, 1 and 58
//	             are named so; another value as logged
//	Service      ApplicationProtocol (an OpenAppID name) under Zeek's name where Zeek has
//	             one: HTTP http; HTTPS, SSL, TLS and the TLS-wrapped SMTPS, IMAPS, POP3S,
//	             LDAPS, FTPS ssl (what Zeek sees of them); DNS dns; SMTP smtp; FTP ftp;
//	             FTP Data ftp-data; SSH ssh; IRC irc; SMB, CIFS, NetBIOS-ssn (SMB) smb; RDP
//	             rdp; Kerberos krb; VNC rfb; DCE/RPC dce_rpc; LDAP, MySQL, SOCKS, SIP, NTP,
//	             SNMP, POP3, IMAP, DHCP, Syslog, RADIUS, QUIC ... lower-cased. Another name
//	             is lower-cased ("windows update"); "unknown" is unset
//	Duration     ConnectionDuration (seconds); unset in a start event
//	OrigBytes    InitiatorBytes, RespBytes ResponderBytes: what each side sent. These are
//	             the bytes of whole packets, headers included (a device counts an ICMP echo
//	             of 84 IP bytes as 98: its Ethernet frame), not Zeek's payload bytes: a
//	             byte threshold meets slightly sooner than on Zeek's numbers. OrigIPBytes
//	             and RespIPBytes hold the same counts
//	OrigPkts     InitiatorPackets, RespPkts ResponderPackets
//	Action       AccessControlRuleAction as logged: Allow, Trust, Fastpath, Monitor, Block,
//	             Block with reset, Interactive Block, Interactive Block with reset, Default
//	             Action, or empty (the connection closed before a rule matched)
//	Rule         AccessControlRuleName
//	User         User (realm\user), unless it names no one: No Authentication Required,
//	             Not Found, Unknown, No Authentication, Pending, Failed Authentication, and
//	             Guest (one shared identity for every guest) are left unset
//
// ConnState, History, LocalOrig, LocalResp and MissedBytes are unset (empty or event.Unset).
//
// A record whose URL is http (or has no scheme), or that has a UserAgent or HTTPReferer,
// also becomes an event.HTTP (so the HTTP detections see it), with the connection's Meta and
// Flow: Host is ReferencedHost (the request's Host header) without its port, else the URL's
// host; URL as logged; URI its path and query ("/" when it has none); UserAgent; Referrer
// (HTTPReferer); StatusCode (HTTPResponse, when a status); Username and Action the
// connection's. FTD logs one URL a connection, not each request, and no method: Method is
// empty, and ReqBytes and RespBytes are unset (the connection's counts are on its Conn).
// Without decryption the URL of an HTTPS connection is "https://" and the server name: that
// names a TLS server, not a request.
//
// A record of a TLS connection (ApplicationProtocol mapped to ssl, an https URL, or
// SSLServerName) with a server name also becomes an event.TLS: ServerName is SSLServerName,
// else the https URL's host; Version SSLVersion under Zeek's name (TLSv1.2 TLSv12 ...);
// Cipher SSLCipherSuite; Established unless the connection was blocked.
//
// A record with a DNSQuery also becomes an event.DNS: Query; QType and QTypeName from
// DNSRecordType, which FTD writes as the IANA registry's description of the type ("a host
// address" A, "IP6 Address" AAAA, "text strings" TXT, "the canonical name for an alias"
// CNAME ...; the mnemonics and numbers are read too; ANY is Zeek's "*"); RCode and RCodeName
// from DNSResponseType, the registry's description of the code ("No error" NOERROR,
// "Non-Existent Domain" NXDOMAIN, "Server Failure" SERVFAIL, "Query Refused" REFUSED ...;
// unset when absent); Proto the connection's. FTD logs one query a connection and no
// answers: Answers and TTLs are unset (DNS_TTL is not read), as are TransID, RTT and QClass.
// (https://www.iana.org/assignments/dns-parameters/dns-parameters.xhtml)
//
// # Start and end events
//
// With "Log at Beginning and End of Connection" a connection is logged twice, and the end
// event holds everything the start event does, plus the final counts (Cisco, "Connection
// Logging", https://www.cisco.com/c/en/us/td/docs/security/secure-firewall/management-center/admin/710/management-center-admin-71/events-connection-logging.html).
// A connection blocked by a rule is logged only at its beginning: it has no end. So, reading
// as a stream with no state across lines, every 430003 is a record, and a 430002 is one only
// when its AccessControlRuleAction blocked it (Block, Block with reset, Interactive Block,
// Interactive Block with reset); other 430002 are counted as "ftd-conn-start" among the log
// types not read. A connection blocked after it started (a file or intrusion block under an
// Allow rule) has a 430003 with action Block, and its 430002 said Allow: it is read once.
// A device set to log allowed connections only at their beginning therefore yields no records
// of them: the summary's ftd-conn-start count shows it.
//
// # Other messages
//
// Intrusion (430001), file (430004) and malware (430005) events are counted as ftd-intrusion,
// ftd-file and ftd-malware; FTD's other messages (its ASA-engine messages, %FTD-6-302013 ...)
// and ASA messages in the same file as ftd-other-messages; lines with no Cisco tag (other
// devices' syslog) as syslog-other. None is a problem. (ASA's 302013/302014 built and teardown
// messages are not read as connections: the teardown gives one byte count for both
// directions, and which side initiated is only in the built message.)
//
// # Problems
//
// A connection record is skipped, with file:line and the reason, when SrcIP or DstIP is
// missing or not an address; a port, byte or packet count, ConnectionDuration or
// FirstPacketSecond does not read; the message is not "Key: Value" pairs; or it has no time
// (no FirstPacketSecond, none in the header). A line with control characters where a record
// should be is binary data. A bad HTTPResponse is only left unset.
//
// # Sniffing
//
// A file is FTD's when one of its first 20 non-blank lines carries FTD's own tag (%FTD- or
// %NGIPS-, or 430001-430005 under any facility) and none is JSON or binary: a collector's file
// where FTD's lines are among other devices' is read. A file of ASA messages only is not.
package ftd

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

func init() {
	source.Register(source.Format{Name: "ftd", Sniff: Sniff, Read: Read})
}

// The keys under which records are counted in the run's summary.
const (
	logType      = "ftd"                // connection records read
	logStart     = "ftd-conn-start"     // 430002 of connections that were not blocked
	logIntrusion = "ftd-intrusion"      // 430001
	logFile      = "ftd-file"           // 430004
	logMalware   = "ftd-malware"        // 430005
	logOther     = "ftd-other-messages" // other Cisco messages (%FTD-6-302013, %ASA-...)
	logNotCisco  = "syslog-other"       // lines without a Cisco message tag
)

var outcomeKeys = [...]string{outConn: logType, outStart: logStart, outIntrusion: logIntrusion,
	outFile: logFile, outMalware: logMalware, outOther: logOther, outNotCisco: logNotCisco}

// sniffLines is how many non-blank lines Sniff looks at.
const sniffLines = 20

// Sniff reports whether the leading bytes of an input are FTD syslog: one of its first
// non-blank lines (up to 20) carries FTD's own message tag (%FTD-, %NGIPS-, or a security
// event 430001-430005 under any facility), and none is JSON or binary. Other lines may be
// other syslog (a collector's file of many devices): they are counted, not read. A plain ASA
// log is left alone: nothing in it would be read.
func Sniff(head []byte, _ string) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	if len(head) >= source.SniffSize {
		// the last line may be cut: leave it out
		if k := bytes.LastIndexByte(head, '\n'); k >= 0 {
			head = head[:k+1]
		}
	}
	lines, ftd := 0, false
	for len(head) > 0 && lines < sniffLines {
		l := head
		if k := bytes.IndexByte(head, '\n'); k >= 0 {
			l, head = head[:k], head[k+1:]
		} else {
			head = nil
		}
		l = trimLine(l)
		if len(l) == 0 {
			continue
		}
		lines++
		if l[0] == '{' || l[0] == '[' || isBinary(l) {
			return false
		}
		if m, ok := findMnemonic(l); ok && m.isFTD() {
			ftd = true
		}
	}
	return ftd
}

// trimLine drops a line's surrounding spaces and trailing CR.
func trimLine(l []byte) []byte {
	return bytes.TrimSpace(l)
}

// Read reads FTD syslog: blocks of whole lines go to jobs that parse them in parallel.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	skipAll := f.Skip.Has(event.KindConn) && f.Skip.Has(event.KindHTTP) && f.Skip.Has(event.KindDNS) &&
		f.Skip.Has(event.KindTLS)
	now := event.FromStd(time.Now())
	return source.Lines(r, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if skipAll { // no detection of the run reads what FTD gives: count the records
			countRecords(block, st)
			return false, nil
		}
		return true, emit(&job{block: block, first: first, f: f, now: now})
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// countRecords counts the lines of a block by what they are, without reading their fields.
func countRecords(b []byte, st *source.Stats) {
	for len(b) > 0 {
		l := b
		if k := bytes.IndexByte(b, '\n'); k >= 0 {
			l, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		if l = trimLine(l); len(l) > 0 {
			if o := classify(l); o == outConn {
				st.Read[logType]++
			} else {
				st.Ignored[outcomeKeys[o]]++
			}
		}
	}
}

// classify tells what a line is from its tag, and a 430002 by its action, for counting.
func classify(l []byte) outcome {
	m, ok := findMnemonic(l)
	if !ok {
		return outNotCisco
	}
	switch m.id {
	case idConnEnd:
		return outConn
	case idConnStart:
		const key = "AccessControlRuleAction: "
		if k := bytes.Index(l[m.body:], []byte(key)); k >= 0 && blocked(l[m.body+k+len(key):]) {
			return outConn
		}
		return outStart
	case idIntrusion:
		return outIntrusion
	case idFile:
		return outFile
	case idMalware:
		return outMalware
	}
	return outOther
}

// job parses one block of lines.
type job struct {
	block []byte
	first uint32
	f     source.FileInfo
	now   event.Time
}

func (j *job) Run(sink event.Sink, st *source.Stats) {
	p := parser{now: j.now, skip: j.f.Skip}
	var counts [len(outcomeKeys)]int64
	line := j.first
	block := j.block
	for len(block) > 0 {
		l := block
		if k := bytes.IndexByte(block, '\n'); k >= 0 {
			l, block = block[:k], block[k+1:]
		} else {
			block = nil
		}
		if l = trimLine(l); len(l) > 0 {
			out, err := p.parse(l, j.f.Ref(line))
			switch {
			case err != nil:
				st.Skip(j.f, line, err.reason, err.msg)
			default:
				counts[out]++
				if out == outConn {
					p.send(sink)
				}
			}
		}
		line++
	}
	for o, n := range counts {
		if n == 0 {
			continue
		}
		if outcome(o) == outConn {
			st.Read[outcomeKeys[o]] += n
		} else {
			st.Ignored[outcomeKeys[o]] += n
		}
	}
}

// send hands the events the last record made to the sink.
func (p *parser) send(sink event.Sink) {
	if p.made.Has(event.KindConn) {
		sink.Conn(&p.conn)
	}
	if p.made.Has(event.KindHTTP) {
		sink.HTTP(&p.http)
	}
	if p.made.Has(event.KindTLS) {
		sink.TLS(&p.tls)
	}
	if p.made.Has(event.KindDNS) {
		sink.DNS(&p.dns)
	}
}
