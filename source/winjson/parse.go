package winjson

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
	"github.com/sluice-hunt/sluice/source/winevent"
)

// shape is the layout of one record.
type shape uint8

const (
	shapeNone  shape = iota
	shapeECS         // Winlogbeat 7+/Elastic Agent: winlog.*
	shapeBeat6       // Winlogbeat 6: event_id, log_name, event_data.*
	shapeEvtx        // evtx_dump/Velociraptor: [Event.]System.*, [Event.]EventData.*
	shapeFlat        // nxlog/HELK: EventID, Channel and the event data at the top
)

var shapeNames = [...]string{"", "winlogbeat", "winlogbeat-6", "evtx-json", "nxlog"}

// hdr names the header fields a record's shapes hold (see the package doc's tables).
type hdr uint8

const (
	hNone hdr = iota
	// Winlogbeat 7+ / Elastic Agent (ECS)
	hECSEventID
	hECSChannel
	hECSProvider
	hECSComputer
	hECSRecordID
	hHostName
	hHostHostname
	hEventCode
	hEventProvider
	hTimestamp // @timestamp: ECS, Winlogbeat 6 and nxlog
	// Winlogbeat 6
	hB6EventID
	hB6Channel
	hB6Provider
	hB6Computer
	hB6RecordID
	// evtx_dump / Velociraptor (after the Event. prefix is dropped)
	hSysEventID
	hSysEventIDText
	hSysEventIDValue
	hSysProviderAttr
	hSysProviderName
	hSysProvider
	hSysChannel
	hSysComputer
	hSysRecordID
	hSysTimeAttr
	hSysTime
	// nxlog / HELK
	hEventID
	hChannel
	hSourceName
	hHostname
	hRecordNumber
	hEventTime
	numHdr
)

var hdrNames = [numHdr]string{
	hECSEventID: "winlog.event_id", hECSChannel: "winlog.channel", hECSProvider: "winlog.provider_name",
	hECSComputer: "winlog.computer_name", hECSRecordID: "winlog.record_id", hHostName: "host.name",
	hHostHostname: "host.hostname", hEventCode: "event.code", hEventProvider: "event.provider", hTimestamp: "@timestamp",
	hB6EventID: "event_id", hB6Channel: "log_name", hB6Provider: "source_name", hB6Computer: "computer_name",
	hB6RecordID: "record_number",
	hSysEventID: "System.EventID", hSysEventIDText: "System.EventID.#text", hSysEventIDValue: "System.EventID.Value",
	hSysProviderAttr: "System.Provider.#attributes.Name", hSysProviderName: "System.Provider.Name",
	hSysProvider: "System.Provider", hSysChannel: "System.Channel", hSysComputer: "System.Computer",
	hSysRecordID: "System.EventRecordID", hSysTimeAttr: "System.TimeCreated.#attributes.SystemTime",
	hSysTime: "System.TimeCreated.SystemTime",
	hEventID: "EventID", hChannel: "Channel", hSourceName: "SourceName", hHostname: "Hostname",
	hRecordNumber: "RecordNumber", hEventTime: "EventTime",
}

// lookupHdr maps a (normalized) key to the header field it names.
func lookupHdr(k string) hdr {
	switch k {
	case "winlog.event_id":
		return hECSEventID
	case "winlog.channel":
		return hECSChannel
	case "winlog.provider_name":
		return hECSProvider
	case "winlog.computer_name":
		return hECSComputer
	case "winlog.record_id":
		return hECSRecordID
	case "host.name":
		return hHostName
	case "host.hostname":
		return hHostHostname
	case "event.code":
		return hEventCode
	case "event.provider":
		return hEventProvider
	case "@timestamp":
		return hTimestamp
	case "event_id":
		return hB6EventID
	case "log_name":
		return hB6Channel
	case "source_name":
		return hB6Provider
	case "computer_name":
		return hB6Computer
	case "record_number":
		return hB6RecordID
	case "System.EventID":
		return hSysEventID
	case "System.EventID.#text":
		return hSysEventIDText
	case "System.EventID.Value":
		return hSysEventIDValue
	case "System.Provider.#attributes.Name":
		return hSysProviderAttr
	case "System.Provider.Name":
		return hSysProviderName
	case "System.Provider":
		return hSysProvider
	case "System.Channel":
		return hSysChannel
	case "System.Computer":
		return hSysComputer
	case "System.EventRecordID":
		return hSysRecordID
	case "System.TimeCreated.#attributes.SystemTime":
		return hSysTimeAttr
	case "System.TimeCreated.SystemTime":
		return hSysTime
	case "EventID":
		return hEventID
	case "Channel":
		return hChannel
	case "SourceName":
		return hSourceName
	case "Hostname":
		return hHostname
	case "RecordNumber":
		return hRecordNumber
	case "EventTime":
		return hEventTime
	}
	return hNone
}

// nxlogMeta reports the top-level keys of the nxlog/HELK shape that nxlog, Logstash or an
// Elasticsearch export add, and that are therefore not event data.
func nxlogMeta(k string) bool {
	switch k {
	case "EventTime", "EventReceivedTime", "Hostname", "Keywords", "EventType", "SeverityValue", "Severity",
		"EventID", "SourceName", "ProviderGuid", "Version", "Task", "OpcodeValue", "Opcode", "RecordNumber",
		"ActivityID", "RelatedActivityID", "ExecutionProcessID", "ThreadID", "Channel", "Category", "Domain",
		"AccountName", "UserID", "AccountType", "Message", "SourceModuleName", "SourceModuleType",
		"MessageSourceAddress", "Qualifiers", "Level", "LevelValue",
		"@timestamp", "@version", "host", "port", "tags", "type", "_index", "_id", "_type", "_score":
		return true
	}
	return false
}

// fb names the ECS fields Winlogbeat's sysmon and security modules move event data into; they
// stand in for event data a document lacks.
type fb uint8

const (
	fbNone fb = iota
	fbEntityID
	fbPID
	fbExe
	fbCmd
	fbCwd
	fbParentEntityID
	fbParentPID
	fbParentExe
	fbParentCmd
	fbOrigName
	fbUserDomain
	fbUserName
	fbTransport
	fbDirection
	fbSrcIP
	fbSrcPort
	fbSrcDomain
	fbDstIP
	fbDstPort
	fbDstDomain
	fbFilePath
	fbDNSName
	fbDNSStatus
	fbSHA1
	fbMD5
	fbSHA256
	fbImphash
	numFB
)

func lookupFB(k string) fb {
	switch k {
	case "process.entity_id":
		return fbEntityID
	case "process.pid":
		return fbPID
	case "process.executable":
		return fbExe
	case "process.command_line":
		return fbCmd
	case "process.working_directory":
		return fbCwd
	case "process.parent.entity_id":
		return fbParentEntityID
	case "process.parent.pid":
		return fbParentPID
	case "process.parent.executable":
		return fbParentExe
	case "process.parent.command_line":
		return fbParentCmd
	case "process.pe.original_file_name":
		return fbOrigName
	case "user.domain":
		return fbUserDomain
	case "user.name":
		return fbUserName
	case "network.transport":
		return fbTransport
	case "network.direction":
		return fbDirection
	case "source.ip":
		return fbSrcIP
	case "source.port":
		return fbSrcPort
	case "source.domain":
		return fbSrcDomain
	case "destination.ip":
		return fbDstIP
	case "destination.port":
		return fbDstPort
	case "destination.domain":
		return fbDstDomain
	case "file.path":
		return fbFilePath
	case "dns.question.name":
		return fbDNSName
	case "sysmon.dns.status":
		return fbDNSStatus
	case "process.hash.sha1":
		return fbSHA1
	case "process.hash.md5":
		return fbMD5
	case "process.hash.sha256":
		return fbSHA256
	case "process.pe.imphash":
		return fbImphash
	}
	return fbNone
}

// The event data names the ECS fields stand in for, for Sysmon and for Security 4688.
var sysmonFB = [...]struct {
	name string
	id   fb
}{
	{"ProcessGuid", fbEntityID}, {"ProcessId", fbPID}, {"Image", fbExe}, {"CommandLine", fbCmd},
	{"CurrentDirectory", fbCwd}, {"ParentProcessGuid", fbParentEntityID}, {"ParentProcessId", fbParentPID},
	{"ParentImage", fbParentExe}, {"ParentCommandLine", fbParentCmd}, {"OriginalFileName", fbOrigName},
	{"Protocol", fbTransport}, {"SourceIp", fbSrcIP}, {"SourcePort", fbSrcPort}, {"SourceHostname", fbSrcDomain},
	{"DestinationIp", fbDstIP}, {"DestinationPort", fbDstPort}, {"DestinationHostname", fbDstDomain},
	{"QueryName", fbDNSName},
}

var securityFB = [...]struct {
	name string
	id   fb
}{
	{"NewProcessName", fbExe}, {"NewProcessId", fbPID}, {"CommandLine", fbCmd},
	{"ParentProcessName", fbParentExe}, {"ProcessId", fbParentPID},
	{"SubjectUserName", fbUserName}, {"SubjectDomainName", fbUserDomain},
}

// Problem reasons, as counted in the run's summary.
const (
	reasonJSON     = "invalid JSON"
	reasonNotEvent = "not a windows event"
	reasonBad      = "bad windows event"
)

// problem is a record that cannot be read: the reason counted and the message shown.
type problem struct{ reason, msg string }

func (p *problem) Error() string { return p.msg }

// parser turns scanned records into winevent.Records, reusing its buffers from record to
// record. A parser is not safe for concurrent use.
type parser struct {
	sc    jsonl.Scanner
	rec   winevent.Record
	h     [numHdr]*jsonl.KV
	fb    [numFB]*jsonl.KV
	shape shape
}

// line parses one line (or document) and hands its record to winevent.Handle, or reports why
// it cannot.
func (p *parser) line(b []byte, f source.FileInfo, pos uint32, st *source.Stats, sink event.Sink) {
	kvs, err := p.sc.Scan(b)
	if err != nil {
		st.Skip(f, pos, reasonJSON, err.Error())
		return
	}
	if err := p.record(kvs, f.Skip.Has(event.KindHost)); err != nil {
		var pr *problem
		if errors.As(err, &pr) {
			st.Skip(f, pos, pr.reason, pr.msg)
		} else {
			st.Skip(f, pos, reasonBad, err.Error())
		}
		return
	}
	winevent.Handle(&p.rec, f, pos, st, sink)
}

// norm drops the prefixes that wrap a record's fields: "_source." of an Elasticsearch hit and
// "Event." of evtx_dump's System, EventData and UserData.
func norm(k string) string {
	if len(k) > 8 && k[:8] == "_source." {
		k = k[8:]
	}
	if len(k) > 6 && k[:6] == "Event." {
		switch r := k[6:]; {
		case strings.HasPrefix(r, "System"), strings.HasPrefix(r, "EventData"), strings.HasPrefix(r, "UserData"):
			return r
		}
	}
	return k
}

// record fills p.rec from kvs. With headerOnly (and for events no detection maps) it reads only
// what identifies the event: the data is left out.
func (p *parser) record(kvs []jsonl.KV, headerOnly bool) error {
	p.h = [numHdr]*jsonl.KV{}
	p.rec.Reset()
	p.shape = shapeNone
	ecs, evtx := false, false
	for i := range kvs {
		k := norm(jsonl.Str(kvs[i].Key))
		if len(k) > 7 {
			switch k[:7] {
			case "winlog.":
				ecs = true
			case "System.":
				evtx = true
			}
		}
		if id := lookupHdr(k); id != hNone && p.h[id] == nil {
			p.h[id] = &kvs[i]
		}
	}
	switch {
	case ecs:
		p.shape = shapeECS
	case evtx:
		p.shape = shapeEvtx
	case p.h[hB6EventID] != nil:
		p.shape = shapeBeat6
	case p.h[hEventID] != nil:
		p.shape = shapeFlat
	default:
		return &problem{reasonNotEvent, "no Windows event id (winlog.event_id, EventID, System.EventID or event_id)"}
	}
	var idF hdr
	switch p.shape {
	case shapeECS:
		idF = p.pick(hECSEventID, hEventCode)
		p.rec.Channel = p.str(hECSChannel)
		p.rec.Provider = p.str(p.pick(hECSProvider, hEventProvider))
	case shapeBeat6:
		idF = hB6EventID
		p.rec.Channel = p.str(hB6Channel)
		p.rec.Provider = p.str(hB6Provider)
	case shapeEvtx:
		idF = p.pick(hSysEventIDText, hSysEventIDValue, hSysEventID)
		p.rec.Channel = p.str(hSysChannel)
		p.rec.Provider = p.str(p.pick(hSysProviderAttr, hSysProviderName, hSysProvider))
	case shapeFlat:
		idF = hEventID
		p.rec.Channel = p.str(hChannel)
		p.rec.Provider = p.str(hSourceName)
	}
	v := p.val(idF)
	if len(v) == 0 {
		return &problem{reasonNotEvent, fmt.Sprintf("%s record without a Windows event id", shapeNames[p.shape])}
	}
	id, err := jsonl.ParseInt(v)
	if err != nil || id < 0 || id > 1<<31-1 {
		return &problem{reasonBad, fmt.Sprintf("field %s: not an event id: %q", hdrNames[idF], clip(v))}
	}
	p.rec.EventID = int(id)
	if p.rec.Channel == "" && p.rec.Provider == "" {
		return &problem{reasonNotEvent, fmt.Sprintf("event %d has neither a channel nor a provider", id)}
	}
	if headerOnly || !winevent.Wanted(p.rec.Channel, p.rec.Provider, p.rec.EventID) {
		return nil
	}
	return p.body(kvs)
}

// pick returns the first of the fields that the record holds (the last when none).
func (p *parser) pick(ids ...hdr) hdr {
	for _, id := range ids {
		if len(p.val(id)) > 0 {
			return id
		}
	}
	return ids[len(ids)-1]
}

// val returns the text of a header field (the first item of an array), nil when absent or null.
func (p *parser) val(id hdr) []byte {
	if x := p.h[id]; x != nil {
		return x.First()
	}
	return nil
}

func (p *parser) str(id hdr) string { return jsonl.Str(p.val(id)) }

// body reads the rest of the header (computer, record id, time) and the event data.
func (p *parser) body(kvs []jsonl.KV) error {
	r := &p.rec
	var compF, recF, timeF hdr
	switch p.shape {
	case shapeECS:
		compF, recF, timeF = p.pick(hECSComputer, hHostName, hHostHostname), hECSRecordID, hTimestamp
	case shapeBeat6:
		compF, recF, timeF = p.pick(hB6Computer, hHostName), hB6RecordID, hTimestamp
	case shapeEvtx:
		compF, recF, timeF = hSysComputer, hSysRecordID, p.pick(hSysTimeAttr, hSysTime)
	case shapeFlat:
		compF, recF, timeF = hHostname, hRecordNumber, p.pick(hTimestamp, hEventTime)
	}
	r.Computer = p.str(compF)
	if v := p.val(recF); len(v) > 0 {
		n, err := jsonl.ParseInt(v)
		if err != nil || n < 0 {
			return &problem{reasonBad, fmt.Sprintf("field %s: not a record id: %q", hdrNames[recF], clip(v))}
		}
		r.RecordID = n
	}
	if v := p.val(timeF); len(v) > 0 {
		t, err := parseTime(v)
		if err != nil {
			return &problem{reasonBad, fmt.Sprintf("field %s: bad time %q", hdrNames[timeF], clip(v))}
		}
		r.Time = t
	}
	ecs := p.shape == shapeECS
	if ecs {
		p.fb = [numFB]*jsonl.KV{}
	}
	for i := range kvs {
		kv := &kvs[i]
		k := norm(jsonl.Str(kv.Key))
		switch p.shape {
		case shapeECS:
			if rest, ok := strings.CutPrefix(k, "winlog.event_data."); ok {
				p.add(rest, kv)
			} else if rest, ok := strings.CutPrefix(k, "winlog.user_data."); ok {
				p.addNested(rest, kv)
			} else if id := lookupFB(k); id != fbNone && p.fb[id] == nil {
				p.fb[id] = kv
			}
		case shapeBeat6:
			if rest, ok := strings.CutPrefix(k, "event_data."); ok {
				p.add(rest, kv)
			} else if rest, ok := strings.CutPrefix(k, "user_data."); ok {
				p.addNested(rest, kv)
			}
		case shapeEvtx:
			if rest, ok := strings.CutPrefix(k, "EventData."); ok {
				p.addNested(rest, kv)
			} else if rest, ok := strings.CutPrefix(k, "UserData."); ok {
				p.addNested(rest, kv)
			}
		case shapeFlat:
			if !nxlogMeta(k) && strings.IndexByte(k, '.') < 0 {
				p.add(k, kv)
			}
		}
	}
	if ecs {
		p.fallbacks()
	}
	return nil
}

// add adds a value as event data: a scalar as written (numbers and booleans as their text), null
// as "", each item of an array as a field of the same name.
func (p *parser) add(name string, kv *jsonl.KV) {
	if name == "" {
		return
	}
	switch kv.Kind {
	case jsonl.Scalar:
		p.rec.Data = append(p.rec.Data, winevent.Field{Name: name, Value: jsonl.Str(kv.Val)})
	case jsonl.Null:
		p.rec.Data = append(p.rec.Data, winevent.Field{Name: name})
	case jsonl.Array:
		if len(kv.Items) == 0 {
			p.rec.Data = append(p.rec.Data, winevent.Field{Name: name})
		}
		for _, it := range kv.Items {
			p.rec.Data = append(p.rec.Data, winevent.Field{Name: name, Value: jsonl.Str(it)})
		}
	}
}

// addNested adds a value of a nested element (evtx_dump's EventData and UserData, Winlogbeat's
// user_data) under its own name: XML attributes are left out, "X.#text" is X, "A.B" is B.
func (p *parser) addNested(rest string, kv *jsonl.KV) {
	if strings.HasPrefix(rest, "#attributes") || strings.Contains(rest, ".#attributes") {
		return
	}
	rest = strings.TrimSuffix(rest, ".#text")
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	if rest == "xml_name" {
		return
	}
	p.add(rest, kv)
}

// has reports whether the record holds a non-empty field of that name.
func (p *parser) has(name string) bool { return p.rec.Get(name) != "" }

func (p *parser) fbStr(id fb) string {
	if x := p.fb[id]; x != nil {
		return jsonl.Str(x.First())
	}
	return ""
}

// fallbacks fills the event data a Winlogbeat module moved to ECS fields.
func (p *parser) fallbacks() {
	r := &p.rec
	set := func(name, v string) {
		if v != "" && !p.has(name) {
			r.Data = append(r.Data, winevent.Field{Name: name, Value: v})
		}
	}
	switch winevent.LogOf(r.Channel, r.Provider) {
	case winevent.LogSecurity:
		for _, x := range securityFB {
			set(x.name, p.fbStr(x.id))
		}
		return
	case winevent.LogSysmon:
	default:
		return
	}
	for _, x := range sysmonFB {
		set(x.name, p.fbStr(x.id))
	}
	if r.EventID == 11 {
		set("TargetFilename", p.fbStr(fbFilePath))
	}
	set("User", account(p.fbStr(fbUserDomain), p.fbStr(fbUserName)))
	switch strings.ToLower(p.fbStr(fbDirection)) {
	case "egress", "outbound":
		set("Initiated", "true")
	case "ingress", "inbound":
		set("Initiated", "false")
	}
	switch s := p.fbStr(fbDNSStatus); s {
	case "SUCCESS":
		set("QueryStatus", "0")
	default:
		set("QueryStatus", s)
	}
	if !p.has("Hashes") { // spare building it
		set("Hashes", p.hashes())
	}
}

func account(domain, user string) string {
	switch {
	case user == "":
		return ""
	case domain == "":
		return user
	}
	return domain + `\` + user
}

// hashes rebuilds Sysmon's Hashes ("SHA1=...,MD5=...,SHA256=...,IMPHASH=...", upper case) from
// the ECS hash fields.
func (p *parser) hashes() string {
	var b strings.Builder
	for _, h := range [...]struct {
		name string
		id   fb
	}{{"SHA1", fbSHA1}, {"MD5", fbMD5}, {"SHA256", fbSHA256}, {"IMPHASH", fbImphash}} {
		if v := p.fbStr(h.id); v != "" {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(h.name)
			b.WriteByte('=')
			b.WriteString(strings.ToUpper(v))
		}
	}
	return b.String()
}

// parseTime reads a record's time: ISO 8601 with a zone or epoch seconds (jsonl.ParseTime), or a
// time without a zone ("2020-07-22 00:00:46", nxlog's EventTime), read as UTC.
func parseTime(b []byte) (event.Time, error) {
	if t, err := jsonl.ParseTime(b); err == nil {
		return t, nil
	}
	s := jsonl.Str(b)
	for _, layout := range [...]string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return event.FromStd(t.Round(time.Microsecond)), nil
		}
	}
	return 0, errors.New("bad time")
}

// clip shortens a value quoted in a message.
func clip(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}
