package nsqd_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// Black-box tests of AUTH against a fake auth
// server.

// xAuthRequest is one request the fake auth server received.
type xAuthRequest struct {
	method, path, rawQuery, contentType, accept, body string
}

// xAuthServer answers every request with the current status and body and
// records what it was asked.
type xAuthServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	body   string
	reqs   []xAuthRequest
}

func xNewAuthServer(t testing.TB, status int, body string) *xAuthServer {
	t.Helper()
	a := &xAuthServer{status: status, body: body}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.reqs = append(a.reqs, xAuthRequest{
			method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery,
			contentType: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept"), body: string(b),
		})
		status, body := a.status, a.body
		a.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// set changes the answer to the following requests.
func (a *xAuthServer) set(status int, body string) {
	a.mu.Lock()
	a.status, a.body = status, body
	a.mu.Unlock()
}

func (a *xAuthServer) requests() []xAuthRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]xAuthRequest(nil), a.reqs...)
}

// addr is host:port, which nsqd turns into http://host:port/auth.
func (a *xAuthServer) addr() string { return a.srv.Listener.Addr().String() }

// xAuthz is one authorization of an auth server answer.
type xAuthz struct {
	Topic       string   `json:"topic"`
	Channels    []string `json:"channels"`
	Permissions []string `json:"permissions"`
}

// xAuthAnswer is the JSON an auth server returns.
func xAuthAnswer(ttl int, identity, identityURL string, authz ...xAuthz) string {
	if authz == nil {
		authz = []xAuthz{}
	}
	b, _ := json.Marshal(map[string]any{
		"ttl": ttl, "identity": identity, "identity_url": identityURL, "authorizations": authz,
	})
	return string(b)
}

var (
	xPubSubPerms = []string{"subscribe", "publish"}
	xAllowAll    = xAuthz{Topic: ".*", Channels: []string{".*"}, Permissions: xPubSubPerms}
)

// xAuthNSQD starts nsqd with the given auth servers; more may be nil.
func xAuthNSQD(t *testing.T, more func(*nsqd.Options), addrs ...string) *testcluster.NSQD {
	t.Helper()
	return startNSQD(t, func(o *nsqd.Options) {
		o.AuthHTTPAddresses = addrs
		if more != nil {
			more(o)
		}
	})
}

// xAuth sends AUTH secret and requires the exact success response.
func xAuth(t testing.TB, c *test.Conn, secret, want string) {
	t.Helper()
	c.CmdBody("AUTH", []byte(secret))
	c.ExpectResponse(t, want)
}

func TestAuthRequiredFirst(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 200, xAuthAnswer(60, "id", "", xAllowAll))
	n := xAuthNSQD(t, nil, a.addr())

	c := mustConnect(t, n)
	_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true})
	xWantFields(t, resp, map[string]any{"auth_required": true})

	cases := []struct {
		name string
		send func(*test.Conn)
		want string
	}{
		{"PUB", func(c *test.Conn) { c.CmdBody("PUB t", []byte("x")) }, "E_AUTH_FIRST AUTH required before PUB"},
		{"MPUB", func(c *test.Conn) { c.CmdBody("MPUB t", test.MPUBBody([][]byte{[]byte("x")})) }, "E_AUTH_FIRST AUTH required before MPUB"},
		{"DPUB", func(c *test.Conn) { c.CmdBody("DPUB t 10", []byte("x")) }, "E_AUTH_FIRST AUTH required before DPUB"},
		{"SUB", func(c *test.Conn) { c.Cmd("SUB t c") }, "E_AUTH_FIRST AUTH required before SUB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConnect(t, n)
			tc.send(c)
			c.ExpectFatal(t, tc.want)
		})
	}
	// After IDENTIFY too.
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectFatal(t, "E_AUTH_FIRST AUTH required before PUB")
	require.Len(t, a.requests(), 0, "auth server queried without AUTH")
	require.False(t, xTopicExists(n, "t"), "refused commands created the topic")
}

func TestAuthAllowedAndDenied(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 200, xAuthAnswer(3600, "alice", "https://id.example/alice",
		xAuthz{Topic: "^t$", Channels: []string{".*"}, Permissions: xPubSubPerms},
		xAuthz{Topic: "ro", Channels: []string{"^c$"}, Permissions: []string{"subscribe"}},
	))
	n := xAuthNSQD(t, nil, a.addr())
	const ok = `{"identity":"alice","identity_url":"https://id.example/alice","permission_count":2}`

	pub := mustConnect(t, n)
	xAuth(t, pub, "s3cret", ok)
	pub.CmdBody("PUB t", []byte("one"))
	pub.ExpectOK(t)
	pub.CmdBody("MPUB t", test.MPUBBody([][]byte{[]byte("two"), []byte("three")}))
	pub.ExpectOK(t)
	pub.CmdBody("DPUB t 0", []byte("four"))
	pub.ExpectOK(t)

	reqs := a.requests()
	require.Len(t, reqs, 1, "auth server")
	want := xAuthRequest{
		method: "GET", path: "/auth", rawQuery: "common_name=&remote_ip=127.0.0.1&secret=s3cret&tls=false",
		accept: "application/vnd.nsq; version=1.0",
	}
	require.Equal(t, want, reqs[0], "auth request\n")

	cs := xClientStats(t, n, xLocal(pub))
	require.Equal(t, true, cs["authed"], "client stats authed")
	require.Equal(t, "alice", cs["auth_identity"], "client stats auth_identity")
	require.Equal(t, "https://id.example/alice", cs["auth_identity_url"], "client stats auth_identity_url")

	sub := mustConnect(t, n)
	sub.Identify(t, map[string]any{"output_buffer_timeout": 25})
	xAuth(t, sub, "s3cret", ok)
	xSubscribe(t, sub, "t", "any-channel")
	sub.Cmd("RDY 1")
	// The channel was created by the SUB, after the four publishes: they
	// were queued at topic level and now reach it.
	require.Equal(t, "one", string(sub.ReadMessage(t).Body))

	// The topic regex is unanchored: "ro" matches "errors".
	ro := mustConnect(t, n)
	xAuth(t, ro, "s3cret", ok)
	xSubscribe(t, ro, "errors", "c")

	denied := []struct {
		name string
		send func(*test.Conn)
		want string
	}{
		{"SUB on a channel no regex matches", func(c *test.Conn) { c.Cmd("SUB errors d") },
			`E_UNAUTHORIZED AUTH failed for SUB on "errors" "d"`},
		{"SUB on another topic", func(c *test.Conn) { c.Cmd("SUB other c") },
			`E_UNAUTHORIZED AUTH failed for SUB on "other" "c"`},
		{"PUB with subscribe permission only", func(c *test.Conn) { c.CmdBody("PUB errors", []byte("x")) },
			`E_UNAUTHORIZED AUTH failed for PUB on "errors" ""`},
		{"PUB to a topic the anchored regex does not match", func(c *test.Conn) { c.CmdBody("PUB tt", []byte("x")) },
			`E_UNAUTHORIZED AUTH failed for PUB on "tt" ""`},
		{"MPUB", func(c *test.Conn) { c.CmdBody("MPUB other", test.MPUBBody([][]byte{[]byte("x")})) },
			`E_UNAUTHORIZED AUTH failed for MPUB on "other" ""`},
		{"DPUB", func(c *test.Conn) { c.CmdBody("DPUB other 5", []byte("x")) },
			`E_UNAUTHORIZED AUTH failed for DPUB on "other" ""`},
	}
	for _, tc := range denied {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConnect(t, n)
			xAuth(t, c, "s3cret", ok)
			tc.send(c)
			c.ExpectFatal(t, tc.want)
		})
	}
	for _, topic := range []string{"other", "tt"} {
		require.False(t, xTopicExists(n, topic), "denied command created topic %q", topic)
	}
}

// Publishing checks the channel "" against the channel regexes (an NSQ
// quirk), so channels ["^ch$"] denies PUB while SUB to ch works.
func TestAuthPublishNeedsEmptyChannelMatch(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 200, xAuthAnswer(60, "bob", "",
		xAuthz{Topic: "t", Channels: []string{"^ch$"}, Permissions: xPubSubPerms}))
	n := xAuthNSQD(t, nil, a.addr())
	const ok = `{"identity":"bob","identity_url":"","permission_count":1}`

	c := mustConnect(t, n)
	xAuth(t, c, "x", ok)
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectFatal(t, `E_UNAUTHORIZED AUTH failed for PUB on "t" ""`)

	c = mustConnect(t, n)
	xAuth(t, c, "x", ok)
	c.Cmd("SUB t c")
	c.ExpectFatal(t, `E_UNAUTHORIZED AUTH failed for SUB on "t" "c"`)

	c = mustConnect(t, n)
	xAuth(t, c, "x", ok)
	xSubscribe(t, c, "t", "ch")
}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	unreachable := closed.Addr().String()
	closed.Close()

	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"no authorizations", 200, xAuthAnswer(60, "x", ""), "E_UNAUTHORIZED AUTH no authorizations found"},
		{"null authorizations", 200, `{"ttl":60,"identity":"x"}`, "E_UNAUTHORIZED AUTH no authorizations found"},
		{"server error", 500, xAuthAnswer(60, "x", "", xAllowAll), "E_AUTH_FAILED AUTH failed"},
		{"forbidden", 403, `{"message":"NOPE"}`, "E_AUTH_FAILED AUTH failed"},
		{"not JSON", 200, "ok", "E_AUTH_FAILED AUTH failed"},
		{"ttl 0", 200, xAuthAnswer(0, "x", "", xAllowAll), "E_AUTH_FAILED AUTH failed"},
		{"unknown permission", 200, xAuthAnswer(60, "x", "",
			xAuthz{Topic: ".*", Channels: []string{".*"}, Permissions: []string{"admin"}}), "E_AUTH_FAILED AUTH failed"},
		{"bad topic regex", 200, xAuthAnswer(60, "x", "",
			xAuthz{Topic: "(", Channels: []string{".*"}, Permissions: xPubSubPerms}), "E_AUTH_FAILED AUTH failed"},
		{"bad channel regex", 200, xAuthAnswer(60, "x", "",
			xAuthz{Topic: ".*", Channels: []string{"[z-a]"}, Permissions: xPubSubPerms}), "E_AUTH_FAILED AUTH failed"},
		{"unreachable", 0, "", "E_AUTH_FAILED AUTH failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := unreachable
			var a *xAuthServer
			if tc.status != 0 {
				a = xNewAuthServer(t, tc.status, tc.body)
				addr = a.addr()
			}
			n := xAuthNSQD(t, func(o *nsqd.Options) { o.HTTPClientConnectTimeout = time.Second }, addr)
			c := mustConnect(t, n)
			c.CmdBody("AUTH", []byte("secret"))
			c.ExpectFatal(t, tc.want)
			if a != nil {
				require.Len(t, a.requests(), 1, "auth server requests")
			}
		})
	}
}

// Any working server in the list is enough.
func TestAuthFallsBackToAnotherServer(t *testing.T) {
	t.Parallel()
	down := xNewAuthServer(t, 500, "down")
	up := xNewAuthServer(t, 200, xAuthAnswer(60, "up", "", xAllowAll))
	n := xAuthNSQD(t, nil, down.addr(), up.addr())
	for range 8 { // the first server tried is random
		c := mustConnect(t, n)
		xAuth(t, c, "s", `{"identity":"up","identity_url":"","permission_count":1}`)
	}
	require.Len(t, up.requests(), 8, "working server")
}

func TestAuthAlreadySet(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 200, xAuthAnswer(60, "id", "", xAllowAll))
	n := xAuthNSQD(t, nil, a.addr())
	c := mustConnect(t, n)
	xAuth(t, c, "one", `{"identity":"id","identity_url":"","permission_count":1}`)
	c.CmdBody("AUTH", []byte("two"))
	c.ExpectFatal(t, "E_INVALID AUTH already set")
	require.Len(t, a.requests(), 1, "auth server")
}

// Both scenarios run side by side so that they share the waits.
func TestAuthTTLExpiry(t *testing.T) {
	t.Parallel()
	const ok = `{"identity":"id","identity_url":"","permission_count":1}`
	allow := xAuthAnswer(1, "id", "", xAllowAll)
	// expire waits until a result obtained before since has expired.
	expire := func(since time.Time) {
		test.Eventually(t, 3*time.Second, func() bool { return time.Since(since) > 1100*time.Millisecond })
	}

	// a: re-queried after expiry, then denied by the new answer.
	a := xNewAuthServer(t, 200, allow)
	na := xAuthNSQD(t, nil, a.addr())
	ca := mustConnect(t, na)
	xAuth(t, ca, "secret", ok)
	at := time.Now()
	ca.CmdBody("PUB t", []byte("fresh"))
	ca.ExpectOK(t)
	if time.Since(at) < 900*time.Millisecond {
		require.Len(t, a.requests(), 1, "auth server requests before expiry")
	}
	// b: the re-query fails.
	b := xNewAuthServer(t, 200, allow)
	nb := xAuthNSQD(t, nil, b.addr())
	cb := mustConnect(t, nb)
	xAuth(t, cb, "secret", ok)
	atB := time.Now()
	b.set(500, "gone")

	expire(atB) // later than at: both results have expired
	at = time.Now()
	ca.CmdBody("PUB t", []byte("re-queried"))
	ca.ExpectOK(t)
	reqs := a.requests()
	require.Len(t, reqs, 2, "after expiry: requests")
	require.Equal(t, reqs[0], reqs[1], "after expiry: requests")
	cb.Cmd("SUB t c")
	cb.ExpectFatal(t, "E_AUTH_FAILED AUTH failed")
	require.Len(t, b.requests(), 2, "failing auth server")

	a.set(200, xAuthAnswer(60, "id", "", xAuthz{Topic: "^other$", Channels: []string{".*"}, Permissions: xPubSubPerms}))
	expire(at)
	ca.CmdBody("PUB t", []byte("denied"))
	ca.ExpectFatal(t, `E_UNAUTHORIZED AUTH failed for PUB on "t" ""`)
	require.Len(t, a.requests(), 3, "auth server")
	require.EqualValues(t, 2, mustTopicStats(t, na, "t").MessageCount, "topic message_count")
}

func TestAuthRequestForms(t *testing.T) {
	t.Parallel()
	const ok = `{"identity":"id","identity_url":"u","permission_count":1}`
	answer := xAuthAnswer(60, "id", "u", xAllowAll)

	t.Run("post", func(t *testing.T) {
		t.Parallel()
		a := xNewAuthServer(t, 200, answer)
		n := xAuthNSQD(t, func(o *nsqd.Options) { o.AuthHTTPRequestMethod = "post" }, a.addr())
		c := mustConnect(t, n)
		xAuth(t, c, `p"w d`, ok)
		want := xAuthRequest{
			method: "POST", path: "/auth", contentType: "application/json", accept: "application/vnd.nsq; version=1.0",
			body: `{"common_name":[""],"remote_ip":["127.0.0.1"],"secret":["p\"w d"],"tls":["false"]}`,
		}
		require.Equal(t, []xAuthRequest{want}, a.requests(), "auth requests")
	})

	t.Run("get escapes the secret", func(t *testing.T) {
		t.Parallel()
		a := xNewAuthServer(t, 200, answer)
		n := xAuthNSQD(t, nil, a.addr())
		c := mustConnect(t, n)
		xAuth(t, c, "a b&c=d/é", ok)
		want := "common_name=&remote_ip=127.0.0.1&secret=a+b%26c%3Dd%2F%C3%A9&tls=false"
		got := a.requests()
		require.Len(t, got, 1, "auth requests %+v", got)
		require.Equal(t, "GET", got[0].method, "auth request method")
		require.Equal(t, want, got[0].rawQuery, "auth request query")
	})

	t.Run("full URL used as is", func(t *testing.T) {
		t.Parallel()
		a := xNewAuthServer(t, 200, answer)
		n := xAuthNSQD(t, nil, a.srv.URL+"/v1/check")
		c := mustConnect(t, n)
		xAuth(t, c, "s", ok)
		got := a.requests()
		require.Len(t, got, 1, "auth requests %+v", got)
		require.Equal(t, "/v1/check", got[0].path, "auth request path")
	})

	t.Run("tls with a client certificate", func(t *testing.T) {
		t.Parallel()
		certs := test.GenerateCerts(t)
		a := xNewAuthServer(t, 200, answer)
		n := xAuthNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSClientAuthPolicy = "require-verify" }), a.addr())
		c := test.DialV2(t, n.RealTCPAddr().String())
		xUpgradeTLS(t, c, xClientTLS(t, certs, xClientCert(t, certs)), nil)
		xAuth(t, c, "s", ok)
		want := "common_name=" + test.ClientCommonName + "&remote_ip=127.0.0.1&secret=s&tls=true"
		got := a.requests()
		require.Len(t, got, 1, "auth requests %+v", got)
		require.Equal(t, want, got[0].rawQuery, "auth request query")
		c.CmdBody("PUB t", []byte("x"))
		c.ExpectOK(t)
	})
}

// A 403 naming an https_port sends the query again over HTTPS on that
// port, verified against --tls-root-ca-file.
func TestAuthHTTPSRedirect(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	secure := httptest.NewUnstartedServer(nil)
	var got []xAuthRequest
	var mu sync.Mutex
	secure.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, xAuthRequest{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery})
		mu.Unlock()
		io.WriteString(w, xAuthAnswer(60, "secure", "", xAllowAll))
	})
	cert, err := tls.LoadX509KeyPair(certs.CertFile, certs.KeyFile)
	require.NoError(t, err)
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	secure.StartTLS()
	t.Cleanup(secure.Close)
	port := secure.Listener.Addr().(*net.TCPAddr).Port

	plain := xNewAuthServer(t, 403, fmt.Sprintf(`{"message": "TLS_REQUIRED", "https_port": %d}`, port))
	n := xAuthNSQD(t, func(o *nsqd.Options) { o.TLSRootCAFile = certs.CAFile }, plain.addr())
	c := mustConnect(t, n)
	xAuth(t, c, "s", `{"identity":"secure","identity_url":"","permission_count":1}`)
	want := xAuthRequest{method: "GET", path: "/auth", rawQuery: "common_name=&remote_ip=127.0.0.1&secret=s&tls=false"}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1, "HTTPS auth requests")
	require.Equal(t, want, got[0], "HTTPS auth requests")
	require.Len(t, plain.requests(), 1, "HTTPS auth requests")
}

// HTTP publishing is not subject to auth.
func TestAuthNotAppliedToHTTP(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 500, "never asked")
	n := xAuthNSQD(t, nil, a.addr())
	base := n.URL()
	hExpectOK(t, test.HTTPPost(t, base+"/pub?topic=t", "one"))
	hExpectOK(t, test.HTTPPost(t, base+"/mpub?topic=t", "two\nthree"))
	require.EqualValues(t, 3, mustTopicStats(t, n, "t").MessageCount, "topic message_count")
	require.Len(t, a.requests(), 0, "auth server queried for HTTP")
	r := test.HTTPGet(t, base+"/stats?format=json")
	require.Equal(t, http.StatusOK, r.Code, "/stats: %s", r)
	require.Contains(t, string(r.Body), `"topic_name":"t"`, "/stats")
}
