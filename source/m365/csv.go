package m365

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source"
)

// csvCols are the columns of an export's header that the reader uses (-1 when absent).
type csvCols struct {
	names                                []string
	creation, user, op, audit, id, ident int
}

// readHeader reads an export's header line: it must name CreationDate, UserIds or UserId,
// Operations or Operation, and AuditData.
func readHeader(line []byte) (*csvCols, bool) {
	cr := csv.NewReader(bytes.NewReader(line))
	names, err := cr.Read()
	if err != nil || len(names) < 4 {
		return nil, false
	}
	c := &csvCols{names: names, creation: -1, user: -1, op: -1, audit: -1, id: -1, ident: -1}
	for i, n := range names {
		switch strings.ToLower(strings.TrimSpace(n)) {
		case "creationdate":
			c.creation = i
		case "userids", "userid":
			if c.user < 0 {
				c.user = i
			}
		case "operations", "operation":
			if c.op < 0 {
				c.op = i
			}
		case "auditdata":
			c.audit = i
		case "recordid":
			c.id = i
		case "identity":
			c.ident = i
		}
	}
	if c.creation < 0 || c.user < 0 || c.op < 0 || c.audit < 0 {
		return nil, false
	}
	return c, true
}

// csvHead returns the header line of an export (after a byte order mark, blank lines and
// Export-Csv's "#TYPE ..." line) and how many lines come before it.
func csvHead(b []byte) (header []byte, before uint32) {
	for len(b) > 0 {
		line, rest, _ := cutLine(b)
		t := bytes.TrimSpace(line)
		if len(t) == 0 || bytes.HasPrefix(t, []byte("#TYPE")) {
			b = rest
			before++
			continue
		}
		return t, before
	}
	return nil, before
}

// field returns column i of a row ("" when absent).
func field(fs []string, i int) string {
	if i < 0 || i >= len(fs) {
		return ""
	}
	return fs[i]
}

// object reads a row: the record in AuditData, the other columns as the fallbacks.
func (c *csvCols) object(fs []string, r *record, o *outer) error {
	*o = outer{
		CreationDate: field(fs, c.creation),
		UserIds:      field(fs, c.user),
		Operations:   field(fs, c.op),
		Identity:     field(fs, c.id),
	}
	if o.Identity == "" {
		o.Identity = field(fs, c.ident)
	}
	// a view of the field's bytes: nothing writes them, and the decoder keeps none
	v := field(fs, c.audit)
	ad := bytes.TrimSpace(unsafe.Slice(unsafe.StringData(v), len(v)))
	if len(ad) == 0 {
		*r = record{}
		return nil
	}
	return decodeAuditData(ad, r)
}

// rowSplitter splits CSV text into rows as RFC 4180 has them (a newline inside quotes belongs
// to the field) and reports rows that cannot be whole: a quoted field left open (a row cut in
// half) ends at the next line that is a complete row by itself, and the partial row is
// reported; a row longer than maxRecord is skipped.
type rowSplitter struct {
	r    *bufio.Reader
	n    int    // fields per row
	line uint32 // line of the next byte
	max  int

	row     []byte
	rowLine uint32
	open    bool   // inside a quoted field at the end of row
	held    []byte // a line read that starts the next row
	heldAt  uint32
	phys    []byte
	eof     bool
}

func newRowSplitter(r *bufio.Reader, n int, line uint32) *rowSplitter {
	return &rowSplitter{r: r, n: n, line: line, max: maxRecord}
}

// physLine reads one line, its newline included; long is set (and the line not kept) when it
// is longer than the limit. It returns io.EOF when nothing is left.
func (s *rowSplitter) physLine() (b []byte, long bool, err error) {
	s.phys = s.phys[:0]
	for {
		chunk, err := s.r.ReadSlice('\n')
		if !long {
			if len(s.phys)+len(chunk) <= s.max {
				s.phys = append(s.phys, chunk...)
			} else {
				long, s.phys = true, s.phys[:0]
			}
		}
		switch {
		case err == nil:
			return s.phys, long, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(s.phys) == 0 && !long {
				return nil, false, io.EOF
			}
			return s.phys, long, nil
		}
		return nil, false, err
	}
}

// quotes counts the quote characters of b.
func quotes(b []byte) int { return bytes.Count(b, []byte{'"'}) }

// wholeRow reports a line that is a complete row by itself: its quotes balanced and n fields.
func wholeRow(b []byte, n int) bool {
	if quotes(b)%2 != 0 {
		return false
	}
	fields, in := 1, false
	for _, c := range b {
		switch {
		case c == '"':
			in = !in
		case c == ',' && !in:
			fields++
		}
	}
	return fields == n
}

// next returns the next row (valid until the next call) and the line it starts on; a *badDoc
// for a row that cannot be read (call next again); io.EOF at the end.
func (s *rowSplitter) next() ([]byte, uint32, error) {
	for {
		var l []byte
		var long bool
		at := s.line
		if s.held != nil {
			l, at, s.held = s.held, s.heldAt, nil
			s.row = append(s.row[:0], l...)
			s.rowLine, s.open = at, quotes(l)%2 != 0
			if !s.open {
				return s.row, s.rowLine, nil
			}
			continue
		}
		if s.eof {
			return nil, 0, io.EOF
		}
		l, long, err := s.physLine()
		if errors.Is(err, io.EOF) {
			s.eof = true
			if s.open {
				s.open = false
				return nil, 0, &badDoc{line: s.rowLine, reason: reasonCSV, msg: "CSV row cut short: a quoted field is not closed at the end of the input"}
			}
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, err
		}
		s.line++
		if long {
			start := at
			if s.open {
				start = s.rowLine
			}
			s.open = false
			return nil, 0, &badDoc{line: start, reason: reasonLong, msg: fmt.Sprintf("CSV row longer than the %d MiB limit; skipped", s.max>>20)}
		}
		if !s.open {
			if len(bytes.TrimSpace(l)) == 0 {
				continue // blank lines are no rows
			}
			s.row = append(s.row[:0], l...)
			s.rowLine, s.open = at, quotes(l)%2 != 0
			if !s.open {
				return s.row, s.rowLine, nil
			}
			continue
		}
		// inside a quoted field: this line continues it, unless it is a row by itself
		if wholeRow(l, s.n) {
			s.held, s.heldAt = append([]byte(nil), l...), at
			s.open = false
			return nil, 0, &badDoc{line: s.rowLine, reason: reasonCSV,
				msg: fmt.Sprintf("CSV row cut short: a quoted field is still open where line %d starts a new row", at)}
		}
		if len(s.row)+len(l) > s.max {
			s.open = false
			return nil, 0, &badDoc{line: s.rowLine, reason: reasonLong, msg: fmt.Sprintf("CSV row longer than the %d MiB limit; skipped", s.max>>20)}
		}
		s.row = append(s.row, l...)
		if quotes(l)%2 != 0 {
			s.open = false
			return s.row, s.rowLine, nil
		}
	}
}

// rowParser splits rows into fields with encoding/csv, one csv.Reader a row (a row's errors
// stay its own) over buffers kept from row to row.
type rowParser struct {
	rd bytes.Reader
	br *bufio.Reader
}

// parse splits one row into its fields with encoding/csv (strict quoting, the header's number
// of fields).
func (p *rowParser) parse(row []byte, n int) ([]string, error) {
	p.rd.Reset(row)
	if p.br == nil {
		p.br = bufio.NewReaderSize(&p.rd, 4096)
	} else {
		p.br.Reset(&p.rd)
	}
	cr := csv.NewReader(p.br) // takes p.br as it is: a bufio.Reader large enough
	cr.FieldsPerRecord = n
	fs, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if pe.Line > pe.StartLine {
				return nil, fmt.Errorf("bad CSV (its line %d, column %d): %v", pe.Line-pe.StartLine+1, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("bad CSV (column %d): %v", pe.Column, pe.Err)
		}
		return nil, fmt.Errorf("bad CSV: %v", err)
	}
	if _, err := cr.Read(); !errors.Is(err, io.EOF) {
		return nil, errors.New("bad CSV: more than one row where one was expected")
	}
	return fs, nil
}

// csvJob parses a block of rows.
type csvJob struct {
	cols  *csvCols
	rows  [][]byte
	lines []uint32
	f     source.FileInfo
}

func (j *csvJob) Run(sink event.Sink, st *source.Stats) {
	if j.f.Skip.Has(event.KindCloud) {
		st.Ignored[logType] += int64(len(j.rows))
		return
	}
	var p parser
	var rp rowParser
	for i, row := range j.rows {
		line := j.lines[i]
		fs, err := rp.parse(row, len(j.cols.names))
		if err != nil {
			st.Skip(j.f, line, reasonCSV, err.Error())
			continue
		}
		var r record
		var o outer
		if err := j.cols.object(fs, &r, &o); err != nil {
			st.Skip(j.f, line, reasonJSON, err.Error())
			continue
		}
		p.emit(&r, &o, j.f, line, line, "", sink, st)
	}
}

// readCSV reads an export in jobs of about docJobBytes.
func readCSV(ctx context.Context, br *bufio.Reader, head []byte, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	cols, first, err := csvStart(br, head)
	if err != nil {
		return err
	}
	sp := newRowSplitter(br, len(cols.names), first)
	j := &csvJob{cols: cols, f: f}
	size := 0
	flush := func() error {
		if len(j.rows) == 0 {
			return nil
		}
		err := emit(j)
		j, size = &csvJob{cols: cols, f: f}, 0
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, line, err := sp.next()
		var bad *badDoc
		switch {
		case err == nil:
			j.rows = append(j.rows, bytes.Clone(row))
			j.lines = append(j.lines, line)
			if size += len(row); size >= docJobBytes || len(j.rows) >= docJobDocs {
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
			return err
		}
	}
}

// csvStart reads an export's header (and what comes before it) and returns its columns and
// the line after it.
func csvStart(br *bufio.Reader, head []byte) (*csvCols, uint32, error) {
	hdr, before := csvHead(head)
	cols, ok := readHeader(hdr)
	if !ok {
		return nil, 0, errors.New("no audit export header (CreationDate, UserIds, Operations, AuditData)")
	}
	for range before + 1 {
		if err := skipLine(br); err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
	}
	return cols, before + 2, nil
}

// csvRecords reads back the rows starting on the given lines as one-line JSON objects: each
// column by its header's name, AuditData as the object it holds.
func csvRecords(br *bufio.Reader, head []byte, positions []uint32, out map[uint32]string) error {
	cols, first, err := csvStart(br, head)
	if err != nil {
		return err
	}
	sp := newRowSplitter(br, len(cols.names), first)
	i := 0
	for i < len(positions) {
		row, line, err := sp.next()
		var bad *badDoc
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &bad):
			continue
		case err != nil:
			return err
		}
		for i < len(positions) && positions[i] < line {
			i++
		}
		if i < len(positions) && positions[i] == line {
			out[line] = rowJSON(cols, row)
			i++
		}
	}
	return nil
}

// rowJSON renders a row as a one-line JSON object.
func rowJSON(cols *csvCols, row []byte) string {
	var rp rowParser
	fs, err := rp.parse(row, len(cols.names))
	if err != nil {
		return strings.TrimSpace(strings.ReplaceAll(string(row), "\n", " "))
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for k, name := range cols.names {
		if k > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, name)
		b.WriteByte(':')
		v := field(fs, k)
		if k == cols.audit {
			var c bytes.Buffer
			if t := strings.TrimSpace(v); strings.HasPrefix(t, "{") && json.Compact(&c, []byte(t)) == nil {
				b.Write(c.Bytes())
				continue
			}
		}
		writeJSONString(&b, v)
	}
	b.WriteByte('}')
	return b.String()
}

// skipLine passes over one line of br.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// writeJSONString writes s as a JSON string, without escaping HTML characters.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Truncate(b.Len() - 1) // the encoder's newline
}
