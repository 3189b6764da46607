package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/salesautomation/api/internal/handlers"
	"github.com/salesautomation/api/internal/queue"
	"github.com/salesautomation/api/internal/resilience"
)

const leadQueueName = "lemlist-leads"

// leadRate keeps one replica's queued deliveries at 8 requests a second, under
// Lemlist's 20 per 2 s with room for the direct calls.
const leadRate = 8

// buildLeadQueue makes the durable lead queue (Redis Streams) and its worker,
// or an in-process queue, loudly not durable, when REDIS_URL is empty.
func (a *app) buildLeadQueue(ctx context.Context, d *deps) error {
	ll := d.cfg.Upstream(resilience.Lemlist)
	opts := queue.Options{
		Name: leadQueueName, Retention: d.cfg.JobRetention, Registerer: d.reg, Logger: d.logger,
		// Longer than the slowest delivery (the whole Lemlist call plus the
		// limiter's wait), so a live worker's job is never taken over.
		ClaimMinIdle: max(2*time.Minute, 2*ll.Settings.Timeout),
	}
	var src queue.Source
	switch {
	case d.cfg.RedisURL == "" && !d.cfg.Sandbox:
		// A 202 promises that the lead is stored durably (API.md); without Redis
		// nothing is, so nothing is accepted: the client gets 503 and retries.
		d.logger.Warn().Msg("REDIS_URL is empty: leads cannot be queued; while Lemlist is unavailable, adding a lead answers 503")
		return nil
	case d.cfg.RedisURL == "":
		q, err := queue.NewMemory(opts)
		if err != nil {
			return fmt.Errorf("lead queue: %w", err)
		}
		d.logger.Warn().Msg("sandbox: the lead queue is in-process and NOT durable (REDIS_URL is empty): queued leads are lost on restart")
		src = q
	default:
		ropts, err := redis.ParseURL(d.cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("lead queue: REDIS_URL=%s: cannot be used", redactURL(d.cfg.RedisURL)) // err quotes the URL
		}
		// Short timeouts: a hung Redis must fail an enqueue fast (the client
		// gets 503 and retries) rather than hold requests. Blocking reads of
		// the worker get their block time added by go-redis.
		ropts.DialTimeout, ropts.ReadTimeout, ropts.WriteTimeout, ropts.PoolTimeout = time.Second, time.Second, time.Second, time.Second
		rdb := redis.NewClient(ropts)
		a.closers = append(a.closers, func() { _ = rdb.Close() })
		q, err := queue.NewRedis(ctx, rdb, opts)
		if err != nil {
			return fmt.Errorf("lead queue on %s: %w", redactURL(d.cfg.RedisURL), err)
		}
		src = q
	}
	b, _ := d.handlers.Breakers.Get(resilience.CircuitName(resilience.Lemlist))
	delivery := handlers.LeadDelivery{API: d.handlers.Lemlist, CB: b, Logger: d.logger}
	w, err := queue.NewWorker(src, queue.WorkerOptions{
		Deliver: delivery.Deliver, Classify: delivery.Classify, Gate: delivery.Gate,
		Limiter:     rate.NewLimiter(leadRate, leadRate),
		MaxAttempts: d.cfg.QueueMaxAttempts, BackoffMin: d.cfg.QueueBackoffMin, BackoffMax: d.cfg.QueueBackoffMax,
		Logger: d.logger,
	})
	if err != nil {
		return fmt.Errorf("lead queue worker: %w", err)
	}
	d.handlers.Leads = src
	a.workers = append(a.workers, func(ctx context.Context) { _ = w.Run(ctx) })
	return nil
}
