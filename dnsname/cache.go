package dnsname

import (
	"hash/maphash"
	"strings"
	"sync"
)

// Cache keeps what was computed from recent query names, for all the goroutines of a run (the
// engine's partitions see the same popular names): sharded under locks, each shard starting
// over when full. The zero value is not ready: use NewCache.
type Cache[V any] struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard[V]
}

type cacheShard[V any] struct {
	mu sync.Mutex
	m  map[string]V
}

const (
	cacheShards   = 64
	cacheShardCap = 4096 // 262,144 names in all
)

// NewCache returns an empty cache.
func NewCache[V any]() *Cache[V] {
	c := &Cache[V]{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]V)
	}
	return c
}

// Get returns the value kept for name, or computes it with compute (outside the lock) and
// keeps it under a copy of name.
func (c *Cache[V]) Get(name string, compute func(string) V) V {
	sh := &c.shards[maphash.String(c.seed, name)%cacheShards]
	sh.mu.Lock()
	v, ok := sh.m[name]
	sh.mu.Unlock()
	if ok {
		return v
	}
	v = compute(name)
	sh.mu.Lock()
	if len(sh.m) >= cacheShardCap {
		clear(sh.m)
	}
	sh.m[strings.Clone(name)] = v
	sh.mu.Unlock()
	return v
}
