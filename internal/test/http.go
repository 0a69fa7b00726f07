package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// CrossSite are the headers a browser adds to a form post or a "simple"
// fetch (text/plain body, no preflight) made by a page of another site.
func CrossSite() http.Header {
	return http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"text/plain"}}
}

// SameOrigin are the headers of a browser request from the server's own
// pages.
func SameOrigin() http.Header {
	return http.Header{"Sec-Fetch-Site": {"same-origin"}, "Content-Type": {"text/plain"}}
}

// HTTPResponse is a whole HTTP answer as the server sent it.
type HTTPResponse struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r HTTPResponse) String() string {
	return fmt.Sprintf("%d %q headers=%v", r.Code, truncate(r.Body), r.Header)
}

// rawClient neither keeps connections alive, follows redirects nor asks for
// compression, so that a test sees each answer as the server wrote it.
var rawClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
	Timeout: 2 * DefaultTimeout,
}

// HTTPSend sends one request with body (nil for none, with no
// Content-Length unless the method has a body) and the headers in header
// (none, or one or more sets added in order), and returns the whole
// answer, headers included, unchanged: redirects are not followed and
// nothing is decompressed. Transport errors fail the test.
func HTTPSend(t testing.TB, method, url string, body []byte, header ...http.Header) HTTPResponse {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := newRequest(t, method, url, r)
	for _, h := range header {
		for k, v := range h {
			req.Header[k] = append(req.Header[k], v...)
		}
	}
	return send(t, req)
}

// HTTPSendChunked is HTTPSend with the body sent with Transfer-Encoding:
// chunked, without a Content-Length.
func HTTPSendChunked(t testing.TB, method, url string, body []byte) HTTPResponse {
	t.Helper()
	req := newRequest(t, method, url, io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	return send(t, req)
}

// HTTPGet is HTTPSend of a GET.
func HTTPGet(t testing.TB, url string) HTTPResponse {
	t.Helper()
	return HTTPSend(t, http.MethodGet, url, nil)
}

// HTTPPost is HTTPSend of a POST of body.
func HTTPPost(t testing.TB, url, body string) HTTPResponse {
	t.Helper()
	return HTTPSend(t, http.MethodPost, url, []byte(body))
}

// HTTPPut is HTTPSend of a PUT of body.
func HTTPPut(t testing.TB, url, body string) HTTPResponse {
	t.Helper()
	return HTTPSend(t, http.MethodPut, url, []byte(body))
}

func newRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err, "%s %s", method, url)
	return req
}

func send(t testing.TB, req *http.Request) HTTPResponse {
	t.Helper()
	resp, err := rawClient.Do(req)
	require.NoError(t, err, "%s %s", req.Method, req.URL)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "%s %s: reading body", req.Method, req.URL)
	return HTTPResponse{Code: resp.StatusCode, Header: resp.Header, Body: data}
}

// HTTPGetJSON GETs url, requires status 200 and decodes the JSON body into v.
func HTTPGetJSON(t testing.TB, url string, v any) {
	t.Helper()
	r := HTTPGet(t, url)
	require.Equal(t, http.StatusOK, r.Code, "GET %s: %s", url, r)
	require.NoError(t, json.Unmarshal(r.Body, v), "GET %s: decoding %q", url, truncate(r.Body))
}

// ExpectHTTPConnCut checks that an HTTP server at addr bounds how long a
// client may hold a connection: a request whose body never finishes
// arriving is cut off, and so is a keep-alive connection left idle after
// an answered request. path is a POST route of the server. The server must
// close within DefaultTimeout (a hang guard, not a timing assertion).
func ExpectHTTPConnCut(t testing.TB, addr, path string) {
	t.Helper()
	for _, c := range []struct{ what, raw string }{
		{"request body that never completes", "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"},
		{"idle keep-alive connection", "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		nc, err := net.Dial("tcp", addr)
		require.NoError(t, err, "dial %s", addr)
		_, err = io.WriteString(nc, c.raw)
		require.NoError(t, err, "%s: write", c.what)
		nc.SetReadDeadline(time.Now().Add(DefaultTimeout))
		got, err := io.ReadAll(nc)
		nc.Close()
		assert.False(t, IsTimeout(err), "%s: connection still open after %s; got %q", c.what, DefaultTimeout, got)
	}
}
