// Package lemlist is a typed client for the lemlist API (https://developer.lemlist.com):
// campaigns, adding leads to a campaign and finding leads by e-mail. It uses only the
// standard library; the API key travels as the Basic-auth password, never in the
// URL. Every non-2xx answer becomes an *Error, whose text may be plain or JSON.
package lemlist

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

// Client calls the lemlist API. Create it with New; it is safe for concurrent use.
type Client struct {
	baseURL *url.URL // ends in "/"; request paths are relative
	http    *http.Client
	apiKey  string
}

// New returns a Client for baseURL (e.g. https://api.lemlist.com/api) using apiKey.
// hc is used for every request; nil means http.DefaultClient, which has no timeout.
func New(baseURL, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("lemlist: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("lemlist: base URL %q: scheme must be http or https", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{baseURL: u, http: hc, apiKey: apiKey}, nil
}

// do sends one request; see hubspot's do for the contract. out receives the raw
// body decoder so callers can accept several shapes.
func (c *Client) do(ctx context.Context, method, path string, in any, out func(*json.Decoder) error) error {
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return fmt.Errorf("lemlist: %s %s: %w", method, path, err)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("lemlist: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("lemlist: %s %s: %w", method, u.Path, err)
	}
	req.SetBasicAuth("", c.apiKey) // lemlist ignores the user name; the key is the password
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			return fmt.Errorf("lemlist: %s %s: %w", method, u.Path, ctxErr)
		}
		return fmt.Errorf("lemlist: %s %s: %w", method, u.Path, stripURL(err))
	}
	defer drain(resp.Body)
	if resp.StatusCode >= 300 {
		return newError(resp, c.apiKey)
	}
	if out == nil {
		return nil
	}
	if err := out(json.NewDecoder(resp.Body)); err != nil {
		return fmt.Errorf("lemlist: %s %s: decode answer: %w", method, u.Path, err)
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
