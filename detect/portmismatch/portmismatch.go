// Package portmismatch finds connections whose application protocol, as identified by
// inspection (Zeek's service field), is not the one expected on the destination port: DNS
// that is not on port 53, TLS that is not on 443, SSH on 443 and the like (ATT&CK T1048.003,
// T1571). It reproduces the Splunk analytic "Protocol or Port Mismatch" and extends its
// table of expected ports. See README.md.
package portmismatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// ID is the detection's stable id.
const ID = "protocol-port-mismatch"

func init() {
	detect.Register(func() detect.Detection { return New() })
}

// App is one row of the table of expected ports.
//
// A primary row names an application protocol: Services lists the names Zeek writes for it
// in conn.log's service field (the row's own name when empty) and Ports the destination
// ports where it is expected. An extension row (Of set, Services empty) adds expected ports to
// the primary row it names, under a name of its own so that it can be documented, listed in
// `only` or removed: "imaps: {of: ssl, ports: [993]}" says TLS on 993 is IMAP over TLS.
// A row without ports (written `name: {}` or `name: null`) is switched off.
type App struct {
	Services []string    `yaml:"services,omitempty"`
	Of       string      `yaml:"of,omitempty"`
	Ports    []PortRange `yaml:"ports"`
}

// Risk holds the parts of a finding's risk score.
type Risk struct {
	Base         int      `yaml:"base" doc:"risk of every finding: the seed's risk-based-alerting score on src_ip"`
	External     int      `yaml:"external" doc:"added when the destination is outside the internal networks"`
	App          int      `yaml:"app" doc:"added when the application is one that tunnels well or administers hosts (risk.apps)"`
	Apps         []string `yaml:"apps" doc:"applications that earn risk.app"`
	BigOut       int      `yaml:"big_out" doc:"added when the source sent more than risk.big_out_bytes to the destination"`
	BigOutBytes  int64    `yaml:"big_out_bytes" doc:"bytes sent (sum of orig_bytes) above which risk.big_out is added"`
	OtherAppPort int      `yaml:"other_app_port" doc:"added when the port is one the table expects for another application (SSH on 443, DNS on 80): hiding in an allowed port"`
}

// Params are the detection's parameters.
type Params struct {
	Apps             map[string]*App `yaml:"apps" doc:"table of expected ports: app -> {services: [Zeek service names], ports: [numbers or a-b ranges]}, or an extension row {of: app, ports: [...]}; a row written in sluice.yaml replaces the default row of that name, name: {} switches a row off"`
	Only             []string        `yaml:"only" doc:"use only these rows of the table (empty: every row); [dns, http, ssl, smtp] is the seed's table"`
	InnerServices    []string        `yaml:"inner_services" doc:"services Zeek also finds inside other protocols (TLS after STARTTLS, Kerberos/GSSAPI/NTLM inside SMB, LDAP, DCE-RPC); one is judged only when the connection names no other service; empty judges every service, as the seed does"`
	IgnoreSpecialDst bool            `yaml:"ignore_special_dst" doc:"do not report multicast and broadcast destinations (mDNS, LLMNR, NetBIOS broadcasts); false is the seed"`
	Risk             Risk            `yaml:"risk"`
}

// DefaultApps returns the default table: the seed's four rows (dns, http, ssl, smtp) exactly,
// then rows for other protocols that Zeek identifies, then extension rows for well-known
// ports where a protocol is expected too. README.md documents each row.
func DefaultApps() map[string]*App {
	p := Port
	row := func(services []string, ports ...PortRange) *App { return &App{Services: services, Ports: ports} }
	ext := func(of string, ports ...PortRange) *App { return &App{Of: of, Ports: ports} }
	return map[string]*App{
		// The seed (Splunk "Protocol or Port Mismatch"), to the letter. web-browsing is the
		// Palo Alto name the seed also matches; Zeek writes http.
		"dns":  row([]string{"dns"}, p(53)),
		"http": row([]string{"http", "web-browsing"}, p(80), p(8080), p(8000)),
		"ssl":  row([]string{"ssl", "tls"}, p(443), p(8443)),
		"smtp": row([]string{"smtp"}, p(25)),

		// Other protocols Zeek's analyzers identify, on their IANA ports.
		"ftp":    row([]string{"ftp"}, p(21)),
		"ssh":    row([]string{"ssh"}, p(22)),
		"smb":    row([]string{"smb"}, p(139), p(445)),
		"rdp":    row([]string{"rdp", "rdpeudp"}, p(3389)),
		"irc":    row([]string{"irc"}, Range(6660, 6669), p(6697), p(7000)),
		"krb":    row([]string{"krb", "krb_tcp"}, p(88)),
		"ldap":   row([]string{"ldap", "ldap_tcp", "ldap_udp"}, p(389), p(636), p(3268), p(3269)),
		"mysql":  row([]string{"mysql"}, p(3306)),
		"socks":  row([]string{"socks"}, p(1080)),
		"sip":    row([]string{"sip"}, p(5060), p(5061)),
		"ntp":    row([]string{"ntp"}, p(123)),
		"snmp":   row([]string{"snmp"}, p(161), p(162)),
		"pop3":   row([]string{"pop3"}, p(110), p(995)),
		"imap":   row([]string{"imap"}, p(143), p(993)),
		"dhcp":   row([]string{"dhcp"}, p(67), p(68)),
		"syslog": row([]string{"syslog"}, p(514)),
		"radius": row([]string{"radius"}, p(1812), p(1813), p(1645), p(1646)),
		"quic":   row([]string{"quic"}, p(443)),
		"rfb":    row([]string{"rfb"}, Range(5900, 5909)),

		// Extension rows: more ports where the seed's protocols are expected.
		"submission": ext("smtp", p(587)),         // mail submission, RFC 6409
		"nbns":       ext("dns", p(137)),          // NetBIOS name service, decoded by Zeek's DNS analyzer
		"mdns":       ext("dns", p(5353)),         // multicast DNS, RFC 6762
		"llmnr":      ext("dns", p(5355)),         // link-local multicast name resolution, RFC 4795
		"smtps":      ext("ssl", p(465)),          // SMTP submission over implicit TLS, RFC 8314
		"imaps":      ext("ssl", p(993)),          // IMAP over TLS, RFC 8314
		"pop3s":      ext("ssl", p(995)),          // POP3 over TLS, RFC 8314
		"ldaps":      ext("ssl", p(636), p(3269)), // LDAP and global catalog over TLS
		"ftps":       ext("ssl", p(989), p(990)),  // FTP over implicit TLS
		"dot":        ext("ssl", p(853)),          // DNS over TLS, RFC 7858
		"sips":       ext("ssl", p(5061)),         // SIP over TLS, RFC 3261
		"syslog-tls": ext("ssl", p(6514)),         // syslog over TLS, RFC 5425
		"rdp-tls":    ext("ssl", p(3389)),         // RDP's enhanced security is TLS on 3389
	}
}

// DefaultParams returns the defaults.
func DefaultParams() Params {
	return Params{
		Apps:             DefaultApps(),
		InnerServices:    []string{"ssl", "tls", "krb", "krb_tcp", "gssapi", "ntlm"},
		IgnoreSpecialDst: true,
		Risk: Risk{
			Base:         25,
			External:     15,
			App:          10,
			Apps:         []string{"ssh", "rdp", "irc", "socks", "rfb"},
			BigOut:       10,
			BigOutBytes:  1_000_000,
			OtherAppPort: 10,
		},
	}
}

// Detection is the protocol/port mismatch detection.
type Detection struct {
	params Params
}

// New returns the detection with its default parameters.
func New() *Detection { return &Detection{params: DefaultParams()} }

// Info describes the detection.
func (d *Detection) Info() detect.Info {
	return detect.Info{
		ID:         ID,
		Title:      "Application protocol on an unexpected port",
		Techniques: []string{"T1048.003", "T1571"},
		Kinds:      []event.Kind{event.KindConn},
		Fields:     "conn: ts, id.orig_h, id.resp_h, id.resp_p, proto, service, orig_bytes, resp_bytes",
		Source:     "Splunk security_content \"Protocol or Port Mismatch\" (seed 004), extended table",
	}
}

// Params returns the parameters, for the config to decode into.
func (d *Detection) Params() any { return &d.params }

// table is the compiled form of the parameters.
type table struct {
	apps       []appInfo          // primary rows in use, sorted by name; index = app id
	svc        map[string]svcInfo // Zeek service name (lower case) -> app and inner flag
	ignoreSpec bool
}

type appInfo struct {
	name  string
	ports portSet // expected ports: the row's and its extension rows'
	risky bool
}

type svcInfo struct {
	app   int16 // index into apps, -1 for inner services outside the table
	inner bool
}

// compile checks the parameters and builds the lookup table.
func compile(p *Params) (*table, error) {
	names := make([]string, 0, len(p.Apps))
	for name := range p.Apps {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, o := range p.Only {
		if _, ok := p.Apps[o]; !ok {
			return nil, fmt.Errorf("%s: only: no row %q in apps", ID, o)
		}
	}
	use := func(name string) bool {
		a := p.Apps[name]
		return a != nil && len(a.Ports) > 0 && (len(p.Only) == 0 || slices.Contains(p.Only, name))
	}
	t := &table{svc: map[string]svcInfo{}, ignoreSpec: p.IgnoreSpecialDst}
	index := map[string]int{}
	ports := map[string][]PortRange{}
	for _, name := range names {
		a := p.Apps[name]
		if a == nil {
			continue
		}
		if a.Of != "" {
			if len(a.Services) > 0 {
				return nil, fmt.Errorf("%s: apps.%s: a row has either services or of, not both", ID, name)
			}
			target, ok := p.Apps[a.Of]
			if !ok {
				return nil, fmt.Errorf("%s: apps.%s: of: no row %q in apps", ID, name, a.Of)
			}
			if target != nil && target.Of != "" {
				return nil, fmt.Errorf("%s: apps.%s: of: %q is itself an extension row", ID, name, a.Of)
			}
			continue
		}
		if !use(name) {
			continue
		}
		index[name] = len(t.apps)
		t.apps = append(t.apps, appInfo{name: name, risky: slices.Contains(p.Risk.Apps, name)})
		ports[name] = append(ports[name], a.Ports...)
		services := a.Services
		if len(services) == 0 {
			services = []string{name}
		}
		for _, s := range services {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" {
				continue
			}
			if prev, dup := t.svc[s]; dup {
				return nil, fmt.Errorf("%s: apps.%s: service %q already belongs to row %q", ID, name, s, t.apps[prev.app].name)
			}
			t.svc[s] = svcInfo{app: int16(len(t.apps) - 1)}
		}
	}
	if len(t.apps) > 1<<15-1 {
		return nil, fmt.Errorf("%s: apps: too many rows", ID)
	}
	for _, name := range names {
		a := p.Apps[name]
		if a == nil || a.Of == "" || !use(name) {
			continue
		}
		if _, ok := index[a.Of]; ok {
			ports[a.Of] = append(ports[a.Of], a.Ports...)
		}
	}
	for i := range t.apps {
		t.apps[i].ports = normalize(ports[t.apps[i].name])
	}
	for _, s := range p.InnerServices {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		info, ok := t.svc[s]
		if !ok {
			info.app = -1
		}
		info.inner = true
		t.svc[s] = info
	}
	return t, nil
}

// lookup finds a Zeek service name. Zeek writes them in lower case; other case is folded
// without allocating.
func (t *table) lookup(s string) (svcInfo, bool) {
	if v, ok := t.svc[s]; ok {
		return v, true
	}
	if len(s) > 32 {
		return svcInfo{}, false
	}
	var buf [32]byte
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			upper = true
		}
		buf[i] = c
	}
	if !upper {
		return svcInfo{}, false
	}
	v, ok := t.svc[string(buf[:len(s)])]
	return v, ok
}

// othersExpecting lists the applications other than app that expect port p.
func (t *table) othersExpecting(app int, p uint16) []string {
	var out []string
	for i, a := range t.apps {
		if i != app && a.ports.Contains(p) {
			out = append(out, a.name)
		}
	}
	return out
}
