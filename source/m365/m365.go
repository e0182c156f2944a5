package m365

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// FormatName is the name the format registers under.
const FormatName = "m365"

// Provider is event.Cloud's Provider for every event of the package.
const Provider = "m365"

// logType is the key of the records counted in source.Stats.
const logType = "m365"

// The reasons a record is skipped, as counted in source.Stats.
const (
	reasonJSON   = "invalid JSON"
	reasonRecord = "not an audit record"
	reasonTime   = "bad time"
	reasonCSV    = "bad CSV row"
	reasonLong   = "record too long"
)

// maxRecord is the longest record (line, document or CSV row) the reader reads.
const maxRecord = source.MaxLine

// The size of the jobs of documents and CSV rows.
const (
	docJobBytes = 1 << 20
	docJobDocs  = 4096
)

func init() {
	source.Register(source.Format{Name: FormatName, Sniff: Sniff, Read: Read, Records: Records})
}

// shape is the layout of an input.
type shape uint8

const (
	shapeNone  shape = iota
	shapeLines       // one JSON object (or array of them) a line
	shapeDocs        // JSON arrays or pretty-printed objects: records by ordinal
	shapeCSV         // an audit search's CSV export
)

// cutLine splits b at its first newline; complete tells whether there was one.
func cutLine(b []byte) (line, rest []byte, complete bool) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// Sniff reports input whose first record is a Microsoft 365 audit record (the Management
// Activity API's shape), a Search-UnifiedAuditLog result with its AuditData, or whose first
// line is the header of an audit search's CSV export (see the package doc).
func Sniff(head []byte, _ string) bool {
	head = utf8Head(head)
	return shapeOf(head, true) != shapeNone
}

// shapeOf tells the shape of an input from its head (UTF-8, no byte order mark); with claim it
// also checks that the first record is this vendor's.
func shapeOf(head []byte, claim bool) shape {
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return shapeNone
	}
	switch t[0] {
	case '[':
		if claim && !claimFirst(t, true) {
			return shapeNone
		}
		return shapeDocs
	case '{':
		line, _, complete := cutLine(t)
		line = bytes.TrimSpace(line)
		var m map[string]json.RawMessage
		if json.Unmarshal(line, &m) == nil {
			if claim && !claimKeys(m) {
				return shapeNone
			}
			return shapeLines
		}
		if !complete {
			// one record longer than the head
			if claim && !sniffText(t) {
				return shapeNone
			}
			return shapeLines
		}
		if claim && !claimFirst(t, false) {
			return shapeNone
		}
		return shapeDocs
	}
	hdr, _ := csvHead(head)
	if _, ok := readHeader(hdr); ok {
		return shapeCSV
	}
	return shapeNone
}

// claimFirst judges the first object of a JSON text (of the array it starts with, with
// inArray); one that does not decode within the head is judged by the keys its text holds.
func claimFirst(b []byte, inArray bool) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	if inArray {
		if _, err := dec.Token(); err != nil {
			return false
		}
		if !dec.More() {
			return false
		}
	}
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return false // not an object
		}
		return sniffText(b)
	}
	return claimKeys(m)
}

// claimKeys reports the top-level keys of an audit record or of a search result.
func claimKeys(m map[string]json.RawMessage) bool {
	has := func(k string) bool {
		if _, ok := m[k]; ok {
			return true
		}
		for key := range m {
			if strings.EqualFold(key, k) {
				return true
			}
		}
		return false
	}
	if has("CreationTime") && has("Operation") && (has("RecordType") || has("Workload") || has("OrganizationId") || has("UserKey")) {
		return true
	}
	return has("AuditData") && (has("CreationDate") || has("UserIds") || has("Operations") || has("ResultIndex"))
}

// sniffText judges a first record longer than the sniffed head by the keys its text holds.
func sniffText(b []byte) bool {
	if jsonl.HasKey(b, "CreationTime") && jsonl.HasKey(b, "Operation") &&
		(jsonl.HasKey(b, "RecordType") || jsonl.HasKey(b, "Workload") || jsonl.HasKey(b, "OrganizationId") || jsonl.HasKey(b, "UserKey")) {
		return true
	}
	return jsonl.HasKey(b, "AuditData") && (jsonl.HasKey(b, "CreationDate") || jsonl.HasKey(b, "UserIds") || jsonl.HasKey(b, "Operations"))
}

// Read reads Microsoft 365 audit records in any of the package's shapes (see the package doc).
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	br, head, err := textHead(r)
	if err != nil {
		return err
	}
	switch shapeOf(head, false) {
	case shapeLines:
		return readLines(ctx, br, f, st, emit)
	case shapeDocs:
		return readDocs(ctx, br, f, st, emit)
	case shapeCSV:
		return readCSV(ctx, br, head, f, st, emit)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil
	}
	return fmt.Errorf("not a Microsoft 365 audit log (starts %q)", clip(head))
}

// Records reads back the records at the given positions (ascending): the lines of one-a-line
// input, the records (by ordinal) of JSON documents compacted to one line, the rows starting
// on those lines of a CSV export as one-line JSON objects.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := make(map[uint32]string, len(positions))
	if len(positions) == 0 {
		return out, nil
	}
	br, head, err := textHead(r)
	if err != nil {
		return out, err
	}
	switch shapeOf(head, false) {
	case shapeLines:
		return out, source.LinesAt(br, positions, out)
	case shapeDocs:
		return out, docRecords(br, positions, out)
	case shapeCSV:
		return out, csvRecords(br, head, positions, out)
	}
	return out, nil
}

// parser maps decoded records to events.
type parser struct {
	e  event.Cloud
	sc jsonl.Scanner
}

// emit maps a record and sends its event at position ref; problems are reported at line,
// their message after prefix.
func (p *parser) emit(r *record, o *outer, f source.FileInfo, ref, line uint32, prefix string, sink event.Sink, st *source.Stats) {
	p.e.Meta = event.Meta{Ref: f.Ref(ref)}
	if err := mapRecord(r, o, &p.e); err != nil {
		reason := reasonRecord
		if !errors.Is(err, errNotRecord) {
			reason = reasonTime
		}
		st.Skip(f, line, reason, prefix+err.Error())
		return
	}
	st.Read[logType]++
	sink.Cloud(&p.e)
}

// object decodes one JSON object of input and sends its event.
func (p *parser) object(b []byte, f source.FileInfo, ref, line uint32, prefix string, sink event.Sink, st *source.Stats) {
	var r record
	var o outer
	if err := decodeObject(&p.sc, b, &r, &o); err != nil {
		st.Skip(f, line, reasonJSON, prefix+err.Error())
		return
	}
	p.emit(&r, &o, f, ref, line, prefix, sink, st)
}

// line reads one line of one-a-line input: an object, or an array of them (the Management
// Activity API's content blob), whose records all have the line as position.
func (p *parser) line(l []byte, f source.FileInfo, line uint32, sink event.Sink, st *source.Stats) {
	switch l[0] {
	case '{':
		p.object(l, f, line, line, "", sink, st)
		return
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(l, &elems); err != nil {
			st.Skip(f, line, reasonJSON, jsonError(err).Error())
			return
		}
		for i, el := range elems {
			prefix := fmt.Sprintf("element %d: ", i+1)
			if len(el) == 0 || el[0] != '{' {
				st.Skip(f, line, reasonJSON, prefix+fmt.Sprintf("not a JSON object: %q", clip(el)))
				continue
			}
			p.object(el, f, line, line, prefix, sink, st)
		}
		return
	}
	st.Skip(f, line, reasonJSON, fmt.Sprintf("not a JSON object: %q", clip(l)))
}

// lineJob parses a block of lines, one record (or array of records) a line.
type lineJob struct {
	block []byte
	first uint32
	f     source.FileInfo
}

func (j *lineJob) Run(sink event.Sink, st *source.Stats) {
	var p parser
	line := j.first
	b := j.block
	skip := j.f.Skip.Has(event.KindCloud)
	for len(b) > 0 {
		var l []byte
		l, b, _ = cutLine(b)
		if l = bytes.TrimSpace(l); len(l) > 0 {
			if skip {
				st.Ignored[logType]++
			} else {
				p.line(l, j.f, line, sink, st)
			}
		}
		line++
	}
}

// readLines reads one record a line, in blocks of lines that the workers parse in parallel.
func readLines(ctx context.Context, br *bufio.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	return source.Lines(br, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, emit(&lineJob{block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, reasonLong, source.LongLineError(n, source.MaxLine))
	})
}

// docJob parses records delimited by the document scanner.
type docJob struct {
	docs  [][]byte
	ords  []uint32
	lines []uint32
	f     source.FileInfo
}

func (j *docJob) Run(sink event.Sink, st *source.Stats) {
	if j.f.Skip.Has(event.KindCloud) {
		st.Ignored[logType] += int64(len(j.docs))
		return
	}
	var p parser
	for i, d := range j.docs {
		p.object(d, j.f, j.ords[i], j.lines[i], fmt.Sprintf("record %d: ", j.ords[i]), sink, st)
	}
}

// readDocs reads JSON documents (arrays of records, pretty-printed records) in jobs of about
// docJobBytes. A record's position is its ordinal in the input.
func readDocs(ctx context.Context, br *bufio.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	sc := newDocScanner(br)
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
		d, err := sc.next()
		var bad *badDoc
		switch {
		case err == nil:
			j.docs = append(j.docs, bytes.Clone(d.text))
			j.ords = append(j.ords, d.ord)
			j.lines = append(j.lines, d.line)
			if size += len(d.text); size >= docJobBytes || len(j.docs) >= docJobDocs {
				if err := flush(); err != nil {
					return err
				}
			}
		case errors.Is(err, io.EOF):
			return flush()
		case errors.As(err, &bad):
			st.Skip(f, bad.line, bad.reason, bad.msg)
		default:
			if e := flush(); e != nil {
				return e
			}
			return fmt.Errorf("line %d: %w", sc.line, err)
		}
	}
}

// docRecords reads back the records of the given ordinals, compacted to one line.
func docRecords(br *bufio.Reader, positions []uint32, out map[uint32]string) error {
	sc := newDocScanner(br)
	i := 0
	var b bytes.Buffer
	for i < len(positions) {
		d, err := sc.next()
		var bad *badDoc
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &bad):
			continue
		case err != nil:
			return err
		}
		for i < len(positions) && positions[i] < d.ord {
			i++
		}
		if i < len(positions) && positions[i] == d.ord {
			b.Reset()
			if json.Compact(&b, d.text) == nil {
				out[d.ord] = b.String()
			} else {
				out[d.ord] = strings.Join(strings.Fields(string(d.text)), " ")
			}
			i++
		}
	}
	return nil
}
