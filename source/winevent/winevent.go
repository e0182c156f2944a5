// Package winevent maps Windows events to host events, whatever shape they were stored in:
// the EVTX, XML and JSON readers each decode a record into a Record (the event's System
// header and its EventData name/value pairs) and hand it to Emit, so that every shape yields
// the same event.Host for the same event.
//
// # Events read
//
//	Channel / provider                      Event ID  event.Host
//	Microsoft-Windows-Sysmon/Operational    1         OpProcess   process create
//	(Linux-Sysmon/Operational too)          3         OpConnect   network connection
//	                                        11        OpFile      file create
//	                                        22        OpDNS       DNS query
//	Security (Microsoft-Windows-Security-   4688      OpProcess   process creation
//	Auditing)
//
// Other events are counted, not mapped (Wanted tells a reader which to decode).
//
// # Field mapping (Sysmon)
//
//	EventData          event.Host             notes
//	UtcTime            Meta.TS                "2006-01-02 15:04:05.000" UTC; else the record's time
//	ProcessGuid        Proc.GUID              braces dropped, upper case
//	ProcessId          Proc.PID
//	Image              Proc.Image
//	CommandLine        Proc.CommandLine       EID 1
//	User               Proc.User
//	ParentProcessGuid  Parent.GUID            EID 1
//	ParentProcessId    Parent.PID
//	ParentImage        Parent.Image
//	ParentCommandLine  Parent.CommandLine
//	ParentUser         Parent.User
//	CurrentDirectory   CurrentDir
//	OriginalFileName   OriginalFileName
//	Hashes             Hashes
//	Protocol           Proto                  EID 3
//	Initiated          Initiated              "true"/"false"
//	SourceIp/Port      Flow.Src/SrcPort       the initiator
//	DestinationIp/Port Flow.Dst/DstPort
//	DestinationHostname DstHost               "-" is empty
//	QueryName          Query                  EID 22
//	QueryStatus        QueryStatus
//	QueryResults       QueryResults
//	TargetFilename     TargetFile             EID 11
//
// Security 4688: NewProcessName -> Proc.Image, NewProcessId (hex) -> Proc.PID, CommandLine ->
// Proc.CommandLine, SubjectDomainName\SubjectUserName -> Proc.User (the creator's account;
// TargetUserName when the subject is the machine account and a target is named),
// ParentProcessName -> Parent.Image, ProcessId (hex) -> Parent.PID.
//
// The Computer of the System header is Computer (upper- and lower-case kept as logged).
package winevent

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// Record is one Windows event as a reader decoded it.
type Record struct {
	Provider string // System/Provider/@Name
	Channel  string // System/Channel
	EventID  int
	Computer string
	RecordID int64      // System/EventRecordID; 0 when unknown
	Time     event.Time // System/TimeCreated/@SystemTime; 0 when unknown
	// Data holds the EventData (or UserData) name/value pairs in the record's order.
	Data []Field
}

// Field is one EventData value.
type Field struct{ Name, Value string }

// Get returns the value of the named field ("" when absent).
func (r *Record) Get(name string) string {
	for i := range r.Data {
		if r.Data[i].Name == name {
			return r.Data[i].Value
		}
	}
	return ""
}

// Set sets a field, adding it when absent.
func (r *Record) Set(name, value string) {
	for i := range r.Data {
		if r.Data[i].Name == name {
			r.Data[i].Value = value
			return
		}
	}
	r.Data = append(r.Data, Field{name, value})
}

// Reset empties r for reuse, keeping its Data's storage.
func (r *Record) Reset() {
	*r = Record{Data: r.Data[:0]}
}

// The logs events come from.
const (
	LogSysmon   = "sysmon"
	LogSecurity = "security"
)

// LogOf names the log a channel or provider belongs to: "sysmon", "security", or "" for others.
func LogOf(channel, provider string) string {
	switch {
	case strings.EqualFold(channel, "Microsoft-Windows-Sysmon/Operational"), strings.EqualFold(channel, "Linux-Sysmon/Operational"),
		strings.EqualFold(provider, "Microsoft-Windows-Sysmon"), strings.EqualFold(provider, "Linux-Sysmon"):
		return LogSysmon
	case strings.EqualFold(channel, "Security"), strings.EqualFold(provider, "Microsoft-Windows-Security-Auditing"):
		return LogSecurity
	}
	return ""
}

// Wanted reports whether an event of this channel (or provider) and id becomes a host event.
func Wanted(channel, provider string, id int) bool {
	switch LogOf(channel, provider) {
	case LogSysmon:
		return id == 1 || id == 3 || id == 11 || id == 22
	case LogSecurity:
		return id == 4688
	}
	return false
}

// ErrNotWanted is returned by Map for a record that is no host event sluice reads.
var ErrNotWanted = errors.New("not a host event sluice reads")

// Map fills e from r. It returns ErrNotWanted for other events and an error naming the field
// for a value it cannot read (an address that is not one, a port out of range).
func Map(r *Record, ref event.Ref, e *event.Host) error {
	log := LogOf(r.Channel, r.Provider)
	if !Wanted(r.Channel, r.Provider, r.EventID) {
		return ErrNotWanted
	}
	*e = event.Host{Log: log, EventID: int32(r.EventID), Computer: r.Computer, Initiated: event.Unset}
	e.Ref = ref
	e.TS = r.Time
	e.Proc.PID, e.Parent.PID = event.Unset, event.Unset
	if log == LogSecurity {
		return map4688(r, e)
	}
	if t := r.Get("UtcTime"); t != "" {
		ts, err := ParseUtcTime(t)
		if err != nil {
			return fmt.Errorf("UtcTime: %w", err)
		}
		e.TS = ts
	}
	if e.TS == 0 {
		return errors.New("no time (neither UtcTime nor TimeCreated)")
	}
	e.Proc.GUID = GUID(r.Get("ProcessGuid"))
	e.Proc.PID = num(r.Get("ProcessId"))
	e.Proc.Image = r.Get("Image")
	e.Proc.User = dash(r.Get("User"))
	switch r.EventID {
	case 1:
		e.Op = event.OpProcess
		e.Proc.CommandLine = r.Get("CommandLine")
		e.CurrentDir = r.Get("CurrentDirectory")
		e.OriginalFileName = dash(r.Get("OriginalFileName"))
		e.Hashes = r.Get("Hashes")
		e.Parent = event.Proc{
			GUID: GUID(r.Get("ParentProcessGuid")), PID: num(r.Get("ParentProcessId")),
			Image: r.Get("ParentImage"), CommandLine: r.Get("ParentCommandLine"), User: dash(r.Get("ParentUser")),
		}
	case 3:
		e.Op = event.OpConnect
		e.Proto = strings.ToLower(r.Get("Protocol"))
		switch strings.ToLower(r.Get("Initiated")) {
		case "true":
			e.Initiated = 1
		case "false":
			e.Initiated = 0
		}
		var err error
		if e.Src, err = addr(r.Get("SourceIp")); err != nil {
			return fmt.Errorf("SourceIp: %w", err)
		}
		if e.Dst, err = addr(r.Get("DestinationIp")); err != nil {
			return fmt.Errorf("DestinationIp: %w", err)
		}
		if e.SrcPort, err = port(r.Get("SourcePort")); err != nil {
			return fmt.Errorf("SourcePort: %w", err)
		}
		if e.DstPort, err = port(r.Get("DestinationPort")); err != nil {
			return fmt.Errorf("DestinationPort: %w", err)
		}
		e.DstHost = dash(r.Get("DestinationHostname"))
	case 11:
		e.Op = event.OpFile
		e.TargetFile = r.Get("TargetFilename")
	case 22:
		e.Op = event.OpDNS
		e.Query = r.Get("QueryName")
		e.QueryStatus = r.Get("QueryStatus")
		e.QueryResults = dash(r.Get("QueryResults"))
	}
	return nil
}

func map4688(r *Record, e *event.Host) error {
	if e.TS == 0 {
		return errors.New("no time (TimeCreated)")
	}
	e.Op = event.OpProcess
	e.Proc.Image = r.Get("NewProcessName")
	e.Proc.PID = num(r.Get("NewProcessId"))
	e.Proc.CommandLine = r.Get("CommandLine")
	e.Proc.User = account(r.Get("SubjectDomainName"), r.Get("SubjectUserName"))
	if t := r.Get("TargetUserName"); t != "" && t != "-" && strings.HasSuffix(r.Get("SubjectUserName"), "$") {
		e.Proc.User = account(r.Get("TargetDomainName"), t)
	}
	e.Parent.Image = r.Get("ParentProcessName")
	e.Parent.PID = num(r.Get("ProcessId"))
	return nil
}

func account(domain, user string) string {
	if user == "" || user == "-" {
		return ""
	}
	if domain == "" || domain == "-" {
		return user
	}
	return domain + `\` + user
}

// ParseUtcTime reads Sysmon's UtcTime ("2020-07-22 04:00:48.097", UTC).
func ParseUtcTime(s string) (event.Time, error) {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return event.FromStd(t), nil
}

// GUID normalizes a GUID as Sysmon writes it: braces dropped, upper case.
func GUID(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	if s == "-" {
		return ""
	}
	return strings.ToUpper(s)
}

// num reads a decimal or 0x-hexadecimal number; Unset when empty or not a number.
func num(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return event.Unset
	}
	var n int64
	var err error
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		var u uint64
		u, err = strconv.ParseUint(s[2:], 16, 63)
		n = int64(u)
	} else {
		n, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil || n < 0 {
		return event.Unset
	}
	return n
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func addr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, err
	}
	return a.Unmap(), nil
}

func port(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	return uint16(n), err
}

// Emit maps r and sends the event to sink. It returns false, nil for a record that is no
// host event sluice reads, and an error for one it cannot read.
func Emit(r *Record, ref event.Ref, sink event.Sink) (bool, error) {
	var e event.Host
	err := Map(r, ref, &e)
	if errors.Is(err, ErrNotWanted) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sink.Host(&e)
	return true, nil
}

// LogType is the log type a record is counted under in the run's summary: "sysmon",
// "security", or "windows" for other channels.
func LogType(r *Record) string {
	if l := LogOf(r.Channel, r.Provider); l != "" {
		return l
	}
	return "windows"
}

// Handle maps r and sends it to sink, counting it in st: a host event as read, another event as
// ignored, a record it cannot read as skipped with file:position: reason. Readers call it for
// every record they decode.
func Handle(r *Record, f source.FileInfo, pos uint32, st *source.Stats, sink event.Sink) {
	if !Wanted(r.Channel, r.Provider, r.EventID) || f.Skip.Has(event.KindHost) {
		st.Ignored[LogType(r)]++
		return
	}
	if _, err := Emit(r, f.Ref(pos), sink); err != nil {
		st.Skip(f, pos, "bad windows event", fmt.Sprintf("event %d: %v", r.EventID, err))
		return
	}
	st.Read[LogType(r)]++
}
