package httpapi

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client is the one outbound HTTP client of the daemons and the apps
// (nsqadmin's cluster queries, nsqd's auth and lookupd queries, the apps'
// lookups): it bounds connecting and the whole request, asks for V1
// responses and follows an nsqd's 403 TLS_REQUIRED answer to its HTTPS port
// once.
type Client struct {
	c     *http.Client
	limit int64 // largest answer body read; 0 means no limit
}

// AcceptV1 is the Accept header of every request: it asks nsqd and
// nsqlookupd for bare V1 bodies rather than the legacy envelope.
const AcceptV1 = "application/vnd.nsq; version=1.0"

// NewClient returns a Client. tlsConfig is used for https:// requests,
// including the retry after a TLS_REQUIRED answer; nil means the defaults.
func NewClient(tlsConfig *tls.Config, connectTimeout, requestTimeout time.Duration) *Client {
	transport := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   connectTimeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ResponseHeaderTimeout: requestTimeout,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		TLSClientConfig:       tlsConfig,
	}
	return &Client{c: &http.Client{Transport: transport, Timeout: requestTimeout}}
}

// WithResponseLimit returns a Client sharing c's connections and timeouts
// that fails any answer whose body is longer than n bytes.
func (c *Client) WithResponseLimit(n int64) *Client {
	limited := *c
	limited.limit = n
	return &limited
}

// GETV1 GETs endpoint and decodes its JSON body into v (when v is not nil).
// A non-200 answer is an error reading
// `got response <status line> "<body>"`.
func (c *Client) GETV1(endpoint string, v any) error {
	body, err := c.Fetch(http.MethodGet, endpoint, nil, "")
	if err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(body, v)
}

// StatusError is an answer other than 200 OK.
type StatusError struct {
	Code   int
	Status string // the status line's text, e.g. "404 Not Found"
	Body   []byte
}

// Error reads `got response <status line> "<body>"`.
func (e *StatusError) Error() string { return fmt.Sprintf("got response %s %q", e.Status, e.Body) }

// POSTV1 POSTs to endpoint without a body; arguments go in the query string.
func (c *Client) POSTV1(endpoint string) error {
	_, err := c.Fetch(http.MethodPost, endpoint, nil, "")
	return err
}

// Fetch sends one request with body (nil for none; contentType names its
// type) and returns the body of the answer; an answer other than 200 is a
// *StatusError.
func (c *Client) Fetch(method, endpoint string, body []byte, contentType string) ([]byte, error) {
	code, status, body, err := c.exchange(method, endpoint, body, contentType)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, &StatusError{Code: code, Status: status, Body: body}
	}
	return body, nil
}

// Forward sends one request without a body and returns the status code
// and body of the answer, whatever the status.
func (c *Client) Forward(method, endpoint string) (int, []byte, error) {
	code, _, body, err := c.exchange(method, endpoint, nil, "")
	return code, body, err
}

// exchange sends one request and, on a 403 over plain http, retries once
// against the https port the body names.
func (c *Client) exchange(method, endpoint string, reqBody []byte, contentType string) (int, string, []byte, error) {
	code, status, body, err := c.send(method, endpoint, reqBody, contentType)
	if err != nil || code != http.StatusForbidden || !isPlainHTTP(endpoint) {
		return code, status, body, err
	}
	secure, err := httpsEndpoint(endpoint, body)
	if err != nil {
		return 0, "", nil, err
	}
	if secure == "" {
		return code, status, body, nil
	}
	return c.send(method, secure, reqBody, contentType)
}

func (c *Client) send(method, endpoint string, reqBody []byte, contentType string) (int, string, []byte, error) {
	var r io.Reader
	if reqBody != nil {
		r = bytes.NewReader(reqBody)
	}
	req, err := http.NewRequest(method, endpoint, r)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Accept", AcceptV1)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := c.readBody(resp.Body)
	if err != nil {
		return 0, "", nil, err
	}
	return resp.StatusCode, resp.Status, body, nil
}

// readBody reads an answer's body, failing one longer than the limit.
func (c *Client) readBody(r io.Reader) ([]byte, error) {
	if c.limit <= 0 {
		return io.ReadAll(r)
	}
	body, err := io.ReadAll(io.LimitReader(r, c.limit+1))
	if err == nil && int64(len(body)) > c.limit {
		return nil, fmt.Errorf("response larger than %d bytes", c.limit)
	}
	return body, err
}

func isPlainHTTP(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && u.Scheme == "http"
}

// httpsEndpoint rewrites endpoint to https on the port of a
// {"https_port":N} body, keeping host, path and query; "" when the body
// names no port (the 403 then stands).
func httpsEndpoint(endpoint string, body []byte) (string, error) {
	var doc struct {
		HTTPSPort int `json:"https_port"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", err
	}
	if doc.HTTPSPort <= 0 {
		return "", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	u.Scheme = "https"
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(doc.HTTPSPort))
	return u.String(), nil
}
