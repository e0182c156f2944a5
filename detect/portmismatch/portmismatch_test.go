package portmismatch_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/detect/portmismatch"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/netset"
)

var t0 = event.FromStd(time.Date(2024, 3, 7, 10, 0, 0, 0, time.UTC))

const (
	internalSrc = "10.1.2.3"
	internalDst = "10.9.9.9"
	externalDst = "203.0.113.7"
)

// conn builds a connection; bytes out/in default to 100/200.
func conn(src, dst string, port uint16, proto, service string) *event.Conn {
	return &event.Conn{
		Meta:      event.Meta{TS: t0, Ref: event.Ref{Line: 1}},
		Flow:      event.Flow{Src: netip.MustParseAddr(src), SrcPort: 50000, Dst: netip.MustParseAddr(dst), DstPort: port},
		Proto:     proto,
		Service:   service,
		OrigBytes: 100,
		RespBytes: 200,
	}
}

func env() *detect.Env {
	return &detect.Env{Internal: netset.MustParse(netset.DefaultInternal), Evidence: 5}
}

// configure returns the detection with a sluice.yaml section applied.
func configure(t *testing.T, section string) *portmismatch.Detection {
	t.Helper()
	d := portmismatch.New()
	if section == "" {
		return d
	}
	doc := "detections:\n  " + portmismatch.ID + ":\n" + indent(section, "    ")
	c, err := config.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, doc)
	}
	if _, err := c.Apply([]detect.Detection{d}); err != nil {
		t.Fatalf("apply: %v\n%s", err, doc)
	}
	return d
}

func indent(s, pre string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString(pre + l + "\n")
	}
	return b.String()
}

// hunt feeds events to aggregators (one per slice) and merges them in order.
func hunt(t *testing.T, d *portmismatch.Detection, e *detect.Env, parts ...[]*event.Conn) []finding.Finding {
	t.Helper()
	return detecttest.ScoreConns(t, d, e, nil, parts...)
}

func TestMismatchTable(t *testing.T) {
	type want struct {
		app  string
		port int
	}
	cases := []struct {
		name   string
		config string
		conns  []*event.Conn
		want   []want // nil: silent
	}{
		// The seed's four rows.
		{name: "dns on 53", conns: []*event.Conn{conn(internalSrc, internalDst, 53, "udp", "dns")}},
		{name: "dns on 54", conns: []*event.Conn{conn(internalSrc, internalDst, 54, "udp", "dns")}, want: []want{{"dns", 54}}},
		{name: "dns on 52", conns: []*event.Conn{conn(internalSrc, internalDst, 52, "udp", "dns")}, want: []want{{"dns", 52}}},
		{name: "http on 80", conns: []*event.Conn{conn(internalSrc, externalDst, 80, "tcp", "http")}},
		{name: "http on 8080", conns: []*event.Conn{conn(internalSrc, externalDst, 8080, "tcp", "http")}},
		{name: "http on 8000", conns: []*event.Conn{conn(internalSrc, externalDst, 8000, "tcp", "http")}},
		{name: "http on 8001", conns: []*event.Conn{conn(internalSrc, externalDst, 8001, "tcp", "http")}, want: []want{{"http", 8001}}},
		{name: "http on 81", conns: []*event.Conn{conn(internalSrc, externalDst, 81, "tcp", "http")}, want: []want{{"http", 81}}},
		{name: "web-browsing on 8888", conns: []*event.Conn{conn(internalSrc, externalDst, 8888, "tcp", "web-browsing")}, want: []want{{"http", 8888}}},
		{name: "ssl on 443", conns: []*event.Conn{conn(internalSrc, externalDst, 443, "tcp", "ssl")}},
		{name: "ssl on 8443", conns: []*event.Conn{conn(internalSrc, externalDst, 8443, "tcp", "ssl")}},
		{name: "ssl on 444", conns: []*event.Conn{conn(internalSrc, externalDst, 444, "tcp", "ssl")}, want: []want{{"ssl", 444}}},
		{name: "tls means ssl", conns: []*event.Conn{conn(internalSrc, externalDst, 4443, "tcp", "tls")}, want: []want{{"ssl", 4443}}},
		{name: "smtp on 25", conns: []*event.Conn{conn(internalSrc, externalDst, 25, "tcp", "smtp")}},
		{name: "smtp on 2525", conns: []*event.Conn{conn(internalSrc, externalDst, 2525, "tcp", "smtp")}, want: []want{{"smtp", 2525}}},

		// Extension rows.
		{name: "smtp on 587 (submission)", conns: []*event.Conn{conn(internalSrc, externalDst, 587, "tcp", "smtp")}},
		{name: "ssl on 993 (imaps)", conns: []*event.Conn{conn(internalSrc, externalDst, 993, "tcp", "ssl")}},
		{name: "ssl on 636 (ldaps)", conns: []*event.Conn{conn(internalSrc, internalDst, 636, "tcp", "ssl")}},
		{name: "dns on 137 unicast (nbns)", conns: []*event.Conn{conn(internalSrc, internalDst, 137, "udp", "dns")}},
		{name: "dns on 5355 unicast (llmnr)", conns: []*event.Conn{conn(internalSrc, internalDst, 5355, "udp", "dns")}},

		// Added applications.
		{name: "ssh on 22", conns: []*event.Conn{conn(internalSrc, externalDst, 22, "tcp", "ssh")}},
		{name: "ssh on 443", conns: []*event.Conn{conn(internalSrc, externalDst, 443, "tcp", "ssh")}, want: []want{{"ssh", 443}}},
		{name: "ftp on 2121", conns: []*event.Conn{conn(internalSrc, externalDst, 2121, "tcp", "ftp")}, want: []want{{"ftp", 2121}}},
		{name: "irc range start", conns: []*event.Conn{conn(internalSrc, externalDst, 6660, "tcp", "irc")}},
		{name: "irc range end", conns: []*event.Conn{conn(internalSrc, externalDst, 6669, "tcp", "irc")}},
		{name: "irc below range", conns: []*event.Conn{conn(internalSrc, externalDst, 6659, "tcp", "irc")}, want: []want{{"irc", 6659}}},
		{name: "irc above range", conns: []*event.Conn{conn(internalSrc, externalDst, 6670, "tcp", "irc")}, want: []want{{"irc", 6670}}},
		{name: "krb_tcp on 88", conns: []*event.Conn{conn(internalSrc, internalDst, 88, "tcp", "krb_tcp")}},
		{name: "ldap_udp on 389", conns: []*event.Conn{conn(internalSrc, internalDst, 389, "udp", "ldap_udp")}},
		{name: "ldap_tcp on 3890", conns: []*event.Conn{conn(internalSrc, internalDst, 3890, "tcp", "ldap_tcp")}, want: []want{{"ldap", 3890}}},
		{name: "rdpeudp on 3389", conns: []*event.Conn{conn(internalSrc, internalDst, 3389, "udp", "rdpeudp")}},
		{name: "quic on udp 443", conns: []*event.Conn{conn(internalSrc, externalDst, 443, "udp", "quic,ssl")}},

		// Service lists.
		{name: "empty service", conns: []*event.Conn{conn(internalSrc, externalDst, 4444, "tcp", "")}},
		{name: "unknown service", conns: []*event.Conn{conn(internalSrc, internalDst, 49667, "tcp", "dce_rpc")}},
		{name: "violation marker", conns: []*event.Conn{conn(internalSrc, externalDst, 4443, "tcp", "-ssl")}},
		{name: "empty entries", conns: []*event.Conn{conn(internalSrc, externalDst, 4443, "tcp", ",,")}},
		{name: "upper case", conns: []*event.Conn{conn(internalSrc, externalDst, 4443, "tcp", "SSL")}, want: []want{{"ssl", 4443}}},
		{name: "kerberos inside smb", conns: []*event.Conn{conn(internalSrc, internalDst, 445, "tcp", "gssapi,smb,krb")}},
		{name: "kerberos inside dce_rpc", conns: []*event.Conn{conn(internalSrc, internalDst, 49667, "tcp", "krb,smb,dce_rpc,gssapi")}, want: []want{{"smb", 49667}}},
		{name: "kerberos alone on 445", conns: []*event.Conn{conn(internalSrc, internalDst, 445, "tcp", "gssapi,krb")}, want: []want{{"krb", 445}}},
		{name: "starttls on 25", conns: []*event.Conn{conn(internalSrc, externalDst, 25, "tcp", "smtp,ssl")}},
		{name: "starttls on 2525 judges smtp only", conns: []*event.Conn{conn(internalSrc, externalDst, 2525, "tcp", "smtp,ssl")}, want: []want{{"smtp", 2525}}},
		{name: "two apps mismatched", conns: []*event.Conn{conn(internalSrc, externalDst, 4444, "tcp", "http,ssh")}, want: []want{{"ssh", 4444}, {"http", 4444}}},
		{name: "same app twice counts once", conns: []*event.Conn{conn(internalSrc, internalDst, 4444, "tcp", "krb,krb_tcp")}, want: []want{{"krb", 4444}}},
		{name: "spaces around entries", conns: []*event.Conn{conn(internalSrc, externalDst, 4443, "tcp", " ssl ")}, want: []want{{"ssl", 4443}}},

		// Special destinations.
		{name: "broadcast dst ignored", conns: []*event.Conn{conn(internalSrc, "10.1.2.255", 4443, "udp", "ssl")}},
		{name: "multicast dst ignored", conns: []*event.Conn{conn(internalSrc, "224.0.0.252", 5356, "udp", "dns")}},
		{name: "broadcast dst reported when asked", config: "ignore_special_dst: false",
			conns: []*event.Conn{conn(internalSrc, "10.1.2.255", 4443, "udp", "ssl")}, want: []want{{"ssl", 4443}}},

		// Configuration.
		{name: "row replaced", config: "apps:\n  http: {services: [http], ports: [80, 8080, 8000, 5985]}",
			conns: []*event.Conn{conn(internalSrc, internalDst, 5985, "tcp", "http"), conn(internalSrc, externalDst, 2222, "tcp", "ssh")}, want: []want{{"ssh", 2222}}},
		{name: "row without services uses its name", config: "apps:\n  ssh: {ports: [22, 2222]}",
			conns: []*event.Conn{conn(internalSrc, externalDst, 2222, "tcp", "ssh"), conn(internalSrc, externalDst, 2223, "tcp", "ssh")}, want: []want{{"ssh", 2223}}},
		{name: "row switched off with null", config: "apps:\n  ftp: null",
			conns: []*event.Conn{conn(internalSrc, externalDst, 2121, "tcp", "ftp")}},
		{name: "row switched off with {}", config: "apps:\n  ftp: {}",
			conns: []*event.Conn{conn(internalSrc, externalDst, 2121, "tcp", "ftp")}},
		{name: "extension row switched off", config: "apps:\n  imaps: {}",
			conns: []*event.Conn{conn(internalSrc, externalDst, 993, "tcp", "ssl")}, want: []want{{"ssl", 993}}},
		{name: "new extension row", config: "apps:\n  winrm: {of: http, ports: [5985]}",
			conns: []*event.Conn{conn(internalSrc, internalDst, 5985, "tcp", "http")}},
		{name: "port range in config", config: "apps:\n  irc: {ports: [\"6660-6669\", 6697]}",
			conns: []*event.Conn{conn(internalSrc, externalDst, 7000, "tcp", "irc"), conn(internalSrc, externalDst, 6665, "tcp", "irc")}, want: []want{{"irc", 7000}}},
		{name: "inner services empty judges tls too", config: "inner_services: []",
			conns: []*event.Conn{conn(internalSrc, externalDst, 25, "tcp", "smtp,ssl")}, want: []want{{"ssl", 25}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := configure(t, tc.config)
			fs := hunt(t, d, env(), tc.conns)
			var got []want
			for _, f := range fs {
				got = append(got, want{f.Entities.App, f.Entities.DstPort})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
				for _, f := range fs {
					t.Log(f.Summary)
				}
			}
		})
	}
}

// The seed's analytic, to the letter: only its four rows, every service judged, every
// destination reported, a flat risk of 25.
const seedExact = `
only: [dns, http, ssl, smtp]
inner_services: []
ignore_special_dst: false
risk: {external: 0, app: 0, big_out: 0, other_app_port: 0}
`

func TestSeedExact(t *testing.T) {
	cases := []struct {
		name string
		conn *event.Conn
		app  string // "" silent
	}{
		{"smtp on 587", conn(internalSrc, externalDst, 587, "tcp", "smtp"), "smtp"},
		{"ssl on 993", conn(internalSrc, externalDst, 993, "tcp", "ssl"), "ssl"},
		{"starttls on 25: ssl not on 443", conn(internalSrc, externalDst, 25, "tcp", "smtp,ssl"), "ssl"},
		{"nbns broadcast", conn(internalSrc, "10.1.2.255", 137, "udp", "dns"), "dns"},
		{"kerberos in smb is not in the seed's table", conn(internalSrc, internalDst, 445, "tcp", "gssapi,smb,krb"), ""},
		{"ssh is not in the seed's table", conn(internalSrc, externalDst, 2222, "tcp", "ssh"), ""},
		{"http on 8000", conn(internalSrc, externalDst, 8000, "tcp", "http"), ""},
		{"ssl on 8443", conn(internalSrc, externalDst, 8443, "tcp", "ssl"), ""},
	}
	d := configure(t, seedExact)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := hunt(t, d, env(), []*event.Conn{tc.conn})
			if tc.app == "" {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %s", fs[0].Summary)
				}
				return
			}
			if len(fs) != 1 || fs[0].Entities.App != tc.app {
				t.Fatalf("want one %s finding, got %d: %+v", tc.app, len(fs), fs)
			}
			if fs[0].Risk != 25 || fs[0].Severity != finding.Low {
				t.Errorf("risk %d %v, want the seed's 25 (low)", fs[0].Risk, fs[0].Severity)
			}
		})
	}
}

func TestRisk(t *testing.T) {
	big := func(c *event.Conn, out int64) *event.Conn { c.OrigBytes = out; return c }
	cases := []struct {
		name  string
		conns []*event.Conn
		risk  int
		parts []string
	}{
		{"internal, plain app", []*event.Conn{conn(internalSrc, internalDst, 4444, "tcp", "ftp")}, 25, []string{"risk_base"}},
		{"external", []*event.Conn{conn(internalSrc, externalDst, 4444, "tcp", "ftp")}, 40, []string{"risk_base", "risk_external"}},
		{"risky app", []*event.Conn{conn(internalSrc, internalDst, 4444, "tcp", "ssh")}, 35, []string{"risk_base", "risk_app"}},
		{"other app's port", []*event.Conn{conn(internalSrc, internalDst, 53, "tcp", "ftp")}, 35, []string{"risk_base", "risk_other_app_port"}},
		{"bytes out at threshold", []*event.Conn{big(conn(internalSrc, internalDst, 4444, "tcp", "ftp"), 1_000_000)}, 25, []string{"risk_base"}},
		{"bytes out above threshold", []*event.Conn{big(conn(internalSrc, internalDst, 4444, "tcp", "ftp"), 1_000_001)}, 35, []string{"risk_base", "risk_big_out"}},
		{"bytes out summed over the group", []*event.Conn{
			big(conn(internalSrc, internalDst, 4444, "tcp", "ftp"), 500_000),
			big(conn(internalSrc, internalDst, 4444, "tcp", "ftp"), 500_001),
		}, 35, []string{"risk_base", "risk_big_out"}},
		{"everything", []*event.Conn{big(conn(internalSrc, externalDst, 443, "tcp", "ssh"), 2_000_000)}, 70,
			[]string{"risk_base", "risk_external", "risk_app", "risk_big_out", "risk_other_app_port"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := hunt(t, portmismatch.New(), env(), tc.conns)
			if len(fs) != 1 {
				t.Fatalf("want 1 finding, got %d", len(fs))
			}
			f := fs[0]
			if f.Risk != tc.risk || f.Severity != finding.SeverityFor(tc.risk) {
				t.Errorf("risk %d (%v), want %d", f.Risk, f.Severity, tc.risk)
			}
			var parts []string
			for _, g := range f.Figures {
				if strings.HasPrefix(g.Name, "risk_") {
					parts = append(parts, g.Name)
				}
			}
			if fmt.Sprint(parts) != fmt.Sprint(tc.parts) {
				t.Errorf("risk parts %v, want %v", parts, tc.parts)
			}
		})
	}
}

func TestSpecialDestinationsAreNotExternal(t *testing.T) {
	d := configure(t, "ignore_special_dst: false")
	fs := hunt(t, d, env(), []*event.Conn{conn(internalSrc, "224.0.0.252", 5356, "udp", "dns"), conn(internalSrc, "255.255.255.255", 4443, "udp", "ssl")})
	if len(fs) != 2 {
		t.Fatalf("want 2 findings, got %d", len(fs))
	}
	for _, f := range fs {
		if f.Risk != 25 || f.Figure("risk_external") != nil {
			t.Errorf("%s: risk %d, want 25 (no external part)", f.Summary, f.Risk)
		}
		if w := f.Figure("destination"); w != "multicast" && w != "broadcast" {
			t.Errorf("destination %v", w)
		}
	}
}

func TestRiskCap(t *testing.T) {
	d := configure(t, "risk: {base: 90, external: 30}")
	fs := hunt(t, d, env(), []*event.Conn{conn(internalSrc, externalDst, 4444, "tcp", "ftp")})
	if len(fs) != 1 || fs[0].Risk != 100 {
		t.Fatalf("want risk capped at 100, got %+v", fs)
	}
}

func TestGrouping(t *testing.T) {
	at := func(c *event.Conn, sec int, line uint32, out, in int64) *event.Conn {
		c.TS = t0 + event.Time(sec)*1e6
		c.Ref = event.Ref{File: 0, Line: line}
		c.OrigBytes, c.RespBytes = out, in
		return c
	}
	conns := []*event.Conn{
		at(conn(internalSrc, externalDst, 4444, "tcp", "ssh"), 30, 3, 300, 30),
		at(conn(internalSrc, externalDst, 4444, "tcp", "ssh"), 10, 1, 100, 10),
		at(conn(internalSrc, externalDst, 4444, "tcp", "ssh"), 20, 2, event.Unset, event.Unset),
		at(conn(internalSrc, externalDst, 4444, "udp", "ssh"), 40, 4, 1, 1),   // other transport
		at(conn(internalSrc, externalDst, 4445, "tcp", "ssh"), 50, 5, 1, 1),   // other port
		at(conn("10.1.2.4", externalDst, 4444, "tcp", "ssh"), 60, 6, 1, 1),    // other source
		at(conn(internalSrc, "203.0.113.8", 4444, "tcp", "ssh"), 70, 7, 1, 1), // other destination
		at(conn(internalSrc, externalDst, 4444, "tcp", "http"), 80, 8, 1, 1),  // other app
	}
	e := env()
	e.Evidence = 2
	fs := hunt(t, portmismatch.New(), e, conns)
	if len(fs) != 6 {
		t.Fatalf("want 6 groups, got %d", len(fs))
	}
	var g *finding.Finding
	for i := range fs {
		f := &fs[i]
		if f.Entities.Src == internalSrc && f.Entities.Dst == externalDst && f.Entities.DstPort == 4444 && f.Entities.Proto == "tcp" && f.Entities.App == "ssh" {
			g = f
		}
	}
	if g == nil {
		t.Fatal("group tcp/4444 ssh missing")
	}
	if g.Figure("connections") != int64(3) || g.Figure("bytes_out") != int64(400) || g.Figure("bytes_in") != int64(40) {
		t.Errorf("figures %+v", g.Figures)
	}
	if g.First != t0+10e6 || g.Last != t0+30e6 {
		t.Errorf("first/last %v %v", g.First, g.Last)
	}
	if len(g.Evidence) != 2 || g.Evidence[0].Ref.Line != 1 || g.Evidence[1].Ref.Line != 3 {
		t.Errorf("evidence should be the two biggest records in time order: %+v", g.Evidence)
	}
	want := "10.1.2.3 spoke ssh to external 203.0.113.7 on tcp/4444, where ssh is expected on 22: 3 connections, 400 bytes out, 40 bytes in"
	if g.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", g.Summary, want)
	}
}

// mixed returns a deterministic spread of matching and non-matching connections.
func mixed() []*event.Conn {
	services := []string{"ssh", "ssl", "http", "dns", "smtp,ssl", "gssapi,smb,krb", "", "ftp", "irc"}
	ports := []uint16{22, 443, 80, 53, 25, 445, 4444, 8081, 6667, 2222}
	var out []*event.Conn
	for i := range 400 {
		src := fmt.Sprintf("10.1.0.%d", i%7)
		dst := []string{internalDst, externalDst, "198.51.100.1"}[i%3]
		c := conn(src, dst, ports[(i*7)%len(ports)], []string{"tcp", "udp"}[i%2], services[(i*5)%len(services)])
		c.TS = t0 + event.Time((i*7919)%3600)*1e6
		c.Ref = event.Ref{File: uint32(i % 2), Line: uint32(i + 1)}
		c.OrigBytes = int64((i * 104729) % 900_000)
		c.RespBytes = int64((i * 15485863) % 50_000)
		out = append(out, c)
	}
	return out
}

func TestMergeOrderIndependent(t *testing.T) {
	conns := mixed()
	e := env()
	e.Evidence = 3
	ref := string(detecttest.JSONL(t, hunt(t, portmismatch.New(), e, conns)))
	if len(ref) < 10 {
		t.Fatalf("fixture too quiet: %d bytes of findings", len(ref))
	}
	splits := map[string][][]*event.Conn{
		"halves":      {conns[:200], conns[200:]},
		"halves back": {conns[200:], conns[:200]},
		"interleaved": {detecttest.Every(conns, 3, 0), detecttest.Every(conns, 3, 1), detecttest.Every(conns, 3, 2)},
		"reversed":    {detecttest.Reverse(conns)},
		"uneven":      {conns[:1], conns[1:399], conns[399:], nil},
	}
	for name, parts := range splits {
		t.Run(name, func(t *testing.T) {
			if got := string(detecttest.JSONL(t, hunt(t, portmismatch.New(), e, parts...))); got != ref {
				t.Errorf("findings differ from a single aggregator:\n got %s\nwant %s", got, ref)
			}
		})
	}
	for i := range 3 {
		if got := string(detecttest.JSONL(t, hunt(t, portmismatch.New(), e, conns))); got != ref {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		"unknown only row":    "only: [dns, nosuch]",
		"of unknown row":      "apps:\n  x: {of: nosuch, ports: [1]}",
		"of extension row":    "apps:\n  x: {of: imaps, ports: [1]}",
		"services and of":     "apps:\n  x: {services: [x], of: ssl, ports: [1]}",
		"service in two rows": "apps:\n  x: {services: [ssh], ports: [1]}",
	}
	for name, section := range cases {
		t.Run(name, func(t *testing.T) {
			d := configure(t, section)
			_, err := d.Score(d.NewAggregator(env()), env())
			if err == nil {
				t.Fatal("want an error")
			}
			t.Log(err)
		})
	}
	for _, bad := range []string{"70000", "9-3", "x", "1-"} {
		doc := "detections:\n  " + portmismatch.ID + ":\n    apps:\n      x: {ports: [\"" + bad + "\"]}\n"
		c, err := config.Parse([]byte(doc))
		if err == nil {
			_, err = c.Apply([]detect.Detection{portmismatch.New()})
		}
		if err == nil {
			t.Errorf("port %q: want an error", bad)
		}
	}
}

func TestParseAndListParams(t *testing.T) {
	r, err := portmismatch.ParsePortRange("6660-6669")
	if err != nil || r != portmismatch.Range(6660, 6669) {
		t.Fatalf("range: %v %v", r, err)
	}
	ps := detect.ListParams(portmismatch.New().Params())
	names := map[string]string{}
	for _, p := range ps {
		names[p.Name] = p.Default
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
	for _, n := range []string{"apps", "only", "inner_services", "ignore_special_dst", "risk.base", "risk.big_out_bytes"} {
		if _, ok := names[n]; !ok {
			t.Errorf("parameter %s not listed (have %v)", n, names)
		}
	}
	if !strings.Contains(names["apps"], `irc: {services: [irc], ports: [6660-6669, 6697, 7000]}`) {
		t.Errorf("apps default reads badly: %s", names["apps"])
	}
	if names["risk.base"] != "25" {
		t.Errorf("risk.base %s", names["risk.base"])
	}
}

func TestNoAllocationForSilentRecords(t *testing.T) {
	d := portmismatch.New()
	a := d.NewAggregator(env()).(detect.ConnObserver)
	for _, c := range []*event.Conn{
		conn(internalSrc, externalDst, 443, "tcp", "ssl"),
		conn(internalSrc, internalDst, 53, "udp", "dns"),
		conn(internalSrc, internalDst, 445, "tcp", "gssapi,smb,krb"),
		conn(internalSrc, externalDst, 4444, "tcp", ""),
		conn(internalSrc, internalDst, 49667, "tcp", "dce_rpc"),
		conn(internalSrc, "224.0.0.251", 5354, "udp", "DNS"),
	} {
		if n := testing.AllocsPerRun(100, func() { a.ObserveConn(c) }); n != 0 {
			t.Errorf("%s on %d: %v allocations per record", c.Service, c.DstPort, n)
		}
	}
}

func BenchmarkObserveConn(b *testing.B) {
	conns := mixed()
	a := portmismatch.New().NewAggregator(env()).(detect.ConnObserver)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.ObserveConn(conns[i%len(conns)])
	}
}
