package zeek

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/source/jsonl"
)

// parser turns records of one log type into events. One parser serves one job at a time: it
// reuses its event and its list arena from record to record.
type parser interface {
	// bind sets the TSV column order.
	bind(cols []string)
	tsvLine(line []byte, h *header, ref event.Ref, sink event.Sink) error
	jsonRecord(kvs []jsonl.KV, ref event.Ref, sink event.Sink) error
}

type parserOf[E any] struct {
	d     *def[E]
	e     E
	cols  []*field[E]
	names []string
	items []string         // arena for list fields of the current record
	durs  []event.Duration // arena for interval vectors
}

func (d *def[E]) newParser() parser {
	return &parserOf[E]{d: d, items: make([]string, 0, 32), durs: make([]event.Duration, 0, 8)}
}

func (p *parserOf[E]) bind(cols []string) {
	p.names = cols
	p.cols = make([]*field[E], len(cols))
	for i, c := range cols {
		p.cols[i] = p.d.lookup(c)
	}
}

func (p *parserOf[E]) reset(ref event.Ref) {
	p.e = p.d.blank
	p.items = p.items[:0]
	p.durs = p.durs[:0]
	p.d.meta(&p.e).Ref = ref
}

func (p *parserOf[E]) tsvLine(line []byte, h *header, ref event.Ref, sink event.Sink) error {
	p.reset(ref)
	n := len(p.cols)
	sep := h.sep
	// Most lines hold no escape at all: one vector scan says so, and their fields skip the
	// unescaping step.
	esc := bytes.IndexByte(line, '\\') >= 0
	col := 0
	for start := 0; ; {
		end := start + indexSep(line[start:], sep)
		if col < n {
			if f := p.cols[col]; f != nil {
				v := line[start:end]
				if !bytes.Equal(v, h.unset) {
					if err := p.setTSV(f, v, esc && bytes.IndexByte(v, '\\') >= 0, h); err != nil {
						return fmt.Errorf("field %s: %w", p.names[col], err)
					}
				}
			}
		}
		col++
		if end >= len(line) {
			break
		}
		start = end + 1
	}
	if col != n {
		return errFieldCount{got: col, want: n}
	}
	p.d.emit(sink, &p.e)
	return nil
}

// indexSep returns the index of the first sep in b, or len(b). It tests eight bytes at a
// time: Zeek fields are short, so a word-at-a-time scan beats both a byte loop and a call to
// the vector search per field.
func indexSep(b []byte, sep byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	pat := ones * uint64(sep)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:]) ^ pat
		if t := (v - ones) &^ v & highs; t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == sep {
			return i
		}
	}
	return len(b)
}

type errFieldCount struct{ got, want int }

func (e errFieldCount) Error() string {
	return fmt.Sprintf("%d fields where the #fields header names %d", e.got, e.want)
}

func (p *parserOf[E]) setTSV(f *field[E], v []byte, esc bool, h *header) error {
	empty := len(v) == len(h.empty) && bytes.Equal(v, h.empty)
	switch {
	case f.set != nil:
		if empty {
			v = nil
		} else if esc {
			v = unescapeTSV(v)
		}
		return f.set(&p.e, v)
	case f.list != nil:
		start := len(p.items)
		if !empty {
			for {
				k := bytes.IndexByte(v, h.setSep)
				item := v
				if k >= 0 {
					item = v[:k]
				}
				p.items = append(p.items, str(unescapeTSV(item)))
				if k < 0 {
					break
				}
				v = v[k+1:]
			}
		}
		*f.list(&p.e) = p.items[start:len(p.items):len(p.items)]
	case f.durs != nil:
		start := len(p.durs)
		if !empty {
			for {
				k := bytes.IndexByte(v, h.setSep)
				item := v
				if k >= 0 {
					item = v[:k]
				}
				d, err := parseDuration(item)
				if err != nil {
					return err
				}
				p.durs = append(p.durs, d)
				if k < 0 {
					break
				}
				v = v[k+1:]
			}
		}
		*f.durs(&p.e) = p.durs[start:len(p.durs):len(p.durs)]
	}
	return nil
}

func (p *parserOf[E]) jsonRecord(kvs []jsonl.KV, ref event.Ref, sink event.Sink) error {
	p.reset(ref)
	for i := range kvs {
		x := &kvs[i]
		if x.Kind == jsonl.Null {
			continue
		}
		f := p.d.lookup(str(x.Key))
		if f == nil {
			continue
		}
		if err := p.setJSON(f, x); err != nil {
			return fmt.Errorf("field %s: %w", x.Key, err)
		}
	}
	p.d.emit(sink, &p.e)
	return nil
}

func (p *parserOf[E]) setJSON(f *field[E], x *jsonl.KV) error {
	switch {
	case f.set != nil:
		if x.Kind == jsonl.Array {
			return fmt.Errorf("an array where a single value belongs")
		}
		return f.set(&p.e, x.Val)
	case f.list != nil:
		start := len(p.items)
		if x.Kind == jsonl.Array {
			for _, it := range x.Items {
				p.items = append(p.items, str(it))
			}
		} else {
			p.items = append(p.items, str(x.Val))
		}
		*f.list(&p.e) = p.items[start:len(p.items):len(p.items)]
	case f.durs != nil:
		start := len(p.durs)
		vals := x.Items
		if x.Kind != jsonl.Array {
			vals = [][]byte{x.Val}
		}
		for _, it := range vals {
			d, err := parseDuration(it)
			if err != nil {
				return err
			}
			p.durs = append(p.durs, d)
		}
		*f.durs(&p.e) = p.durs[start:len(p.durs):len(p.durs)]
	}
	return nil
}
