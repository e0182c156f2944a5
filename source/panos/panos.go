package panos

import (
	"bytes"
	"context"
	"io"
	"slices"

	"github.com/sluice-hunt/sluice/source"
)

// blockSize is the size of the blocks a job parses (a variable for tests of block boundaries).
var blockSize = source.BlockSize

func init() {
	source.Register(source.Format{Name: "panos", Sniff: Sniff, Read: Read})
}

// Sniff reports whether the leading bytes of an input are PAN-OS logs: the header of an
// exported CSV file, or records (bare, or behind any syslog header or collector prefix) with a
// receive time in the second field and a PAN-OS log type in the fourth. The first non-blank
// lines (up to three; two of three suffice) must read so.
func Sniff(head []byte, _ string) bool {
	if len(head) >= source.SniffSize {
		// the last line may be cut: leave it out
		if k := bytes.LastIndexByte(head, '\n'); k >= 0 {
			head = head[:k+1]
		}
	}
	var sp splitter
	lines, ok := 0, 0
	for len(head) > 0 && lines < 3 {
		l := head
		if k := bytes.IndexByte(head, '\n'); k >= 0 {
			l, head = head[:k], head[k+1:]
		} else {
			head = nil
		}
		l = trimLine(l)
		if len(l) == 0 {
			continue
		}
		lines++
		if lines == 1 && isHeader(l) {
			sp.reset(l)
			if sp.to(1<<10) == nil {
				_, isHdr := headerLayout(sp.fields)
				return isHdr
			}
			return false
		}
		l = l[csvStart(l):]
		sp.reset(l)
		if sp.to(colType+1) != nil || len(sp.fields) <= colType {
			continue
		}
		if _, t := parseTime(sp.fields[colReceive]); t && len(sp.fields[colSerial]) > 0 && knownType(sp.fields[colType]) {
			ok++
		}
	}
	return lines > 0 && (ok == lines || lines == 3 && ok == 2)
}

// Read reads PAN-OS logs: blocks of whole lines go to jobs that parse them in parallel. The
// header line of an exported CSV file sets the columns of the lines after it (a file may hold
// several exports one after the other); lines before any header are syslog records.
func Read(ctx context.Context, r io.Reader, f source.FileInfo, st *source.Stats, emit func(source.Job) error) error {
	var hdr *layout
	var recent []blockPart // the last parts handed to jobs, holding at least window lines
	var sp splitter
	return source.Lines(r, blockSize, source.MaxLine, func(block []byte, first uint32) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		kept := false
		for len(block) > 0 {
			part, rest := block, []byte(nil)
			var next *layout
			if bytes.Contains(block, []byte("Receive Time")) {
				for off := 0; off < len(block); {
					e := bytes.IndexByte(block[off:], '\n')
					end := len(block)
					if e >= 0 {
						end = off + e + 1
					}
					if l := trimLine(block[off:end]); isHeader(l) {
						sp.reset(l)
						if sp.to(1<<10) == nil {
							if lay, ok := headerLayout(sp.fields); ok {
								part, rest, next = block[:off], block[end:], lay
								break
							}
						}
					}
					off = end
				}
			}
			if len(part) > 0 {
				n := bytes.Count(part, []byte{'\n'})
				if err := emit(&job{block: part, first: first, hdr: hdr, f: f, before: recent}); err != nil {
					return kept, err
				}
				kept = true
				recent = appendPart(recent, blockPart{b: part, hdr: hdr, lines: n})
				first += uint32(n)
			}
			if next == nil {
				break
			}
			hdr = next
			first++ // the header line
			block = rest
		}
		return kept, nil
	}, func(line uint32, n int64) {
		st.Skip(f, line, "line too long", source.LongLineError(n, source.MaxLine))
	})
}

// blockPart is a part of a block handed to a job: its bytes (never written again), layout and
// number of lines.
type blockPart struct {
	b     []byte
	hdr   *layout
	lines int
}

// appendPart adds p to the recent parts and drops the oldest ones not needed to hold the last
// window lines. The slice is never changed in place: jobs hold earlier versions of it.
func appendPart(recent []blockPart, p blockPart) []blockPart {
	out := []blockPart{p}
	n := p.lines
	for i := len(recent) - 1; i >= 0 && n < window; i-- {
		out = append(out, recent[i])
		n += recent[i].lines
	}
	slices.Reverse(out)
	return out
}
