package source

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// Problem is one record or file that could not be read, with where it is.
type Problem struct {
	File string
	Line uint32 // 0 when the problem is with the file (Offset says where)
	// Offset is the raw byte offset for file-level problems (truncated stream etc.).
	Offset int64
	Msg    string
}

func (p Problem) String() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	case p.Offset > 0:
		return fmt.Sprintf("%s: offset %d: %s", p.File, p.Offset, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// ProblemsPerFile is how many problems of each file a run keeps to show; all are counted.
const ProblemsPerFile = 5

// Stats counts what readers read and skipped. Each worker has its own; the engine merges them.
type Stats struct {
	// Read counts records parsed, by log type (conn, http ...).
	Read map[string]int64
	// Ignored counts records of log types no detection reads, by log type.
	Ignored map[string]int64
	// Skipped counts records that could not be read, by reason.
	Skipped map[string]int64
	// Problems keeps the first few problems of each file.
	Problems []Problem
	perFile  map[string]int
}

// NewStats returns empty stats.
func NewStats() *Stats {
	return &Stats{Read: map[string]int64{}, Ignored: map[string]int64{}, Skipped: map[string]int64{}, perFile: map[string]int{}}
}

// Skip counts a record that could not be read: reason is the short category counted in the
// summary, msg the full message kept for the first few of each file.
func (s *Stats) Skip(f FileInfo, line uint32, reason, msg string) {
	s.Skipped[reason]++
	s.Problem(Problem{File: f.Name, Line: line, Msg: msg})
}

// Problem records a problem (without counting a skipped record).
func (s *Stats) Problem(p Problem) {
	if s.perFile == nil {
		s.perFile = map[string]int{}
	}
	if s.perFile[p.File] < ProblemsPerFile {
		s.perFile[p.File]++
		s.Problems = append(s.Problems, p)
	}
}

// Merge adds o into s and keeps problems ordered by file and line.
func (s *Stats) Merge(o *Stats) {
	for k, v := range o.Read {
		s.Read[k] += v
	}
	for k, v := range o.Ignored {
		s.Ignored[k] += v
	}
	for k, v := range o.Skipped {
		s.Skipped[k] += v
	}
	all := append(s.Problems, o.Problems...)
	slices.SortStableFunc(all, func(a, b Problem) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Offset, b.Offset)
	})
	s.Problems = s.Problems[:0]
	s.perFile = map[string]int{}
	for _, p := range all {
		s.Problem(p)
	}
}

// TotalSkipped is the number of records skipped for any reason.
func (s *Stats) TotalSkipped() int64 {
	var n int64
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

// Keys returns a map's keys sorted.
func Keys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }
