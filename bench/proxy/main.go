// Command proxy is the load test's lower bound on overhead: a bare
// httputil.ReverseProxy that maps GET /api/contacts/{id} to the fake HubSpot's
// /crm/v3/objects/contacts/{id} with the Bearer token, and nothing else (no
// breaker, retries, cache, logging or metrics). Standard library only.
//
//	HUBSPOT_BASE_URL=http://127.0.0.1:18900 HUBSPOT_API_KEY=… PORT=18902 proxy
package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(1)
	}
}

func run() error {
	target, err := url.Parse(os.Getenv("HUBSPOT_BASE_URL"))
	if err != nil || target.Scheme == "" || target.Host == "" {
		return fmt.Errorf("HUBSPOT_BASE_URL=%q: want http://host:port", os.Getenv("HUBSPOT_BASE_URL"))
	}
	auth := "Bearer " + os.Getenv("HUBSPOT_API_KEY")
	port := os.Getenv("PORT")
	if port == "" {
		port = "18902"
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 128 // as many idle upstream connections as the load has clients
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/crm/v3/objects/contacts/" + pr.In.PathValue("id")
			pr.Out.URL.RawPath = ""
			pr.Out.Header.Set("Authorization", auth)
		},
		Transport: transport,
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/contacts/{id}", rp)

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	log.Printf("proxy on http://%s -> %s", ln.Addr(), target)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
