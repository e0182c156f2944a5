package auditd

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-hunt/sluice/source"
	_ "github.com/sluice-hunt/sluice/source/squid"
	_ "github.com/sluice-hunt/sluice/source/stream"
	_ "github.com/sluice-hunt/sluice/source/zeek"
)

// The other line formats are linked into this test binary (and registered before auditd), so
// that every test that opens a fixture checks that none of them claims it.

func TestSniffClaims(t *testing.T) {
	for _, c := range []string{
		"type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes",
		"node=web01 type=EXECVE msg=audit(1700000000.123:4567): argc=1 a0=\"id\"",
		"\ufefftype=DAEMON_START msg=audit(1700000000.123:1): op=start ver=3.1.2 format=enriched",
		"type=UNKNOWN[1334] msg=audit(1700000000.123:1): prog-id=12 op=LOAD",
		"Nov 14 22:13:20 web01 audispd: node=web01 type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59",
		"[12345.678] audit: type=1300 audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes",
		"\n\ntype=USER_LOGIN msg=audit(1700000000.123:9): pid=1 uid=0 msg='op=login acct=\"a\" res=success'",
		`{"ID":"1700000000.123:4567","SYSCALL":{"arch":"0xc000003e","syscall":59}}`,
		`{"ID":"1700000000.001:998","USER_ACCT":[{"pid":1990}]}`,
		`{"@timestamp":"2023-11-14T22:13:20.123Z","message":"type=SYSCALL msg=audit(1700000000.123:1001): arch=c000003e syscall=59","event":{"module":"auditd"}}`,
		`{"@timestamp":"2023-11-14T22:13:21.000Z","auditd":{"sequence":990,"result":"success"},"event":{"action":"logged-in","module":"auditd"}}`,
		`{"preview":false,"init_offset":0,"messages":[]}` + "\n" + `{"preview":false,"offset":0,"result":{"_raw":"type=SYSCALL msg=audit(1700000000.123:1001): arch=c000003e","host":"web01"}}`,
		`{"_time":"2023-11-14T22:13:20.123+00:00","sourcetype":"linux_audit","_raw":"type=EOE msg=audit(1700000000.123:1001): "}`,
		`{"log":"type=SYSCALL msg=audit(1700000000.123:1001): arch=c000003e syscall=59\n","stream":"stdout","time":"2023-11-14T22:13:20.2Z"}`,
	} {
		if !Sniff([]byte(c+"\n"), "x") {
			t.Errorf("not claimed: %.80q", c)
		}
	}
	for _, name := range []string{"audit.log", "enriched.log", "laurel.json", "filebeat.json", "auditbeat.json", "bad.log"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(b[:min(len(b), source.SniffSize)], name) {
			t.Errorf("%s not claimed", name)
		}
	}
}

// Sniff never claims the other formats: Zeek TSV and JSON, Splunk Stream, Squid, and the
// Windows shapes (EVTX, XML, Splunk's XmlWinEventLog and its export, Winlogbeat, nxlog/HELK,
// evtx_dump JSON).
func TestSniffRefuses(t *testing.T) {
	for _, c := range []string{
		"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#path\tconn\n",
		`{"ts":1588207244.7,"uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":51111,"id.resp_h":"192.168.0.4","id.resp_p":8443,"proto":"tcp"}`,
		`{"_path":"http","ts":"2020-04-30T00:00:00Z","uid":"C1","message":"x"}`,
		`{"timestamp":"2021-04-21T18:12:31.123456Z","src_ip":"10.0.0.5","dest_ip":"198.51.100.23","http_method":"POST","uri_path":"/u"}`,
		`{"_time":"2021-04-21T18:12:31.123+00:00","sourcetype":"stream:http","_raw":"{\"src_ip\":\"10.0.0.5\"}"}`,
		"1709650800.123     87 192.168.10.24 TCP_MISS/200 18734 GET http://www.example.com/index.html - HIER_DIRECT/93.184.216.34 text/html",
		"192.168.10.24 - - [05/Mar/2024:15:00:00 +0000] \"GET http://www.example.com/ HTTP/1.1\" 200 1024 TCP_MISS:HIER_DIRECT",
		"ElfFile\x00\x00\x00\x00\x00\x00\x00\x00",
		"<Events><Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System></Event></Events>",
		"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>3</EventID></System></Event>",
		`{"preview":false,"offset":0,"result":{"_raw":"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System></Event>"}}`,
		`{"@timestamp":"2020-07-22T04:00:48.097Z","message":"Process Create:\nRuleName: -\nUtcTime: 2020-07-22 04:00:48.097","winlog":{"event_id":1,"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"WKST01"}}`,
		`{"EventID":3,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon","Hostname":"WKST01","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","DestinationIp":"10.10.10.5","@timestamp":"2020-07-22T04:00:48.097Z"}`,
		"{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": 1\n    }\n  }\n}\n",
		`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\curl.exe"}}}`,
		`{"message":"user logged in","host":"web01"}`,
		`{"ID":"abc","SYSCALL":{}}`,
		"audit(1700000000.123:4567) without a type",
		"type=SYSCALL msg=audit(yesterday): arch=c000003e",
		"",
	} {
		if Sniff([]byte(c+"\n"), "x") {
			t.Errorf("claimed: %.100q", c)
		}
	}
	// real files of the other formats, when the shared datasets are present
	for _, name := range []string{
		"apt29-day1-zeek/NASHUA_conn.log", "apt29-day1-zeek/SCRANTON_http.log", "rita-http/json_with_all_fields__http.log",
		"rita-http/valid_tsv__http.log.gz", "panos-traffic", "sysmon-evtx/sbousseaden__DE_sysmon-3-rdp-tun.evtx",
		"sysmon-evtx/sigma__proc_creation_win_curl_custom_user_agent__85de1f22-d189-44e4-8239-dc276b45379b.json",
		// the other readers' own fixtures
		"@../stream/testdata/raw_events.json", "@../stream/testdata/search_export.json", "@../squid/testdata/native.log",
		"@../winxml/testdata/splunk_export.json", "@../winxml/testdata/events.xml", "@../winxml/testdata/oneline.xml",
	} {
		p := filepath.Join(datasets, name)
		if rel, ok := strings.CutPrefix(name, "@"); ok {
			p = rel
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			ents, _ := os.ReadDir(p)
			for _, e := range ents {
				if !e.IsDir() && !strings.HasPrefix(e.Name(), "LICENSE") {
					p = filepath.Join(p, e.Name())
					break
				}
			}
		}
		head, err := headOf(p)
		if err != nil {
			t.Logf("%s not checked: %v", name, err)
			continue
		}
		if Sniff(head, filepath.Base(p)) {
			t.Errorf("claimed %s", p)
		}
		t.Logf("not claimed: %s", p)
	}
}

func headOf(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(p, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	b := make([]byte, source.SniffSize)
	n, err := io.ReadFull(r, b)
	if n == 0 {
		return nil, err
	}
	return b[:n], nil
}
