// Package event defines the normalized records that every input format produces and every
// detection reads.
//
// Strings in an event handed to a Sink alias the reader's buffer: they are valid for the
// duration of the call only. A consumer that keeps a string beyond the call must copy it
// (strings.Clone, or an interner). Buffers are never reused, so a kept alias is never
// corrupted, but it pins a whole read buffer in memory.
package event

import (
	"net/netip"
	"time"
)

// Time is a point in time in microseconds since the Unix epoch, UTC. Zeek writes timestamps
// with six fractional digits; Time keeps them exactly.
type Time int64

// Std converts t to a time.Time in UTC.
func (t Time) Std() time.Time { return time.UnixMicro(int64(t)).UTC() }

// FromStd converts a time.Time to a Time.
func FromStd(t time.Time) Time { return Time(t.UnixMicro()) }

// String formats t as RFC 3339 with microseconds.
func (t Time) String() string { return t.Std().Format("2006-01-02T15:04:05.000000Z07:00") }

// MarshalText writes t as RFC 3339 with microseconds.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads an RFC 3339 time.
func (t *Time) UnmarshalText(b []byte) error {
	s, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return err
	}
	*t = FromStd(s)
	return nil
}

// Duration is a span in microseconds.
type Duration int64

// Std converts d to a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) * time.Microsecond }

// Seconds returns d in seconds.
func (d Duration) Seconds() float64 { return float64(d) / 1e6 }

// Unset marks a numeric field that the log left unset (Zeek's "-", or a JSON key absent).
const Unset = -1

// Ref points at the record an event came from: a file of the run and a line in it (1-based).
// File indexes the run's file table (see engine.Result.Files).
type Ref struct {
	File uint32
	Line uint32
}

// Less orders refs by file, then line.
func (r Ref) Less(o Ref) bool {
	if r.File != o.File {
		return r.File < o.File
	}
	return r.Line < o.Line
}

// Kind names an event type.
type Kind uint8

// The event kinds.
const (
	KindConn Kind = iota
	KindHTTP
	KindDNS
	KindTLS
	KindFile
	KindSMTP
	KindFTP
	KindX509
	KindNotice
	KindHost
	KindCloud
	NumKinds
)

var kindNames = [...]string{"conn", "http", "dns", "tls", "file", "smtp", "ftp", "x509", "notice", "host", "cloud"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// KindSet is a set of kinds.
type KindSet uint32

// Has reports whether k is in the set.
func (s KindSet) Has(k Kind) bool { return s&(1<<k) != 0 }

// With returns the set with k added.
func (s KindSet) With(k Kind) KindSet { return s | 1<<k }

// Meta is what every record carries: where it came from, when, and the sensor's id for it.
type Meta struct {
	Ref Ref
	TS  Time
	// UID is the connection id (Zeek uid) or, for files and certificates, the file id.
	UID string
	// Sensor names the sensor that wrote the record, when the log says (HELK's @system).
	Sensor string
}

// Flow is the endpoints of a network record: the originator (Src) and the responder (Dst).
type Flow struct {
	Src     netip.Addr
	SrcPort uint16
	Dst     netip.Addr
	DstPort uint16
}

// List is a set or vector field. Nil means unset; an empty non-nil list means empty.
type List []string

// Conn is a network flow (Zeek conn.log).
type Conn struct {
	Meta
	Flow
	Proto   string // tcp, udp, icmp
	Service string // application protocols identified by inspection, comma separated ("" unset)
	// Duration of the connection; Unset when the log did not say.
	Duration    Duration
	OrigBytes   int64 // payload bytes sent by the originator; Unset when unknown
	RespBytes   int64 // payload bytes sent by the responder; Unset when unknown
	ConnState   string
	LocalOrig   int8 // 1 true, 0 false, Unset
	LocalResp   int8
	MissedBytes int64
	History     string
	OrigPkts    int64
	OrigIPBytes int64
	RespPkts    int64
	RespIPBytes int64
	TunnelUIDs  List

	// What firewalls add (zero values for Zeek and packet captures):

	// Action is what the firewall did with the connection, as it words it (PAN-OS allow, deny,
	// drop, reset-both; FTD Allow, Block, Trust ...).
	Action string
	// Rule is the firewall rule (policy) that matched the connection.
	Rule string
	// User is the user the firewall attributed the source to (PAN-OS srcuser, FTD User).
	User string
}

// HTTP is one HTTP request/response pair (Zeek http.log).
type HTTP struct {
	Meta
	Flow
	TransDepth      int64
	Method          string
	Host            string
	URI             string
	Referrer        string
	Version         string
	UserAgent       string
	Origin          string
	RequestBodyLen  int64
	ResponseBodyLen int64
	StatusCode      int64
	StatusMsg       string
	Username        string
	Tags            List
	Proxied         List
	OrigFUIDs       List
	OrigFilenames   List
	OrigMimeTypes   List
	RespFUIDs       List
	RespFilenames   List
	RespMimeTypes   List

	// What sources other than Zeek add (zero values when the source does not say):

	// URL is the full URL as the source logged it (Splunk Stream's url, a proxy's request URL).
	URL string
	// Body is the first bytes of the request body, when the source captured them (Splunk
	// Stream's form_data, a packet capture).
	Body string
	// ContentType is the request's Content-Type header, when the source logs it.
	ContentType string
	// ReqBytes and RespBytes are the bytes each way on the wire, headers included, when the
	// source counts them (Splunk Stream's bytes_in and bytes_out, a proxy's reply size);
	// Unset otherwise.
	ReqBytes  int64
	RespBytes int64
	// Action is what a proxy did with the request (Squid's TCP_DENIED, TCP_MISS ...).
	Action string
}

// DNS is one DNS query and its answers (Zeek dns.log).
type DNS struct {
	Meta
	Flow
	Proto     string
	TransID   int64
	RTT       Duration
	Query     string
	QClass    int64
	QType     int64
	QTypeName string
	RCode     int64
	RCodeName string
	AA        bool
	TC        bool
	RD        bool
	RA        bool
	Rejected  bool
	Answers   List
	TTLs      []Duration
}

// TLS is one TLS/SSL handshake (Zeek ssl.log).
type TLS struct {
	Meta
	Flow
	Version          string
	Cipher           string
	Curve            string
	ServerName       string
	Resumed          bool
	Established      bool
	NextProtocol     string
	Subject          string
	Issuer           string
	ValidationStatus string
	JA3              string
	JA3S             string
	JA4              string
	CertChainFUIDs   List
	CertChainFPs     List
}

// File is one file seen in transit (Zeek files.log).
type File struct {
	Meta
	// Flow is set when the log names the connection's endpoints (Zeek 5+ files.log).
	Flow
	FUID         string
	TxHosts      List
	RxHosts      List
	ConnUIDs     List
	Source       string // protocol that carried the file: HTTP, SMB, FTP_DATA, SMTP ...
	Depth        int64
	Analyzers    List
	MimeType     string
	Filename     string
	Duration     Duration
	LocalOrig    int8
	IsOrig       int8 // 1 when the originator of the connection sent the file
	SeenBytes    int64
	TotalBytes   int64
	MissingBytes int64
	MD5          string
	SHA1         string
	SHA256       string
}

// SMTP is one SMTP transaction (Zeek smtp.log).
type SMTP struct {
	Meta
	Flow
	TransDepth int64
	Helo       string
	MailFrom   string
	RcptTo     List
	From       string
	To         List
	Subject    string
	UserAgent  string
	TLS        bool
	FUIDs      List
}

// FTP is one FTP command and its reply (Zeek ftp.log).
type FTP struct {
	Meta
	Flow
	User      string
	Command   string
	Arg       string
	MimeType  string
	FileSize  int64
	ReplyCode int64
	ReplyMsg  string
	// The data channel the command opened, when there was one.
	DataPassive bool
	DataSrc     netip.Addr
	DataDst     netip.Addr
	DataDstPort uint16
	FUID        string
}

// X509 is one certificate (Zeek x509.log). Meta.UID holds the certificate's file id.
type X509 struct {
	Meta
	Fingerprint    string
	Version        int64
	Serial         string
	Subject        string
	Issuer         string
	NotValidBefore Time
	NotValidAfter  Time
	KeyAlg         string
	SigAlg         string
	KeyType        string
	KeyLength      int64
	SANDNS         List
	SANIP          List
	BasicCA        int8
}

// Notice is a Zeek notice (notice.log).
type Notice struct {
	Meta
	Flow
	Note string
	Msg  string
	Sub  string
	// Src and Dst of the notice itself (may differ from the connection's).
	NoticeSrc netip.Addr
	NoticeDst netip.Addr
	Port      uint16
	Actions   List
}

// HostOp is what a host event records.
type HostOp uint8

// The host operations.
const (
	// OpProcess: a process started (Sysmon 1, Security 4688, auditd execve).
	OpProcess HostOp = iota + 1
	// OpConnect: a process made or accepted a network connection (Sysmon 3, auditd connect).
	OpConnect
	// OpDNS: a process looked a name up (Sysmon 22).
	OpDNS
	// OpFile: a process created a file (Sysmon 11).
	OpFile
)

var opNames = [...]string{"", "process", "connect", "dns", "file"}

func (o HostOp) String() string {
	if int(o) < len(opNames) && o > 0 {
		return opNames[o]
	}
	return "unknown"
}

// Proc identifies a process on a host, as far as the log says.
type Proc struct {
	PID         int64  // Unset when the log did not say
	GUID        string // Sysmon's ProcessGuid (unique per process start on a host)
	Image       string // path of the executable
	CommandLine string
	User        string // DOMAIN\user, or the Linux user name (uid when unresolved)
}

// Host is one event a host logged about a process: its start, a connection it made, a name it
// looked up, a file it created (Sysmon, Windows Security, auditd).
type Host struct {
	Meta
	// Flow is set for OpConnect: the initiator is Src, as in a conn record (Sysmon's
	// SourceIp); Initiated tells whether that is the host's side.
	Flow
	Op       HostOp
	Log      string // "sysmon", "security", "auditd"
	EventID  int32  // the Windows event id; 0 for auditd
	Computer string // the host's name as it logs it
	Proc     Proc
	// Parent is the creating process (OpProcess).
	Parent Proc
	// OpProcess details.
	CurrentDir       string
	OriginalFileName string // the PE header's name: differs from Image's when renamed
	Hashes           string
	Args             List // argv, when the log keeps the arguments apart (auditd EXECVE)
	// OpConnect details.
	Proto     string // tcp, udp
	Initiated int8   // 1 the process connected out, 0 it accepted, Unset
	DstHost   string // the destination's name, when the host resolved it
	// OpDNS details.
	Query        string
	QueryStatus  string // Sysmon's QueryStatus: 0 success, else a Windows error code
	QueryResults string // Sysmon's QueryResults: "type: 5 name;::ffff:1.2.3.4;"
	// OpFile details.
	TargetFile string
}

// CloudOp is what a cloud audit event did, in words common to the providers.
type CloudOp uint8

// The cloud operations.
const (
	// CloudOther: anything else (sign-ins, configuration reads, deletions).
	CloudOther CloudOp = iota
	// CloudList: an enumeration of stored data (S3 ListBuckets, ListObjects).
	CloudList
	// CloudUpload: an object or file written (S3 PutObject, CopyObject, UploadPart,
	// CompleteMultipartUpload; Microsoft 365 FileUploaded, FileSyncUploadedFull; Drive upload).
	CloudUpload
	// CloudDownload: an object, file or mailbox content read (S3 GetObject; Microsoft 365
	// FileDownloaded, FileSyncDownloadedFull, MailItemsAccessed; Drive download).
	CloudDownload
	// CloudShare: data made readable by others: a sharing link or invitation, a visibility
	// change, a bucket policy or ACL, a snapshot's permissions. Scope and Target say to whom.
	CloudShare
	// CloudReplicate: data set to be copied elsewhere on its own (S3 bucket replication).
	CloudReplicate
	// CloudSnapshot: a copy of a volume or database taken (EC2 CreateSnapshot, RDS
	// CreateDBSnapshot, CopySnapshot).
	CloudSnapshot
	// CloudMail: a message sent (Exchange Send, SendAs, SendOnBehalf; Gmail send).
	CloudMail
)

var cloudOpNames = [...]string{"other", "list", "upload", "download", "share", "replicate", "snapshot", "mail"}

func (o CloudOp) String() string {
	if int(o) < len(cloudOpNames) {
		return cloudOpNames[o]
	}
	return "unknown"
}

// The scopes of a CloudShare or CloudReplicate event: who gains access.
const (
	ScopePublic   = "public"   // anyone: an anonymous link, AllUsers, a policy's "*", visibility "people with link"
	ScopeExternal = "external" // someone outside the organisation: another account, a guest, an outside domain
	ScopeInternal = "internal" // people of the organisation only
)

// Cloud is one event of a cloud provider's audit log: AWS CloudTrail, the Microsoft 365 unified
// audit log, Google Workspace's reports.
type Cloud struct {
	Meta // UID is the provider's event id
	// Src is the caller's address; invalid when the caller was a provider's service (SrcName).
	Src     netip.Addr
	SrcName string // the caller when it is not an address ("ec2.amazonaws.com")
	// Provider is "aws", "m365" or "google".
	Provider string
	// Service is the provider's service: "s3.amazonaws.com", "SharePoint", "OneDrive",
	// "Exchange", "drive", "gmail", "admin" ...
	Service string
	// Name is the operation as the provider logs it: PutObject, FileUploaded, download ...
	Name string
	Op   CloudOp
	// User is the principal as the provider names it: an ARN (assumed-role sessions
	// included), a user principal name, an e-mail address.
	User string
	// UserType is the provider's kind of principal: IAMUser, AssumedRole, Root, AWSService;
	// Microsoft 365's UserType; Google's actor callerType.
	UserType string
	// Role is the role an assumed-role session belongs to (its issuer's ARN).
	Role      string
	AccessKey string
	// Instance is the EC2 instance whose role credentials made the call (the session of an
	// instance profile), when the log says.
	Instance string
	// Account is the account, tenant or customer the event belongs to.
	Account   string
	UserAgent string
	Region    string
	// Container holds the object: an S3 bucket, a SharePoint site or OneDrive URL, a Drive
	// owner or shared drive, a snapshot or database id.
	Container string
	// Owner is the account that owns the container, when the log says (CloudTrail's
	// resources[].accountId): another account than the caller's means data crossed accounts.
	Owner string
	// Object is the object or file: an S3 key, a file's path or name, a document's title.
	Object   string
	ObjectID string // the provider's id for it when it has one (Drive doc_id)
	// Bytes is the size the event moved or the file's size; Unset when the log does not say.
	Bytes int64
	// Count is how many items the event covers (aggregated records: Microsoft 365's
	// OperationCount, MailItemsAccessed's items); 1 when the log does not say.
	Count int64
	// Scope and Target say who gains access (CloudShare, CloudReplicate): Scope is one of
	// ScopePublic, ScopeExternal, ScopeInternal or "" when unknown; Target names them (an
	// account id, an e-mail address, a domain, a destination bucket).
	Scope  string
	Target string
	// Recipients of a message (CloudMail).
	Recipients List
	// Error is the provider's error code for a failed call; "" when it succeeded.
	Error string
}

// Sink receives events. A reader calls a sink from one goroutine at a time.
type Sink interface {
	Conn(*Conn)
	HTTP(*HTTP)
	DNS(*DNS)
	TLS(*TLS)
	File(*File)
	SMTP(*SMTP)
	FTP(*FTP)
	X509(*X509)
	Notice(*Notice)
	Host(*Host)
	Cloud(*Cloud)
}

// NopSink ignores every event; embed it to implement only some methods of Sink.
type NopSink struct{}

func (NopSink) Conn(*Conn)     {}
func (NopSink) HTTP(*HTTP)     {}
func (NopSink) DNS(*DNS)       {}
func (NopSink) TLS(*TLS)       {}
func (NopSink) File(*File)     {}
func (NopSink) SMTP(*SMTP)     {}
func (NopSink) FTP(*FTP)       {}
func (NopSink) X509(*X509)     {}
func (NopSink) Notice(*Notice) {}
func (NopSink) Host(*Host)     {}
func (NopSink) Cloud(*Cloud)   {}
