package synth

import (
	"bufio"
	"io"
	"slices"
	"sort"
	"sync/atomic"
)

// sink collects the rendered records of one log. Records are rendered as soon as they are
// made, in whatever order the sessions make them; flush sorts what it has by time and hands
// every record older than a cutoff to the writer goroutine, keeping the rest.
type sink struct {
	buf, spare []byte
	ents       []ent
	out        chan []byte
	free       chan []byte
	done       chan error
	failed     atomic.Bool
}

// ent locates one record in buf.
type ent struct {
	ts       int64
	seq      uint64
	off, end int
}

func newSink(w io.Writer, head, foot []byte) *sink {
	s := &sink{
		out:  make(chan []byte, 8),
		free: make(chan []byte, 10),
		done: make(chan error, 1),
	}
	go s.write(w, head, foot)
	return s
}

// write runs in its own goroutine: it copies chunks to w, then the footer.
func (s *sink) write(w io.Writer, head, foot []byte) {
	bw := bufio.NewWriterSize(w, 1<<20)
	_, err := bw.Write(head)
	for chunk := range s.out {
		if err == nil {
			_, err = bw.Write(chunk)
		}
		if err != nil {
			s.failed.Store(true)
		}
		select {
		case s.free <- chunk[:0]:
		default:
		}
	}
	if err == nil {
		_, err = bw.Write(foot)
	}
	if err == nil {
		err = bw.Flush()
	}
	s.done <- err
}

// add records that buf[off:] (just appended to s.buf by the caller) is a record at ts.
func (s *sink) add(ts int64, seq uint64, off int, buf []byte) {
	s.buf = buf
	s.ents = append(s.ents, ent{ts, seq, off, len(buf)})
}

// flush writes out the records older than cutoff, in time order.
func (s *sink) flush(cutoff int64) {
	if len(s.ents) == 0 {
		return
	}
	slices.SortFunc(s.ents, func(a, b ent) int {
		if a.ts != b.ts {
			if a.ts < b.ts {
				return -1
			}
			return 1
		}
		if a.seq < b.seq {
			return -1
		}
		if a.seq > b.seq {
			return 1
		}
		return 0
	})
	n := sort.Search(len(s.ents), func(i int) bool { return s.ents[i].ts >= cutoff })
	if n == 0 {
		return
	}
	var chunk []byte
	select {
	case chunk = <-s.free:
	default:
	}
	for _, e := range s.ents[:n] {
		chunk = append(chunk, s.buf[e.off:e.end]...)
	}
	s.out <- chunk
	rest := s.spare[:0]
	for i, e := range s.ents[n:] {
		off := len(rest)
		rest = append(rest, s.buf[e.off:e.end]...)
		s.ents[i] = ent{e.ts, e.seq, off, len(rest)}
	}
	s.ents = s.ents[:len(s.ents)-n]
	s.spare = s.buf[:0]
	s.buf = rest
}

// close flushes everything and waits for the writer.
func (s *sink) close() error {
	s.flush(1<<63 - 1)
	close(s.out)
	return <-s.done
}
