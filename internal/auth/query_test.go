package auth

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodAnswer = `{"ttl":3600,"identity":"alice","identity_url":"http://id/alice",` +
	`"authorizations":[{"topic":".*","channels":[".*"],"permissions":["subscribe","publish"]}]}`

type recorded struct {
	method, path, rawQuery, accept, contentType, body string
}

// recorder is an auth server that records each request and answers with
// the given status and body.
type recorder struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	answer string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{
		method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery,
		accept: r.Header.Get("Accept"), contentType: r.Header.Get("Content-Type"),
		body: string(body),
	})
	status, answer := rec.status, rec.answer
	rec.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func newAuthServer(t *testing.T, status int, answer string) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{status: status, answer: answer}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func hostOf(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func testClient() *httpapi.Client { return httpapi.NewClient(nil, time.Second, 5*time.Second) }

func TestQueryGETShape(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	s, err := QueryAnyAuthd([]string{hostOf(srv)}, "10.0.0.1", true, "CN x", "s&e c/ret", testClient(), "get")
	require.NoError(t, err)
	require.Equal(t, "alice", s.Identity, "unexpected state %+v", s)
	require.Equal(t, "http://id/alice", s.IdentityURL, "unexpected state %+v", s)
	require.EqualValues(t, 3600, s.TTL, "unexpected state %+v", s)
	require.Len(t, s.Authorizations, 1, "unexpected state %+v", s)
	want := recorded{
		method: "GET", path: "/auth",
		rawQuery: "common_name=CN+x&remote_ip=10.0.0.1&secret=s%26e+c%2Fret&tls=true",
		accept:   "application/vnd.nsq; version=1.0",
	}
	require.Equal(t, []recorded{want}, rec.requests())
}

func TestQueryGETFullURLWithQuery(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	addr := srv.URL + "/custom/path?x=1"
	_, err := QueryAnyAuthd([]string{addr}, "", false, "", "good", testClient(), "get")
	require.NoError(t, err)
	got := rec.requests()
	require.Len(t, got, 1, "requests = %+v", got)
	require.Equal(t, "/custom/path", got[0].path, "requests = %+v", got)
	require.Equal(t, "x=1?common_name=&remote_ip=&secret=good&tls=false", got[0].rawQuery, "requests = %+v", got)
}

func TestQueryPOSTShape(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	_, err := QueryAnyAuthd([]string{hostOf(srv)}, "127.0.0.1", false, "", "good", testClient(), "post")
	require.NoError(t, err)
	want := recorded{
		method: "POST", path: "/auth",
		accept:      "application/vnd.nsq; version=1.0",
		contentType: "application/json",
		body:        `{"common_name":[""],"remote_ip":["127.0.0.1"],"secret":["good"],"tls":["false"]}`,
	}
	require.Equal(t, []recorded{want}, rec.requests())
}

func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestQueryFailover(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	_, bad := newAuthServer(t, 500, "oops")
	addrs := []string{deadAddr(t), hostOf(bad), hostOf(srv)}
	for i := range 30 {
		_, err := QueryAnyAuthd(addrs, "", false, "", "s", testClient(), "get")
		require.NoError(t, err, "query %d: %v", i, err)
	}
	require.Len(t, rec.requests(), 30, "live server saw")
}

func TestQueryRandomStart(t *testing.T) {
	var hits [2]atomic.Int64
	var addrs []string
	for i := range hits {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			io.WriteString(w, goodAnswer)
		}))
		t.Cleanup(srv.Close)
		addrs = append(addrs, hostOf(srv))
	}
	client := testClient()
	for range 100 {
		_, err := QueryAnyAuthd(addrs, "", false, "", "s", client, "get")
		require.NoError(t, err)
	}
	require.NotEqualValues(t, 0, hits[0].Load(), "hits = %d, %d", hits[0].Load(), hits[1].Load())
	require.NotEqualValues(t, 0, hits[1].Load(), "hits = %d, %d", hits[0].Load(), hits[1].Load())
	require.EqualValues(t, 100, hits[0].Load()+hits[1].Load(), "hits = %d, %d", hits[0].Load(), hits[1].Load())
}

func TestQueryAllFail(t *testing.T) {
	_, bad := newAuthServer(t, 401, "no")
	_, err := QueryAnyAuthd([]string{deadAddr(t), hostOf(bad)}, "", false, "", "s", testClient(), "get")
	require.Error(t, err, "err = %v", err)
	require.Contains(t, err.Error(), `got response 401 Unauthorized "no"`, "err = %v", err)
	_, err = QueryAnyAuthd(nil, "", false, "", "s", testClient(), "get")
	require.Error(t, err, "no addresses")
}

func TestQueryRejectsInvalidAnswers(t *testing.T) {
	answers := map[string]string{
		"bad permission":     `{"ttl":10,"authorizations":[{"topic":".*","channels":[".*"],"permissions":["admin"]}]}`,
		"bad topic regexp":   `{"ttl":10,"authorizations":[{"topic":"(","channels":[".*"],"permissions":["publish"]}]}`,
		"bad channel regexp": `{"ttl":10,"authorizations":[{"topic":".*","channels":["*"],"permissions":["publish"]}]}`,
		"ttl zero":           `{"ttl":0,"authorizations":[]}`,
		"ttl missing":        `{"authorizations":[]}`,
		"ttl negative":       `{"ttl":-1}`,
		"not json":           `ok`,
	}
	for name, answer := range answers {
		_, srv := newAuthServer(t, 200, answer)
		s, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "post")
		assert.Error(t, err, "%s: accepted %+v", name, s)
	}
}

func TestQueryExpires(t *testing.T) {
	_, srv := newAuthServer(t, 200, `{"ttl":2}`)
	before := time.Now()
	s, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "get")
	require.NoError(t, err)
	require.WithinRange(t, s.Expires, before.Add(2*time.Second), time.Now().Add(2*time.Second), "Expires not query time + 2s")
	require.False(t, s.IsExpired(), "fresh answer expired")
}

func TestQueryHTTPSPortRetry(t *testing.T) {
	secure := &recorder{status: 200, answer: goodAnswer}
	tlsSrv := httptest.NewTLSServer(secure)
	t.Cleanup(tlsSrv.Close)
	_, port, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	plain, plainSrv := newAuthServer(t, 403, fmt.Sprintf(`{"https_port":%s}`, port))

	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	client := httpapi.NewClient(&tls.Config{RootCAs: roots}, time.Second, 5*time.Second)
	for _, method := range []string{"get", "post"} {
		_, err := QueryAnyAuthd([]string{hostOf(plainSrv)}, "1.2.3.4", false, "", "s", client, method)
		require.NoError(t, err, "%s: %v", method, err)
	}
	got := secure.requests()
	require.Len(t, got, 2, "plain saw %d, secure saw %d requests", len(plain.requests()), len(got))
	require.Len(t, plain.requests(), 2, "plain saw %d, secure saw %d requests", len(plain.requests()), len(got))
	require.Equal(t, "GET", got[0].method, "retried GET = %+v", got[0])
	require.Equal(t, "/auth", got[0].path, "retried GET = %+v", got[0])
	require.Equal(t, "common_name=&remote_ip=1.2.3.4&secret=s&tls=false", got[0].rawQuery, "retried GET = %+v", got[0])
	require.Equal(t, "POST", got[1].method, "retried POST = %+v", got[1])
	require.Equal(t, "/auth", got[1].path, "retried POST = %+v", got[1])
	require.Contains(t, got[1].body, `"secret":["s"]`, "retried POST = %+v", got[1])
}

func TestQuery403WithoutPort(t *testing.T) {
	_, srv := newAuthServer(t, 403, `{"message":"nope"}`)
	_, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "get")
	require.Error(t, err, "403 accepted")
}

func TestHTTPClientRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	client := httpapi.NewClient(nil, time.Second, 50*time.Millisecond)
	_, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", client, "get")
	require.Error(t, err, "hung server did not time out")
}
