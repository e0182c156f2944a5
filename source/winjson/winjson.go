// Package winjson reads Windows events stored as JSON: as Winlogbeat and Elastic Agent ship
// them, as nxlog writes them (the HELK pipeline and the OTRF/Mordor datasets keep that shape),
// and as evtx_dump and Velociraptor dump EVTX files. Each event becomes a winevent.Record that
// winevent maps: Sysmon 1, 3, 11 and 22 and Security 4688 become event.Host (package winevent
// lists which event data fills which field), other events are counted as ignored.
//
// # Shapes
//
// A file holds one of these shapes; the reader looks at each record's keys, so a file may even
// mix them. Nested objects and dotted keys are the same thing here ({"winlog":{"channel":..}}
// is "winlog.channel"), and an Elasticsearch hit's "_source." prefix is dropped.
//
//  1. Winlogbeat 7 and later, Elastic Agent (ECS), one document a line: @timestamp,
//     winlog.event_id (a number, or a string since 8.0), winlog.channel, winlog.provider_name,
//     winlog.computer_name, winlog.record_id and the event data in winlog.event_data.<Name>.
//     Winlogbeat 6's older names are read too: event_id, log_name, source_name, computer_name,
//     record_number, event_data.<Name>.
//  2. nxlog (im_msvistalog) as HELK flattens it, one object a line: EventID, Channel,
//     SourceName, Hostname, RecordNumber, @timestamp or EventTime, and the event data as
//     top-level keys beside nxlog's and Logstash's own.
//  3. evtx_dump's and Velociraptor's rendering of the event XML:
//     {"Event":{"System":{"Provider":{"#attributes":{"Name":..}},"EventID":1,"Channel":..,
//     "Computer":..,"EventRecordID":..,"TimeCreated":{"#attributes":{"SystemTime":..}}},
//     "EventData":{"Name":value,..}}}, the "Event" wrapper and "#attributes" level optional
//     (Velociraptor: System.Provider.Name, System.EventID.Value, SystemTime in epoch seconds).
//     EventID may be an object with "#text" or "Value" (and the Qualifiers). One compact
//     document a line, or pretty-printed over many lines: one document a file, many one after
//     another, evtx_dump's "Record N" lines between them, or a JSON array of them.
//
// # Field mapping
//
//	winevent.Record  Winlogbeat, Elastic Agent         nxlog / HELK            evtx_dump, Velociraptor
//	EventID          winlog.event_id (else event.code) EventID                 System.EventID[.#text|.Value]
//	Channel          winlog.channel                    Channel                 System.Channel
//	Provider         winlog.provider_name (else        SourceName              System.Provider.#attributes.Name
//	                 event.provider)                                           (System.Provider.Name)
//	Computer         winlog.computer_name, else        Hostname                System.Computer
//	                 host.name, host.hostname
//	RecordID         winlog.record_id                  RecordNumber            System.EventRecordID
//	Time             @timestamp                        @timestamp, else        System.TimeCreated[.#attributes]
//	                                                   EventTime               .SystemTime
//	Data             winlog.event_data.<Name>,         every other top-level   EventData.<Name>,
//	                 winlog.user_data.<..>.<Name>      key (see below)         UserData.<..>.<Name>
//
// Values are kept as Windows renders them: a JSON number or boolean as its text (nxlog's
// "ProcessId":9076 and evtx_dump's "ProcessId":6400 are "9076" and "6400"), null as "", each
// item of an array as a field of the same name (evtx_dump's unnamed "Data":[..]). XML
// attributes ("#attributes") are no data; "Name":{"#text":v} is Name = v. The time of a Sysmon
// event is its UtcTime whatever the shape (winevent prefers it); @timestamp matters for Security
// 4688. HELK's @timestamp is when Logstash received the event, seconds after it was logged.
// nxlog's EventTime carries no zone (it is the collector's local time) and is read as UTC: it
// is used only when @timestamp is absent.
//
// nxlog's and the pipeline's own top-level keys are not event data: EventTime,
// EventReceivedTime, Hostname, Keywords, EventType, SeverityValue, Severity, EventID,
// SourceName, ProviderGuid, Version, Task, OpcodeValue, Opcode, RecordNumber, ActivityID,
// RelatedActivityID, ExecutionProcessID, ThreadID, Channel, Category, Domain, AccountName,
// UserID, AccountType, Message, SourceModuleName, SourceModuleType, MessageSourceAddress,
// Qualifiers, Level, LevelValue, @timestamp, @version, host, port, tags, type, _index, _id,
// _type, _score, and any dotted key (a nested object a shipper added).
//
// Winlogbeat's sysmon module renames event data into ECS fields (and its security module
// copies them). The reader always takes winlog.event_data, and only when a field is missing
// there falls back on the ECS field that holds it: for Sysmon process.entity_id (ProcessGuid),
// process.pid, process.executable (Image), process.command_line, process.working_directory,
// process.parent.entity_id, .pid, .executable and .command_line, process.pe.original_file_name,
// user.domain\user.name (User), process.hash.* and process.pe.imphash (Hashes, rebuilt as
// "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." in upper case), network.transport (Protocol),
// network.direction (Initiated: egress is "true", ingress "false"), source.ip, .port, .domain,
// destination.ip, .port, .domain, file.path (TargetFilename, event 11), dns.question.name
// (QueryName) and sysmon.dns.status (QueryStatus: "SUCCESS" is "0", other names are kept); for
// Security 4688 process.executable (NewProcessName), process.pid (NewProcessId),
// process.command_line, process.parent.executable (ParentProcessName), process.parent.pid
// (ProcessId), user.name and user.domain (SubjectUserName, SubjectDomainName). The module drops
// Sysmon's QueryResults (turned into dns.answers); it is not rebuilt.
//
// # Sniffing
//
// Sniff claims input whose first record (passing over blank lines and "Record N" lines) is a
// JSON object, or an array's first object, in one of the shapes above with a Windows event id
// and a channel or provider. It never claims Zeek JSON ("ts" with "uid", "id.orig_h" or
// "_path"), Splunk Stream ("src_ip" with "dest_ip", a "stream:" sourcetype), Splunk exports
// whose _raw holds the event (package winxml reads those), CloudTrail (Records, eventSource,
// eventName), nor objects without a Windows event id and channel or provider. A first record
// that does not parse (longer than the sniffed head, or broken) is judged by the keys its text
// holds.
//
// # Reading
//
// When the first lines are JSON objects each on its line, the input is read as one record a
// line, in blocks that the engine's workers parse in parallel with the jsonl scanner; a record's
// position is its line. Otherwise (pretty-printed documents, "Record N" lines, an array) it is
// read with encoding/json's streaming Decoder, one document at a time; a document's position is
// the line it starts on, and Records gives each back compacted to one line.
//
// # Problems
//
// A line or document that is not JSON (cut in half, binary junk), an object without a Windows
// event id or without a channel and a provider, an event id, record id or time of the wrong
// type, and an event winevent cannot map (an address that is not one) are skipped and reported
// as file:line: reason; reading goes on. In pretty-printed input the decoder starts again at the
// next line that opens a document ('{' or '[' no deeper than the documents so far); a document
// cut short by the end of the input is reported at the line it starts on. A line longer than
// source.MaxLine is skipped; a document longer than that stops the input with an error naming
// its line and byte offset.
//
// Strings in the events alias the read block or document (see package event).
package winjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// FormatName is the name the format registers under.
const FormatName = "windows-json"

func init() {
	source.Register(source.Format{Name: FormatName, Sniff: Sniff, Read: Read, Records: Records})
}

// cutLine splits b at its first newline; complete tells whether there was one.
func cutLine(b []byte) (line, rest []byte, complete bool) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// Sniff reports input in one of the package's shapes (see the package doc).
func Sniff(head []byte, _ string) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	var p parser
	for n := 0; n < 8 && len(head) > 0; n++ {
		line, rest, _ := cutLine(head)
		t := bytes.TrimSpace(line)
		if len(t) == 0 || isRecordHeader(t) {
			head = rest
			continue
		}
		switch t[0] {
		case '{':
			if kvs, err := p.sc.Scan(t); err == nil {
				return p.claim(kvs)
			}
			if doc, err := firstDoc(head, false); err == nil {
				kvs, err := p.sc.Scan(doc)
				return err == nil && p.claim(kvs)
			}
			// longer than the head, or broken: judge by the text
			return sniffText(head)
		case '[':
			if doc, err := firstDoc(head, true); err == nil {
				kvs, err := p.sc.Scan(doc)
				return err == nil && p.claim(kvs)
			}
			return sniffText(head)
		}
		return false
	}
	return false
}

// firstDoc decodes the first document of b (of the array b starts with, with inArray).
func firstDoc(b []byte, inArray bool) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if inArray {
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		if !dec.More() {
			return nil, errors.New("empty array")
		}
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// claim reports a record in one of the package's shapes that belongs to no other format.
func (p *parser) claim(kvs []jsonl.KV) bool {
	var ts, zeek, src, dst bool
	for i := range kvs {
		switch k := jsonl.Str(kvs[i].Key); k {
		case "_raw", "result._raw", "Records", "eventSource", "eventName":
			return false
		case "ts":
			ts = true
		case "uid", "id.orig_h", "id_orig_h", "_path":
			zeek = true
		case "src_ip":
			src = true
		case "dest_ip":
			dst = true
		case "sourcetype", "result.sourcetype":
			if bytes.HasPrefix(kvs[i].First(), []byte("stream:")) {
				return false
			}
		}
	}
	if ts && zeek || src && dst {
		return false
	}
	return p.record(kvs, true) == nil
}

// sniffText judges a first record longer than the sniffed head by its text.
func sniffText(b []byte) bool {
	if jsonl.HasKey(b, "_raw") || jsonl.HasKey(b, "Records") || jsonl.HasKey(b, "eventSource") || jsonl.HasKey(b, "src_ip") && jsonl.HasKey(b, "dest_ip") ||
		jsonl.HasKey(b, "ts") && (jsonl.HasKey(b, "uid") || jsonl.HasKey(b, "id.orig_h") || jsonl.HasKey(b, "_path")) {
		return false
	}
	switch {
	case jsonl.HasKey(b, "winlog"):
		return jsonl.HasKey(b, "event_id") && (jsonl.HasKey(b, "channel") || jsonl.HasKey(b, "provider_name"))
	case jsonl.HasKey(b, "winlog.event_id"):
		return jsonl.HasKey(b, "winlog.channel") || jsonl.HasKey(b, "winlog.provider_name")
	case jsonl.HasKey(b, "System"):
		return jsonl.HasKey(b, "EventID") && (jsonl.HasKey(b, "Channel") || jsonl.HasKey(b, "Provider"))
	case jsonl.HasKey(b, "EventID"):
		return jsonl.HasKey(b, "Channel") || jsonl.HasKey(b, "SourceName")
	case jsonl.HasKey(b, "event_id"):
		return jsonl.HasKey(b, "log_name") || jsonl.HasKey(b, "source_name")
	}
	return false
}

// documents reports input to read as JSON documents rather than one record a line: it starts
// with an array or a "Record N" line, or none of its first lines is an object on its own line.
func documents(head []byte) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	var sc jsonl.Scanner
	first := true
	for n := 0; n < 4 && len(head) > 0; {
		line, rest, complete := cutLine(head)
		head = rest
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		n++
		if first {
			first = false
			if t[0] == '[' || isRecordHeader(t) {
				return true
			}
			if t[0] == '{' && !complete {
				return false // one record longer than the head
			}
		}
		if !complete {
			break
		}
		if t[0] == '{' {
			if _, err := sc.Scan(t); err == nil {
				return false
			}
		}
	}
	return !first
}

// peekHead returns a buffered reader of r and the first source.SniffSize bytes it holds.
func peekHead(r io.Reader) (*bufio.Reader, []byte, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < source.SniffSize {
		br = bufio.NewReaderSize(r, source.SniffSize)
	}
	head, err := br.Peek(source.SniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, err
	}
	return br, head, nil
}

// Read reads Windows events stored as JSON (see the package doc).
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	br, head, err := peekHead(r)
	if err != nil {
		return err
	}
	if documents(head) {
		return readDocs(ctx, br, f, st, emit)
	}
	return source.Lines(br, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, emit(&lineJob{block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// lineJob parses a block of lines, one record a line.
type lineJob struct {
	block []byte
	first uint32
	f     source.FileInfo
}

func (j *lineJob) Run(sink event.Sink, st *source.Stats) {
	var p parser
	line := j.first
	b := j.block
	for len(b) > 0 {
		var l []byte
		l, b, _ = cutLine(b)
		if l = bytes.TrimPrefix(bytes.TrimSpace(l), source.BOM); len(l) > 0 {
			p.line(l, j.f, line, st, sink)
		}
		line++
	}
}

// The size of the document jobs.
const (
	docJobBytes = 1 << 20
	docJobDocs  = 4096
)

// docJob parses documents read with the decoder.
type docJob struct {
	docs  [][]byte
	lines []uint32
	f     source.FileInfo
}

func (j *docJob) Run(sink event.Sink, st *source.Stats) {
	var p parser
	for i, d := range j.docs {
		p.line(d, j.f, j.lines[i], st, sink)
	}
}

// readDocs reads JSON documents with the streaming decoder, in jobs of about docJobBytes.
func readDocs(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	d := newDocs(r)
	j := &docJob{f: f}
	size := 0
	flush := func() error {
		if len(j.docs) == 0 {
			return nil
		}
		err := emit(j)
		j, size = &docJob{f: f}, 0
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		doc, line, err := d.next()
		var bad *badDoc
		switch {
		case err == nil:
			j.docs = append(j.docs, doc)
			j.lines = append(j.lines, line)
			if size += len(doc); size >= docJobBytes || len(j.docs) >= docJobDocs {
				if err := flush(); err != nil {
					return err
				}
			}
		case errors.Is(err, io.EOF):
			return flush()
		case errors.As(err, &bad):
			st.Skip(f, bad.line, bad.reason, bad.text)
		default:
			if e := flush(); e != nil {
				return e
			}
			return err
		}
	}
}

// Records reads back the records at the given positions (ascending): the lines of one-a-line
// input, the documents starting on those lines compacted to one line otherwise.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := make(map[uint32]string, len(positions))
	if len(positions) == 0 {
		return out, nil
	}
	br, head, err := peekHead(r)
	if err != nil {
		return out, err
	}
	i := 0
	if documents(head) {
		d := newDocs(br)
		var b bytes.Buffer
		for i < len(positions) {
			doc, line, err := d.next()
			var bad *badDoc
			switch {
			case errors.Is(err, io.EOF):
				return out, nil
			case errors.As(err, &bad):
				continue
			case err != nil:
				return out, err
			}
			for i < len(positions) && positions[i] < line {
				i++
			}
			if i < len(positions) && positions[i] == line {
				b.Reset()
				if err := json.Compact(&b, doc); err != nil {
					return out, err
				}
				out[line] = b.String()
				i++
			}
		}
		return out, nil
	}
	return out, source.LinesAt(br, positions[i:], out)
}
