package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/lemlist/lemlisttest"
	"github.com/salesautomation/api/internal/testredis"
)

// The campaign the sandbox seeds first.
const e2eCampaign = "cam_8VdRlAoJCD7zqha2I"

// redisDB gives a test a Redis database of its own (so run's fixed queue keys
// do not meet another test's) and deletes the service's keys in it before
// and after.
func redisDB(t *testing.T, db int) string {
	t.Helper()
	u, err := url.Parse(testredis.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/%d", db)
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	clean := func() {
		ctx := context.Background()
		for _, pattern := range []string{"queue:{lemlist-leads}:*", "salesapi:cache:*"} {
			keys, _ := rdb.Keys(ctx, pattern).Result() // a test database holds only a few keys
			if len(keys) > 0 {
				_ = rdb.Del(ctx, keys...).Err()
			}
		}
	}
	clean()
	t.Cleanup(func() { clean(); _ = rdb.Close() })
	return u.String()
}

// testApp is the whole service, wired by newApp as run wires it, served on a
// loopback listener, with its workers running.
type testApp struct {
	*app
	url  string
	stop func()
}

func startApp(t *testing.T, env map[string]string) *testApp {
	t.Helper()
	env["SANDBOX"] = "true"
	cfg, err := loadConfig(envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := newApp(ctx, cfg, zerolog.Nop(), io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	a.start(ctx)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		cancel()
		a.stop()
		a.close()
	}
	t.Cleanup(stop)
	return &testApp{app: a, url: srv.URL, stop: stop}
}

func (ta *testApp) addLead(t *testing.T, email string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(ta.url+"/api/campaigns/"+e2eCampaign+"/leads", "application/json",
		strings.NewReader(`{"email":"`+email+`","firstName":"Queued"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// waitJob polls GET /api/jobs/:id until the job reaches want or the wait ends.
func (ta *testApp) waitJob(t *testing.T, id, want string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	var job map[string]any
	for time.Now().Before(deadline) {
		resp, err := http.Get(ta.url + "/api/jobs/" + id)
		if err != nil {
			t.Fatal(err)
		}
		job = map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&job)
		resp.Body.Close()
		if job["state"] == want {
			return job
		}
		time.Sleep(50 * time.Millisecond) // polling a public route, as a client would
	}
	t.Fatalf("job %s is %v after %s, want %s", id, job, within, want)
	return nil
}

// queueEnv makes deliveries quick: no warm-up, no transport retries, short backoff.
func queueEnv(redisURL string) map[string]string {
	return map[string]string{
		"REDIS_URL": redisURL, "LEMLIST_ALLOW_WARM_UP": "false", "LEMLIST_RETRY_MAX": "0",
		"QUEUE_BACKOFF_MIN": "20ms", "QUEUE_BACKOFF_MAX": "100ms",
	}
}

func TestLeadQueuedWhileLemlistIsDownIsDeliveredOnce(t *testing.T) {
	ta := startApp(t, queueEnv(redisDB(t, 11)))
	fake := ta.sandbox.Lemlist
	fake.Faults().Set(faults.Fault{Status: http.StatusInternalServerError, Route: "POST /campaigns"})

	status, body := ta.addLead(t, "queued.once@example.com")
	if status != http.StatusAccepted || body["queued"] != true || body["_source"] != "queue" || body["_fallback"] != true {
		t.Fatalf("add lead while Lemlist fails = %d %v, want 202 queued", status, body)
	}
	id, _ := body["jobId"].(string)
	attemptsWhileDown := fake.Requests(lemlisttest.RouteAddLead)

	fake.Faults().Clear()
	job := ta.waitJob(t, id, "delivered", 15*time.Second)
	if got := fake.Requests(lemlisttest.RouteAddLead) - attemptsWhileDown; got != 1 {
		t.Errorf("Lemlist received the queued lead %d times after recovering, want exactly 1", got)
	}
	if job["attempts"].(float64) < 1 || job["deliveredAt"] == nil {
		t.Errorf("delivered job = %v, want its attempts and delivery time", job)
	}
	// The lead is really in the campaign now: a direct add is a conflict.
	if status, _ := ta.addLead(t, "queued.once@example.com"); status != http.StatusConflict {
		t.Errorf("adding the delivered lead again = %d, want 409", status)
	}
}

func TestQueuedLeadsSurviveARestart(t *testing.T) {
	db := redisDB(t, 12)
	first := startApp(t, queueEnv(db))
	first.sandbox.Lemlist.Faults().Set(faults.Fault{Status: http.StatusServiceUnavailable, Route: "POST /campaigns"})
	var ids []string
	for i := range 5 {
		status, body := first.addLead(t, fmt.Sprintf("restart.%d@example.com", i))
		if status != http.StatusAccepted {
			t.Fatalf("lead %d = %d %v, want 202", i, status, body)
		}
		ids = append(ids, body["jobId"].(string))
	}
	first.stop() // the process goes away with the jobs still queued

	second := startApp(t, queueEnv(db)) // a new process, a new (healthy) Lemlist
	for _, id := range ids {
		second.waitJob(t, id, "delivered", 15*time.Second)
	}
	if got := second.sandbox.Lemlist.Requests(lemlisttest.RouteAddLead); got != int64(len(ids)) {
		t.Errorf("the restarted service delivered %d requests, want %d (each lead once)", got, len(ids))
	}
}
