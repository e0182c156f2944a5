package chstore

import "sync"

// sharedScan runs one query for all the feeds that read the same stored records (the DNS
// records of beacon and dns-tunnel): engine.Run starts the feeds together, each subscribes its
// function, and when every feed expected has subscribed or returned, the last to arrive runs
// the query and hands each record to every subscriber in turn. The others wait for it.
type sharedScan[T any] struct {
	run func(fn func(T) error) error

	mu      sync.Mutex
	pending map[int]bool // the feeds that may still subscribe
	subs    []func(T) error
	started bool
	done    chan struct{}
	err     error
}

func newSharedScan[T any](run func(fn func(T) error) error, feeds []int) *sharedScan[T] {
	s := &sharedScan[T]{run: run, pending: map[int]bool{}, done: make(chan struct{})}
	for _, f := range feeds {
		s.pending[f] = true
	}
	return s
}

// subscribe adds feed's fn to the scan and returns when the scan is over. A feed not expected,
// or subscribing a second time, runs a scan of its own.
func (s *sharedScan[T]) subscribe(feed int, fn func(T) error) error {
	s.mu.Lock()
	if !s.pending[feed] || s.started {
		s.mu.Unlock()
		return s.run(fn)
	}
	delete(s.pending, feed)
	s.subs = append(s.subs, fn)
	last := s.startIfReady()
	s.mu.Unlock()
	if last {
		s.scan()
	}
	<-s.done
	return s.err
}

// leave says a feed returned: if it never subscribed, the scan no longer waits for it.
func (s *sharedScan[T]) leave(feed int) {
	s.mu.Lock()
	if !s.pending[feed] {
		s.mu.Unlock()
		return
	}
	delete(s.pending, feed)
	last := s.startIfReady()
	s.mu.Unlock()
	if last {
		s.scan()
	}
}

// startIfReady marks the scan started when no feed is pending and some subscribed (s.mu held).
func (s *sharedScan[T]) startIfReady() bool {
	if len(s.pending) > 0 || s.started || len(s.subs) == 0 {
		return false
	}
	s.started = true
	return true
}

func (s *sharedScan[T]) scan() {
	s.err = s.run(func(v T) error {
		for _, fn := range s.subs {
			if err := fn(v); err != nil {
				return err
			}
		}
		return nil
	})
	close(s.done)
}
