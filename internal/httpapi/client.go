package httpapi

import (
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

// Client is the outbound HTTP client of nsqadmin and the apps: it bounds
// connecting and the whole request, asks for V1 responses and follows an
// nsqd's 403 TLS_REQUIRED answer to its HTTPS port once.
type Client struct {
	c *http.Client
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

// GETV1 GETs endpoint and decodes its JSON body into v (when v is not nil).
// A non-200 answer is an error reading
// `got response <status line> "<body>"`.
func (c *Client) GETV1(endpoint string, v any) error {
	body, err := c.do(http.MethodGet, endpoint)
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
	_, err := c.do(http.MethodPost, endpoint)
	return err
}

// do sends one request; an answer other than 200 is an error.
func (c *Client) do(method, endpoint string) ([]byte, error) {
	code, status, body, err := c.exchange(method, endpoint)
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
	code, _, body, err := c.exchange(method, endpoint)
	return code, body, err
}

// exchange sends one request and, on a 403 over plain http, retries once
// against the https port the body names.
func (c *Client) exchange(method, endpoint string) (int, string, []byte, error) {
	code, status, body, err := c.send(method, endpoint)
	if err != nil || code != http.StatusForbidden || !isPlainHTTP(endpoint) {
		return code, status, body, err
	}
	if endpoint, err = httpsEndpoint(endpoint, body); err != nil {
		return 0, "", nil, err
	}
	return c.send(method, endpoint)
}

func (c *Client) send(method, endpoint string) (int, string, []byte, error) {
	req, err := http.NewRequest(method, endpoint, nil)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Accept", AcceptV1)
	resp, err := c.c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", nil, err
	}
	return resp.StatusCode, resp.Status, body, nil
}

func isPlainHTTP(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && u.Scheme == "http"
}

// httpsEndpoint rewrites endpoint to https on the port of a
// {"https_port":N} body, keeping host, path and query.
func httpsEndpoint(endpoint string, body []byte) (string, error) {
	var doc struct {
		HTTPSPort int `json:"https_port"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", err
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	u.Scheme = "https"
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(doc.HTTPSPort))
	return u.String(), nil
}
