package synth

import (
	"encoding/hex"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// The Sysmon provider's name and GUID, as Sysmon writes them into its events' System header.
const (
	SysmonChannel  = "Microsoft-Windows-Sysmon/Operational"
	sysmonProvider = "Microsoft-Windows-Sysmon"
	sysmonGUID     = "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"
)

// WinXML renders a Windows event as the one-line XML that Windows' event API renders and that
// Splunk indexes as XmlWinEventLog (the seeds' sourcetype): System header, then the EventData
// values in order. Sysmon events get Sysmon's provider; Security events the auditing provider.
func WinXML(r winevent.Record) string {
	provider, guid := r.Provider, ""
	if provider == "" {
		switch winevent.LogOf(r.Channel, "") {
		case winevent.LogSysmon:
			provider, guid = sysmonProvider, sysmonGUID
		case winevent.LogSecurity:
			provider, guid = "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}"
		}
	}
	var b strings.Builder
	b.WriteString(`<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>`)
	fmt.Fprintf(&b, `<Provider Name='%s'`, html.EscapeString(provider))
	if guid != "" {
		fmt.Fprintf(&b, ` Guid='%s'`, guid)
	}
	b.WriteString(`/>`)
	fmt.Fprintf(&b, `<EventID>%d</EventID><Version>5</Version><Level>4</Level><Task>%d</Task><Opcode>0</Opcode>`, r.EventID, r.EventID)
	fmt.Fprintf(&b, `<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='%s'/>`, r.Time.Std().Format("2006-01-02T15:04:05.0000000Z"))
	fmt.Fprintf(&b, `<EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID='3168' ThreadID='4580'/>`, r.RecordID)
	fmt.Fprintf(&b, `<Channel>%s</Channel><Computer>%s</Computer><Security UserID='S-1-5-18'/></System><EventData>`,
		html.EscapeString(r.Channel), html.EscapeString(r.Computer))
	for _, f := range r.Data {
		fmt.Fprintf(&b, `<Data Name='%s'>%s</Data>`, f.Name, html.EscapeString(f.Value))
	}
	b.WriteString(`</EventData></Event>`)
	return b.String()
}

// SysmonTime formats t as Sysmon's UtcTime field.
func SysmonTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }

// AuditExec renders an execve event as auditd writes it to audit.log: SYSCALL, EXECVE (each
// argument quoted, or hex when it holds a blank, a quote or a byte outside printable ASCII),
// CWD, PATH, PROCTITLE and EOE records sharing the serial.
func AuditExec(node string, t time.Time, serial int, pid, ppid, uid int, exe, cwd string, argv []string) string {
	stamp := fmt.Sprintf("audit(%d.%03d:%d)", t.Unix(), t.Nanosecond()/1e6, serial)
	pre := ""
	if node != "" {
		pre = "node=" + node + " "
	}
	comm := argv[0]
	if i := strings.LastIndexByte(comm, '/'); i >= 0 {
		comm = comm[i+1:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%stype=SYSCALL msg=%s: arch=c000003e syscall=59 success=yes exit=0 a0=55d0c1a2b3c0 a1=55d0c1a2b4e0 a2=55d0c1a2b5f0 a3=8 items=2 ppid=%d pid=%d auid=%d uid=%d gid=%d euid=%d suid=%d fsuid=%d egid=%d sgid=%d fsgid=%d tty=pts0 ses=3 comm=%q exe=%q subj=unconfined key=\"exec\"\n",
		pre, stamp, ppid, pid, uid, uid, uid, uid, uid, uid, uid, uid, uid, comm, exe)
	fmt.Fprintf(&b, "%stype=EXECVE msg=%s: argc=%d", pre, stamp, len(argv))
	for i, a := range argv {
		fmt.Fprintf(&b, " a%d=%s", i, auditValue(a))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%stype=CWD msg=%s: cwd=%s\n", pre, stamp, auditValue(cwd))
	fmt.Fprintf(&b, "%stype=PATH msg=%s: item=0 name=%s inode=1835037 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n", pre, stamp, auditValue(exe))
	fmt.Fprintf(&b, "%stype=PROCTITLE msg=%s: proctitle=%s\n", pre, stamp, strings.ToUpper(hex.EncodeToString([]byte(strings.Join(argv, "\x00")))))
	fmt.Fprintf(&b, "%stype=EOE msg=%s: \n", pre, stamp)
	return b.String()
}

// auditValue quotes a value as auditd does: in double quotes when it is plain printable
// ASCII without blanks or quotes, else hex-encoded.
func auditValue(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' {
			return strings.ToUpper(hex.EncodeToString([]byte(s)))
		}
	}
	return `"` + s + `"`
}

// SysmonProc describes a process in the Sysmon events the Sysmon* functions build.
type SysmonProc struct {
	Computer          string
	GUID              string // without braces
	PID               int
	Image             string
	CommandLine       string
	User              string
	ParentGUID        string
	ParentPID         int
	ParentImage       string
	ParentCommandLine string
	OriginalFileName  string
}

var recordIDs = map[string]int64{}

func sysmonRecord(p SysmonProc, id int, t time.Time, data []winevent.Field) winevent.Record {
	recordIDs[p.Computer]++
	head := []winevent.Field{{Name: "RuleName", Value: "-"}, {Name: "UtcTime", Value: SysmonTime(t)},
		{Name: "ProcessGuid", Value: "{" + p.GUID + "}"}, {Name: "ProcessId", Value: fmt.Sprint(p.PID)}}
	return winevent.Record{Channel: SysmonChannel, EventID: id, Computer: p.Computer, RecordID: 100000 + recordIDs[p.Computer],
		Time: event.FromStd(t.Add(3 * time.Millisecond)), Data: append(head, data...)}
}

// SysmonProcess is Sysmon event 1 (process create) for p at t.
func SysmonProcess(p SysmonProc, t time.Time) winevent.Record {
	orig := p.OriginalFileName
	if orig == "" {
		orig = p.Image[strings.LastIndexAny(p.Image, `\/`)+1:]
	}
	return sysmonRecord(p, 1, t, []winevent.Field{
		{Name: "Image", Value: p.Image}, {Name: "FileVersion", Value: "-"}, {Name: "Description", Value: "-"},
		{Name: "Product", Value: "-"}, {Name: "Company", Value: "-"}, {Name: "OriginalFileName", Value: orig},
		{Name: "CommandLine", Value: p.CommandLine}, {Name: "CurrentDirectory", Value: `C:\Windows\system32\`},
		{Name: "User", Value: p.User}, {Name: "LogonGuid", Value: "{5AB40FD1-8D74-68F7-E44B-100000000000}"},
		{Name: "LogonId", Value: "0x104be4"}, {Name: "TerminalSessionId", Value: "1"}, {Name: "IntegrityLevel", Value: "High"},
		{Name: "Hashes", Value: "SHA256=0000000000000000000000000000000000000000000000000000000000000000"},
		{Name: "ParentProcessGuid", Value: "{" + p.ParentGUID + "}"}, {Name: "ParentProcessId", Value: fmt.Sprint(p.ParentPID)},
		{Name: "ParentImage", Value: p.ParentImage}, {Name: "ParentCommandLine", Value: p.ParentCommandLine},
		{Name: "ParentUser", Value: p.User},
	})
}

// SysmonConnect is Sysmon event 3 (network connection, initiated by p) at t.
func SysmonConnect(p SysmonProc, t time.Time, proto, src string, sport int, dst string, dport int) winevent.Record {
	return sysmonRecord(p, 3, t, []winevent.Field{
		{Name: "Image", Value: p.Image}, {Name: "User", Value: p.User}, {Name: "Protocol", Value: proto},
		{Name: "Initiated", Value: "true"}, {Name: "SourceIsIpv6", Value: "false"}, {Name: "SourceIp", Value: src},
		{Name: "SourceHostname", Value: "-"}, {Name: "SourcePort", Value: fmt.Sprint(sport)}, {Name: "SourcePortName", Value: "-"},
		{Name: "DestinationIsIpv6", Value: "false"}, {Name: "DestinationIp", Value: dst}, {Name: "DestinationHostname", Value: "-"},
		{Name: "DestinationPort", Value: fmt.Sprint(dport)}, {Name: "DestinationPortName", Value: "-"},
	})
}

// SysmonDNS is Sysmon event 22 (DNS query by p) at t.
func SysmonDNS(p SysmonProc, t time.Time, query, results string) winevent.Record {
	return sysmonRecord(p, 22, t, []winevent.Field{
		{Name: "QueryName", Value: query}, {Name: "QueryStatus", Value: "0"}, {Name: "QueryResults", Value: results},
		{Name: "Image", Value: p.Image}, {Name: "User", Value: p.User},
	})
}
