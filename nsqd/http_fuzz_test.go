package nsqd

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzRoutes are the endpoints FuzzHTTPQuery aims at; an index past the end
// sends the fuzzed path as is.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/pub"},
	{"POST", "/mpub"},
	{"GET", "/stats"},
	{"POST", "/channel/create"},
	{"POST", "/channel/delete"},
	{"POST", "/channel/empty"},
	{"POST", "/channel/pause"},
	{"POST", "/channel/unpause"},
	{"GET", "/config/"},
	{"PUT", "/config/"},
	{"POST", "/topic/create"},
	{"POST", "/topic/empty"},
}

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"}

// fuzzStatuses are the statuses these endpoints may answer (redirects
// for a trailing slash or wrong case).
var fuzzStatuses = map[int]bool{200: true, 301: true, 307: true, 400: true, 404: true, 405: true, 413: true, 503: true}

var fuzzHTTP struct {
	once sync.Once
	h    http.Handler
}

// FuzzHTTPQuery sends a request built from the fuzz input to the nsqd HTTP
// handler and checks the status and the error body.
func FuzzHTTPQuery(f *testing.F) {
	seeds := []struct {
		route       uint8
		path, query string
		body        string
	}{
		{0, "", "topic=t", "hello"},
		{0, "", "topic=t&defer=1000", "x"},
		{0, "", "topic=t&defer=-1", "x"},
		{0, "", "topic=t&defer=%2B5", "x"},
		{0, "", "topic=t&defer=3600001", "x"},
		{0, "", "topic=t", ""},
		{0, "", "", "x"},
		{0, "", "topic=bad/name", "x"},
		{0, "", "topic=t;x", "x"},
		{0, "", "topic=%zz", "x"},
		{0, "", "topic=t", strings.Repeat("m", fuzzMaxMsgSize+1)},
		{1, "", "topic=t", "a\nb\n\nc"},
		{1, "", "topic=t&binary=true", "\x00\x00\x00\x01\x00\x00\x00\x01x"},
		{1, "", "topic=t&binary=", "\x00\x00\x00\x00"},
		{1, "", "topic=t&binary=0", ""},
		{2, "", "format=json&topic=t&channel=c&include_clients=false", ""},
		{2, "", "format=text&include_mem=true", ""},
		{2, "", "format=%", ""},
		{3, "", "topic=t&channel=c", ""},
		{3, "", "topic=t&channel=c%23ephemeral", ""},
		{4, "", "topic=t&channel=nope", ""},
		{5, "", "topic=t&channel=c", ""},
		{6, "", "topic=t", ""},
		{7, "", "channel=c", ""},
		{3, "", "topic=t&channel=bad/channel", ""},
		{3, "", "topic=missing&channel=c", ""},
		{8, "log_level", "", ""},
		{8, "max_msg_size", "", ""},
		{8, "node_id", "", ""},
		{8, "bogus", "", ""},
		{9, "log_level", "", "debug"},
		{9, "log_level", "", "loud"},
		{9, "max_msg_size", "", "5"},
		{9, "log_level", "", ""},
		{10, "", "topic=t", ""},
		{11, "", "topic=t", ""},
		{12, "/ping", "", ""},
		{13, "/info", "", ""},
		{14, "/pub/", "topic=t", "x"},
		{15, "/Stats", "format=json", ""},
		{16, "/nope", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.route, s.path, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, route uint8, path, query string, body []byte) {
		n := fuzzNSQD(t)
		fuzzHTTP.once.Do(func() { fuzzHTTP.h = newHTTPServer(n, false, false) })
		method, p, ok := fuzzRequestTarget(route, path)
		if !ok {
			return
		}
		req := &http.Request{
			Method:        method,
			URL:           &url.URL{Path: p, RawQuery: query},
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Host:          "nsqd.fuzz",
			RemoteAddr:    "127.0.0.1:1",
			RequestURI:    p + "?" + query,
		}
		w := httptest.NewRecorder()
		fuzzHTTP.h.ServeHTTP(w, req)
		checkHTTPResponse(t, method, p, w)
		fuzzHousekeeping(n)
	})
}

// fuzzRequestTarget picks the method and path; ok is false for requests the
// fuzzer must not send: the debug endpoints (a CPU profile blocks for 30 s)
// and changing the lookupd addresses (the daemon would dial them).
func fuzzRequestTarget(route uint8, path string) (method, p string, ok bool) {
	if int(route) < len(fuzzRoutes) {
		r := fuzzRoutes[route]
		method, p = r.method, r.path
		if strings.HasSuffix(p, "/config/") {
			p += path
		}
	} else {
		method = fuzzMethods[int(route)%len(fuzzMethods)]
		p = path
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "/debug/") {
		return "", "", false
	}
	if method == "PUT" && strings.HasPrefix(p, "/config/nsqlookupd_tcp_addresses") {
		return "", "", false
	}
	return method, p, true
}

// checkHTTPResponse: a status of the spec (500 only where documented) and,
// for an error, the JSON body {"message":"<TEXT>"}.
func checkHTTPResponse(t *testing.T, method, path string, w *httptest.ResponseRecorder) {
	t.Helper()
	code := w.Code
	if path == "/ping" {
		require.Contains(t, []int{200, 500, 405}, code, "%s %s: status", method, path)
		return
	}
	documented500 := path == "/topic/empty" || path == "/channel/empty"
	require.True(t, fuzzStatuses[code] || code == 500 && documented500, "%s %s: status %d body %q", method, path, code, w.Body.Bytes())
	if code < 400 || method == "HEAD" {
		return
	}
	var e struct {
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "%s %s: status %d with body %q", method, path, code, w.Body.Bytes())
	require.NotEmpty(t, e.Message, "%s %s: status %d with body %q", method, path, code, w.Body.Bytes())
	if code == 500 {
		require.Equal(t, "INTERNAL_ERROR", e.Message, "%s %s: 500", method, path)
	}
}
