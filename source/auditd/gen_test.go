package auditd

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
)

// genLog writes a synthetic audit.log of n events as auditd writes them on a busy server:
// execve events (some arguments hex-encoded, one in 50 with an argument split over records),
// connect events, file syscalls and user-space records that are ignored, and one pair of
// events in 20 interleaved. It returns the text and how many host events it holds.
func genLog(n int) ([]byte, int) {
	var b bytes.Buffer
	want := 0
	ts := int64(1700000000000)
	hdr := func(typ string, serial int) string {
		return fmt.Sprintf("node=srv%02d type=%s msg=audit(%d.%03d:%d): ", serial%7, typ, ts/1000, ts%1000, serial)
	}
	enc := func(s string) string {
		if strings.ContainsAny(s, " \"") {
			return strings.ToUpper(hex.EncodeToString([]byte(s)))
		}
		return `"` + s + `"`
	}
	execve := func(serial int, argv []string) []string {
		pid := 10000 + serial%30000
		recs := []string{hdr("SYSCALL", serial) + fmt.Sprintf(`arch=c000003e syscall=59 success=yes exit=0 a0=55d0c8a3e2a0 a1=55d0c8a3e300 a2=55d0c8a3e400 a3=8 items=2 ppid=%d pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts1 ses=4 comm=%s exe=%s subj=unconfined key="exec"`, pid-1, pid, enc(argv[0]), enc("/usr/bin/"+argv[0]))}
		var e strings.Builder
		fmt.Fprintf(&e, "argc=%d", len(argv))
		for i, a := range argv {
			if len(a) > 1000 {
				h := strings.ToUpper(hex.EncodeToString([]byte(a)))
				fmt.Fprintf(&e, " a%d_len=%d a%d[0]=%s", i, len(a), i, h[:1000])
				recs = append(recs, hdr("EXECVE", serial)+e.String())
				e.Reset()
				for j, k := 1, 1000; k < len(h); j, k = j+1, k+1000 {
					recs = append(recs, hdr("EXECVE", serial)+fmt.Sprintf(" a%d[%d]=%s", i, j, h[k:min(k+1000, len(h))]))
				}
				continue
			}
			fmt.Fprintf(&e, " a%d=%s", i, enc(a))
		}
		if e.Len() > 0 {
			recs = append(recs, hdr("EXECVE", serial)+strings.TrimSpace(e.String()))
		}
		title := []byte(strings.Join(argv, "\x00"))
		recs = append(recs,
			hdr("CWD", serial)+`cwd="/home/alice"`,
			hdr("PATH", serial)+fmt.Sprintf(`item=0 name=%s inode=401923 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`, enc("/usr/bin/"+argv[0])),
			hdr("PATH", serial)+`item=1 name="/lib64/ld-linux-x86-64.so.2" inode=404797 dev=fd:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
			hdr("PROCTITLE", serial)+"proctitle="+strings.ToUpper(hex.EncodeToString(title[:min(len(title), 128)])),
			strings.TrimSpace(hdr("EOE", serial)))
		return recs
	}
	connect := func(serial int) []string {
		pid := 10000 + serial%30000
		return []string{
			hdr("SYSCALL", serial) + fmt.Sprintf(`arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffd2a1b3c40 a2=10 a3=0 items=0 ppid=%d pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=(none) ses=4 comm="curl" exe="/usr/bin/curl" subj=unconfined key="net"`, pid-1, pid),
			hdr("SOCKADDR", serial) + fmt.Sprintf("saddr=020001BBCB00%02X%02X0000000000000000", serial%256, (serial/256)%256),
			hdr("PROCTITLE", serial) + "proctitle=6375726C002D73002D6B0068747470733A2F2F6578616D706C652E636F6D2F",
			strings.TrimSpace(hdr("EOE", serial)),
		}
	}
	openat := func(serial int) []string {
		return []string{
			hdr("SYSCALL", serial) + `arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd2a1b3c40 a2=0 a3=0 items=1 ppid=1 pid=900 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="systemd" exe="/usr/lib/systemd/systemd" subj=unconfined key="etc"`,
			hdr("CWD", serial) + `cwd="/"`,
			hdr("PATH", serial) + `item=0 name="/etc/passwd" inode=1311 dev=fd:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`,
			hdr("PROCTITLE", serial) + `proctitle="/sbin/init"`,
			strings.TrimSpace(hdr("EOE", serial)),
		}
	}
	long := strings.Repeat("QUJDREVGR0g=", 120)
	serial := 1
	for i := 0; i < n; i++ {
		ts += 7
		var recs []string
		switch i % 10 {
		case 0, 1, 2, 3:
			argv := []string{"curl", "-s", "-A", "Mozilla/5.0 (X11; Linux x86_64)", "-T", fmt.Sprintf("/tmp/out%d.tar.gz", i), "ftp://203.0.113.7/"}
			if i%50 == 0 {
				argv = append(argv, long)
			}
			recs = execve(serial, argv)
			want++
		case 4, 5, 6:
			recs = connect(serial)
			want++
		case 7, 8:
			recs = openat(serial)
		case 9:
			recs = []string{hdr("USER_ACCT", serial) + `pid=1990 uid=0 auid=1000 ses=3 subj=unconfined msg='op=PAM:accounting grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'`}
		}
		if i%20 == 3 { // interleave with the next event, an execve
			serial++
			i++
			other := execve(serial, []string{"tar", "czf", "-", "/home/alice"})
			want++
			for k := 0; k < max(len(recs), len(other)); k++ {
				if k < len(recs) {
					b.WriteString(recs[k])
					b.WriteByte('\n')
				}
				if k < len(other) {
					b.WriteString(other[k])
					b.WriteByte('\n')
				}
			}
			serial++
			continue
		}
		for _, r := range recs {
			b.WriteString(r)
			b.WriteByte('\n')
		}
		serial++
	}
	return b.Bytes(), want
}
