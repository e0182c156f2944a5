package detect

import (
	"slices"

	"github.com/sluice-hunt/sluice/event"
	"github.com/sluice-hunt/sluice/finding"
)

// Item is one candidate evidence record.
type Item struct {
	Rank int64 // higher is kept first (bytes, duration ...); equal ranks prefer earlier records
	TS   event.Time
	Ref  event.Ref
	// SrcPort is the record's source port (0 unknown), for process attribution.
	SrcPort uint16
}

func better(a, b Item) bool {
	if a.Rank != b.Rank {
		return a.Rank > b.Rank
	}
	if a.TS != b.TS {
		return a.TS < b.TS
	}
	return a.Ref.Less(b.Ref)
}

// Sample keeps the best few records of a key as evidence: highest Rank, then earliest, then
// lowest file/line. What it keeps does not depend on the order records arrive in, so samples
// merge deterministically. The zero value is empty.
type Sample struct {
	items []Item
}

// Add offers a record; k is the most the sample keeps.
func (s *Sample) Add(k int, it Item) {
	if k <= 0 {
		return
	}
	for _, x := range s.items {
		if x.Ref == it.Ref && x.TS == it.TS {
			return // the same record offered twice (through two keys that merge)
		}
	}
	if len(s.items) < k {
		if s.items == nil {
			s.items = make([]Item, 0, min(k, 4))
		}
		s.items = append(s.items, it)
		s.sift()
		return
	}
	last := &s.items[len(s.items)-1]
	if better(it, *last) {
		*last = it
		s.sift()
	}
}

// sift restores best-first order after the last item changed.
func (s *Sample) sift() {
	for i := len(s.items) - 1; i > 0 && better(s.items[i], s.items[i-1]); i-- {
		s.items[i], s.items[i-1] = s.items[i-1], s.items[i]
	}
}

// Merge offers every record of o.
func (s *Sample) Merge(k int, o *Sample) {
	for _, it := range o.items {
		s.Add(k, it)
	}
}

// Len is the number of records kept.
func (s *Sample) Len() int { return len(s.items) }

// Items returns the kept records in time order.
func (s *Sample) Items() []Item {
	out := slices.Clone(s.items)
	slices.SortFunc(out, func(a, b Item) int {
		if a.TS != b.TS {
			if a.TS < b.TS {
				return -1
			}
			return 1
		}
		if a.Ref.Less(b.Ref) {
			return -1
		}
		if b.Ref.Less(a.Ref) {
			return 1
		}
		return 0
	})
	return out
}

// Evidence converts the kept records to finding evidence, in time order; note, when not nil,
// describes each record.
func (s *Sample) Evidence(note func(Item) string) []finding.Evidence {
	var out []finding.Evidence
	for _, it := range s.Items() {
		ev := finding.Evidence{Ref: it.Ref, TS: it.TS, SrcPort: it.SrcPort}
		if note != nil {
			ev.Note = note(it)
		}
		out = append(out, ev)
	}
	return out
}
