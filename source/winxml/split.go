package winxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

var (
	endTag   = []byte("</Event")
	startTag = []byte("<Event")
	nl       = []byte{'\n'}
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// boundaryAt reports whether b[p:] is an </Event> end tag (not </EventData> nor </Events>),
// and returns the index just after its '>'. White space before the '>' is allowed, up to the
// end of b.
func boundaryAt(b []byte, p int) (int, bool) {
	if !bytes.HasPrefix(b[p:], endTag) {
		return 0, false
	}
	q := p + len(endTag)
	for q < len(b) && isSpace(b[q]) {
		q++
	}
	if q < len(b) && b[q] == '>' {
		return q + 1, true
	}
	return 0, false
}

// startAt reports whether b[p:] is an <Event> start tag (not <EventData>, <EventID>, <Events>).
func startAt(b []byte, p int) bool {
	q := p + len(startTag)
	if q >= len(b) || !bytes.HasPrefix(b[p:], startTag) {
		return false
	}
	c := b[q]
	return isSpace(c) || c == '>' || c == '/'
}

// lastBoundary returns the index just after the last </Event> end tag of b, or -1.
func lastBoundary(b []byte) int {
	lim := len(b)
	for {
		j := bytes.LastIndex(b[:lim], endTag)
		if j < 0 {
			return -1
		}
		if end, ok := boundaryAt(b, j); ok {
			return end
		}
		lim = j
	}
}

// nextBoundary returns the index just after the first </Event> end tag of b at or after from,
// or -1.
func nextBoundary(b []byte, from int) int {
	for from < len(b) {
		j := bytes.Index(b[from:], endTag)
		if j < 0 {
			return -1
		}
		if end, ok := boundaryAt(b, from+j); ok {
			return end
		}
		from += j + 1
	}
	return -1
}

// nextStart returns the index of the first <Event> start tag of b at or after from, or -1.
func nextStart(b []byte, from int) int {
	for from < len(b) {
		j := bytes.Index(b[from:], startTag)
		if j < 0 {
			return -1
		}
		if startAt(b, from+j) {
			return from + j
		}
		from += j + 1
	}
	return -1
}

// lastStart returns the index of the last <Event> start tag of b, or -1.
func lastStart(b []byte) int {
	lim := len(b)
	for {
		j := bytes.LastIndex(b[:lim], startTag)
		if j < 0 {
			return -1
		}
		if startAt(b, j) {
			return j
		}
		lim = j
	}
}

// split reads XML text as blocks of whole events of about size bytes: each block ends just
// after an </Event> end tag (the last block holds what is left). fn gets each block and the
// 1-based line it starts on, and returns whether it kept the block: a kept block is never
// written again, one that was not is reused. An event longer than maxEvent is not passed on:
// long is called with the line it starts on and a message, and reading goes on after its end.
func split(r io.Reader, size, maxEvent int, fn func(block []byte, first uint32) (bool, error), long func(line uint32, msg string)) error {
	line := uint32(1)
	cur := min(size, 64<<10) // start small: a small file costs a small buffer
	buf := make([]byte, cur)
	n := 0
	pass := func(end int) error { // hands buf[:end] on, keeps the rest
		kept := false
		if len(bytes.TrimSpace(buf[:end])) > 0 {
			var err error
			if kept, err = fn(buf[:end:end], line); err != nil {
				return err
			}
		}
		line += uint32(bytes.Count(buf[:end], nl))
		rest := n - end
		if kept {
			cur = min(2*cur, size)
			nb := make([]byte, max(cur, rest+cur/2))
			copy(nb, buf[end:n])
			buf = nb
		} else {
			copy(buf, buf[end:n])
		}
		n = rest
		return nil
	}
	for {
		m, err := readFull(r, buf[n:])
		n += m
		if err == io.EOF {
			if len(bytes.TrimSpace(buf[:n])) > 0 {
				_, err := fn(buf[:n:n], line)
				return err
			}
			return nil
		}
		if err != nil {
			return err
		}
		// buf is full
		if end := lastBoundary(buf[:n]); end > 0 {
			if err := pass(end); err != nil {
				return err
			}
			continue
		}
		if len(buf) < maxEvent {
			nb := make([]byte, min(2*len(buf), maxEvent))
			copy(nb, buf[:n])
			buf = nb
			continue
		}
		// maxEvent bytes without an </Event>: what comes before the last <Event> goes on (it
		// holds events cut short), that event is skipped.
		k := lastStart(buf[:n])
		if k > 0 {
			if err := pass(k); err != nil {
				return err
			}
			continue
		}
		rest, skipped, lines, eof, err := discard(r, buf[:n])
		if err != nil {
			return err
		}
		at := line // where the skipped text starts
		if k < 0 {
			at += uint32(bytes.Count(buf[:len(buf[:n])-len(bytes.TrimLeft(buf[:n], " \t\r\n"))], nl))
		}
		switch {
		case k < 0:
			long(at, fmt.Sprintf("%d bytes without an <Event> element; skipped", skipped))
		case eof && len(rest) == 0:
			long(at, fmt.Sprintf("event of more than %d MiB (%d bytes) not closed before the end of the input; skipped", maxEvent>>20, skipped))
		default:
			long(at, fmt.Sprintf("event of %d bytes is longer than the %d MiB limit; skipped", skipped, maxEvent>>20))
		}
		line += lines
		buf = make([]byte, max(cur, len(rest)+cur/2))
		n = copy(buf, rest)
		if eof {
			if len(bytes.TrimSpace(buf[:n])) > 0 {
				_, err := fn(buf[:n:n], line)
				return err
			}
			return nil
		}
	}
}

// discard reads on from pending (which holds no </Event> end tag and no <Event> start tag but
// at its start) to the end of the first </Event> end tag or the next <Event> start tag,
// whichever comes first. It returns the bytes after what it skipped, how many bytes and lines
// it skipped, and whether the input ended.
func discard(r io.Reader, pending []byte) (rest []byte, skipped int64, lines uint32, eof bool, err error) {
	const keep = 64 // a tag cut at the end of a read is looked for again with what follows
	w := make([]byte, 1<<20)
	tail := min(len(pending), keep)
	head := pending[:len(pending)-tail]
	skipped = int64(len(head))
	lines = uint32(bytes.Count(head, nl))
	n := copy(w, pending[len(pending)-tail:])
	from := 0
	if len(head) == 0 {
		from = 1 // the skipped event's own start tag
	}
	for {
		m, rerr := readFull(r, w[n:])
		n += m
		eof = rerr == io.EOF
		if rerr != nil && !eof {
			return nil, 0, 0, false, rerr
		}
		b := w[:n]
		end := nextBoundary(b, from)
		start := nextStart(b, from)
		if start >= 0 && (end < 0 || start < end) {
			end = start // the skipped event was cut short: a new one begins
		}
		if end >= 0 {
			skipped += int64(end)
			lines += uint32(bytes.Count(b[:end], nl))
			return append([]byte(nil), b[end:]...), skipped, lines, eof, nil
		}
		if eof {
			skipped += int64(n)
			lines += uint32(bytes.Count(b, nl))
			return nil, skipped, lines, true, nil
		}
		drop := max(n-keep, 0)
		skipped += int64(drop)
		lines += uint32(bytes.Count(b[:drop], nl))
		n = copy(w, b[drop:])
		from = 0
	}
}

// readFull reads until b is full or r fails. A clean end is io.EOF; the reader's own
// io.ErrUnexpectedEOF (a truncated compressed stream) is passed on.
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
