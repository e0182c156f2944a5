package zeek

import (
	"net/netip"
	"strings"

	"github.com/sluice-hunt/sluice/event"
)

// field says how to store one Zeek field in an event of type E. Exactly one of its functions
// is set.
type field[E any] struct {
	set  func(e *E, v []byte) error   // a scalar, given its text
	list func(e *E) *event.List       // a set/vector of strings
	durs func(e *E) *[]event.Duration // a vector of intervals
	tag  string                       // the Zeek type, for documentation and tests
}

// def describes one Zeek log type.
type def[E any] struct {
	path   string
	kind   event.Kind
	blank  E
	meta   func(*E) *event.Meta
	fields map[string]*field[E]
	emit   func(event.Sink, *E)
}

func strF[E any](get func(*E) *string) *field[E] {
	return &field[E]{tag: "string", set: func(e *E, v []byte) error { *get(e) = str(v); return nil }}
}

// enumF is a string field with few distinct values (proto, conn_state, service, qtype_name):
// known values are replaced by one shared copy, so that an aggregator reading them later does
// not reach back into the read buffer (a cache miss once the block has gone cold).
func enumF[E any](get func(*E) *string) *field[E] {
	return &field[E]{tag: "enum", set: func(e *E, v []byte) error {
		*get(e) = intern(v)
		return nil
	}}
}

// enums is a small hash table of the known values: a slot holds the values whose length,
// first and last bytes hash to it.
var enums [512][]string

func enumSlot(v []byte) int {
	if len(v) == 0 {
		return 0
	}
	return (len(v)*131 + int(v[0])*31 + int(v[len(v)-1])*7 + int(v[len(v)/2])) & 511
}

// intern returns the shared copy of a known value, or a view of v.
func intern(v []byte) string {
	for _, c := range enums[enumSlot(v)] {
		if c == str(v) {
			return c
		}
	}
	return str(v)
}

func init() {
	for _, v := range strings.Fields(`tcp udp icmp unknown_transport
		S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH
		dns http ssl tls ssh smtp ftp ftp-data smb krb krb_tcp gssapi ntlm dce_rpc ldap ldap_tcp ldap_udp
		dhcp ntp quic rdp rdpeudp sip snmp socks irc mysql radius syslog pop3 imap rfb dnp3 modbus mqtt
		gssapi,smb,krb krb,smb,gssapi smb,gssapi,krb gssapi,smb smb,gssapi ssl,http http,ssl
		A AAAA PTR TXT MX NS CNAME SOA SRV ANY NULL HTTPS SVCB NAPTR DS DNSKEY RRSIG
		NOERROR NXDOMAIN SERVFAIL REFUSED FORMERR NOTIMP C_INTERNET
		GET POST PUT HEAD OPTIONS DELETE CONNECT PATCH PROPFIND PROPPATCH MKCOL MOVE COPY LOCK UNLOCK
		1.0 1.1 2 TLSv10 TLSv11 TLSv12 TLSv13 SSLv3 DTLSv10 DTLSv12
		HTTP SMB FTP_DATA SMTP IRC_DATA`) {
		slot := enumSlot([]byte(v))
		enums[slot] = append(enums[slot], v)
	}
}

func intF[E any](get func(*E) *int64) *field[E] {
	return &field[E]{tag: "count", set: func(e *E, v []byte) error {
		n, err := parseInt(v)
		if err != nil {
			return err
		}
		*get(e) = n
		return nil
	}}
}

func timeF[E any](get func(*E) *event.Time) *field[E] {
	return &field[E]{tag: "time", set: func(e *E, v []byte) error {
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		*get(e) = t
		return nil
	}}
}

func durF[E any](get func(*E) *event.Duration) *field[E] {
	return &field[E]{tag: "interval", set: func(e *E, v []byte) error {
		d, err := parseDuration(v)
		if err != nil {
			return err
		}
		*get(e) = d
		return nil
	}}
}

func boolF[E any](get func(*E) *bool) *field[E] {
	return &field[E]{tag: "bool", set: func(e *E, v []byte) error {
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		*get(e) = b
		return nil
	}}
}

func triF[E any](get func(*E) *int8) *field[E] {
	return &field[E]{tag: "bool", set: func(e *E, v []byte) error {
		b, err := parseTri(v)
		if err != nil {
			return err
		}
		*get(e) = b
		return nil
	}}
}

func addrF[E any](get func(*E) *netip.Addr) *field[E] {
	return &field[E]{tag: "addr", set: func(e *E, v []byte) error {
		a, err := parseAddr(v)
		if err != nil {
			return err
		}
		*get(e) = a
		return nil
	}}
}

func portF[E any](get func(*E) *uint16) *field[E] {
	return &field[E]{tag: "port", set: func(e *E, v []byte) error {
		p, err := parsePort(v)
		if err != nil {
			return err
		}
		*get(e) = p
		return nil
	}}
}

func listF[E any](get func(*E) *event.List) *field[E] {
	return &field[E]{tag: "set[string]", list: get}
}

func dursF[E any](get func(*E) *[]event.Duration) *field[E] {
	return &field[E]{tag: "vector[interval]", durs: get}
}

// base returns the fields every connection-bound log has: ts, uid and the id.* tuple.
func base[E any](m func(*E) *event.Meta, f func(*E) *event.Flow) map[string]*field[E] {
	fs := map[string]*field[E]{
		"ts":      timeF(func(e *E) *event.Time { return &m(e).TS }),
		"uid":     strF(func(e *E) *string { return &m(e).UID }),
		"@system": strF(func(e *E) *string { return &m(e).Sensor }),
	}
	if f != nil {
		fs["id.orig_h"] = addrF(func(e *E) *netip.Addr { return &f(e).Src })
		fs["id.orig_p"] = portF(func(e *E) *uint16 { return &f(e).SrcPort })
		fs["id.resp_h"] = addrF(func(e *E) *netip.Addr { return &f(e).Dst })
		fs["id.resp_p"] = portF(func(e *E) *uint16 { return &f(e).DstPort })
	}
	return fs
}

func with[E any](fs map[string]*field[E], more map[string]*field[E]) map[string]*field[E] {
	for k, v := range more {
		fs[k] = v
	}
	return fs
}

var connDef = &def[event.Conn]{
	path: "conn", kind: event.KindConn,
	blank: event.Conn{Duration: event.Unset, OrigBytes: event.Unset, RespBytes: event.Unset,
		LocalOrig: event.Unset, LocalResp: event.Unset, MissedBytes: event.Unset,
		OrigPkts: event.Unset, OrigIPBytes: event.Unset, RespPkts: event.Unset, RespIPBytes: event.Unset},
	meta: func(e *event.Conn) *event.Meta { return &e.Meta },
	emit: func(s event.Sink, e *event.Conn) { s.Conn(e) },
	fields: with(base(func(e *event.Conn) *event.Meta { return &e.Meta }, func(e *event.Conn) *event.Flow { return &e.Flow }),
		map[string]*field[event.Conn]{
			"proto":          enumF(func(e *event.Conn) *string { return &e.Proto }),
			"service":        enumF(func(e *event.Conn) *string { return &e.Service }),
			"duration":       durF(func(e *event.Conn) *event.Duration { return &e.Duration }),
			"orig_bytes":     intF(func(e *event.Conn) *int64 { return &e.OrigBytes }),
			"resp_bytes":     intF(func(e *event.Conn) *int64 { return &e.RespBytes }),
			"conn_state":     enumF(func(e *event.Conn) *string { return &e.ConnState }),
			"local_orig":     triF(func(e *event.Conn) *int8 { return &e.LocalOrig }),
			"local_resp":     triF(func(e *event.Conn) *int8 { return &e.LocalResp }),
			"missed_bytes":   intF(func(e *event.Conn) *int64 { return &e.MissedBytes }),
			"history":        strF(func(e *event.Conn) *string { return &e.History }),
			"orig_pkts":      intF(func(e *event.Conn) *int64 { return &e.OrigPkts }),
			"orig_ip_bytes":  intF(func(e *event.Conn) *int64 { return &e.OrigIPBytes }),
			"resp_pkts":      intF(func(e *event.Conn) *int64 { return &e.RespPkts }),
			"resp_ip_bytes":  intF(func(e *event.Conn) *int64 { return &e.RespIPBytes }),
			"tunnel_parents": listF(func(e *event.Conn) *event.List { return &e.TunnelUIDs }),
		}),
}

var httpDef = &def[event.HTTP]{
	path: "http", kind: event.KindHTTP,
	blank: event.HTTP{TransDepth: event.Unset, RequestBodyLen: event.Unset, ResponseBodyLen: event.Unset, StatusCode: event.Unset, ReqBytes: event.Unset, RespBytes: event.Unset},
	meta:  func(e *event.HTTP) *event.Meta { return &e.Meta },
	emit:  func(s event.Sink, e *event.HTTP) { s.HTTP(e) },
	fields: with(base(func(e *event.HTTP) *event.Meta { return &e.Meta }, func(e *event.HTTP) *event.Flow { return &e.Flow }),
		map[string]*field[event.HTTP]{
			"trans_depth":       intF(func(e *event.HTTP) *int64 { return &e.TransDepth }),
			"method":            enumF(func(e *event.HTTP) *string { return &e.Method }),
			"host":              strF(func(e *event.HTTP) *string { return &e.Host }),
			"uri":               strF(func(e *event.HTTP) *string { return &e.URI }),
			"referrer":          strF(func(e *event.HTTP) *string { return &e.Referrer }),
			"version":           enumF(func(e *event.HTTP) *string { return &e.Version }),
			"user_agent":        strF(func(e *event.HTTP) *string { return &e.UserAgent }),
			"origin":            strF(func(e *event.HTTP) *string { return &e.Origin }),
			"request_body_len":  intF(func(e *event.HTTP) *int64 { return &e.RequestBodyLen }),
			"response_body_len": intF(func(e *event.HTTP) *int64 { return &e.ResponseBodyLen }),
			"status_code":       intF(func(e *event.HTTP) *int64 { return &e.StatusCode }),
			"status_msg":        strF(func(e *event.HTTP) *string { return &e.StatusMsg }),
			"username":          strF(func(e *event.HTTP) *string { return &e.Username }),
			"tags":              listF(func(e *event.HTTP) *event.List { return &e.Tags }),
			"proxied":           listF(func(e *event.HTTP) *event.List { return &e.Proxied }),
			"orig_fuids":        listF(func(e *event.HTTP) *event.List { return &e.OrigFUIDs }),
			"orig_filenames":    listF(func(e *event.HTTP) *event.List { return &e.OrigFilenames }),
			"orig_mime_types":   listF(func(e *event.HTTP) *event.List { return &e.OrigMimeTypes }),
			"resp_fuids":        listF(func(e *event.HTTP) *event.List { return &e.RespFUIDs }),
			"resp_filenames":    listF(func(e *event.HTTP) *event.List { return &e.RespFilenames }),
			"resp_mime_types":   listF(func(e *event.HTTP) *event.List { return &e.RespMimeTypes }),
		}),
}

var dnsDef = &def[event.DNS]{
	path: "dns", kind: event.KindDNS,
	blank: event.DNS{TransID: event.Unset, RTT: event.Unset, QClass: event.Unset, QType: event.Unset, RCode: event.Unset},
	meta:  func(e *event.DNS) *event.Meta { return &e.Meta },
	emit:  func(s event.Sink, e *event.DNS) { s.DNS(e) },
	fields: with(base(func(e *event.DNS) *event.Meta { return &e.Meta }, func(e *event.DNS) *event.Flow { return &e.Flow }),
		map[string]*field[event.DNS]{
			"proto":      strF(func(e *event.DNS) *string { return &e.Proto }),
			"trans_id":   intF(func(e *event.DNS) *int64 { return &e.TransID }),
			"rtt":        durF(func(e *event.DNS) *event.Duration { return &e.RTT }),
			"query":      strF(func(e *event.DNS) *string { return &e.Query }),
			"qclass":     intF(func(e *event.DNS) *int64 { return &e.QClass }),
			"qtype":      intF(func(e *event.DNS) *int64 { return &e.QType }),
			"qtype_name": strF(func(e *event.DNS) *string { return &e.QTypeName }),
			"rcode":      intF(func(e *event.DNS) *int64 { return &e.RCode }),
			"rcode_name": strF(func(e *event.DNS) *string { return &e.RCodeName }),
			"AA":         boolF(func(e *event.DNS) *bool { return &e.AA }),
			"TC":         boolF(func(e *event.DNS) *bool { return &e.TC }),
			"RD":         boolF(func(e *event.DNS) *bool { return &e.RD }),
			"RA":         boolF(func(e *event.DNS) *bool { return &e.RA }),
			"rejected":   boolF(func(e *event.DNS) *bool { return &e.Rejected }),
			"answers":    listF(func(e *event.DNS) *event.List { return &e.Answers }),
			"TTLs":       dursF(func(e *event.DNS) *[]event.Duration { return &e.TTLs }),
		}),
}

var tlsDef = &def[event.TLS]{
	path: "ssl", kind: event.KindTLS,
	meta: func(e *event.TLS) *event.Meta { return &e.Meta },
	emit: func(s event.Sink, e *event.TLS) { s.TLS(e) },
	fields: with(base(func(e *event.TLS) *event.Meta { return &e.Meta }, func(e *event.TLS) *event.Flow { return &e.Flow }),
		map[string]*field[event.TLS]{
			"version":           enumF(func(e *event.TLS) *string { return &e.Version }),
			"cipher":            strF(func(e *event.TLS) *string { return &e.Cipher }),
			"curve":             strF(func(e *event.TLS) *string { return &e.Curve }),
			"server_name":       strF(func(e *event.TLS) *string { return &e.ServerName }),
			"resumed":           boolF(func(e *event.TLS) *bool { return &e.Resumed }),
			"established":       boolF(func(e *event.TLS) *bool { return &e.Established }),
			"next_protocol":     strF(func(e *event.TLS) *string { return &e.NextProtocol }),
			"subject":           strF(func(e *event.TLS) *string { return &e.Subject }),
			"issuer":            strF(func(e *event.TLS) *string { return &e.Issuer }),
			"validation_status": strF(func(e *event.TLS) *string { return &e.ValidationStatus }),
			"ja3":               strF(func(e *event.TLS) *string { return &e.JA3 }),
			"ja3s":              strF(func(e *event.TLS) *string { return &e.JA3S }),
			"ja4":               strF(func(e *event.TLS) *string { return &e.JA4 }),
			"cert_chain_fuids":  listF(func(e *event.TLS) *event.List { return &e.CertChainFUIDs }),
			"cert_chain_fps":    listF(func(e *event.TLS) *event.List { return &e.CertChainFPs }),
		}),
}

var fileDef = &def[event.File]{
	path: "files", kind: event.KindFile,
	blank: event.File{Depth: event.Unset, Duration: event.Unset, LocalOrig: event.Unset, IsOrig: event.Unset,
		SeenBytes: event.Unset, TotalBytes: event.Unset, MissingBytes: event.Unset},
	meta: func(e *event.File) *event.Meta { return &e.Meta },
	emit: func(s event.Sink, e *event.File) { s.File(e) },
	fields: with(base(func(e *event.File) *event.Meta { return &e.Meta }, func(e *event.File) *event.Flow { return &e.Flow }),
		map[string]*field[event.File]{
			"fuid":          strF(func(e *event.File) *string { return &e.FUID }),
			"tx_hosts":      listF(func(e *event.File) *event.List { return &e.TxHosts }),
			"rx_hosts":      listF(func(e *event.File) *event.List { return &e.RxHosts }),
			"conn_uids":     listF(func(e *event.File) *event.List { return &e.ConnUIDs }),
			"source":        enumF(func(e *event.File) *string { return &e.Source }),
			"depth":         intF(func(e *event.File) *int64 { return &e.Depth }),
			"analyzers":     listF(func(e *event.File) *event.List { return &e.Analyzers }),
			"mime_type":     strF(func(e *event.File) *string { return &e.MimeType }),
			"filename":      strF(func(e *event.File) *string { return &e.Filename }),
			"duration":      durF(func(e *event.File) *event.Duration { return &e.Duration }),
			"local_orig":    triF(func(e *event.File) *int8 { return &e.LocalOrig }),
			"is_orig":       triF(func(e *event.File) *int8 { return &e.IsOrig }),
			"seen_bytes":    intF(func(e *event.File) *int64 { return &e.SeenBytes }),
			"total_bytes":   intF(func(e *event.File) *int64 { return &e.TotalBytes }),
			"missing_bytes": intF(func(e *event.File) *int64 { return &e.MissingBytes }),
			"md5":           strF(func(e *event.File) *string { return &e.MD5 }),
			"sha1":          strF(func(e *event.File) *string { return &e.SHA1 }),
			"sha256":        strF(func(e *event.File) *string { return &e.SHA256 }),
		}),
}

var smtpDef = &def[event.SMTP]{
	path: "smtp", kind: event.KindSMTP,
	blank: event.SMTP{TransDepth: event.Unset},
	meta:  func(e *event.SMTP) *event.Meta { return &e.Meta },
	emit:  func(s event.Sink, e *event.SMTP) { s.SMTP(e) },
	fields: with(base(func(e *event.SMTP) *event.Meta { return &e.Meta }, func(e *event.SMTP) *event.Flow { return &e.Flow }),
		map[string]*field[event.SMTP]{
			"trans_depth": intF(func(e *event.SMTP) *int64 { return &e.TransDepth }),
			"helo":        strF(func(e *event.SMTP) *string { return &e.Helo }),
			"mailfrom":    strF(func(e *event.SMTP) *string { return &e.MailFrom }),
			"rcptto":      listF(func(e *event.SMTP) *event.List { return &e.RcptTo }),
			"from":        strF(func(e *event.SMTP) *string { return &e.From }),
			"to":          listF(func(e *event.SMTP) *event.List { return &e.To }),
			"subject":     strF(func(e *event.SMTP) *string { return &e.Subject }),
			"user_agent":  strF(func(e *event.SMTP) *string { return &e.UserAgent }),
			"tls":         boolF(func(e *event.SMTP) *bool { return &e.TLS }),
			"fuids":       listF(func(e *event.SMTP) *event.List { return &e.FUIDs }),
		}),
}

var ftpDef = &def[event.FTP]{
	path: "ftp", kind: event.KindFTP,
	blank: event.FTP{FileSize: event.Unset, ReplyCode: event.Unset},
	meta:  func(e *event.FTP) *event.Meta { return &e.Meta },
	emit:  func(s event.Sink, e *event.FTP) { s.FTP(e) },
	fields: with(base(func(e *event.FTP) *event.Meta { return &e.Meta }, func(e *event.FTP) *event.Flow { return &e.Flow }),
		map[string]*field[event.FTP]{
			"user":                 strF(func(e *event.FTP) *string { return &e.User }),
			"command":              strF(func(e *event.FTP) *string { return &e.Command }),
			"arg":                  strF(func(e *event.FTP) *string { return &e.Arg }),
			"mime_type":            strF(func(e *event.FTP) *string { return &e.MimeType }),
			"file_size":            intF(func(e *event.FTP) *int64 { return &e.FileSize }),
			"reply_code":           intF(func(e *event.FTP) *int64 { return &e.ReplyCode }),
			"reply_msg":            strF(func(e *event.FTP) *string { return &e.ReplyMsg }),
			"data_channel.passive": boolF(func(e *event.FTP) *bool { return &e.DataPassive }),
			"data_channel.orig_h":  addrF(func(e *event.FTP) *netip.Addr { return &e.DataSrc }),
			"data_channel.resp_h":  addrF(func(e *event.FTP) *netip.Addr { return &e.DataDst }),
			"data_channel.resp_p":  portF(func(e *event.FTP) *uint16 { return &e.DataDstPort }),
			"fuid":                 strF(func(e *event.FTP) *string { return &e.FUID }),
		}),
}

var x509Def = &def[event.X509]{
	path: "x509", kind: event.KindX509,
	blank: event.X509{Version: event.Unset, KeyLength: event.Unset, BasicCA: event.Unset},
	meta:  func(e *event.X509) *event.Meta { return &e.Meta },
	emit:  func(s event.Sink, e *event.X509) { s.X509(e) },
	fields: with(base[event.X509](func(e *event.X509) *event.Meta { return &e.Meta }, nil),
		map[string]*field[event.X509]{
			"id":                           strF(func(e *event.X509) *string { return &e.UID }),
			"fuid":                         strF(func(e *event.X509) *string { return &e.UID }),
			"fingerprint":                  strF(func(e *event.X509) *string { return &e.Fingerprint }),
			"certificate.version":          intF(func(e *event.X509) *int64 { return &e.Version }),
			"certificate.serial":           strF(func(e *event.X509) *string { return &e.Serial }),
			"certificate.subject":          strF(func(e *event.X509) *string { return &e.Subject }),
			"certificate.issuer":           strF(func(e *event.X509) *string { return &e.Issuer }),
			"certificate.not_valid_before": timeF(func(e *event.X509) *event.Time { return &e.NotValidBefore }),
			"certificate.not_valid_after":  timeF(func(e *event.X509) *event.Time { return &e.NotValidAfter }),
			"certificate.key_alg":          strF(func(e *event.X509) *string { return &e.KeyAlg }),
			"certificate.sig_alg":          strF(func(e *event.X509) *string { return &e.SigAlg }),
			"certificate.key_type":         strF(func(e *event.X509) *string { return &e.KeyType }),
			"certificate.key_length":       intF(func(e *event.X509) *int64 { return &e.KeyLength }),
			"san.dns":                      listF(func(e *event.X509) *event.List { return &e.SANDNS }),
			"san.ip":                       listF(func(e *event.X509) *event.List { return &e.SANIP }),
			"basic_constraints.ca":         triF(func(e *event.X509) *int8 { return &e.BasicCA }),
		}),
}

var noticeDef = &def[event.Notice]{
	path: "notice", kind: event.KindNotice,
	meta: func(e *event.Notice) *event.Meta { return &e.Meta },
	emit: func(s event.Sink, e *event.Notice) { s.Notice(e) },
	fields: with(base(func(e *event.Notice) *event.Meta { return &e.Meta }, func(e *event.Notice) *event.Flow { return &e.Flow }),
		map[string]*field[event.Notice]{
			"note":    strF(func(e *event.Notice) *string { return &e.Note }),
			"msg":     strF(func(e *event.Notice) *string { return &e.Msg }),
			"sub":     strF(func(e *event.Notice) *string { return &e.Sub }),
			"src":     addrF(func(e *event.Notice) *netip.Addr { return &e.NoticeSrc }),
			"dst":     addrF(func(e *event.Notice) *netip.Addr { return &e.NoticeDst }),
			"p":       portF(func(e *event.Notice) *uint16 { return &e.Port }),
			"actions": listF(func(e *event.Notice) *event.List { return &e.Actions }),
		}),
}

// logType is a def with its event type erased, so that defs of all types share one table.
type logType interface {
	Path() string
	Kind() event.Kind
	newParser() parser
	hasField(name string) bool
}

func (d *def[E]) Path() string     { return d.path }
func (d *def[E]) Kind() event.Kind { return d.kind }
func (d *def[E]) hasField(name string) bool {
	return d.lookup(name) != nil
}

// lookup finds a field by its Zeek name; it also accepts the underscore spelling that
// HELK/OTRF pipelines write (id_orig_h for id.orig_h).
func (d *def[E]) lookup(name string) *field[E] {
	if f, ok := d.fields[name]; ok {
		return f
	}
	if strings.IndexByte(name, '_') >= 0 {
		if f, ok := underscoreAlias[d.path][name]; ok {
			return d.fields[f]
		}
	}
	return nil
}

var types = map[string]logType{}

// underscoreAlias maps, per log type, "id_orig_h" to "id.orig_h" and so on.
var underscoreAlias = map[string]map[string]string{}

func register[E any](d *def[E]) {
	types[d.path] = d
	alias := map[string]string{}
	for name := range d.fields {
		if strings.Contains(name, ".") {
			alias[strings.ReplaceAll(name, ".", "_")] = name
		}
	}
	underscoreAlias[d.path] = alias
}

func init() {
	register(connDef)
	register(httpDef)
	register(dnsDef)
	register(tlsDef)
	register(fileDef)
	register(smtpDef)
	register(ftpDef)
	register(x509Def)
	register(noticeDef)
}
