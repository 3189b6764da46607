// Package explorium is a typed client for the Explorium AgentSource API
// (https://developers.explorium.ai): business match and firmographics, prospect match
// and contact information, single and bulk. It uses only the standard library; the
// API key travels in the api_key header. Every non-2xx answer becomes an *Error.
// A no-match is not an error: it is a 200 with an empty ID.
package explorium

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls the Explorium API. Create it with New; it is safe for concurrent use.
type Client struct {
	baseURL *url.URL // ends in "/"; request paths are relative
	http    *http.Client
	apiKey  string
}

// New returns a Client for baseURL (e.g. https://api.explorium.ai) using apiKey.
// hc is used for every request; nil means http.DefaultClient, which has no timeout.
func New(baseURL, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("explorium: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("explorium: base URL %q: scheme must be http or https", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{baseURL: u, http: hc, apiKey: apiKey}, nil
}

// do sends one request. path is relative to the base URL; in, when non-nil, is sent
// as JSON; out, when non-nil, receives the JSON answer. Non-2xx answers become *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return fmt.Errorf("explorium: %s %s: %w", method, path, err)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("explorium: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("explorium: %s %s: %w", method, u.Path, err)
	}
	req.Header["api_key"] = []string{c.apiKey} // Explorium's spelling; not canonicalised to Api_key
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			return fmt.Errorf("explorium: %s %s: %w", method, u.Path, ctxErr)
		}
		return fmt.Errorf("explorium: %s %s: %w", method, u.Path, stripURL(err))
	}
	defer drain(resp.Body)
	if resp.StatusCode >= 300 {
		return newError(resp, c.apiKey)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("explorium: %s %s: decode answer: %w", method, u.Path, err)
	}
	return nil
}

func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 256<<10))
	_ = body.Close()
}

func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
