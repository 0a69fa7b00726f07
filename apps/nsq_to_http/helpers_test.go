package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
)

// request is what an endpoint saw.
type request struct {
	method, uri, body string
	header            http.Header
}

// endpoint is an HTTP server that records requests and answers with the
// status status(request) returns (200 when nil).
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	status   func(r request, seen int) int // seen: earlier requests with this body
}

func newEndpoint(t *testing.T, status func(r request, seen int) int) *endpoint {
	e := &endpoint{status: status}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := request{method: r.Method, uri: r.RequestURI, body: string(body), header: r.Header.Clone()}
	e.mu.Lock()
	seen := 0
	for _, old := range e.requests {
		if old.body == req.body && old.uri == req.uri {
			seen++
		}
	}
	e.requests = append(e.requests, req)
	e.mu.Unlock()
	code := http.StatusOK
	if e.status != nil {
		code = e.status(req, seen)
	}
	w.WriteHeader(code)
}

func (e *endpoint) got() []request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]request(nil), e.requests...)
}

func (e *endpoint) count() int { return len(e.got()) }

// startApp runs nsq_to_http with args in the background; the test's end
// stops it.
func startApp(t *testing.T, args ...string) *test.App {
	t.Helper()
	return test.StartApp(t, "nsq_to_http", func(stderr io.Writer, stop <-chan os.Signal) int {
		return run(args, io.Discard, stderr, stop)
	})
}
