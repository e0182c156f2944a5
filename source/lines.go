package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// BlockSize is the size of the line blocks a line-oriented reader hands to one job.
const BlockSize = 1 << 20

// MaxLine is the longest line a line-oriented reader accepts; longer lines are skipped and
// reported.
const MaxLine = 16 << 20

// Lines reads r as blocks of whole lines of about size bytes. fn gets each block and the
// 1-based number of the block's first line; it returns whether it kept the block (handed it to
// a job): a kept block is never written again, one that was not is reused for the next read.
// The last line needs no line end. A line longer than maxLine is not passed on: long is called
// with its number and length, and reading goes on after it.
func Lines(r io.Reader, size, maxLine int, fn func(block []byte, first uint32) (kept bool, err error), long func(line uint32, n int64)) error {
	if size <= 0 {
		size = BlockSize
	}
	if maxLine < size {
		maxLine = size
	}
	line := uint32(1)
	// Start small and double up to size, so that a small file costs a small buffer.
	cur := min(size, 64<<10)
	buf := make([]byte, cur)
	n := 0
	skipping := int64(-1) // >= 0 while discarding an over-long line: bytes discarded so far
	for {
		m, err := readFull(r, buf[n:])
		n += m
		eof := err == io.EOF
		if err != nil && !eof {
			return err
		}
		if skipping >= 0 {
			i := bytes.IndexByte(buf[:n], '\n')
			if i < 0 {
				skipping += int64(n)
				n = 0
				if eof {
					long(line, skipping)
					return nil
				}
				continue
			}
			long(line, skipping+int64(i))
			line++
			skipping = -1
			n = copy(buf, buf[i+1:n])
			if !eof {
				continue
			}
		}
		if eof {
			if n > 0 {
				_, err := fn(buf[:n:n], line)
				return err
			}
			return nil
		}
		// buf is full
		last := bytes.LastIndexByte(buf[:n], '\n')
		if last < 0 {
			if len(buf) < maxLine {
				nb := make([]byte, min(2*len(buf), maxLine))
				copy(nb, buf[:n])
				buf = nb
				continue
			}
			skipping = int64(n)
			buf = make([]byte, cur)
			n = 0
			continue
		}
		block := buf[: last+1 : last+1]
		rest := n - (last + 1)
		kept, e := fn(block, line)
		if e != nil {
			return e
		}
		line += uint32(bytes.Count(block, []byte{'\n'}))
		if kept {
			cur = min(2*cur, size)
			nb := make([]byte, max(cur, rest+cur/2))
			copy(nb, buf[last+1:n])
			buf = nb
		} else {
			copy(buf, buf[last+1:n])
		}
		n = rest
	}
}

// readFull reads until b is full or r fails. Unlike io.ReadFull it passes the reader's own
// io.ErrUnexpectedEOF (a truncated compressed stream) on, and reports a clean end as io.EOF.
func readFull(r io.Reader, b []byte) (int, error) {
	n, idle := 0, 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return n, io.EOF
			}
			return n, err
		}
		if m == 0 {
			if idle++; idle > 100 {
				return n, io.ErrNoProgress
			}
			continue
		}
		idle = 0
	}
	return n, nil
}

// LongLineError is the message for a skipped over-long line.
func LongLineError(n int64, max int) string {
	return fmt.Sprintf("line of %d bytes is longer than the %d MiB limit; skipped", n, max>>20)
}

// BOM is the UTF-8 byte order mark some writers put first in a file.
var BOM = []byte("\xef\xbb\xbf")

// LinesAt reads back the lines at the given 1-based positions (ascending) of a line-oriented
// input into out, without their line end, surrounding white space and (first line) byte order
// mark: the record texts of one-record-a-line formats, for evidence. A line longer than MaxLine
// (which no reader read) is left out.
func LinesAt(br *bufio.Reader, positions []uint32, out map[uint32]string) error {
	i := 0
	var buf []byte
	text := func(line uint32) string {
		b := buf
		if line == 1 {
			b = bytes.TrimPrefix(b, BOM)
		}
		return string(bytes.TrimSpace(b))
	}
	for line := uint32(1); i < len(positions); line++ {
		want := positions[i] == line
		buf = buf[:0]
		for {
			b, err := br.ReadSlice('\n')
			if want && len(buf)+len(b) <= MaxLine {
				buf = append(buf, b...)
			} else {
				want = false // not asked for, or too long to have been read
			}
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				if want && len(buf) > 0 {
					out[line] = text(line)
				}
				return nil
			}
			return err
		}
		if want {
			out[line] = text(line)
		}
		for i < len(positions) && positions[i] <= line {
			i++
		}
	}
	return nil
}
