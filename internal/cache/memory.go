package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/maypok86/otter/v2"
)

// Memory is the in-process Store, the default when REDIS_URL is empty. It is
// bounded in bytes: past maxBytes, the least valuable entries are evicted
// (otter's W-TinyLFU). Create it with NewMemory and stop it with Close.
type Memory struct {
	c   *otter.Cache[string, *memGroup]
	now func() time.Time
}

// memGroup holds a group's variants. It is never modified once in the cache: Set
// and Delete build a new one, so readers need no lock.
type memGroup struct {
	items     map[string]memItem
	expiresAt int64 // the latest of the items' expiry, Unix ns
}

type memItem struct {
	e         Entry
	expiresAt int64 // Unix ns
}

var _ Store = (*Memory)(nil)

// NewMemory returns an in-process store that holds about maxBytes of keys and
// values (a fixed overhead per entry included): bounding bytes, not entries,
// keeps the process's memory budget whatever the answers' sizes. WithClock
// sets its clock.
func NewMemory(maxBytes int, opts ...Option) (*Memory, error) {
	if maxBytes <= 0 {
		return nil, fmt.Errorf("cache: memory: maxBytes must be positive, got %d", maxBytes)
	}
	o := buildOptions(opts)
	m := &Memory{now: o.now}
	oo := &otter.Options[string, *memGroup]{
		MaximumWeight: uint64(maxBytes),
		Weigher:       weigh,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *memGroup]) time.Duration {
			return time.Duration(e.Value.expiresAt - m.now().UnixNano())
		}),
	}
	if o.fakeClock {
		oo.Clock = otterClock{now: o.now}
	}
	c, err := otter.New(oo)
	if err != nil {
		return nil, fmt.Errorf("cache: memory: %w", err)
	}
	m.c = c
	return m, nil
}

// What a group and each of its variants cost beyond their key and value
// bytes, measured with runtime.MemStats (a one-variant group of a 60-byte
// answer took about 1.35 KB of heap): the group's map, which Go sizes for 8
// slots, its otter node and strings; then a map slot and an Entry per variant.
const (
	groupOverhead = 800
	itemOverhead  = 100
)

// maxVariants bounds a group's variants (one per distinct "properties" list of
// a contact): a client inventing lists must not make one group, and each Set
// that copies it, grow without end.
const maxVariants = 16

// weigh is a group's size in bytes, as the cache's bound counts it.
func weigh(group string, g *memGroup) uint32 {
	n := len(group) + groupOverhead
	for v, it := range g.items {
		n += len(v) + len(it.e.Value) + itemOverhead
	}
	return uint32(min(n, 1<<31))
}

// otterClock drives otter's expiry from an injected clock. Without ticks otter
// expires entries on access and writes instead of in a background goroutine.
type otterClock struct{ now func() time.Time }

func (c otterClock) NowNano() int64                      { return c.now().UnixNano() }
func (c otterClock) Tick(time.Duration) <-chan time.Time { return nil }

// Get returns the entry under key; it never fails.
func (m *Memory) Get(_ context.Context, key string) (Entry, bool, error) {
	group, variant, _ := splitKey(key)
	g, ok := m.c.GetIfPresent(group)
	if !ok {
		return Entry{}, false, nil
	}
	it, ok := g.items[variant]
	// otter has expired the group at its latest expiry, so only a variant that
	// expires earlier needs the clock (which is most of a hit's cost).
	if !ok || (it.expiresAt < g.expiresAt && it.expiresAt <= m.now().UnixNano()) {
		return Entry{}, false, nil
	}
	return it.e, true, nil
}

// Set stores e under key for ttl; it never fails.
func (m *Memory) Set(_ context.Context, key string, e Entry, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	group, variant, _ := splitKey(key)
	now := m.now().UnixNano()
	item := memItem{e: e, expiresAt: now + int64(ttl)}
	m.c.Compute(group, func(old *memGroup, found bool) (*memGroup, otter.ComputeOp) {
		g := &memGroup{items: make(map[string]memItem, 1), expiresAt: item.expiresAt}
		if found {
			for v, it := range old.items {
				if it.expiresAt > now {
					g.items[v] = it
					g.expiresAt = max(g.expiresAt, it.expiresAt)
				}
			}
		}
		if _, replaces := g.items[variant]; !replaces && len(g.items) >= maxVariants {
			delete(g.items, soonestToExpire(g.items))
		}
		g.items[variant] = item
		return g, otter.WriteOp
	})
	return nil
}

// soonestToExpire names the variant that expires first.
func soonestToExpire(items map[string]memItem) string {
	var name string
	var at int64
	for v, it := range items {
		if name == "" || it.expiresAt < at {
			name, at = v, it.expiresAt
		}
	}
	return name
}

// Delete removes keys (groups with all their variants, or single variants); it
// never fails.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	for _, key := range keys {
		group, variant, hasVariant := splitKey(key)
		if !hasVariant {
			m.c.Invalidate(group)
			continue
		}
		m.c.ComputeIfPresent(group, func(old *memGroup) (*memGroup, otter.ComputeOp) {
			if _, ok := old.items[variant]; !ok {
				return old, otter.CancelOp
			}
			if len(old.items) == 1 {
				return nil, otter.InvalidateOp
			}
			g := &memGroup{items: make(map[string]memItem, len(old.items)-1), expiresAt: old.expiresAt}
			for v, it := range old.items {
				if v != variant {
					g.items[v] = it
				}
			}
			return g, otter.WriteOp
		})
	}
	return nil
}

// Close stops the cache's background maintenance. The store must not be used
// afterwards.
func (m *Memory) Close() error {
	m.c.StopAllGoroutines()
	return nil
}
