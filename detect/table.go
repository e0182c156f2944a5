package detect

import "iter"

// chunkSize is how many values a Table keeps in one allocation.
const chunkSize = 1024

// Table is per-key state for an aggregator: a map from key to a slot, the values stored in
// fixed-size chunks. A value never moves once added (a pointer from Get stays valid), growing
// copies nothing and leaves no slack beyond the last chunk: what a million-key table costs is
// its map and its values, not twice its values.
//
// Tables whose keys are known not to overlap (the engine partitions events by source address)
// join by Absorb, which keeps the other table whole instead of re-inserting its keys.
type Table[K comparable, V any] struct {
	idx    map[K]uint32
	chunks [][]V
	n      int
	parts  []*Table[K, V]
}

// NewTable returns an empty table.
func NewTable[K comparable, V any]() *Table[K, V] {
	return &Table[K, V]{idx: map[K]uint32{}}
}

func (t *Table[K, V]) at(i uint32) *V { return &t.chunks[i/chunkSize][i%chunkSize] }

// Lookup returns the value of k, or nil.
func (t *Table[K, V]) Lookup(k K) *V {
	if i, ok := t.idx[k]; ok {
		return t.at(i)
	}
	for _, p := range t.parts {
		if v := p.Lookup(k); v != nil {
			return v
		}
	}
	return nil
}

// Get returns the value of k, adding a zero value when k is new (fresh reports that).
func (t *Table[K, V]) Get(k K) (v *V, fresh bool) {
	if i, ok := t.idx[k]; ok {
		return t.at(i), false
	}
	if len(t.parts) > 0 {
		if v := t.Lookup(k); v != nil {
			return v, false
		}
	}
	if t.n%chunkSize == 0 {
		t.chunks = append(t.chunks, make([]V, chunkSize))
	}
	i := uint32(t.n)
	t.n++
	t.idx[k] = i
	return t.at(i), true
}

// Len is the number of keys.
func (t *Table[K, V]) Len() int {
	n := t.n
	for _, p := range t.parts {
		n += p.Len()
	}
	return n
}

// All yields every key and its value, in no particular order.
func (t *Table[K, V]) All() iter.Seq2[K, *V] {
	return func(yield func(K, *V) bool) {
		for k, i := range t.idx {
			if !yield(k, t.at(i)) {
				return
			}
		}
		for _, p := range t.parts {
			for k, v := range p.All() {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// Absorb takes o into t without re-inserting its keys. It is correct only when no key of o
// is in t; o must not be used afterwards. Empty tables are kept too, so that the tables of
// one aggregator, absorbed in step, keep parts that line up (see Parts).
func (t *Table[K, V]) Absorb(o *Table[K, V]) {
	if o == nil {
		return
	}
	inner := o.parts
	o.parts = nil
	t.parts = append(t.parts, o)
	t.parts = append(t.parts, inner...)
}

// Parts returns the table's own part first, then the tables it absorbed, in order. Each part
// is a table without parts of its own: look keys up in the part they belong to (the engine's
// partition of a source) instead of across all of them.
func (t *Table[K, V]) Parts() []*Table[K, V] {
	own := &Table[K, V]{idx: t.idx, chunks: t.chunks, n: t.n}
	return append([]*Table[K, V]{own}, t.parts...)
}

// DisjointMerger is an optional Aggregator interface. The engine partitions events by source
// address, so when every key of an aggregator contains the event's source address, the
// partitions' aggregators share no key: MergeDisjoint may then join them without looking
// keys up (Table.Absorb). The engine prefers it to MergerAll and Merge when merging its
// partitions; Merge must still work for aggregators that do share keys.
type DisjointMerger interface {
	MergeDisjoint(others []Aggregator)
}
