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
)

var httpClient = &http.Client{Timeout: DefaultTimeout}

// HTTPDo sends a request with the given method and body (nil for none) and
// returns the status code and body. Transport errors fail the test.
func HTTPDo(t testing.TB, method, url string, body []byte) (int, []byte) {
	t.Helper()
	return HTTPDoHeader(t, method, url, body, nil)
}

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

// HTTPDoHeader is HTTPDo with extra request headers.
func HTTPDoHeader(t testing.TB, method, url string, body []byte, header http.Header) (int, []byte) {
	t.Helper()
	req := newRequest(t, method, url, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	r := send(t, httpClient, req)
	return r.Code, r.Body
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
// Content-Length unless the method has a body) and returns the whole answer,
// headers included, unchanged: redirects are not followed and nothing is
// decompressed. Transport errors fail the test.
func HTTPSend(t testing.TB, method, url string, body []byte) HTTPResponse {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	return send(t, rawClient, newRequest(t, method, url, r))
}

// HTTPSendChunked is HTTPSend with the body sent with Transfer-Encoding:
// chunked, without a Content-Length.
func HTTPSendChunked(t testing.TB, method, url string, body []byte) HTTPResponse {
	t.Helper()
	req := newRequest(t, method, url, io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	return send(t, rawClient, req)
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
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return req
}

func send(t testing.TB, c *http.Client, req *http.Request) HTTPResponse {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return HTTPResponse{Code: resp.StatusCode, Header: resp.Header, Body: data}
}

// HTTPExpect sends a request and fails the test unless the status is want.
// It returns the response body.
func HTTPExpect(t testing.TB, want int, method, url string, body []byte) []byte {
	t.Helper()
	code, data := HTTPDo(t, method, url, body)
	if code != want {
		t.Fatalf("%s %s: status %d (body %q), want %d", method, url, code, truncate(data), want)
	}
	return data
}

// HTTPGetJSON GETs url, requires status 200 and decodes the JSON body into v.
func HTTPGetJSON(t testing.TB, url string, v any) {
	t.Helper()
	data := HTTPExpect(t, http.StatusOK, http.MethodGet, url, nil)
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("GET %s: decoding %q: %v", url, truncate(data), err)
	}
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
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		if _, err := io.WriteString(nc, c.raw); err != nil {
			t.Fatalf("%s: write: %v", c.what, err)
		}
		nc.SetReadDeadline(time.Now().Add(DefaultTimeout))
		got, err := io.ReadAll(nc)
		nc.Close()
		if IsTimeout(err) {
			t.Errorf("%s: connection still open after %s; got %q", c.what, DefaultTimeout, got)
		}
	}
}
