package cleartext_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/config"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/cleartext"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

var t0 = event.FromStd(time.Date(2024, 3, 7, 19, 0, 0, 0, time.UTC))

const (
	client = "192.168.100.164"
	server = "143.95.79.226"
)

var line uint32

func ref() event.Ref { line++; return event.Ref{File: 1, Line: line} }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func at(sec float64) event.Time { return t0 + event.Time(sec*1e6) }

// conn builds an established connection with 100 B out and 200 B in.
func conn(sec float64, uid, src, dst string, port uint16, service string) *event.Conn {
	return &event.Conn{
		Meta:      event.Meta{TS: at(sec), Ref: ref(), UID: uid},
		Flow:      event.Flow{Src: addr(src), SrcPort: 50000, Dst: addr(dst), DstPort: port},
		Proto:     "tcp",
		Service:   service,
		OrigBytes: 100, RespBytes: 200, ConnState: "SF",
	}
}

func ftp(sec float64, uid, user, cmd, arg string, reply int64) *event.FTP {
	return &event.FTP{
		Meta:      event.Meta{TS: at(sec), Ref: ref(), UID: uid},
		Flow:      event.Flow{Src: addr(client), SrcPort: 49209, Dst: addr(server), DstPort: 21},
		User:      user,
		Command:   cmd,
		Arg:       arg,
		FileSize:  event.Unset,
		ReplyCode: reply,
	}
}

func smtp(sec float64, uid, src, dst string, port uint16, fuids ...string) *event.SMTP {
	return &event.SMTP{
		Meta:     event.Meta{TS: at(sec), Ref: ref(), UID: uid},
		Flow:     event.Flow{Src: addr(src), SrcPort: 51000, Dst: addr(dst), DstPort: port},
		MailFrom: "a@example.org",
		RcptTo:   event.List{"b@example.net"},
		Subject:  "hello",
		FUIDs:    fuids,
	}
}

func file(fuid, source, tx, rx, mime, name string, size int64) *event.File {
	return &event.File{
		Meta:    event.Meta{TS: at(1), Ref: ref()},
		FUID:    fuid,
		Source:  source,
		TxHosts: event.List{tx},
		RxHosts: event.List{rx},
		IsOrig:  1, MimeType: mime, Filename: name, SeenBytes: size, TotalBytes: event.Unset,
	}
}

// configure returns the detection with a sluice.yaml section applied.
func configure(t testing.TB, section string) *cleartext.Detection {
	t.Helper()
	d := cleartext.New()
	if section != "" {
		var b strings.Builder
		b.WriteString("detections:\n  " + cleartext.ID + ":\n")
		for _, l := range strings.Split(strings.TrimSpace(section), "\n") {
			b.WriteString("    " + l + "\n")
		}
		c, err := config.Parse([]byte(b.String()))
		if err != nil {
			t.Fatalf("config: %v\n%s", err, b.String())
		}
		if _, err := c.Apply([]detect.Detection{d}); err != nil {
			t.Fatalf("apply: %v\n%s", err, b.String())
		}
	}
	if err := d.Prepare(); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return d
}

func score(t testing.TB, d *cleartext.Detection, events ...any) []finding.Finding {
	t.Helper()
	return detecttest.ScoreEvents(t, d, detecttest.Env(), nil, events)
}

func figure(f finding.Finding, name string) any {
	v := f.Figure(name)
	if n, ok := v.(int64); ok {
		return int(n)
	}
	return v
}

// TestAgentTeslaEvents is the AgentTesla session as a packet capture reports it: every
// command, the bytes of the data channel on the STOR.
func TestAgentTeslaEvents(t *testing.T) {
	u := "husband@elquijotebanquetes.com"
	stor := ftp(9, "C1", u, "STOR", "PW_admin-USER-PC_2024_03_07_19_00_36.html", 226)
	stor.FileSize = 533
	stor.DataSrc, stor.DataDst, stor.DataDstPort, stor.DataPassive = addr(client), addr(server), 44523, true
	evs := []any{
		ftp(1, "C1", "", "USER", u, 331), ftp(2, "C1", u, "PASS", "kFxADjwNBm$_", 230), ftp(3, "C1", u, "OPTS", "utf8 on", 504),
		ftp(4, "C1", u, "PWD", "", 257), ftp(5, "C1", u, "TYPE", "I", 200), ftp(6, "C1", u, "PASV", "", 227), stor,
		ftp(20, "C2", "", "USER", u, 331), ftp(21, "C2", u, "PASS", "kFxADjwNBm$_", event.Unset),
		ftp(50, "C3", "", "USER", u, 331), ftp(51, "C3", u, "PASS", "kFxADjwNBm$_", 230),
	}
	fs := score(t, configure(t, ""), evs...)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	want := "192.168.100.164 uploaded 1 file (533 B) by FTP to 143.95.79.226:21 as husband@elquijotebanquetes.com: PW_admin-USER-PC_2024_03_07_19_00_36.html; 3 sessions"
	if f.Summary != want {
		t.Errorf("summary\n got %s\nwant %s", f.Summary, want)
	}
	if f.Risk != 80 || f.Severity != finding.Critical {
		t.Errorf("risk %d %s, want 80 critical", f.Risk, f.Severity)
	}
	if f.Entities.User != u || f.Entities.App != "ftp" || f.Entities.DstPort != 21 {
		t.Errorf("entities %+v", f.Entities)
	}
	for name, v := range map[string]any{"uploads": 1, "upload_bytes": 533, "passwords_sent": 3, "logins_accepted": 2, "sessions": 3} {
		if got := figure(f, name); got != v {
			t.Errorf("%s = %v, want %v", name, got, v)
		}
	}
	if strings.Contains(fmtEvidence(f), "kFxADjwNBm") {
		t.Errorf("a password is repeated in the evidence notes: %s", fmtEvidence(f))
	}
	if !strings.Contains(fmtEvidence(f), "STOR PW_admin-USER-PC") {
		t.Errorf("the STOR is not in the evidence: %s", fmtEvidence(f))
	}
}

func fmtEvidence(f finding.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Note + "\n")
	}
	return b.String()
}

// TestFTPCases: which FTP sessions are reported and at what risk.
func TestFTPCases(t *testing.T) {
	withSize := func(e *event.FTP, n int64) *event.FTP { e.FileSize = n; return e }
	cases := []struct {
		name    string
		events  []any
		risk    int // 0: no finding
		summary string
	}{
		{"upload with credentials", []any{ftp(1, "C1", "bob", "STOR", "ftp://143.95.79.226/notes.txt", 226)}, 60,
			"192.168.100.164 uploaded 1 file by FTP to 143.95.79.226:21 as bob: notes.txt"},
		{"accepted but not finished (150)", []any{ftp(1, "C1", "bob", "APPE", "log.txt", 150)}, 60, ""},
		{"refused upload is a login", []any{ftp(1, "C1", "bob", "STOR", "x.txt", 550)}, 40,
			"192.168.100.164 logged in by FTP to 143.95.79.226:21 as bob: the password crossed in the clear; no upload"},
		{"anonymous upload", []any{ftp(1, "C1", "anonymous", "STOR", "/incoming/a.bin", 226)}, 50,
			"192.168.100.164 uploaded 1 file by FTP to 143.95.79.226:21 anonymously: a.bin"},
		{"anonymous upper case", []any{ftp(1, "C1", "Anonymous", "STOR", "a.bin", 226)}, 50, ""},
		{"anonymous download is silent", []any{ftp(1, "C1", "anonymous", "RETR", "pub/README", 226)}, 0, ""},
		{"unknown user, listing only", []any{ftp(1, "C1", "<unknown>", "PASV", "", 227)}, 0, ""},
		{"stolen name", []any{ftp(1, "C1", "bob", "STOR", "Cookies_Chrome.txt", 226)}, 70, ""},
		{"AgentTesla keylog name", []any{ftp(1, "C1", "bob", "STOR", "KL_admin-PC_2024_03_07_19_00_36.html", 226)}, 70, ""},
		{"volume bands", []any{withSize(ftp(1, "C1", "bob", "STOR", "big.bin", 226), 20_000_000)}, 80,
			"192.168.100.164 uploaded 1 file (20,000,000 B) by FTP to 143.95.79.226:21 as bob: big.bin"},
		{"repeated uploads", []any{
			ftp(1, "C1", "bob", "STOR", "a", 226), ftp(2, "C1", "bob", "STOR", "b", 226), ftp(3, "C1", "bob", "STOU", "", 250)}, 70,
			"192.168.100.164 uploaded 3 files by FTP to 143.95.79.226:21 as bob: a, b, (unnamed STOU)"},
		{"lower-case commands", []any{ftp(1, "C1", "bob", "stor", "a", 226)}, 60, ""},
		{"USER then PASS refused", []any{ftp(1, "C1", "", "USER", "bob", 331), ftp(2, "C1", "bob", "PASS", "x", 530)}, 40,
			"192.168.100.164 tried to log in (refused) by FTP to 143.95.79.226:21 as bob: the password crossed in the clear; no upload"},
	}
	d := configure(t, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := score(t, d, c.events...)
			if c.risk == 0 {
				if len(fs) != 0 {
					t.Fatalf("want silence, got %s (risk %d)", fs[0].Summary, fs[0].Risk)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			if fs[0].Risk != c.risk {
				t.Errorf("risk %d, want %d (%v)", fs[0].Risk, c.risk, fs[0].Figures)
			}
			if c.summary != "" && fs[0].Summary != c.summary {
				t.Errorf("summary\n got %s\nwant %s", fs[0].Summary, c.summary)
			}
		})
	}
}

// TestFTPSizes: an upload's size comes from the record, files.log by fuid, the data channel
// or files.log by endpoints, whichever says most (they describe the same bytes).
func TestFTPSizes(t *testing.T) {
	stor := func() *event.FTP {
		e := ftp(1, "C1", "bob", "STOR", "a.txt", 226)
		e.FUID = "F1"
		return e
	}
	data := conn(1, "D1", client, server, 44523, "ftp-data")
	data.OrigBytes, data.RespBytes = 900, 0
	active := conn(1, "D2", server, client, 50001, "ftp-data")
	active.SrcPort, active.OrigBytes, active.RespBytes = 20, 0, 700
	other := file("F9", "FTP_DATA", client, server, "", "", 1234)
	cases := []struct {
		name   string
		events []any
		bytes  int
	}{
		{"record only", []any{stor()}, 0},
		{"files.log by fuid", []any{stor(), file("F1", "FTP_DATA", client, server, "text/plain", "", 800)}, 800},
		{"passive data channel", []any{stor(), data}, 900},
		{"active data channel", []any{stor(), active}, 700},
		{"files.log unclaimed", []any{stor(), other}, 1234},
		{"download file ignored", []any{stor(), file("F2", "FTP_DATA", server, client, "", "", 5000)}, 0},
	}
	d := configure(t, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := score(t, d, c.events...)
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			if got := figure(fs[0], "upload_bytes"); got != c.bytes {
				t.Errorf("upload_bytes %v, want %d", got, c.bytes)
			}
		})
	}
	// files.log alone: the unclaimed file is the upload
	fs := score(t, d, file("F3", "FTP_DATA", client, server, "application/zip", "", 4096))
	if len(fs) != 1 || figure(fs[0], "uploads") != 1 || !strings.Contains(fs[0].Summary, "seen in files.log") {
		t.Fatalf("files.log only: %+v", fs)
	}
}

// TestClassify: service names first, the port when Zeek named none (or only inner services).
func TestClassify(t *testing.T) {
	cases := []struct {
		service string
		port    uint16
		app     string // "" none
	}{
		{"irc", 6667, "irc"},
		{"irc", 443, "irc"},
		{"", 6667, "irc"},
		{"", 6664, "irc"},
		{"ssl", 6697, "irc"},
		{"http", 6667, ""},
		{"krb,smb,gssapi", 445, "smb"},
		{"gssapi", 445, "smb"},
		{"", 139, "smb"},
		{"SMB", 4455, "smb"},
		{"smtp,ssl", 587, "smtp"},
		{"ssl", 465, "smtp"},
		{"", 2525, "smtp"},
		{"http", 25, ""},
		{"ldap_udp", 389, "ldap"},
		{"", 3268, "ldap"},
		{"", 636, ""},
		{"rdp", 3389, "rdp"},
		{"ssh", 23, ""},
		{"", 23, "telnet"},
		{"dns", 53, ""},
		{"", 443, ""},
		{" , ,", 445, "smb"},
	}
	d := configure(t, "")
	for _, c := range cases {
		e := conn(1, "C1", "10.0.0.5", "198.51.100.7", c.port, c.service)
		fs := score(t, d, e)
		got := ""
		if len(fs) == 1 {
			got = fs[0].Entities.App
		}
		if got != c.app {
			t.Errorf("service %q port %d: app %q, want %q", c.service, c.port, got, c.app)
		}
	}
}

// TestEgress: only internal sources talking to outside hosts are reported.
func TestEgress(t *testing.T) {
	cases := []struct {
		src, dst string
		want     bool
	}{
		{"10.0.0.5", "198.51.100.7", true},
		{"10.0.0.5", "10.9.9.9", false},
		{"10.0.0.5", "100.64.1.1", false}, // CGNAT is internal
		{"198.51.100.7", "10.0.0.5", false},
		{"198.51.100.7", "203.0.113.9", false},
		{"10.0.0.5", "203.0.113.255", false}, // broadcast-looking
		{"10.0.0.5", "224.0.0.5", false},
		{"fd00::5", "2001:db8::7", true},
	}
	d := configure(t, "")
	for _, c := range cases {
		fs := score(t, d, conn(1, "C1", c.src, c.dst, 445, "smb"))
		if got := len(fs) == 1; got != c.want {
			t.Errorf("%s -> %s: reported %v, want %v", c.src, c.dst, got, c.want)
		}
	}
}

// TestAllowlists: ftp_servers, mail_servers (as destination and as sender), relays seen
// receiving mail, and the finding filter.
func TestAllowlists(t *testing.T) {
	up := func() *event.FTP { return ftp(1, "C1", "bob", "STOR", "a", 226) }
	mail := func() *event.SMTP { return smtp(1, "S1", "10.0.0.25", "203.0.113.25", 25) }
	in := func(i int, src string) *event.SMTP {
		return smtp(float64(i), "I"+src, src, "10.0.0.25", 25)
	}
	cases := []struct {
		name    string
		section string
		events  []any
		want    int
	}{
		{"ftp reported", "", []any{up()}, 1},
		{"ftp_servers", "ftp_servers: [143.95.79.0/24]", []any{up()}, 0},
		{"ftp_servers other net", "ftp_servers: [198.51.100.0/24]", []any{up()}, 1},
		{"direct smtp", "", []any{mail()}, 1},
		{"mail_servers as destination", "mail_servers: [203.0.113.25]", []any{mail()}, 0},
		{"mail_servers as sender", "mail_servers: [10.0.0.25]", []any{mail()}, 0},
		{"relay seen receiving from 3 hosts", "", []any{mail(), in(2, "10.0.0.31"), in(3, "10.0.0.32"), in(4, "192.0.2.9")}, 0},
		{"2 hosts do not make a relay", "", []any{mail(), in(2, "10.0.0.31"), in(3, "10.0.0.32")}, 1},
		{"relay_clients 0", "relay_clients: 0", []any{mail(), in(2, "10.0.0.31"), in(3, "10.0.0.32"), in(4, "192.0.2.9")}, 1},
		{"relay_clients 2", "relay_clients: 2", []any{mail(), in(2, "10.0.0.31"), in(3, "10.0.0.32")}, 0},
		{"protocol row off", "protocols:\n  smtp: {}", []any{mail()}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := score(t, configure(t, c.section), c.events...)
			if len(fs) != c.want {
				t.Errorf("%d findings, want %d", len(fs), c.want)
				for _, f := range fs {
					t.Log(f.Summary)
				}
			}
		})
	}
	// relays are also learnt from conn.log
	relay := []any{mail()}
	for i, src := range []string{"10.0.0.31", "10.0.0.32", "10.0.0.33"} {
		relay = append(relay, conn(float64(i), "R"+src, src, "10.0.0.25", 25, "smtp"))
	}
	if fs := score(t, configure(t, ""), relay...); len(fs) != 0 {
		t.Errorf("relay from conn.log: %d findings", len(fs))
	}
	// unanswered connections do not make a relay
	for _, e := range relay[1:] {
		c := e.(*event.Conn)
		c.ConnState, c.RespBytes = "S0", 0
	}
	if fs := score(t, configure(t, ""), relay...); len(fs) != 1 {
		t.Errorf("relay from unanswered conns: %d findings, want 1", len(fs))
	}
}

// TestSMTP: attachments, their kinds, subjects and sizes.
func TestSMTP(t *testing.T) {
	const src, dst = "10.0.0.50", "198.51.100.25"
	body := file("Fb", "SMTP", src, dst, "text/plain", "", 100)
	cases := []struct {
		name    string
		events  []any
		risk    int
		summary string
	}{
		{"no attachment", []any{smtp(1, "S1", src, dst, 587, "Fb"), body}, 40,
			"10.0.0.50 sent 1 mail straight to the outside mail server 198.51.100.25:587 (not a configured or observed mail relay) from a@example.org to b@example.net"},
		{"document", []any{smtp(1, "S1", src, dst, 587, "Fb", "Fd"), body, file("Fd", "SMTP", src, dst, "application/pdf", "invoice.pdf", 50_000)}, 50, ""},
		{"archive by MIME", []any{smtp(1, "S1", src, dst, 587, "Fz"), file("Fz", "SMTP", src, dst, "application/x-7z-compressed", "", 2_000_000)}, 70,
			"10.0.0.50 sent 1 mail straight to the outside mail server 198.51.100.25:587 (not a configured or observed mail relay) from a@example.org to b@example.net: 1 attachment ((application/x-7z-compressed) (2,000,000 B))"},
		{"executable by name", []any{smtp(1, "S1", src, dst, 25, "Fe"), file("Fe", "SMTP", src, dst, "application/octet-stream", "update.scr", 9000)}, 60, ""},
		{"stolen subject", []any{func() *event.SMTP { e := smtp(1, "S1", src, dst, 587); e.Subject = "Passwords of USER-PC"; return e }()}, 50, ""},
		{"three mails", []any{smtp(1, "S1", src, dst, 587), smtp(2, "S2", src, dst, 587), smtp(3, "S3", src, dst, 587)}, 50, ""},
		{"parts not in files.log", []any{smtp(1, "S1", src, dst, 587, "Fx", "Fy")}, 40, ""},
		{"files.log only", []any{file("Fz", "SMTP", src, dst, "application/zip", "loot.zip", 10)}, 60, ""},
		{"STARTTLS", []any{func() *event.SMTP { e := smtp(1, "S1", src, dst, 587); e.TLS = true; return e }()}, 40,
			"10.0.0.50 sent 1 mail straight to the outside mail server 198.51.100.25:587 (not a configured or observed mail relay) from a@example.org to b@example.net; STARTTLS hid the contents"},
	}
	d := configure(t, "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := score(t, d, c.events...)
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			if fs[0].Risk != c.risk {
				t.Errorf("risk %d, want %d: %v", fs[0].Risk, c.risk, fs[0].Figures)
			}
			if c.summary != "" && fs[0].Summary != c.summary {
				t.Errorf("summary\n got %s\nwant %s", fs[0].Summary, c.summary)
			}
		})
	}
}

// TestAttempts: a key whose connections were never answered is reported below min_risk.
func TestAttempts(t *testing.T) {
	var evs []any
	for i := range 3 {
		c := conn(float64(i), "", "10.0.1.4", "198.51.100.4", 445, "")
		c.ConnState, c.OrigBytes, c.RespBytes = "REJ", 0, 0
		evs = append(evs, c)
	}
	if fs := score(t, configure(t, ""), evs...); len(fs) != 0 {
		t.Fatalf("attempts reported by default: %s", fs[0].Summary)
	}
	fs := score(t, configure(t, "min_risk: 0"), evs...)
	if len(fs) != 1 || fs[0].Risk != 30 {
		t.Fatalf("min_risk 0: %+v", fs)
	}
	if want := "10.0.1.4 opened 3 SMB connections to 198.51.100.4:445, none established"; fs[0].Summary != want {
		t.Errorf("summary\n got %s\nwant %s", fs[0].Summary, want)
	}
}

// TestMailProcess: with host logs, direct SMTP from a mail client is dropped and from any
// other process weighs more.
func TestMailProcess(t *testing.T) {
	const src, dst = "10.0.0.50", "198.51.100.25"
	for _, c := range []struct {
		image string
		risk  int // 0: dropped
	}{
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, 0},
		{`C:\Users\admin\AppData\Roaming\svchost\agent.exe`, 50},
	} {
		b := attrib.NewBuilder()
		b.ObserveHost(&event.Host{Meta: event.Meta{TS: at(1), Ref: ref()}, Op: event.OpConnect, Log: "sysmon", Computer: "USER-PC",
			Flow: event.Flow{Src: addr(src), SrcPort: 51000, Dst: addr(dst), DstPort: 587}, Proto: "tcp", Initiated: 1,
			Proc: event.Proc{PID: 4242, Image: c.image}})
		env := detecttest.Env()
		env.Hosts = b.Index()
		fs := detecttest.ScoreEvents(t, configure(t, ""), env, nil, []any{smtp(1, "S1", src, dst, 587)})
		switch {
		case c.risk == 0 && len(fs) != 0:
			t.Errorf("%s: not dropped: %s", c.image, fs[0].Summary)
		case c.risk != 0 && (len(fs) != 1 || fs[0].Risk != c.risk):
			t.Errorf("%s: %+v, want risk %d", c.image, fs, c.risk)
		}
	}
}

// TestMergeOrder: the findings do not depend on how events are split among aggregators or
// the order they are merged in.
func TestMergeOrder(t *testing.T) {
	var evs []any
	u := "bob"
	for i := range 40 {
		sec := float64(i)
		evs = append(evs,
			ftp(sec, "C"+string(rune('a'+i%5)), u, "STOR", "file"+string(rune('a'+i%26))+".txt", 226),
			conn(sec, "X"+string(rune('a'+i%7)), "10.0.0.9", "198.51.100.66", 6667, "irc"),
			smtp(sec, "S"+string(rune('a'+i%3)), "10.0.0.50", "198.51.100.25", 587, "F"+string(rune('a'+i%26))),
			file("F"+string(rune('a'+i%26)), "SMTP", "10.0.0.50", "198.51.100.25", "application/zip", "x"+string(rune('a'+i%26))+".zip", int64(i)),
		)
	}
	d := configure(t, "")
	want := detecttest.JSONL(t, detecttest.ScoreEvents(t, d, detecttest.Env(), nil, evs))
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 10 {
		n := 1 + trial%4
		parts := make([][]any, n)
		for _, e := range evs {
			i := rng.IntN(n)
			parts[i] = append(parts[i], e)
		}
		order := rng.Perm(n)
		got := detecttest.JSONL(t, detecttest.ScoreEvents(t, d, detecttest.Env(), order, parts...))
		if !bytes.Equal(got, want) {
			t.Fatalf("trial %d (%d parts, order %v) differs:\n got %s\nwant %s", trial, n, order, got, want)
		}
	}
}

// TestParams: bad parameters are refused at Prepare, and the table round-trips through YAML.
func TestParams(t *testing.T) {
	for _, bad := range []string{
		"stolen_names: \"(\"",
		"risky_names: \"[\"",
		"ftp_servers: [not-an-address]",
		"mail_servers: [10.0.0.0/99]",
		"volume_bands: [10, 5]",
		"protocols:\n  irc2: {ports: [6667]}",
		"protocols:\n  irc2: {services: [irc]}",
		"inner_services: [smb]",
		"download_commands: [STOR]",
		"repeat: -1",
	} {
		d := cleartext.New()
		doc := "detections:\n  " + cleartext.ID + ":\n    " + strings.ReplaceAll(bad, "\n", "\n    ") + "\n"
		c, err := config.Parse([]byte(doc))
		if err == nil {
			_, err = c.Apply([]detect.Detection{d})
		}
		if err == nil {
			err = d.Prepare()
		}
		if err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, bad := range []string{"protocols:\n  irc: {ports: [\"6669-6660\"]}", "protocols:\n  irc: {ports: [70000]}", "protocols:\n  irc: {ports: 6667}"} {
		doc := "detections:\n  " + cleartext.ID + ":\n    " + strings.ReplaceAll(bad, "\n", "\n    ") + "\n"
		c, err := config.Parse([]byte(doc))
		if err == nil {
			_, err = c.Apply([]detect.Detection{cleartext.New()})
		}
		if err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// a new row and a range
	d := configure(t, "protocols:\n  tftp: {ports: [69], risk: 45}\n  irc: {services: [irc], ports: [\"6660-6669\"], risk: 70}")
	if fs := score(t, d, conn(1, "T", "10.0.0.5", "198.51.100.7", 69, "")); len(fs) != 1 || fs[0].Entities.App != "tftp" || fs[0].Risk != 45 {
		t.Errorf("tftp row: %+v", fs)
	}
	if fs := score(t, d, conn(1, "T", "10.0.0.5", "198.51.100.7", 6697, "")); len(fs) != 0 {
		t.Errorf("irc row replaced: 6697 still reported")
	}
	for _, p := range detect.ListParams(cleartext.New().Params()) {
		if p.Name == "protocols" && !strings.Contains(p.Default, "6660-6669") {
			t.Errorf("protocols default lists %s", p.Default)
		}
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
}

// TestInfo: the metadata names what the detection reads.
func TestInfo(t *testing.T) {
	info := cleartext.New().Info()
	if info.ID != "cleartext-egress" || len(info.Kinds) != 4 {
		t.Errorf("info %+v", info)
	}
	b, _ := json.Marshal(info)
	if !strings.Contains(string(b), "T1048.003") {
		t.Errorf("techniques %v", info.Techniques)
	}
}

// BenchmarkObserveConn measures the hot path: connections that are not this detection's
// (most of a conn.log) and ones that are.
func BenchmarkObserveConn(b *testing.B) {
	d := configure(b, "")
	agg := d.NewAggregator(detecttest.Env()).(detect.ConnObserver)
	other := conn(1, "C1", "10.0.0.5", "93.184.216.34", 443, "ssl")
	mine := conn(1, "C2", "10.0.0.5", "198.51.100.7", 445, "gssapi,smb,krb")
	b.Run("other", func(b *testing.B) {
		for b.Loop() {
			agg.ObserveConn(other)
		}
	})
	b.Run("smb", func(b *testing.B) {
		for b.Loop() {
			agg.ObserveConn(mine)
		}
	})
}
