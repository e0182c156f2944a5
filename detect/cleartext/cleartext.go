// Package cleartext finds internal hosts talking cleartext or prohibited protocols to the
// outside: files uploaded by FTP and FTP logins that send a password in the clear, mail sent
// straight to an outside mail server instead of through the organisation's relays, IRC, SMB,
// telnet, LDAP and RDP to public addresses (ATT&CK T1048.003 Exfiltration Over Unencrypted
// Non-C2 Protocol, T1071.002 File Transfer Protocols, T1071.003 Mail Protocols, T1048).
//
// It reads four Zeek logs (or the same records from a packet capture) and works with any
// subset of them, saying less when it has less:
//
//   - ftp.log (event.FTP): one record per command and its reply. Zeek logs only the commands
//     of FTP::logged_commands (APPE, DELE, RETR, STOR, STOU, ACCT, PORT, PASV, EPRT, EPSV) and
//     repeats the session's user on each; a packet capture gives every command, USER and PASS
//     included. Fields read: ts, uid, id.orig_h, id.resp_h, id.resp_p, user, command, arg
//     (for file commands Zeek writes a URL, ftp://server/path), mime_type, file_size, reply_code,
//     fuid.
//   - smtp.log (event.SMTP): one record per mail transaction. Fields read: ts, uid, id.orig_h,
//     id.resp_h, id.resp_p, helo, mailfrom, rcptto, subject, user_agent, tls, fuids.
//   - files.log (event.File): the files of FTP data channels (source FTP_DATA) and of mails
//     (source SMTP). Fields read: fuid, tx_hosts, rx_hosts (or the connection's endpoints and
//     is_orig), source, mime_type, filename, seen_bytes, total_bytes.
//   - conn.log (event.Conn): the protocol by Zeek's service field (ftp, ftp-data, smtp, irc,
//     smb, telnet, ldap, rdp ...) or, where Zeek named none, by the destination port; bytes each
//     way and whether the connection was established (conn_state, resp_bytes).
//
// Zeek's field definitions: FTP::Info (base/protocols/ftp/info.zeek), SMTP::Info,
// Files::Info and Conn::Info in the Zeek script reference (docs.zeek.org, "Log Files").
// README.md documents the logic, every parameter and the risk formula.
package cleartext

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// ID is the detection's stable id.
const ID = "cleartext-egress"

func init() { detect.Register(func() detect.Detection { return New() }) }

// The rows with logic of their own beyond connections.
const (
	FTP  = "ftp"
	SMTP = "smtp"
)

// Protocol is one row of the protocol table: the Zeek service names that identify it in
// conn.log, the destination ports that stand for it when Zeek named no service, and the risk of
// a finding built from connections alone.
type Protocol struct {
	Services []string `yaml:"services,omitempty"`
	Ports    Ports    `yaml:"ports"`
	Risk     int      `yaml:"risk"`
}

// Ports is a list of ports and inclusive ranges, written in config as numbers and "lo-hi"
// strings: [194, "6660-6669", 6697].
type Ports [][2]uint16

// UnmarshalYAML reads a sequence of ports and ranges.
func (p *Ports) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: ports: expected a list of ports and lo-hi ranges", n.Line)
	}
	out := Ports{}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: ports: expected a port or a lo-hi range", c.Line)
		}
		r, err := parsePortRange(c.Value)
		if err != nil {
			return fmt.Errorf("line %d: ports: %w", c.Line, err)
		}
		out = append(out, r)
	}
	*p = out
	return nil
}

// MarshalYAML writes single ports as numbers and ranges as "lo-hi".
func (p Ports) MarshalYAML() (any, error) {
	out := make([]any, 0, len(p))
	for _, r := range p {
		if r[0] == r[1] {
			out = append(out, int(r[0]))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", r[0], r[1]))
		}
	}
	return out, nil
}

func parsePortRange(s string) ([2]uint16, error) {
	s = strings.TrimSpace(s)
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	if err != nil {
		return [2]uint16{}, fmt.Errorf("%q is not a port or lo-hi range", s)
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 16); err != nil || b < a {
			return [2]uint16{}, fmt.Errorf("%q is not a port or lo-hi range", s)
		}
	}
	return [2]uint16{uint16(a), uint16(b)}, nil
}

func port(p uint16) [2]uint16         { return [2]uint16{p, p} }
func portRange(a, b uint16) [2]uint16 { return [2]uint16{a, b} }

// Risk holds the parts of a finding's risk.
type Risk struct {
	FTPUpload       int `yaml:"ftp_upload" doc:"risk of files uploaded by FTP to the outside (an upload command answered 1xx/2xx, a file files.log saw the client send, or client bytes on the data channel)"`
	FTPLogin        int `yaml:"ftp_login" doc:"risk of a non-anonymous FTP login to the outside without an upload: a password sent in the clear"`
	FTPOther        int `yaml:"ftp_other" doc:"risk of FTP to the outside that ftp.log shows neither uploading nor logging in with credentials (anonymous downloads, listings): below min_risk, so silent by default"`
	Credentials     int `yaml:"credentials" doc:"added to an FTP upload made with a non-anonymous user (its password crossed in the clear)"`
	StolenName      int `yaml:"stolen_name" doc:"added when a file name or mail subject matches stolen_names"`
	Attachment      int `yaml:"attachment" doc:"added when mail sent direct to the outside carried attachments"`
	RiskyAttachment int `yaml:"risky_attachment" doc:"added when an attachment is an archive or an executable (risky_names, risky_mime_types)"`
	Volume          int `yaml:"volume" doc:"added for each volume band the bytes sent exceed"`
	Repeated        int `yaml:"repeated" doc:"added when the source came back: at least repeat sessions (or uploads, or mails)"`
	AttemptOnly     int `yaml:"attempt_only" doc:"added (negative) when no connection was established: rejected or unanswered attempts"`
	NonMailProcess  int `yaml:"non_mail_process" doc:"added when host logs name the process behind direct SMTP and it is not a mail client (mail_processes)"`
}

// Params are the detection's parameters.
type Params struct {
	Protocols      map[string]*Protocol `yaml:"protocols" doc:"protocol table: name -> {services: [Zeek service names], ports: [ports or lo-hi ranges, used when Zeek named no service], risk: base risk}; name: {} switches a row off; the rows ftp and smtp also read ftp.log and smtp.log"`
	InnerServices  []string             `yaml:"inner_services" doc:"Zeek services that ride inside others (TLS, Kerberos, GSSAPI, NTLM, DCE-RPC): a connection naming only these is classified by its port"`
	FTPServers     []string             `yaml:"ftp_servers" doc:"outside FTP servers (addresses or networks) that are sanctioned: not reported"`
	MailServers    []string             `yaml:"mail_servers" doc:"mail relays and sanctioned outside mail services (addresses or networks): SMTP to them, and SMTP sent by them, is not reported"`
	RelayClients   int                  `yaml:"relay_clients" doc:"an internal host that accepts SMTP from at least this many distinct hosts is a mail server: its own SMTP to the outside is not reported; 0 turns this off"`
	AnonymousUsers []string             `yaml:"anonymous_users" doc:"FTP users that log in anonymously (no credentials), case-insensitive: Zeek's FTP::guest_ids"`
	UploadCmds     []string             `yaml:"upload_commands" doc:"FTP commands that send a file to the server"`
	DownloadCmds   []string             `yaml:"download_commands" doc:"FTP commands that fetch a file from the server (counted, not reported)"`
	StolenNames    string               `yaml:"stolen_names" doc:"regex on file names (FTP uploads, mail attachments) and mail subjects that look like stolen data: credential dumps, keylogs, screenshots, cookies, wallets; empty turns it off"`
	RiskyNames     string               `yaml:"risky_names" doc:"regex on attachment names that marks archives and executables"`
	RiskyMIMETypes []string             `yaml:"risky_mime_types" doc:"attachment MIME types that mark executables and disk images (archives are known by package filetype)"`
	MailProcesses  []string             `yaml:"mail_processes" doc:"mail client images (file names, case-insensitive): when host logs name one of them behind direct SMTP, the finding is dropped"`
	VolumeBands    []int64              `yaml:"volume_bands" doc:"bytes sent above which risk.volume is added, once per band exceeded"`
	Repeat         int                  `yaml:"repeat" doc:"sessions (distinct connections), uploads or mails from which risk.repeated is added"`
	MinRisk        int                  `yaml:"min_risk" doc:"findings below this risk are not reported"`
	Risk           Risk                 `yaml:"risk"`
}

// DefaultProtocols returns the default protocol table (README.md says why each row).
func DefaultProtocols() map[string]*Protocol {
	row := func(risk int, services []string, ports ...[2]uint16) *Protocol {
		return &Protocol{Services: services, Ports: ports, Risk: risk}
	}
	return map[string]*Protocol{
		FTP:      row(40, []string{"ftp"}, port(21)),
		SMTP:     row(40, []string{"smtp"}, port(25), port(465), port(587), port(2525)),
		"irc":    row(50, []string{"irc"}, port(194), portRange(6660, 6669), port(6697)),
		"smb":    row(50, []string{"smb"}, port(139), port(445)),
		"telnet": row(40, []string{"telnet"}, port(23)),
		"ldap":   row(40, []string{"ldap", "ldap_tcp", "ldap_udp"}, port(389), port(3268)),
		"rdp":    row(40, []string{"rdp", "rdpeudp"}, port(3389)),
	}
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{
		Protocols:      DefaultProtocols(),
		InnerServices:  []string{"ssl", "tls", "gssapi", "krb", "krb_tcp", "ntlm", "dce_rpc"},
		RelayClients:   3,
		AnonymousUsers: []string{"anonymous", "ftp", "ftpuser", "guest"},
		UploadCmds:     []string{"STOR", "STOU", "APPE"},
		DownloadCmds:   []string{"RETR"},
		StolenNames:    `(?i)(^pw_|passw|cred|cookie|keylog|screenshot|wallet|^(kl|sc|co)_.*\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d)`,
		RiskyNames:     `(?i)\.(zip|zipx|rar|7z|gz|tgz|bz2|xz|tar|cab|ace|arj|lzh|iso|img|vhdx?|exe|dll|scr|com|pif|cpl|msi|jar|js|jse|vbs|vbe|wsf|hta|ps1|bat|cmd|lnk)$`,
		RiskyMIMETypes: []string{
			"application/x-dosexec", "application/x-msdownload", "application/vnd.microsoft.portable-executable",
			"application/x-executable", "application/x-elf", "application/x-mach-binary", "application/java-archive",
			"application/x-iso9660-image", "application/x-ms-shortcut", "application/hta",
		},
		MailProcesses: []string{"outlook.exe", "olk.exe", "hxoutlook.exe", "thunderbird.exe", "thunderbird", "mailclient.exe", "evolution", "mutt", "neomutt"},
		VolumeBands:   []int64{1_000_000, 10_000_000, 100_000_000},
		Repeat:        3,
		MinRisk:       40,
		Risk: Risk{
			FTPUpload:       50,
			FTPLogin:        40,
			FTPOther:        20,
			Credentials:     10,
			StolenName:      10,
			Attachment:      10,
			RiskyAttachment: 10,
			Volume:          10,
			Repeated:        10,
			AttemptOnly:     -20,
			NonMailProcess:  10,
		},
	}
}

// Detection is the cleartext-egress detection.
type Detection struct {
	p Params
	c *compiled
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{p: DefaultParams()} }

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.p }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Cleartext or prohibited protocol to the outside",
		Techniques: []string{"T1048.003", "T1071.002", "T1071.003", "T1048"},
		Kinds:      []event.Kind{event.KindConn, event.KindFTP, event.KindSMTP, event.KindFile},
		Fields:     "ftp: uid, id.orig_h, id.resp_h, id.resp_p, user, command, arg, mime_type, file_size, reply_code, fuid; smtp: uid, id.*, helo, mailfrom, rcptto, subject, user_agent, tls, fuids; files: fuid, tx_hosts, rx_hosts, source, mime_type, filename, seen_bytes, total_bytes; conn: uid, id.*, proto, service, conn_state, orig_bytes, resp_bytes",
		Source:     "analytics catalogue, \"Flows, ports, volumes\": prohibited/cleartext egress (FTP, IRC, SMB to public, SMTP from non-mail processes, LDAP, RDP)",
	}
}

// row is a protocol of the compiled table.
type row struct {
	name  string
	label string // for summaries and notes: "SMB"
	risk  int
	ports string // for figures: "25,465,587,2525"
}

// compiled is the parameters in the form the aggregators use; it is shared and never written
// after Prepare.
type compiled struct {
	rows       []row           // sorted by name; a row's index is its id
	svc        map[string]int8 // Zeek service name -> row id, or inner (-1)
	port       []int8          // destination port -> row id + 1 (0: none)
	ftp, smtp  int8            // row ids, -1 when the row is off
	ftpServers *netset.Set
	mailSrv    *netset.Set
	anon       []string        // anonymous users
	upload     map[string]bool // upper case
	download   map[string]bool
	stolen     *regexp.Regexp // nil: off
	risky      *regexp.Regexp
	riskyMIME  map[string]bool
	mailProcs  map[string]bool // lower case image file names
}

const inner = -1

// Prepare checks the parameters and compiles them.
func (d *Detection) Prepare() error {
	c, err := compile(&d.p)
	if err != nil {
		return fmt.Errorf("%s: %w", ID, err)
	}
	d.c = c
	return nil
}

func compile(p *Params) (*compiled, error) {
	c := &compiled{svc: map[string]int8{}, port: make([]int8, 1<<16), ftp: -1, smtp: -1,
		upload: map[string]bool{}, download: map[string]bool{}, riskyMIME: map[string]bool{}, mailProcs: map[string]bool{}}
	names := make([]string, 0, len(p.Protocols))
	for name, r := range p.Protocols {
		if r != nil && (len(r.Services) > 0 || len(r.Ports) > 0) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) > 120 {
		return nil, fmt.Errorf("protocols: too many rows (%d)", len(names))
	}
	for i, name := range names {
		r := p.Protocols[name]
		var ports []string
		for _, pr := range r.Ports {
			if pr[0] > pr[1] {
				return nil, fmt.Errorf("protocols.%s: port range %d-%d is reversed", name, pr[0], pr[1])
			}
			for q := int(pr[0]); q <= int(pr[1]); q++ {
				if c.port[q] != 0 {
					return nil, fmt.Errorf("protocols.%s: port %d already belongs to %s", name, q, c.rows[c.port[q]-1].name)
				}
				c.port[q] = int8(i + 1)
			}
			if pr[0] == pr[1] {
				ports = append(ports, strconv.Itoa(int(pr[0])))
			} else {
				ports = append(ports, fmt.Sprintf("%d-%d", pr[0], pr[1]))
			}
		}
		c.rows = append(c.rows, row{name: name, label: strings.ToUpper(name), risk: r.Risk, ports: strings.Join(ports, ",")})
		for _, s := range r.Services {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" {
				continue
			}
			if prev, dup := c.svc[s]; dup {
				return nil, fmt.Errorf("protocols.%s: service %q already belongs to %s", name, s, c.rows[prev].name)
			}
			c.svc[s] = int8(i)
		}
		switch name {
		case FTP:
			c.ftp = int8(i)
		case SMTP:
			c.smtp = int8(i)
		}
	}
	for _, s := range p.InnerServices {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if _, named := c.svc[s]; named {
			return nil, fmt.Errorf("inner_services: %q names a protocol of the table", s)
		}
		c.svc[s] = inner
	}
	var err error
	if c.ftpServers, err = netset.Parse(p.FTPServers); err != nil {
		return nil, fmt.Errorf("ftp_servers: %w", err)
	}
	if c.mailSrv, err = netset.Parse(p.MailServers); err != nil {
		return nil, fmt.Errorf("mail_servers: %w", err)
	}
	for _, u := range p.AnonymousUsers {
		if u = strings.TrimSpace(u); u != "" {
			c.anon = append(c.anon, u)
		}
	}
	for _, s := range p.UploadCmds {
		c.upload[strings.ToUpper(strings.TrimSpace(s))] = true
	}
	for _, s := range p.DownloadCmds {
		s = strings.ToUpper(strings.TrimSpace(s))
		if c.upload[s] {
			return nil, fmt.Errorf("download_commands: %s is also an upload command", s)
		}
		c.download[s] = true
	}
	if p.StolenNames != "" {
		if c.stolen, err = regexp.Compile(p.StolenNames); err != nil {
			return nil, fmt.Errorf("stolen_names: %w", err)
		}
	}
	if p.RiskyNames != "" {
		if c.risky, err = regexp.Compile(p.RiskyNames); err != nil {
			return nil, fmt.Errorf("risky_names: %w", err)
		}
	}
	for _, m := range p.RiskyMIMETypes {
		c.riskyMIME[strings.ToLower(strings.TrimSpace(m))] = true
	}
	for _, m := range p.MailProcesses {
		c.mailProcs[strings.ToLower(strings.TrimSpace(m))] = true
	}
	for i, b := range p.VolumeBands {
		if b < 0 || i > 0 && b <= p.VolumeBands[i-1] {
			return nil, fmt.Errorf("volume_bands: must be positive and increasing")
		}
	}
	if p.Repeat < 0 || p.RelayClients < 0 {
		return nil, fmt.Errorf("repeat and relay_clients must not be negative")
	}
	return c, nil
}

// classify names the protocol of a connection: a table row named by Zeek's service list, else
// (when the list names only inner services, or nothing) the row of the destination port.
// data reports an FTP data channel (service ftp-data); tls a TLS layer in the list.
func (c *compiled) classify(service string, port uint16) (id int8, data, tls bool) {
	id = -1
	other := false
	for rest := service; rest != ""; {
		var s string
		s, rest, _ = strings.Cut(rest, ",")
		s = strings.TrimSpace(s)
		if s == "" || s == "-" {
			continue
		}
		if s == "ftp-data" || s == "FTP-DATA" {
			data = true
			continue
		}
		r, ok := c.lookup(s)
		switch {
		case !ok:
			other = true
		case r == inner:
			if s == "ssl" || s == "tls" {
				tls = true
			}
		case id < 0 || r < id:
			id = r
		}
	}
	if data {
		return -1, true, tls
	}
	if id >= 0 {
		return id, false, tls
	}
	if other {
		return -1, false, tls
	}
	return c.port[port] - 1, false, tls
}

// lookup finds a service name, folding upper case without allocating.
func (c *compiled) lookup(s string) (int8, bool) {
	if r, ok := c.svc[s]; ok {
		return r, true
	}
	if len(s) > 32 {
		return 0, false
	}
	var buf [32]byte
	upper := false
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
			upper = true
		}
		buf[i] = b
	}
	if !upper {
		return 0, false
	}
	r, ok := c.svc[string(buf[:len(s)])]
	return r, ok
}
