package cache

import (
	"bytes"
	"strconv"
	"testing"
	"time"
)

// TestStore runs one table of behaviours against every Store implementation.
func TestStore(t *testing.T) {
	type step struct {
		op      string // "set", "get", "delete", "advance"
		key     string
		keys    []string
		val     string
		ttl     time.Duration
		wantOK  bool // get: found
		wantVal string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"absent key misses", []step{
			{op: "get", key: "svc:op:none"},
		}},
		{"stored value is returned", []step{
			{op: "set", key: "svc:op:1", val: `{"id":"1"}`, ttl: time.Minute},
			{op: "get", key: "svc:op:1", wantOK: true, wantVal: `{"id":"1"}`},
		}},
		{"empty value is a hit", []step{
			{op: "set", key: "svc:op:1", val: "", ttl: time.Minute},
			{op: "get", key: "svc:op:1", wantOK: true, wantVal: ""},
		}},
		{"overwrite replaces", []step{
			{op: "set", key: "svc:op:1", val: "a", ttl: time.Minute},
			{op: "set", key: "svc:op:1", val: "b", ttl: time.Minute},
			{op: "get", key: "svc:op:1", wantOK: true, wantVal: "b"},
		}},
		{"entry expires after its ttl", []step{
			{op: "set", key: "svc:op:1", val: "a", ttl: time.Minute},
			{op: "advance", ttl: time.Minute - time.Nanosecond},
			{op: "get", key: "svc:op:1", wantOK: true, wantVal: "a"},
			{op: "advance", ttl: time.Nanosecond},
			{op: "get", key: "svc:op:1"},
		}},
		{"zero ttl stores nothing", []step{
			{op: "set", key: "svc:op:1", val: "a", ttl: 0},
			{op: "get", key: "svc:op:1"},
		}},
		{"variants are separate", []step{
			{op: "set", key: "g:1|a", val: "A", ttl: time.Minute},
			{op: "set", key: "g:1|b", val: "B", ttl: time.Minute},
			{op: "get", key: "g:1|a", wantOK: true, wantVal: "A"},
			{op: "get", key: "g:1|b", wantOK: true, wantVal: "B"},
			{op: "get", key: "g:1|c"},
			{op: "get", key: "g:1"},
		}},
		{"variants expire on their own", []step{
			{op: "set", key: "g:1|a", val: "A", ttl: time.Minute},
			{op: "set", key: "g:1|b", val: "B", ttl: time.Hour},
			{op: "advance", ttl: 2 * time.Minute},
			{op: "get", key: "g:1|a"},
			{op: "get", key: "g:1|b", wantOK: true, wantVal: "B"},
		}},
		{"deleting a group deletes its variants", []step{
			{op: "set", key: "g:1|a", val: "A", ttl: time.Minute},
			{op: "set", key: "g:1|b", val: "B", ttl: time.Minute},
			{op: "set", key: "g:2|a", val: "other", ttl: time.Minute},
			{op: "delete", keys: []string{"g:1"}},
			{op: "get", key: "g:1|a"},
			{op: "get", key: "g:1|b"},
			{op: "get", key: "g:2|a", wantOK: true, wantVal: "other"},
		}},
		{"deleting a variant keeps the others", []step{
			{op: "set", key: "g:1|a", val: "A", ttl: time.Minute},
			{op: "set", key: "g:1|b", val: "B", ttl: time.Minute},
			{op: "delete", keys: []string{"g:1|a"}},
			{op: "get", key: "g:1|a"},
			{op: "get", key: "g:1|b", wantOK: true, wantVal: "B"},
		}},
		{"deleting several keys, some missing", []step{
			{op: "set", key: "k:1", val: "1", ttl: time.Minute},
			{op: "set", key: "k:2", val: "2", ttl: time.Minute},
			{op: "delete", keys: []string{"k:1", "k:2", "k:none", "g:none|x"}},
			{op: "get", key: "k:1"},
			{op: "get", key: "k:2"},
		}},
		{"deleting nothing", []step{
			{op: "delete"},
		}},
	}
	for _, sf := range stores(t) {
		t.Run(sf.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					clock := newFakeClock()
					s := sf.new(t, clock)
					ctx := t.Context()
					for i, st := range tt.steps {
						switch st.op {
						case "set":
							if err := s.Set(ctx, st.key, Entry{Value: []byte(st.val), StoredAt: clock.Now()}, st.ttl); err != nil {
								t.Fatalf("step %d: Set(%q) = %v", i, st.key, err)
							}
						case "delete":
							if err := s.Delete(ctx, st.keys...); err != nil {
								t.Fatalf("step %d: Delete(%q) = %v", i, st.keys, err)
							}
						case "advance":
							clock.Advance(st.ttl)
						case "get":
							e, ok, err := s.Get(ctx, st.key)
							if err != nil {
								t.Fatalf("step %d: Get(%q) error %v", i, st.key, err)
							}
							if ok != st.wantOK || !bytes.Equal(e.Value, []byte(st.wantVal)) {
								t.Fatalf("step %d: Get(%q) = %q, %v; want %q, %v", i, st.key, e.Value, ok, st.wantVal, st.wantOK)
							}
						}
					}
				})
			}
			t.Run("stored time survives the round trip", func(t *testing.T) {
				clock := newFakeClock()
				s := sf.new(t, clock)
				at := clock.Now().Add(-42 * time.Second)
				if err := s.Set(t.Context(), "k", Entry{Value: []byte("v"), StoredAt: at}, time.Minute); err != nil {
					t.Fatal(err)
				}
				e, ok, err := s.Get(t.Context(), "k")
				if err != nil || !ok || !e.StoredAt.Equal(at) {
					t.Fatalf("Get = %v, %v, %v; want StoredAt %v", e.StoredAt, ok, err, at)
				}
			})
		})
	}
}

func TestNewMemoryRejectsNonPositiveSize(t *testing.T) {
	if _, err := NewMemory(0); err == nil {
		t.Fatal("NewMemory(0) succeeded, want an error")
	}
}

func TestMemoryIsBoundedInBytes(t *testing.T) {
	const budget = 10_000
	m, err := NewMemory(budget)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	value := bytes.Repeat([]byte("v"), 200)
	for i := range 1000 {
		_ = m.Set(t.Context(), "k:"+strconv.Itoa(i), Entry{Value: value}, time.Hour)
	}
	m.c.CleanUp()
	if n := m.c.WeightedSize(); n > budget || n == 0 {
		t.Fatalf("after 1000 sets of 200 bytes the cache weighs %d bytes, want 1..%d", n, budget)
	}
}

// TestMemoryBoundsVariantsPerGroup: a client inventing "properties" lists
// cannot grow one contact's group (copied on every Set) without end.
func TestMemoryBoundsVariantsPerGroup(t *testing.T) {
	clock := newFakeClock()
	m, err := NewMemory(1<<20, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	for i := range 100 {
		clock.Advance(time.Second) // later variants expire later
		_ = m.Set(t.Context(), ContactKey("42", []string{"p" + strconv.Itoa(i)}), Entry{Value: []byte("v")}, time.Hour)
	}
	g, ok := m.c.GetIfPresent(ContactGroup("42"))
	if !ok || len(g.items) != maxVariants {
		t.Fatalf("group holds %d variants, want %d", len(g.items), maxVariants)
	}
	if _, ok, _ := m.Get(t.Context(), ContactKey("42", []string{"p99"})); !ok {
		t.Error("the newest variant was dropped")
	}
	if _, ok, _ := m.Get(t.Context(), ContactKey("42", []string{"p0"})); ok {
		t.Error("the first (soonest to expire) variant is still there")
	}
}
