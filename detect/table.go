package detect

import (
	"hash/maphash"
	"iter"
)

// chunkSize is how many entries a Table keeps in one allocation.
const chunkSize = 1024

// entry is a key and its value, stored together.
type entry[K comparable, V any] struct {
	k K
	v V
}

// Table is per-key state for an aggregator: entries (key and value together) in fixed-size
// chunks, found through an open-addressing index of 4-byte slots kept at most half full. A
// value never moves once added (a pointer from Get stays valid), growing copies no entry, and a
// key costs its entry and 8 bytes of index on average: a million-key table is its entries, not
// twice them.
//
// Tables whose keys are known not to overlap (the engine partitions events by source address)
// join by Absorb, which keeps the other table whole instead of re-inserting its keys.
type Table[K comparable, V any] struct {
	slots  []uint32 // 0 empty, else entry index + 1; length a power of two
	chunks [][]entry[K, V]
	n      int
	seed   maphash.Seed
	parts  []*Table[K, V]
}

// NewTable returns an empty table.
func NewTable[K comparable, V any]() *Table[K, V] {
	return &Table[K, V]{seed: maphash.MakeSeed()}
}

func (t *Table[K, V]) at(i uint32) *entry[K, V] { return &t.chunks[i/chunkSize][i%chunkSize] }

// find returns the slot of k: the one holding it, or the empty one where it belongs.
func (t *Table[K, V]) find(k K) (slot int, found bool) {
	if len(t.slots) == 0 {
		return -1, false
	}
	mask := len(t.slots) - 1
	i := int(maphash.Comparable(t.seed, k)) & mask
	for {
		s := t.slots[i]
		if s == 0 {
			return i, false
		}
		if t.at(s-1).k == k {
			return i, true
		}
		i = (i + 1) & mask
	}
}

// grow doubles the index (or makes the first) and places every entry again.
func (t *Table[K, V]) grow() {
	size := max(16, 2*len(t.slots))
	t.slots = make([]uint32, size)
	mask := size - 1
	for e := 0; e < t.n; e++ {
		i := int(maphash.Comparable(t.seed, t.at(uint32(e)).k)) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(e + 1)
	}
}

// own looks k up in the table's own entries.
func (t *Table[K, V]) own(k K) *V {
	if slot, ok := t.find(k); ok {
		return &t.at(t.slots[slot] - 1).v
	}
	return nil
}

// Lookup returns the value of k, or nil.
func (t *Table[K, V]) Lookup(k K) *V {
	if v := t.own(k); v != nil {
		return v
	}
	for _, p := range t.parts {
		if v := p.own(k); v != nil {
			return v
		}
	}
	return nil
}

// Get returns the value of k, adding a zero value when k is new (fresh reports that).
func (t *Table[K, V]) Get(k K) (v *V, fresh bool) {
	slot, ok := t.find(k)
	if ok {
		return &t.at(t.slots[slot] - 1).v, false
	}
	for _, p := range t.parts {
		if v := p.own(k); v != nil {
			return v, false
		}
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
		slot, _ = t.find(k)
	}
	if t.n%chunkSize == 0 {
		t.chunks = append(t.chunks, make([]entry[K, V], chunkSize))
	}
	e := t.at(uint32(t.n))
	e.k = k
	t.n++
	t.slots[slot] = uint32(t.n)
	return &e.v, true
}

// Len is the number of keys.
func (t *Table[K, V]) Len() int {
	n := t.n
	for _, p := range t.parts {
		n += p.n
	}
	return n
}

// All yields every key and its value, in the order they were added, part after part.
func (t *Table[K, V]) All() iter.Seq2[K, *V] {
	return func(yield func(K, *V) bool) {
		for _, p := range append([]*Table[K, V]{t}, t.parts...) {
			for i := 0; i < p.n; i++ {
				e := p.at(uint32(i))
				if !yield(e.k, &e.v) {
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
	own := &Table[K, V]{slots: t.slots, chunks: t.chunks, n: t.n, seed: t.seed}
	return append([]*Table[K, V]{own}, t.parts...)
}

// DisjointMerger is an optional Aggregator interface. The engine partitions events by source
// address, so when every key of an aggregator contains the event's source address, the
// partitions' aggregators share no key: MergeDisjoint may then join them without looking
// keys up (Table.Absorb). The engine prefers it to Merge when merging its
// partitions; Merge must still work for aggregators that do share keys.
type DisjointMerger interface {
	MergeDisjoint(others []Aggregator)
}
