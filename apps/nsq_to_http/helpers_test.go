package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

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

// app is nsq_to_http running in the background.
type app struct {
	stderr *test.Buffer
	stop   chan os.Signal
	code   chan int
}

// startApp runs nsq_to_http with args; the test's end stops it.
func startApp(t *testing.T, args ...string) *app {
	t.Helper()
	a := &app{stderr: &test.Buffer{}, stop: make(chan os.Signal, 1), code: make(chan int, 1)}
	stderr := io.MultiWriter(a.stderr, test.NewLogger(t))
	go func() { a.code <- run(args, io.Discard, stderr, a.stop) }()
	t.Cleanup(func() { a.shutdown(t) })
	return a
}

// shutdown sends SIGTERM and waits for exit code 0.
func (a *app) shutdown(t *testing.T) {
	t.Helper()
	select {
	case a.stop <- os.Interrupt:
	default:
	}
	select {
	case code := <-a.code:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
		a.code <- code
	case <-time.After(10 * time.Second):
		t.Fatal("nsq_to_http did not stop")
	}
}
