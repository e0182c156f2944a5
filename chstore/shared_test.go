package chstore

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// The feeds that subscribe share one run of the scan and each sees every record; a feed that
// returns without subscribing is not waited for; a second subscription runs on its own; an
// error of the scan reaches every subscriber.
func TestSharedScan(t *testing.T) {
	var runs atomic.Int32
	records := []int{1, 2, 3, 4}
	run := func(fn func(int) error) error {
		runs.Add(1)
		for _, r := range records {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	s := newSharedScan(run, []int{0, 3, 7})
	sums := make([]int, 8)
	var wg sync.WaitGroup
	for _, feed := range []int{0, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.leave(feed)
			if err := s.subscribe(feed, func(v int) error { sums[feed] += v; return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	s.leave(7) // feed 7 returned without reading the records
	wg.Wait()
	if runs.Load() != 1 || sums[0] != 10 || sums[3] != 10 {
		t.Fatalf("%d runs, sums %v", runs.Load(), sums)
	}
	if err := s.subscribe(0, func(v int) error { sums[0] += v; return nil }); err != nil || runs.Load() != 2 || sums[0] != 20 {
		t.Fatalf("second subscription: %v, %d runs, sum %d", err, runs.Load(), sums[0])
	}

	boom := errors.New("boom")
	s = newSharedScan(func(fn func(int) error) error { return boom }, []int{1, 2})
	errs := make(chan error, 2)
	for _, feed := range []int{1, 2} {
		go func() { errs <- s.subscribe(feed, func(int) error { return nil }) }()
	}
	for range 2 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("subscriber got %v", err)
		}
	}
}
