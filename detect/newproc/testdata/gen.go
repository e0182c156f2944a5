//go:build ignore

// gen writes the fixtures of this folder (Sysmon as Splunk's one-line XML):
//
//	cd detect/newproc && go run testdata/gen.go testdata
//
// before.xml: a week's usual network processes on WS-A and WS-B (Teams from each user's
// profile, OneDrive, svchost, Edge). `sluice baseline save` of it is baseline.json.
// after.xml: the same processes again (quiet: in the baseline, Teams from a third user's
// profile too), plus on WS-B a tool dropped in the user's Temp calling an outside address on
// port 443 four times (new: reported), and an inbound connection accepted by a new listener
// (not reported: the process did not initiate it).
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

var t0 = time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)

func p(host, user string, pid int, image string) synth.SysmonProc {
	return synth.SysmonProc{Computer: host, GUID: fmt.Sprintf("9D000000-0000-0000-0000-%012d", pid), PID: pid, Image: image,
		CommandLine: `"` + image + `"`, User: user, ParentImage: `C:\Windows\explorer.exe`, ParentPID: 4000}
}

func usual(host, user, profile string, day int, base int) []winevent.Record {
	at := t0.Add(time.Duration(day) * 24 * time.Hour)
	teams := p(host, user, base+1, `C:\Users\`+profile+`\AppData\Local\Microsoft\Teams\current\Teams.exe`)
	drive := p(host, user, base+2, `C:\Users\`+profile+`\AppData\Local\Microsoft\OneDrive\OneDrive.exe`)
	svc := p(host, `NT AUTHORITY\NETWORK SERVICE`, base+3, `C:\Windows\System32\svchost.exe`)
	edge := p(host, user, base+4, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`)
	ip := map[string]string{"WS-A": "10.20.0.11", "WS-B": "10.20.0.12"}[host]
	return []winevent.Record{
		synth.SysmonConnect(teams, at, "tcp", ip, 50000+base%1000, "52.113.194.132", 443),
		synth.SysmonConnect(drive, at.Add(time.Minute), "tcp", ip, 50001+base%1000, "13.107.42.12", 443),
		synth.SysmonConnect(svc, at.Add(2*time.Minute), "udp", ip, 50002+base%1000, "10.20.0.53", 53),
		synth.SysmonConnect(edge, at.Add(3*time.Minute), "tcp", ip, 50003+base%1000, "93.184.216.34", 443),
	}
}

func main() {
	dir := os.Args[1]
	var before, after []winevent.Record
	for day := range 5 {
		before = append(before, usual("WS-A", `CORP\ana`, "ana", day, 100*day)...)
		before = append(before, usual("WS-B", `CORP\ben`, "ben", day, 100*day+50)...)
	}
	after = append(after, usual("WS-A", `CORP\ana`, "ana", 7, 700)...)
	after = append(after, usual("WS-B", `CORP\cleo`, "cleo", 7, 750)...)
	tool := p("WS-B", `CORP\cleo`, 7801, `C:\Users\cleo\AppData\Local\Temp\syncsvc.exe`)
	for i := range 4 {
		after = append(after, synth.SysmonConnect(tool, t0.Add(7*24*time.Hour+time.Duration(10+i)*time.Minute), "tcp", "10.20.0.12", 51800+i, "203.0.113.66", 443))
	}
	listener := p("WS-B", `CORP\cleo`, 7802, `C:\Tools\listener.exe`)
	in := synth.SysmonConnect(listener, t0.Add(7*24*time.Hour+20*time.Minute), "tcp", "10.20.0.99", 40000, "10.20.0.12", 9000)
	for i := range in.Data {
		if in.Data[i].Name == "Initiated" {
			in.Data[i].Value = "false"
		}
	}
	after = append(after, in)
	for name, rs := range map[string][]winevent.Record{"before.xml": before, "after.xml": after} {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(synth.WinXML(r) + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			panic(err)
		}
	}
}
