// Command fakeupstream serves only the fake HubSpot of
// internal/clients/hubspot/hubspottest on a fixed loopback address, built the
// way the sandbox builds it (seeded data, rate limits off, the default token),
// so that every contender of the load test calls the same upstream process.
//
// Besides the fake's own routes it answers
//
//	POST   /__bench/faults  {"errorRate":1,"status":503}  sets a fault on every route
//	DELETE /__bench/faults                                 clears it
//
// (the sandbox's /sandbox/faults route lives in the service's router, which this
// process does not have).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/salesautomation/api/internal/clients/faults"
	"github.com/salesautomation/api/internal/clients/hubspot/hubspottest"
	"github.com/salesautomation/api/internal/clients/seed"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18900", "loopback address to listen on")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "fakeupstream:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: want a loopback address", addr)
	}
	data := seed.New(seed.DefaultSeed, seed.DefaultPeople)
	fake := hubspottest.New(hubspottest.Config{Data: &data, RateLimit: -1, SearchLimit: -1})
	defer fake.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /__bench/faults", func(w http.ResponseWriter, r *http.Request) {
		var spec struct {
			ErrorRate float64 `json:"errorRate"`
			Status    int     `json:"status"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&spec); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f := fake.Faults().Set(faults.Fault{ErrorRate: spec.ErrorRate, Status: spec.Status})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"errorRate": f.ErrorRate, "status": f.Status})
	})
	mux.HandleFunc("DELETE /__bench/faults", func(w http.ResponseWriter, _ *http.Request) {
		fake.Faults().Clear()
		w.WriteHeader(http.StatusOK)
	})
	mux.Handle("/", fake)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		fake.Close()
		_ = srv.Close()
	}()
	log.Printf("fake HubSpot on http://%s, token %s", ln.Addr(), fake.Token())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
