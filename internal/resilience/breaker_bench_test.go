package resilience

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// benchSettings: a large capacity and a breaker that never opens.
func benchSettings() Settings {
	s := testSettings()
	s.Capacity = 1 << 16
	return s
}

func nop(context.Context) (int, error) { return 1, nil }

func BenchmarkBreakerPlainCall(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		nop(ctx)
	}
}

func BenchmarkBreakerGobreakerExecute(b *testing.B) {
	cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Interval: 10 * time.Second, BucketPeriod: time.Second})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cb.Execute(func() (int, error) { return nop(ctx) })
	}
}

func BenchmarkBreakerCall(b *testing.B) {
	for _, bc := range []struct {
		name string
		ctx  func(*testing.B) context.Context
		opts func(*testing.B) []Option
	}{
		{"ShortCallerDeadline", func(*testing.B) context.Context { return context.Background() }, nil},
		{"NoCallerDeadline", func(*testing.B) context.Context { return context.Background() }, nil},
		{"WithMetrics", func(*testing.B) context.Context { return context.Background() }, func(b *testing.B) []Option {
			m, err := NewMetrics(prometheus.NewRegistry())
			if err != nil {
				b.Fatal(err)
			}
			return []Option{WithMetrics(m)}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchSettings()
			ctx := bc.ctx(b)
			if bc.name != "NoCallerDeadline" {
				c, cancel := context.WithTimeout(ctx, s.Timeout/2)
				b.Cleanup(cancel)
				ctx = c
			}
			var opts []Option
			if bc.opts != nil {
				opts = bc.opts(b)
			}
			br, err := NewBreaker(s, opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				Call(ctx, br, nop)
			}
		})
	}
}

func BenchmarkBreakerRejectWhileOpen(b *testing.B) {
	br, _ := NewBreaker(benchSettings())
	br.ForceOpen()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		Call(ctx, br, nop)
	}
}

func BenchmarkBreakerRejectWhileTripped(b *testing.B) {
	s := benchSettings()
	s.ResetTimeout = time.Hour
	br, _ := NewBreaker(s)
	callN(br, 4, failWith(errBoom))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		Call(ctx, br, nop)
	}
}

func BenchmarkBreakerParallelPlainCall(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			nop(ctx)
		}
	})
}

func BenchmarkBreakerParallelGobreakerExecute(b *testing.B) {
	cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{Interval: 10 * time.Second, BucketPeriod: time.Second})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			cb.Execute(func() (int, error) { return nop(ctx) })
		}
	})
}

func BenchmarkBreakerParallelCall(b *testing.B) {
	s := benchSettings()
	br, _ := NewBreaker(s)
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout/2)
	defer cancel()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			Call(ctx, br, nop)
		}
	})
}

func BenchmarkBreakerParallelRejectWhileTripped(b *testing.B) {
	s := benchSettings()
	s.ResetTimeout = time.Hour
	br, _ := NewBreaker(s)
	callN(br, 4, failWith(errBoom))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			Call(ctx, br, nop)
		}
	})
}
