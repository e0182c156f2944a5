package winevent

import (
	"net/netip"
	"testing"

	"github.com/sluice-hunt/sluice/event"
)

func TestMapSysmonConnect(t *testing.T) {
	r := &Record{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 3, Computer: "WORKSTATION5.mordor.local", Time: 1,
		Data: []Field{{"UtcTime", "2020-07-22 04:00:48.097"}, {"ProcessGuid", "{b59756a9-b239-5f17-5307-000000000400}"},
			{"ProcessId", "9076"}, {"Image", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`}, {"User", `MORDOR\pgustavo`},
			{"Protocol", "tcp"}, {"Initiated", "true"}, {"SourceIp", "172.18.39.5"}, {"SourcePort", "50783"},
			{"DestinationIp", "10.10.10.5"}, {"DestinationHostname", "-"}, {"DestinationPort", "80"}}}
	var e event.Host
	if err := Map(r, event.Ref{Line: 7}, &e); err != nil {
		t.Fatal(err)
	}
	if e.Op != event.OpConnect || e.Src != netip.MustParseAddr("172.18.39.5") || e.SrcPort != 50783 || e.Dst != netip.MustParseAddr("10.10.10.5") ||
		e.DstPort != 80 || e.Initiated != 1 || e.Proc.PID != 9076 || e.Proc.GUID != "B59756A9-B239-5F17-5307-000000000400" ||
		e.DstHost != "" || e.Proto != "tcp" || e.TS.String() != "2020-07-22T04:00:48.097000Z" || e.Ref.Line != 7 {
		t.Fatalf("%+v", e)
	}
}

func TestMap4688(t *testing.T) {
	r := &Record{Channel: "Security", EventID: 4688, Computer: "MORDORDC.mordor.local", Time: 5,
		Data: []Field{{"NewProcessId", "0x147c"}, {"NewProcessName", `C:\Windows\System32\sppsvc.exe`}, {"ProcessId", "0x2b8"},
			{"CommandLine", `C:\windows\system32\sppsvc.exe`}, {"ParentProcessName", `C:\Windows\System32\services.exe`},
			{"SubjectUserName", "MORDORDC$"}, {"SubjectDomainName", "MORDOR"}, {"TargetUserName", "alice"}, {"TargetDomainName", "MORDOR"}}}
	var e event.Host
	if err := Map(r, event.Ref{}, &e); err != nil {
		t.Fatal(err)
	}
	if e.Op != event.OpProcess || e.Proc.PID != 0x147c || e.Parent.PID != 0x2b8 || e.Proc.User != `MORDOR\alice` || e.Parent.Image == "" {
		t.Fatalf("%+v", e)
	}
}

func TestMapErrors(t *testing.T) {
	r := &Record{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 3, Time: 1, Data: []Field{{"SourceIp", "not-an-ip"}}}
	var e event.Host
	if err := Map(r, event.Ref{}, &e); err == nil {
		t.Fatal("bad address accepted")
	}
	r = &Record{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 5, Time: 1}
	if err := Map(r, event.Ref{}, &e); err != ErrNotWanted {
		t.Fatal(err)
	}
	r = &Record{Channel: "Microsoft-Windows-Sysmon/Operational", EventID: 1}
	if err := Map(r, event.Ref{}, &e); err == nil {
		t.Fatal("record without a time accepted")
	}
}
