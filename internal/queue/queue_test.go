package queue

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEnqueueGet(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			clock := newFakeClock()
			o, reg := testOptions(clock)
			q := b.open(t, o)
			job, err := q.Enqueue(t.Context(), []byte(`{"email":"a@example.com"}`))
			if err != nil {
				t.Fatal(err)
			}
			got := mustGet(t, q, job.ID)
			if got.State != StateQueued || got.Attempts != 0 || !got.CreatedAt.Equal(clock.Now()) ||
				!got.UpdatedAt.Equal(clock.Now()) || string(got.Payload) != `{"email":"a@example.com"}` {
				t.Errorf("Get() = %+v, want the queued job stamped %v", got, clock.Now())
			}
			for _, id := range []string{strings.Repeat("0", 32), "not-an-id", "", job.ID + "x"} {
				if _, ok, err := q.Get(t.Context(), id); ok || err != nil {
					t.Errorf("Get(%q) = ok %v, err %v; want not found", id, ok, err)
				}
			}
			if n := metricValue(t, reg, "queue_depth"); n != 1 {
				t.Errorf("queue_depth = %v, want 1", n)
			}
		})
	}
}

func TestJobJSON(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b, err := json.Marshal(Job{ID: "j1", State: StateQueued, CreatedAt: at, UpdatedAt: at, Payload: []byte("secret")})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"jobId":"j1","state":"queued","attempts":0,"createdAt":"2026-03-01T09:00:00Z","updatedAt":"2026-03-01T09:00:00Z"}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestMemoryRetention(t *testing.T) {
	clock := newFakeClock()
	o, _ := testOptions(clock)
	o.Retention = time.Hour
	q, err := NewMemory(o)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := q.Enqueue(t.Context(), []byte("a"))
	c, _, _ := q.claim(t.Context(), "c", time.Millisecond)
	if _, err := q.settle(t.Context(), c, settlement{mode: settleDelivered}); err != nil {
		t.Fatal(err)
	}
	open, _ := q.Enqueue(t.Context(), []byte("b"))
	clock.Advance(59 * time.Minute)
	mustGet(t, q, done.ID)
	clock.Advance(time.Minute)
	if _, ok, _ := q.Get(t.Context(), done.ID); ok {
		t.Error("a delivered job is still there after the retention")
	}
	mustGet(t, q, open.ID) // unfinished jobs never expire
}

func TestCapError(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("a", maxErrorLen), strings.Repeat("a", maxErrorLen)},
		{strings.Repeat("a", maxErrorLen+1), strings.Repeat("a", maxErrorLen) + "…"},
		{"a" + strings.Repeat("é", maxErrorLen), "a" + strings.Repeat("é", (maxErrorLen-1)/2) + "…"}, // no split rune
	}
	for _, tt := range tests {
		if got := capError(tt.in); got != tt.want {
			t.Errorf("capError(%d bytes) = %d bytes, want %d", len(tt.in), len(got), len(tt.want))
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		min, max time.Duration // bounds of the jittered wait
	}{
		{1, time.Second, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{5, 8 * time.Second, 16 * time.Second},
		{50, 8 * time.Second, 16 * time.Second}, // capped, no overflow
	}
	for _, tt := range tests {
		for range 100 {
			if d := backoff(tt.attempt, time.Second, 16*time.Second); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestNewWorkerValidates(t *testing.T) {
	q, err := NewMemory(Options{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    WorkerOptions
	}{
		{"no Deliver", WorkerOptions{}},
		{"max below min", WorkerOptions{Deliver: newRecorder(nil).deliver, BackoffMin: time.Minute, BackoffMax: time.Second}},
	}
	for _, tt := range tests {
		if _, err := NewWorker(q, tt.o); err == nil {
			t.Errorf("%s: NewWorker() = nil error, want one", tt.name)
		}
	}
	if _, err := NewMemory(Options{}); err != ErrNoName {
		t.Errorf("NewMemory without a name = %v, want ErrNoName", err)
	}
}
