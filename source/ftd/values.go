package ftd

import (
	"github.com/sluice-hunt/sluice/source/jsonl"
	"strings"
)

// str views b as a string without copying; see the aliasing note in package event.
func str(b []byte) string { return jsonl.Str(b) }

// lookupFold looks b up in a table keyed by lower-case text without allocating (b up to 64 bytes).
func lookupFold[V any](m map[string]V, b []byte) (V, bool) {
	if v, ok := m[str(b)]; ok {
		return v, true
	}
	var zero V
	if len(b) > 64 {
		return zero, false
	}
	var buf [64]byte
	changed := false
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
			changed = true
		}
		buf[i] = c
	}
	if !changed {
		return zero, false
	}
	v, ok := m[string(buf[:len(b)])]
	return v, ok
}

// services maps FTD's application protocols (OpenAppID names, compared in lower case) to the
// names Zeek writes in conn.log's service field, for the detections that judge a service
// against its port. TLS-wrapped protocols are "ssl", as Zeek sees them; "unknown" is none.
var services = map[string]string{
	"http": "http", "https": "ssl", "ssl": "ssl", "tls": "ssl", "ssl/tls": "ssl",
	"dns": "dns", "smtp": "smtp", "smtps": "ssl", "ftp": "ftp", "ftp data": "ftp-data", "ftps": "ssl",
	"ssh": "ssh", "irc": "irc", "smb": "smb", "smbv2": "smb", "smbv3": "smb", "cifs": "smb",
	"netbios-ssn (smb)": "smb", "rdp": "rdp", "kerberos": "krb", "ldap": "ldap", "ldaps": "ssl",
	"mysql": "mysql", "socks": "socks", "sip": "sip", "sip-tls": "ssl", "ntp": "ntp", "snmp": "snmp",
	"pop3": "pop3", "pop3s": "ssl", "imap": "imap", "imaps": "ssl", "dhcp": "dhcp", "syslog": "syslog",
	"radius": "radius", "quic": "quic", "vnc": "rfb", "rfb": "rfb", "dce/rpc": "dce_rpc",
	"dcerpc": "dce_rpc", "mqtt": "mqtt", "modbus": "modbus", "dnp3": "dnp3",
	"unknown": "",
}

// dnsType is a DNS record type: its number and Zeek's name for it.
type dnsType struct {
	num  int64
	name string
}

// dnsTypes maps what FTD writes in DNSRecordType (the IANA registry's descriptions of the
// types, "a host address", "IP6 Address"; compared in lower case) and the types' mnemonics
// to the type. Zeek names ANY "*".
var dnsTypes = func() map[string]dnsType {
	m := map[string]dnsType{}
	add := func(num int64, name string, descs ...string) {
		m[strings.ToLower(name)] = dnsType{num, name}
		for _, d := range descs {
			m[d] = dnsType{num, name}
		}
	}
	add(1, "A", "a host address")
	add(2, "NS", "an authoritative name server")
	add(3, "MD", "a mail destination")
	add(4, "MF", "a mail forwarder")
	add(5, "CNAME", "the canonical name for an alias")
	add(6, "SOA", "marks the start of a zone of authority")
	add(7, "MB", "a mailbox domain name")
	add(8, "MG", "a mail group member")
	add(9, "MR", "a mail rename domain name")
	add(10, "NULL", "a null rr")
	add(11, "WKS", "a well known service description")
	add(12, "PTR", "a domain name pointer")
	add(13, "HINFO", "host information")
	add(14, "MINFO", "mailbox or mail list information")
	add(15, "MX", "mail exchange")
	add(16, "TXT", "text strings")
	add(28, "AAAA", "ip6 address")
	add(33, "SRV", "server selection")
	add(35, "NAPTR", "naming authority pointer")
	add(64, "SVCB", "general purpose service binding", "general-purpose service binding")
	add(65, "HTTPS", "svcb-compatible type for use with http")
	add(252, "AXFR", "transfer of an entire zone")
	add(255, "*", "a request for all records", "a request for all records the server/cache has available", "any")
	return m
}()

// rcode is a DNS response code: its number and Zeek's name for it.
type rcode struct {
	num  int64
	name string
}

// rcodes maps what FTD writes in DNSResponseType (the IANA registry's descriptions, "No
// error", "Non-Existent Domain"; compared in lower case) and the mnemonics to the code.
var rcodes = func() map[string]rcode {
	m := map[string]rcode{}
	add := func(num int64, name string, descs ...string) {
		m[strings.ToLower(name)] = rcode{num, name}
		for _, d := range descs {
			m[d] = rcode{num, name}
		}
	}
	add(0, "NOERROR", "no error")
	add(1, "FORMERR", "format error")
	add(2, "SERVFAIL", "server failure")
	add(3, "NXDOMAIN", "non-existent domain")
	add(4, "NOTIMP", "not implemented")
	add(5, "REFUSED", "query refused")
	add(6, "YXDOMAIN", "name exists when it should not")
	add(7, "YXRRSET", "rr set exists when it should not")
	add(8, "NXRRSET", "rr set that should exist does not")
	add(9, "NOTAUTH", "server not authoritative for zone", "not authorized")
	add(10, "NOTZONE", "name not contained in zone")
	return m
}()

// icmpTypes and icmp6Types map FTD's ICMPType names (compared in lower case) to the type
// numbers, which Zeek writes as the originator's port.
var icmpTypes = map[string]uint16{
	"echo reply": 0, "destination unreachable": 3, "source quench": 4, "redirect": 5,
	"alternate host address": 6, "echo request": 8, "router advertisement": 9,
	"router solicitation": 10, "router selection": 10, "time exceeded": 11, "parameter problem": 12,
	"timestamp": 13, "timestamp request": 13, "timestamp reply": 14, "information request": 15,
	"information reply": 16, "address mask request": 17, "address mask reply": 18, "traceroute": 30,
}

var icmp6Types = map[string]uint16{
	"destination unreachable": 1, "packet too big": 2, "time exceeded": 3, "parameter problem": 4,
	"echo request": 128, "echo reply": 129, "multicast listener query": 130,
	"multicast listener report": 131, "multicast listener done": 132, "router solicitation": 133,
	"router advertisement": 134, "neighbor solicitation": 135, "neighbor advertisement": 136,
	"redirect": 137, "redirect message": 137,
}

// icmpCodes maps the ICMPCode names that are the same whatever the type: "No Code" (0) and
// the Destination Unreachable codes.
var icmpCodes = map[string]uint16{
	"no code": 0, "net unreachable": 0, "network unreachable": 0, "host unreachable": 1,
	"protocol unreachable": 2, "port unreachable": 3,
	"communication administratively prohibited": 13,
}

// protocols maps FTD's Protocol (a name, or an IANA number) to the transport names Zeek writes;
// ICMPv6 is "icmp" as in Zeek.
var protocols = map[string]string{
	"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "icmp", "icmpv6": "icmp", "icmp6": "icmp",
	"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp",
}

// icmp6Names holds FTD's names and number for ICMPv6.
var icmp6Names = map[string]bool{"ipv6-icmp": true, "icmpv6": true, "icmp6": true, "58": true}

func isICMP6(p []byte) bool {
	_, ok := lookupFold(icmp6Names, p)
	return ok
}

// noUser holds the User values that name no user (compared in lower case): FMC's
// placeholders for connections it could not or need not attribute, and its shared guest
// identity.
var noUser = map[string]bool{
	"no authentication required": true, "not found": true, "unknown": true, "no authentication": true,
	"pending": true, "failed authentication": true, "guest": true,
}

// actions interns the documented AccessControlRuleAction values.
var actions = set("Allow", "Block", "Block with reset", "Trust", "Fastpath", "Monitor", "Interactive Block",
	"Interactive Block with reset", "Default Action")

// blocked reports an AccessControlRuleAction that blocked the connection: Block, Block with
// reset, Interactive Block and Interactive Block with reset.
func blocked(a []byte) bool {
	s := str(a)
	return strings.HasPrefix(s, "Block") || strings.HasPrefix(s, "Interactive Block") ||
		strings.HasPrefix(s, "block") || strings.HasPrefix(s, "interactive block")
}

func set(words ...string) map[string]string {
	m := make(map[string]string, len(words))
	for _, w := range words {
		m[w] = w
	}
	return m
}

// intern returns the shared copy of a known value, or a view of b.
func intern(b []byte, known map[string]string) string {
	if s, ok := known[str(b)]; ok {
		return s
	}
	return str(b)
}

// tlsVersions maps SSLVersion values to Zeek's names.
var tlsVersions = map[string]string{
	"tlsv1.3": "TLSv13", "tlsv1.2": "TLSv12", "tlsv1.1": "TLSv11", "tlsv1.0": "TLSv10", "tlsv1": "TLSv10",
	"tls 1.3": "TLSv13", "tls 1.2": "TLSv12", "tls 1.1": "TLSv11", "tls 1.0": "TLSv10",
	"tlsv13": "TLSv13", "tlsv12": "TLSv12", "tlsv11": "TLSv11", "tlsv10": "TLSv10",
	"sslv3": "SSLv3", "sslv3.0": "SSLv3", "sslv2": "SSLv2",
}
