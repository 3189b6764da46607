package resilience

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

func presets(t *testing.T) []Settings {
	var out []Settings
	for _, svc := range Services {
		s, ok := Preset(svc, "production")
		if !ok {
			t.Fatalf("no preset for %s", svc)
		}
		out = append(out, s)
	}
	return out
}

func TestRegistry(t *testing.T) {
	r, err := NewRegistry(presets(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for _, b := range r.Breakers() {
		names = append(names, b.Name())
	}
	if got := strings.Join(names, ","); got != "hubspot-circuit,lemlist-circuit,explorium-circuit" {
		t.Errorf("Breakers() = %s", got)
	}
	if b, ok := r.Get("lemlist-circuit"); !ok || b.Service() != Lemlist || b.Settings().Capacity != 20 {
		t.Errorf("Get(lemlist-circuit) = %v, %v", b, ok)
	}
	if _, ok := r.Get("nope"); ok {
		t.Error("Get(nope) found a breaker")
	}
	dup := append(presets(t), presets(t)[0])
	if _, err := NewRegistry(dup); err == nil {
		t.Error("duplicate names accepted")
	}
	bad := presets(t)
	bad[1].Timeout = time.Second
	if _, err := NewRegistry(bad); err == nil || !strings.Contains(err.Error(), "LEMLIST_TIMEOUT") {
		t.Errorf("invalid settings: %v", err)
	}
}

func TestMetricsAndStateGaugeWithoutTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m, err := NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewMetrics(reg); err == nil {
			t.Error("second NewMetrics on one registry succeeded")
		}
		s := testSettings()
		r, err := NewRegistry([]Settings{s}, WithMetrics(m))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.Get(s.Name)
		callN(b, 1, succeed)
		callN(b, 4, failWith(errBoom))
		CallWithFallback(context.Background(), b, succeed, func(context.Context, error) (int, error) { return 0, nil })
		gauge := func() float64 {
			mfs, _ := reg.Gather()
			for _, mf := range mfs {
				if mf.GetName() == "circuit_breaker_state" {
					return mf.GetMetric()[0].GetGauge().GetValue()
				}
			}
			return -1
		}
		if g := gauge(); g != 2 {
			t.Errorf("state gauge = %v, want 2 (OPEN)", g)
		}
		time.Sleep(s.ResetTimeout + time.Millisecond)
		if g := gauge(); g != 1 {
			t.Errorf("state gauge after the reset timeout = %v, want 1 (HALF_OPEN) with no traffic", g)
		}
		callN(b, 1, succeed)
		if g := gauge(); g != 0 {
			t.Errorf("state gauge = %v, want 0", g)
		}
		for name, want := range map[*prometheus.CounterVec]float64{
			m.fire: 7, m.success: 2, m.failure: 3, m.reject: 2, m.fallback: 1, m.opens: 1, m.resets: 1, m.timeout: 0,
		} {
			if got := testutil.ToFloat64(name.WithLabelValues(s.Name)); got != want {
				t.Errorf("%v = %v, want %v", name, got, want)
			}
		}
		if n := testutil.CollectAndCount(m.successDur); n != 1 {
			t.Errorf("success duration series = %d", n)
		}
	})
}

func TestLogLevels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		l := zerolog.New(&buf).Level(zerolog.InfoLevel)
		b := newTestBreaker(t, testSettings(), WithLogger(l))
		callN(b, 1, succeed)
		if buf.Len() != 0 {
			t.Errorf("a success was logged above debug: %s", buf.String())
		}
		callN(b, 4, failWith(errBoom))
		if out := buf.String(); !strings.Contains(out, `"level":"warn"`) || !strings.Contains(out, "circuit opened") || strings.Count(out, "\n") != 1 {
			t.Errorf("log = %s, want one warn line for the open", out)
		}
	})
}
