package cloud

import (
	"github.com/sluice-hunt/sluice/detect"
	"github.com/sluice-hunt/sluice/event"
)

// Row is one row of a seed's `stats count by ...`: how many events share its key, the first
// one's time, and the records kept as evidence.
type Row struct {
	N     int64
	First event.Time
	Ev    detect.Sample
}

// Rows are a seed's stats rows by key. A key may hold a size that is not known yet (its events
// stated none): Sized settles them once every event has been seen.
type Rows[K comparable] map[K]*Row

// Add counts an event under k; clone copies the key's strings when the row is new (events'
// strings alias read buffers). keep is the most evidence records a row keeps.
func (rs Rows[K]) Add(k K, clone func(K) K, e *event.Cloud, keep int) {
	r := rs[k]
	if r == nil {
		r = &Row{First: e.TS}
		rs[clone(k)] = r
	}
	r.N++
	r.First = min(r.First, e.TS)
	r.Ev.Add(keep, detect.Item{TS: e.TS, Ref: e.Ref})
}

// Merge folds o's rows into rs.
func (rs Rows[K]) Merge(o Rows[K], keep int) {
	for k, x := range o {
		r := rs[k]
		if r == nil {
			c := *x
			rs[k] = &c
			continue
		}
		r.N += x.N
		r.First = min(r.First, x.First)
		r.Ev.Merge(keep, &x.Ev)
	}
}

// Sized returns the rows with their keys settled: settle returns a key's final form (its size
// learned) and whether the row stays (Splunk's stats drops events that lack a by field, a size
// included). Rows whose settled keys are equal are one row.
func (rs Rows[K]) Sized(keep int, settle func(K) (K, bool)) Rows[K] {
	out := Rows[K]{}
	for k, r := range rs {
		if k2, ok := settle(k); ok {
			out.Merge(Rows[K]{k2: r}, keep)
		}
	}
	return out
}
