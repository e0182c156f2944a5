package gworkspace

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// FormatName is the name the format registers under.
const FormatName = "gworkspace"

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

// probe holds what tells a record's shape, in types that never fail to decode.
type probe struct {
	Kind json.RawMessage `json:"kind"`
	ID   struct {
		Time            json.RawMessage `json:"time"`
		ApplicationName json.RawMessage `json:"applicationName"`
	} `json:"id"`
	Events  json.RawMessage `json:"events"`
	Items   json.RawMessage `json:"items"`
	Results json.RawMessage `json:"results"`
	Raw     json.RawMessage `json:"_raw"`
	Message json.RawMessage `json:"message"`
	Result  struct {
		Raw json.RawMessage `json:"_raw"`
	} `json:"result"`
	Event struct {
		Original json.RawMessage `json:"original"`
	} `json:"event"`
	EventOriginal json.RawMessage `json:"event.original"`
}

func (p *probe) kind() string {
	s, _ := jsonString(p.Kind)
	return string(s)
}

func (p *probe) isPage() bool {
	return p.kind() == kindActivities || len(p.Items) > 0 && p.Items[0] == '[' || len(p.Results) > 0 && p.Results[0] == '['
}

// decodeProbe decodes a record's shape; false when b is not a JSON object.
func decodeProbe(b []byte) (probe, bool) {
	var p probe
	err := json.Unmarshal(b, &p)
	var te *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &te) {
		return p, false
	}
	return p, len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '{'
}

// Sniff reports input whose first record is a Reports API page, an activity, or an activity
// wrapped by Splunk, Logstash or Elastic (see the package doc).
func Sniff(head []byte, _ string) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, source.BOM), " \t\r\n")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	if t[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return false
		}
		if !dec.More() {
			return false
		}
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err == nil {
		return claim(raw, 0)
	}
	// longer than the head, or broken: judge by the text
	return sniffText(t)
}

// claim reports a record of the package's shapes.
func claim(raw []byte, depth int) bool {
	if depth > maxUnwrap {
		return false
	}
	p, ok := decodeProbe(raw)
	if !ok {
		return false
	}
	switch k := p.kind(); {
	case k == kindActivity || k == kindActivities:
		return true
	case len(p.ID.Time) > 0 && len(p.ID.ApplicationName) > 0 && len(p.Events) > 0:
		return true
	}
	items := p.Items
	if len(items) == 0 || items[0] != '[' {
		items = p.Results
	}
	if len(items) > 0 && items[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(items))
		if _, err := dec.Token(); err == nil && dec.More() {
			var first json.RawMessage
			if dec.Decode(&first) == nil {
				return claim(first, depth+1)
			}
		}
		return false
	}
	for _, inner := range []json.RawMessage{p.EventOriginal, p.Event.Original, p.Message, p.Raw, p.Result.Raw} {
		s, ok := jsonString(inner)
		if !ok {
			continue
		}
		s = bytes.TrimSpace(s)
		if len(s) == 0 || s[0] != '{' {
			continue
		}
		if json.Valid(s) {
			return claim(s, depth+1)
		}
		return sniffText(s)
	}
	return false
}

// sniffText judges a first record that does not decode (longer than the sniffed head, or
// broken) by its text: the activity resource's kind, or the three keys of its id.
func sniffText(b []byte) bool {
	if bytes.Contains(b, []byte(kindActivity)) { // also matches the page's kind
		return true
	}
	return bytes.Contains(b, []byte(`uniqueQualifier`)) && bytes.Contains(b, []byte(`applicationName`)) &&
		bytes.Contains(b, []byte(`customerId`))
}

// documents reports input to read with the document scanner rather than one record a line: it
// starts with an array, a pretty-printed object, a page, or an object longer than the head.
// whole tells that head is the whole input.
func documents(head []byte, whole bool) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	first := true
	for n := 0; n < 8 && len(head) > 0; {
		line, rest, complete := cutLine(head)
		head = rest
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		n++
		switch {
		case t[0] == '[':
			return true
		case t[0] != '{':
			if !first {
				return true
			}
			continue // a line of junk: judge by the next
		case !complete && !whole:
			return true // one record longer than the head
		case json.Valid(t):
			p, _ := decodeProbe(t)
			return p.isPage()
		case len(t) == 1 || !first:
			return true // a pretty-printed document
		}
		first = false // a broken first line: judge by the next
	}
	return true
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

// Read reads Google Workspace activities (see the package doc).
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	br, head, err := peekHead(r)
	if err != nil {
		return err
	}
	if documents(head, len(head) < source.SniffSize) {
		return readDocs(ctx, br, f, st, emit)
	}
	return source.Lines(br, source.BlockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		return true, emit(&lineJob{block: block, first: first, f: f})
	}, func(line uint32, n int64) {
		st.Skip(f, line, reasonLong, source.LongLineError(n, source.MaxLine))
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
		if l = bytes.TrimSpace(bytes.TrimPrefix(l, source.BOM)); len(l) > 0 {
			p.record(l, j.f, line, line, st, sink)
		}
		line++
	}
}

// The size of the document jobs.
const (
	docJobBytes = 1 << 20
	docJobDocs  = 4096
	readChunk   = 256 << 10
)

// docJob parses records found by the document scanner.
type docJob struct {
	arena []byte
	spans []span
	f     source.FileInfo
}

func (j *docJob) Run(sink event.Sink, st *source.Stats) {
	var p parser
	for _, sp := range j.spans {
		p.record(j.arena[sp.off:sp.end], j.f, sp.ord, sp.line, st, sink)
	}
}

// scanAll feeds r through the scanner, calling each with the records found so far (and the
// problems, which it must clear) after every read and at the end.
func scanAll(ctx context.Context, r io.Reader, s *scanner, each func(last bool) error) error {
	buf := make([]byte, readChunk)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		s.feed(buf[:n])
		if errors.Is(err, io.EOF) {
			s.end()
			return each(true)
		}
		if e := each(false); e != nil {
			return e
		}
		if err != nil {
			return err
		}
	}
}

// readDocs reads the input with the document scanner, in jobs of about docJobBytes.
func readDocs(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	s := newScanner(source.MaxLine)
	return scanAll(ctx, r, s, func(last bool) error {
		for _, pr := range s.probs {
			if pr.counted {
				st.Skip(f, pr.line, pr.reason, pr.msg)
			} else {
				st.Problem(source.Problem{File: f.Name, Line: pr.line, Msg: pr.msg})
			}
		}
		s.probs = s.probs[:0]
		if len(s.spans) > 0 && (last || s.done >= docJobBytes || len(s.spans) >= docJobDocs) {
			arena, spans := s.take()
			return emit(&docJob{arena: arena, spans: spans, f: f})
		}
		return nil
	})
}

// Records reads back the records at the given positions (ascending): the lines of one-a-line
// input; otherwise the records the document scanner numbers so, each compacted to one line.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := make(map[uint32]string, len(positions))
	if len(positions) == 0 {
		return out, nil
	}
	br, head, err := peekHead(r)
	if err != nil {
		return out, err
	}
	if documents(head, len(head) < source.SniffSize) {
		return out, recordDocs(br, positions, out)
	}
	return out, source.LinesAt(br, positions, out)
}

var errEnough = errors.New("all records found")

func recordDocs(r io.Reader, positions []uint32, out map[uint32]string) error {
	s := newScanner(source.MaxLine)
	i := 0
	var b bytes.Buffer
	err := scanAll(context.Background(), r, s, func(bool) error {
		s.probs = s.probs[:0]
		arena, spans := s.take()
		for _, sp := range spans {
			for i < len(positions) && positions[i] < sp.ord {
				i++
			}
			if i == len(positions) {
				return errEnough
			}
			if positions[i] != sp.ord {
				continue
			}
			text := arena[sp.off:sp.end]
			b.Reset()
			if json.Compact(&b, text) == nil {
				out[sp.ord] = b.String()
			} else {
				out[sp.ord] = string(bytes.Join(bytes.Fields(text), []byte(" ")))
			}
			i++
		}
		if i == len(positions) {
			return errEnough
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}
