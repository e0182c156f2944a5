package unencrypted

import (
	"net/netip"
	"testing"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/netset"
)

// TestClassify evaluates the seed's expressions branch by branch, firing and not.
func TestClassify(t *testing.T) {
	d := New()
	if err := d.Prepare(); err != nil {
		t.Fatal(err)
	}
	internal := netset.MustParse(netset.DefaultInternal).Contains
	proc := func(image, cmd string) *event.Host {
		return &event.Host{Op: event.OpProcess, Proc: event.Proc{Image: image, CommandLine: cmd}}
	}
	conn := func(image, dst string, port uint16) *event.Host {
		return &event.Host{Op: event.OpConnect, Proc: event.Proc{Image: image}, Flow: event.Flow{Dst: netip.MustParseAddr(dst), DstPort: port}}
	}
	for _, c := range []struct {
		name   string
		e      *event.Host
		method string
		score  int
		keep   bool
	}{
		{"ftp image", proc(`C:\Windows\System32\ftp.exe`, `ftp -s:x.txt`), FTP, 1, true},
		{"ftp command", proc(`C:\x\powershell.exe`, `$ftp = "ftp://127.0.0.1/"`), FTP, 1, true},
		{"ftp STOR is case-insensitive", proc(`/usr/bin/nc`, `echo stor x | nc`), FTP, 1, true},
		{"winscp", proc(`C:\Program Files\WinSCP\WinSCP.exe`, `winscp.exe /script=x`), FTP, 1, true},
		{"curl upload to http", proc(`C:\Windows\System32\curl.exe`, `curl --upload-file a http://x/`), FTP, 2, true}, // --upload-file is also FTP's
		{"curl form to http", proc(`C:\Windows\System32\curl.exe`, `curl -F file=@a http://x/`), HTTP, 1, true},
		{"curl form to https", proc(`C:\Windows\System32\curl.exe`, `curl -F file=@a https://x/`), "", 0, false},
		{"curl HTTP:// upper case is not the seed's http://", proc(`C:\Windows\System32\curl.exe`, `curl -F file=@a HTTP://x/`), "", 0, false},
		{"linux curl has no .exe", proc(`/usr/bin/curl`, `curl -F file=@a http://x/`), "", 0, false},
		{"nslookup", proc(`C:\Windows\System32\nslookup.exe`, `nslookup abc.example.com`), DNS, 1, true},
		{"iodine command", proc(`/usr/sbin/iodine`, `iodine -f t.example.com`), DNS, 1, true},
		{"dig", proc(`/usr/bin/dig`, `dig abc.example.com`), "", 0, false},
		{"send-mailmessage with attachment", proc(`C:\x\powershell.exe`, `Send-MailMessage -Attachments a -SmtpServer x`), SMTP, 1, true},
		{"send-mailmessage help", proc(`C:\x\powershell.exe`, `Get-Help Send-MailMessage`), "", 0, false},
		{"swaks", proc(`/usr/bin/swaks`, `swaks --server x`), SMTP, 1, true},
		{"plaintext public 80", conn(`C:\x\updater.exe`, "198.51.100.80", 80), Plaintext, 0, true},
		{"plaintext private 80", conn(`C:\x\updater.exe`, "10.10.10.5", 80), "", 0, false},
		{"plaintext 443", conn(`C:\x\updater.exe`, "198.51.100.80", 443), "", 0, false},
		{"browser on 80", conn(`C:\x\chrome.exe`, "198.51.100.80", 80), "", 0, false},
		{"svchost on 80", conn(`C:\Windows\System32\svchost.exe`, "198.51.100.80", 8080), "", 0, false},
		{"ftp.exe connection to loopback", conn(`C:\Windows\System32\ftp.exe`, "127.0.0.1", 21), FTP, 1, true},
	} {
		v := d.Classify(c.e, internal)
		if v.Method != c.method || v.SuspicionScore != c.score || v.Keep() != c.keep {
			t.Errorf("%s: got %+v", c.name, v)
		}
	}
	renamed := proc(`C:\t\winupd.exe`, `winupd.exe`)
	renamed.OriginalFileName = "ftp.exe"
	if v := d.Classify(renamed, internal); v.Method != FTP || !v.Renamed {
		t.Errorf("renamed ftp: %+v", v)
	}
	d.p.OriginalName = false
	if v := d.Classify(renamed, internal); v.Keep() {
		t.Errorf("renamed ftp with original_file_name off (the seed): %+v", v)
	}
}
