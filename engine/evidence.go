package engine

import (
	"bufio"
	"bytes"
	"io"
	"slices"

	"github.com/sluice-hunt/sluice/source"
)

// MaxEvidenceText is the longest record text a finding's evidence carries.
const MaxEvidenceText = 4096

// resolveEvidence names each evidence record's file and, when withText, reads the records back
// from the files (one pass over each file that holds evidence).
func resolveEvidence(inputs []source.Input, res *Result, withText bool) {
	want := map[uint32][]uint32{} // file -> lines
	for i := range res.Findings {
		for j := range res.Findings[i].Evidence {
			ev := &res.Findings[i].Evidence[j]
			if int(ev.Ref.File) < len(res.Files) {
				ev.File = res.Files[ev.Ref.File]
			}
			ev.Line = ev.Ref.Line
			want[ev.Ref.File] = append(want[ev.Ref.File], ev.Ref.Line)
		}
	}
	if !withText {
		return
	}
	text := map[[2]uint32]string{}
	for file, lines := range want {
		if int(file) >= len(inputs) || !inputs[file].Reopenable {
			continue
		}
		slices.Sort(lines)
		lines = slices.Compact(lines)
		for line, t := range readLines(inputs[file], lines) {
			text[[2]uint32{file, line}] = t
		}
	}
	for i := range res.Findings {
		for j := range res.Findings[i].Evidence {
			ev := &res.Findings[i].Evidence[j]
			ev.Text = text[[2]uint32{ev.Ref.File, ev.Ref.Line}]
		}
	}
}

// readLines returns the text of the given (sorted) 1-based lines of an input.
func readLines(in source.Input, lines []uint32) map[uint32]string {
	out := map[uint32]string{}
	o, err := source.Open(in, nil)
	if err != nil {
		return out
	}
	defer o.Close()
	if o.Format.Records != nil {
		recs, _ := o.Format.Records(o.R, lines)
		for k, t := range recs {
			out[k] = t[:min(len(t), MaxEvidenceText)]
		}
		return out
	}
	br := bufio.NewReaderSize(o.R, 1<<20)
	line := uint32(1)
	next := 0
	for next < len(lines) {
		target := lines[next]
		// skip whole lines cheaply until the target
		for line < target {
			b, err := br.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				continue // the rest of a long line
			}
			if err != nil {
				return out
			}
			_ = b
			line++
		}
		b, err := br.ReadSlice('\n')
		var t []byte
		t = append(t, b[:min(len(b), MaxEvidenceText)]...)
		for err == bufio.ErrBufferFull {
			_, err = br.ReadSlice('\n')
		}
		out[target] = string(bytes.TrimRight(t, "\r\n"))
		line++
		next++
		if err != nil && err != io.EOF {
			return out
		}
		if err == io.EOF {
			return out
		}
	}
	return out
}
