package detect

import (
	"maps"
	"testing"
)

func TestTable(t *testing.T) {
	a, b := NewTable[int, int](), NewTable[int, int]()
	for i := 0; i < 3*chunkSize+7; i++ {
		v, fresh := a.Get(i)
		if !fresh {
			t.Fatalf("key %d not fresh", i)
		}
		*v = i * 10
	}
	first, _ := a.Get(0)
	for i := 3 * chunkSize; i < 4*chunkSize; i++ { // keys that a also has
		v, _ := b.Get(i)
		*v = 1
	}
	if v, fresh := a.Get(5); fresh || *v != 50 || v != a.Lookup(5) {
		t.Errorf("Get(5) = %v, %v", *v, fresh)
	}
	if a.Lookup(-1) != nil || a.Len() != 3*chunkSize+7 {
		t.Errorf("Lookup(-1) or Len %d", a.Len())
	}
	// values never move as the table grows
	if p, _ := a.Get(0); p != first {
		t.Error("a value moved")
	}
	// disjoint tables join without re-inserting
	c := NewTable[int, int]()
	for i := -100; i < 0; i++ {
		v, _ := c.Get(i)
		*v = i
	}
	a.Absorb(c)
	a.Absorb(NewTable[int, int]())
	if a.Len() != 3*chunkSize+7+100 || *a.Lookup(-5) != -5 {
		t.Errorf("after Absorb: Len %d, Lookup(-5) %v", a.Len(), a.Lookup(-5))
	}
	if v, fresh := a.Get(-7); fresh || *v != -7 {
		t.Errorf("Get of an absorbed key: %v %v", *v, fresh)
	}
	got := maps.Collect(func(yield func(int, int) bool) {
		for k, v := range a.All() {
			if !yield(k, *v) {
				return
			}
		}
	})
	if len(got) != a.Len() || got[-100] != -100 || got[10] != 100 {
		t.Errorf("All gave %d keys", len(got))
	}
	n := 0
	for range a.All() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Error("All did not stop when asked")
	}
	_ = b
}
