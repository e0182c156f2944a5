package source

import (
	"bufio"
	"bytes"
	"io"
)

// RecordsAt returns the text of the records at the given (sorted) positions of an input, each
// cut to max bytes: the format's Records hook, else the lines (the position is the line).
func RecordsAt(in Input, lines []uint32, max int) map[uint32]string {
	out := map[uint32]string{}
	o, err := Open(in, nil)
	if err != nil {
		return out
	}
	defer o.Close()
	if o.Format.Records != nil {
		recs, _ := o.Format.Records(o.R, lines)
		for k, t := range recs {
			out[k] = t[:min(len(t), max)]
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
		t = append(t, b[:min(len(b), max)]...)
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
