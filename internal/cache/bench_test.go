package cache

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// benchValue is about the size of a HubSpot contact with a few properties.
var benchValue = make([]byte, 600)

func benchStores(b *testing.B) map[string]Store {
	mem, err := NewMemory(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	return map[string]Store{"memory": mem, "redis": newTestRedis(b, redisURL(b))}
}

func BenchmarkStoreGetHit(b *testing.B) {
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			key := ContactKey("42", []string{"email", "firstname"})
			if err := s.Set(ctx, key, Entry{Value: benchValue, StoredAt: time.Now()}, time.Hour); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := s.Get(ctx, key); !ok || err != nil {
					b.Fatalf("Get = %v, %v", ok, err)
				}
			}
		})
	}
}

func BenchmarkReadThroughHit(b *testing.B) {
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			rt := NewReadThrough(s, nil, zerolog.Nop())
			key := ContactKey("42", []string{"email", "firstname"})
			load := func(context.Context) ([]byte, error) { return benchValue, nil }
			if _, err := rt.Get(ctx, ServiceHubSpot, key, time.Hour, time.Hour, load); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if res, err := rt.Get(ctx, ServiceHubSpot, key, time.Hour, time.Hour, load); err != nil || res.Status != Hit {
					b.Fatalf("Get = %v, %v", res.Status, err)
				}
			}
		})
	}
}

func BenchmarkMemoryGetHitParallel(b *testing.B) {
	mem, err := NewMemory(1 << 20)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mem.Close() })
	ctx := context.Background()
	_ = mem.Set(ctx, "k", Entry{Value: benchValue, StoredAt: time.Now()}, time.Hour)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _, _ = mem.Get(ctx, "k")
		}
	})
}
