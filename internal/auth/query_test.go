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
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity != "alice" || s.IdentityURL != "http://id/alice" || s.TTL != 3600 || len(s.Authorizations) != 1 {
		t.Fatalf("unexpected state %+v", s)
	}
	want := recorded{
		method: "GET", path: "/auth",
		rawQuery: "common_name=CN+x&remote_ip=10.0.0.1&secret=s%26e+c%2Fret&tls=true",
		accept:   "application/vnd.nsq; version=1.0",
	}
	if got := rec.requests(); len(got) != 1 || got[0] != want {
		t.Fatalf("requests = %+v, want [%+v]", got, want)
	}
}

func TestQueryGETFullURLWithQuery(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	addr := srv.URL + "/custom/path?x=1"
	if _, err := QueryAnyAuthd([]string{addr}, "", false, "", "good", testClient(), "get"); err != nil {
		t.Fatal(err)
	}
	got := rec.requests()
	if len(got) != 1 || got[0].path != "/custom/path" ||
		got[0].rawQuery != "x=1?common_name=&remote_ip=&secret=good&tls=false" {
		t.Fatalf("requests = %+v", got)
	}
}

func TestQueryPOSTShape(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	if _, err := QueryAnyAuthd([]string{hostOf(srv)}, "127.0.0.1", false, "", "good", testClient(), "post"); err != nil {
		t.Fatal(err)
	}
	want := recorded{
		method: "POST", path: "/auth",
		accept:      "application/vnd.nsq; version=1.0",
		contentType: "application/json",
		body:        `{"common_name":[""],"remote_ip":["127.0.0.1"],"secret":["good"],"tls":["false"]}`,
	}
	if got := rec.requests(); len(got) != 1 || got[0] != want {
		t.Fatalf("requests = %+v, want [%+v]", got, want)
	}
}

func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestQueryFailover(t *testing.T) {
	rec, srv := newAuthServer(t, 200, goodAnswer)
	_, bad := newAuthServer(t, 500, "oops")
	addrs := []string{deadAddr(t), hostOf(bad), hostOf(srv)}
	for i := range 30 {
		if _, err := QueryAnyAuthd(addrs, "", false, "", "s", testClient(), "get"); err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
	}
	if n := len(rec.requests()); n != 30 {
		t.Fatalf("live server saw %d requests, want 30", n)
	}
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
		if _, err := QueryAnyAuthd(addrs, "", false, "", "s", client, "get"); err != nil {
			t.Fatal(err)
		}
	}
	if hits[0].Load() == 0 || hits[1].Load() == 0 || hits[0].Load()+hits[1].Load() != 100 {
		t.Fatalf("hits = %d, %d: want both servers used once per query", hits[0].Load(), hits[1].Load())
	}
}

func TestQueryAllFail(t *testing.T) {
	_, bad := newAuthServer(t, 401, "no")
	_, err := QueryAnyAuthd([]string{deadAddr(t), hostOf(bad)}, "", false, "", "s", testClient(), "get")
	if err == nil || !strings.Contains(err.Error(), `got response 401 Unauthorized "no"`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := QueryAnyAuthd(nil, "", false, "", "s", testClient(), "get"); err == nil {
		t.Fatal("no addresses: want error")
	}
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
		if s, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "post"); err == nil {
			t.Errorf("%s: accepted %+v", name, s)
		}
	}
}

func TestQueryExpires(t *testing.T) {
	_, srv := newAuthServer(t, 200, `{"ttl":2}`)
	before := time.Now()
	s, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "get")
	if err != nil {
		t.Fatal(err)
	}
	if s.Expires.Before(before.Add(2*time.Second)) || s.Expires.After(time.Now().Add(2*time.Second)) {
		t.Fatalf("Expires %v not query time + 2s", s.Expires)
	}
	if s.IsExpired() {
		t.Fatal("fresh answer expired")
	}
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
		if _, err := QueryAnyAuthd([]string{hostOf(plainSrv)}, "1.2.3.4", false, "", "s", client, method); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	got := secure.requests()
	if len(got) != 2 || len(plain.requests()) != 2 {
		t.Fatalf("plain saw %d, secure saw %d requests; want 2 each", len(plain.requests()), len(got))
	}
	if got[0].method != "GET" || got[0].path != "/auth" || got[0].rawQuery != "common_name=&remote_ip=1.2.3.4&secret=s&tls=false" {
		t.Fatalf("retried GET = %+v", got[0])
	}
	if got[1].method != "POST" || got[1].path != "/auth" || !strings.Contains(got[1].body, `"secret":["s"]`) {
		t.Fatalf("retried POST = %+v", got[1])
	}
}

func TestQuery403WithoutPort(t *testing.T) {
	_, srv := newAuthServer(t, 403, `{"message":"nope"}`)
	if _, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", testClient(), "get"); err == nil {
		t.Fatal("403 accepted")
	}
}

func TestHTTPClientRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	client := httpapi.NewClient(nil, time.Second, 50*time.Millisecond)
	if _, err := QueryAnyAuthd([]string{hostOf(srv)}, "", false, "", "s", client, "get"); err == nil {
		t.Fatal("hung server did not time out")
	}
}
