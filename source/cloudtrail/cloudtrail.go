package cloudtrail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// FormatName is the name the format registers under.
const FormatName = "cloudtrail"

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

// firstLine returns the first line of head that is not blank, trimmed, and whether it is whole
// (ends in head, or head is the whole input).
func firstLine(head []byte, whole bool) ([]byte, bool) {
	head = bytes.TrimPrefix(head, source.BOM)
	for len(head) > 0 {
		line, rest, complete := cutLine(head)
		if t := bytes.TrimSpace(line); len(t) > 0 {
			return t, complete || whole
		}
		head = rest
	}
	return nil, false
}

// lineMode reports input to read one record a line: its first line that is not blank is a
// whole JSON object that is not a document of records (a "Records" or "Events" array).
func lineMode(head []byte, whole bool) bool {
	line, complete := firstLine(head, whole)
	if !complete || len(line) == 0 || line[0] != '{' {
		return false
	}
	var sc jsonl.Scanner
	kvs, err := sc.Scan(line)
	if err != nil {
		return false
	}
	for i := range kvs {
		if k := string(kvs[i].Key); (k == "Records" || k == "Events") && kvs[i].Kind == jsonl.Array {
			return false
		}
	}
	return true
}

// countSink counts events.
type countSink struct {
	event.NopSink
	n int
}

func (c *countSink) Cloud(*event.Cloud) { c.n++ }

// Sniff reports input in one of the package's shapes (see the package doc): its first value
// that is not a CloudWatch Logs control message is a CloudTrail record, a wrapper or document
// holding one, or a digest file.
func Sniff(head []byte, name string) bool {
	head = bytes.TrimPrefix(head, source.BOM)
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return false
	}
	whole := len(head) < source.SniffSize
	var sink countSink
	p := newParser(source.FileInfo{}, source.NewStats(), &sink)
	var values func() ([]byte, error)
	var d *docReader
	if lineMode(head, whole) {
		rest := head
		values = func() ([]byte, error) {
			for len(rest) > 0 {
				line, r, complete := cutLine(rest)
				rest = r
				if !complete && !whole {
					return nil, io.ErrUnexpectedEOF
				}
				if l := bytes.TrimSpace(line); len(l) > 0 {
					return l, nil
				}
			}
			return nil, io.EOF
		}
	} else {
		d = newDocReader(bytes.NewReader(head))
		values = func() ([]byte, error) {
			v, _, err := d.next()
			return v, err
		}
	}
	broken := false
	for n := 0; n < 8; n++ {
		v, err := values()
		if err != nil {
			var bad *badValue
			switch {
			case errors.Is(err, io.EOF):
				// a document of no records, or nothing but control messages
				docs := p.documents
				if d != nil {
					docs += d.documents
				}
				return broken && sniffText(t) || docs > 0 && strings.Contains(name, "CloudTrail")
			case errors.As(err, &bad) && bad.reason == reasonCut || errors.Is(err, io.ErrUnexpectedEOF):
				return sniffText(t) // longer than the head
			case errors.As(err, &bad) && bad.count:
				broken = true // not JSON: look further, then judge by the text
				continue
			}
			return false
		}
		before, invalid := p.controls, p.st.Skipped[reasonJSON]
		p.value(v, 1)
		switch {
		case p.recognized > 0 || p.digests > 0:
			return true
		case p.controls > before:
			continue // a CloudWatch Logs control message: look at the next value
		case p.st.Skipped[reasonJSON] > invalid:
			broken = true // not JSON: look further, then judge by the text
			continue
		}
		return false
	}
	return broken && sniffText(t)
}

var (
	// an eventSource member naming an AWS service, in a record or in a record's JSON string
	sourceRE = regexp.MustCompile(`\\?"eventSource\\?"\s*:\s*\\?"[A-Za-z0-9._-]+\.amazonaws\.com\\?"`)
	nameRE   = regexp.MustCompile(`\\?"eventName\\?"\s*:\s*\\?"`)
	otherRE  = regexp.MustCompile(`\\?"(eventVersion|eventTime|eventID|userIdentity)\\?"\s*:`)
	digestRE = regexp.MustCompile(`"digestStartTime"\s*:`)
	acctRE   = regexp.MustCompile(`"awsAccountId"\s*:`)
	// the start of a file CloudTrail delivers: {"Records":[{ and a record's first member
	recordsRE = regexp.MustCompile(`^\{\s*"Records"\s*:\s*\[\s*\{\s*"(eventVersion|userIdentity|eventTime|eventSource|eventName|awsRegion|eventID|additionalEventData|requestParameters)"\s*:`)
)

// sniffText judges a first record longer than the sniffed head by the members its text holds.
func sniffText(b []byte) bool {
	if digestRE.Match(b) && acctRE.Match(b) {
		return true
	}
	if recordsRE.Match(b) { // a delivered file cut inside its first record
		return true
	}
	return sourceRE.Match(b) && nameRE.Match(b) && otherRE.Match(b)
}

// peekHead returns a buffered reader of r and the first source.SniffSize bytes it holds;
// whole tells whether they are the whole input.
func peekHead(r io.Reader) (*bufio.Reader, []byte, bool, error) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < source.SniffSize {
		br = bufio.NewReaderSize(r, source.SniffSize)
	}
	head, err := br.Peek(source.SniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, false, err
	}
	return br, head, len(head) < source.SniffSize, nil
}

// Read reads CloudTrail records (see the package doc).
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	br, head, whole, err := peekHead(r)
	if err != nil {
		return err
	}
	if !lineMode(head, whole) {
		if bytes.HasPrefix(head, source.BOM) {
			br.Discard(len(source.BOM))
		}
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

// lineJob parses a block of lines, one record (or wrapper) a line.
type lineJob struct {
	block []byte
	first uint32
	f     source.FileInfo
}

func (j *lineJob) Run(sink event.Sink, st *source.Stats) {
	p := newParser(j.f, st, sink)
	skip := j.f.Skip.Has(event.KindCloud)
	line := j.first
	b := j.block
	for len(b) > 0 {
		var l []byte
		l, b, _ = cutLine(b)
		if line == 1 {
			l = bytes.TrimPrefix(l, source.BOM)
		}
		if l = bytes.TrimSpace(l); len(l) > 0 {
			if skip { // no detection of the run reads cloud events: counted
				st.Ignored[logType]++
			} else {
				p.value(l, line)
			}
		}
		line++
	}
}

// The size of the document jobs.
const (
	docJobBytes = 1 << 20
	docJobVals  = 4096
)

// docJob parses values of a document.
type docJob struct {
	vals [][]byte
	ords []uint32
	f    source.FileInfo
}

func (j *docJob) Run(sink event.Sink, st *source.Stats) {
	if j.f.Skip.Has(event.KindCloud) {
		st.Ignored[logType] += int64(len(j.vals))
		return
	}
	p := newParser(j.f, st, sink)
	for i, v := range j.vals {
		p.value(v, j.ords[i])
	}
}

// readDocs reads JSON documents with the streaming decoder, in jobs of about docJobBytes.
func readDocs(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	d := newDocReader(r)
	j := &docJob{f: f}
	size := 0
	flush := func() error {
		if len(j.vals) == 0 {
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
		v, ord, err := d.next()
		var bad *badValue
		switch {
		case err == nil:
			j.vals = append(j.vals, v)
			j.ords = append(j.ords, ord)
			if size += len(v); size >= docJobBytes || len(j.vals) >= docJobVals {
				if err := flush(); err != nil {
					return err
				}
			}
		case errors.Is(err, io.EOF):
			return flush()
		case errors.As(err, &bad):
			if bad.count {
				st.Skip(f, bad.ord, bad.reason, bad.text)
			} else if bad.fatal == nil {
				st.Problem(source.Problem{File: f.Name, Offset: bad.off, Msg: bad.text})
			}
			if bad.fatal != nil {
				if e := flush(); e != nil {
					return e
				}
				return bad.fatal
			}
		default:
			if e := flush(); e != nil {
				return e
			}
			return err
		}
	}
}

// Records reads back the records at the given positions (ascending): the lines of one-a-line
// input, the values of documents (by their number) compacted to one line.
func Records(r io.Reader, positions []uint32) (map[uint32]string, error) {
	out := make(map[uint32]string, len(positions))
	if len(positions) == 0 {
		return out, nil
	}
	br, head, whole, err := peekHead(r)
	if err != nil {
		return out, err
	}
	i := 0
	if !lineMode(head, whole) {
		if bytes.HasPrefix(head, source.BOM) {
			br.Discard(len(source.BOM))
		}
		d := newDocReader(br)
		var b bytes.Buffer
		for i < len(positions) {
			v, ord, err := d.next()
			var bad *badValue
			switch {
			case errors.Is(err, io.EOF):
				return out, nil
			case errors.As(err, &bad):
				continue
			case err != nil:
				return out, err
			}
			for i < len(positions) && positions[i] < ord {
				i++
			}
			if i < len(positions) && positions[i] == ord {
				b.Reset()
				if err := json.Compact(&b, v); err != nil {
					out[ord] = string(v)
				} else {
					out[ord] = b.String()
				}
				i++
			}
		}
		return out, nil
	}
	return out, source.LinesAt(br, positions[i:], out)
}
