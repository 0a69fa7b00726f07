package nsqd_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	nsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Black-box tests of TLS: the TLS flags and their startup checks, the
// tls-required policy on TCP and HTTP, the upgrade after IDENTIFY and the
// client TLS fields of /stats. Certificates are generated per test.

// xWait bounds every wait in the TLS, compression, auth, statsd and unix
// socket tests.
const xWait = 5 * time.Second

// ---------------------------------------------------------------------------
// helpers shared by the upgrade tests

// xReadFrame reads exactly one frame from r (nc when r is nil) without
// reading ahead, so that whatever the server sends next stays unread on
// the socket. nc carries the read deadline.
func xReadFrame(t testing.TB, nc net.Conn, r io.Reader) (int32, []byte) {
	t.Helper()
	if r == nil {
		r = nc
	}
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(xWait)))
	ft, data, err := protocol.ReadFrame(r, test.MaxFrameSize)
	require.NoError(t, err, "reading a frame")
	return ft, data
}

// xExpectRawOK reads one frame with xReadFrame and requires the response OK.
func xExpectRawOK(t testing.TB, nc net.Conn, r io.Reader) {
	t.Helper()
	ft, data := xReadFrame(t, nc, r)
	require.Equal(t, protocol.FrameTypeResponse, ft, "frame %q", data)
	require.Equal(t, "OK", string(data))
}

// xIdentifyRaw sends IDENTIFY with fields and reads the JSON response
// straight from the socket: the upgraded stream that follows it is left
// untouched. It returns the raw JSON and its decoded form.
func xIdentifyRaw(t testing.TB, c *test.Conn, fields map[string]any) (string, map[string]any) {
	t.Helper()
	body, err := json.Marshal(fields)
	require.NoError(t, err)
	c.CmdBody("IDENTIFY", body)
	ft, data := xReadFrame(t, c.NetConn(), nil)
	require.EqualValues(t, 0, ft, "IDENTIFY %s: got %s frame %q", body, test.FrameTypeName(ft), data)
	var resp map[string]any
	require.NoError(t, json.Unmarshal(data, &resp), "IDENTIFY response %q", data)
	return string(data), resp
}

// xWantFields fails unless resp has each key with the given value.
func xWantFields(t testing.TB, resp map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		require.Equal(t, fmt.Sprint(v), fmt.Sprint(resp[k]), "IDENTIFY response %s = %v, want %v (response %v)", k, resp[k], v, resp)
	}
}

// xTLSOptions configures the generated server certificate, the CA and an
// HTTPS listener; more (may be nil) adjusts further.
func xTLSOptions(certs test.Certs, more func(*nsqd.Options)) func(*nsqd.Options) {
	return func(o *nsqd.Options) {
		o.TLSCert, o.TLSKey, o.TLSRootCAFile = certs.CertFile, certs.KeyFile, certs.CAFile
		o.HTTPSAddress = "127.0.0.1:0"
		if more != nil {
			more(o)
		}
	}
}

// xCAPool loads the generated CA.
func xCAPool(t testing.TB, certs test.Certs) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(certs.CAFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem), "no certificate in CA file")
	return pool
}

// xClientTLS is a client config that trusts the generated CA and presents
// the given certificates.
func xClientTLS(t testing.TB, certs test.Certs, own ...tls.Certificate) *tls.Config {
	t.Helper()
	return &tls.Config{RootCAs: xCAPool(t, certs), ServerName: "127.0.0.1", Certificates: own}
}

// xClientCert is the generated client certificate, signed by the CA.
func xClientCert(t testing.TB, certs test.Certs) tls.Certificate {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certs.ClientCertFile, certs.ClientKeyFile)
	require.NoError(t, err)
	return cert
}

// xSelfSignedCert is a client certificate no CA has signed.
func xSelfSignedCert(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "stranger"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// xUpgradeTLS negotiates TLS with IDENTIFY (extra adds IDENTIFY fields),
// performs the client handshake on the raw socket and reads the OK that
// the server sends over TLS. The Conn then speaks through TLS.
func xUpgradeTLS(t testing.TB, c *test.Conn, cfg *tls.Config, extra map[string]any) *tls.Conn {
	t.Helper()
	fields := map[string]any{"feature_negotiation": true, "tls_v1": true}
	for k, v := range extra {
		fields[k] = v
	}
	_, resp := xIdentifyRaw(t, c, fields)
	xWantFields(t, resp, map[string]any{"tls_v1": true})
	tc := xHandshake(t, c.NetConn(), cfg)
	c.SetStream(tc, tc)
	c.ExpectOK(t)
	return tc
}

// xHandshake runs the client side of the TLS handshake and fails the test
// if it does not complete.
func xHandshake(t testing.TB, nc net.Conn, cfg *tls.Config) *tls.Conn {
	t.Helper()
	tc := tls.Client(nc, cfg)
	nc.SetDeadline(time.Now().Add(xWait))
	require.NoError(t, tc.Handshake(), "TLS handshake")
	nc.SetDeadline(time.Time{})
	return tc
}

// xTLSConn connects to n and upgrades to TLS with cfg.
func xTLSConn(t testing.TB, n *testcluster.NSQD, cfg *tls.Config) *test.Conn {
	t.Helper()
	c := test.DialV2(t, n.RealTCPAddr().String())
	xUpgradeTLS(t, c, cfg, nil)
	return c
}

// xExpectTLSRefused negotiates TLS and requires the server to refuse the
// handshake. A TLS 1.3 client finishes its side before the server has
// checked the client certificate, so the refusal may only show on the
// first read of the OK frame. A timeout does not count as a refusal.
func xExpectTLSRefused(t testing.TB, n *testcluster.NSQD, cfg *tls.Config) {
	t.Helper()
	c := test.DialV2(t, n.RealTCPAddr().String())
	_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "tls_v1": true})
	xWantFields(t, resp, map[string]any{"tls_v1": true})
	nc := c.NetConn()
	nc.SetDeadline(time.Now().Add(xWait))
	tc := tls.Client(nc, cfg)
	err := tc.Handshake()
	if err == nil {
		var hdr [8]byte
		_, err = io.ReadFull(tc, hdr[:])
		require.Error(t, err, "TLS handshake accepted, then got frame header %x", hdr)
	}
	require.False(t, test.IsTimeout(err), "TLS refusal expected, got a timeout: %v", err)
	t.Logf("refused as expected: %v", err)
}

// xHTTPSClient trusts the generated CA and presents own, if given.
func xHTTPSClient(t testing.TB, certs test.Certs, own ...tls.Certificate) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: xClientTLS(t, certs, own...), DisableKeepAlives: true}
	return &http.Client{Transport: tr, Timeout: xWait}
}

// xDo sends a request with client and returns status, headers and body.
func xDo(t testing.TB, client *http.Client, method, url, body string) test.HTTPResponse {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return test.HTTPResponse{Code: resp.StatusCode, Header: resp.Header, Body: b}
}

// xPlainHTTP is the client for plain HTTP requests.
var xPlainHTTP = &http.Client{Timeout: xWait}

// xClients returns every client /stats lists (channel consumers and
// producers) as decoded JSON objects; baseURL is http(s)://host:port.
func xClients(t testing.TB, client *http.Client, baseURL string) []map[string]any {
	t.Helper()
	r := xDo(t, client, http.MethodGet, baseURL+"/stats?format=json", "")
	require.Equal(t, http.StatusOK, r.Code, "GET /stats: %s", r)
	var st struct {
		Topics []struct {
			Channels []struct {
				Clients []map[string]any `json:"clients"`
			} `json:"channels"`
		} `json:"topics"`
		Producers []map[string]any `json:"producers"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &st), "decoding /stats %q", r.Body)
	var all []map[string]any
	for _, tp := range st.Topics {
		for _, ch := range tp.Channels {
			all = append(all, ch.Clients...)
		}
	}
	return append(all, st.Producers...)
}

// xClientStats polls /stats on n's plain HTTP listener until a client with
// the given remote address shows up and returns it.
// xExpectPong requires the answer of GET /ping: 200 "OK".
func xExpectPong(t testing.TB, r test.HTTPResponse, what string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "%s: %s", what, r)
	require.Equal(t, "OK", string(r.Body), what)
}

func xClientStats(t testing.TB, n *testcluster.NSQD, remote string) map[string]any {
	t.Helper()
	return xClientStatsAt(t, xPlainHTTP, n.URL(), remote)
}

func xClientStatsAt(t testing.TB, client *http.Client, baseURL, remote string) map[string]any {
	t.Helper()
	var found map[string]any
	test.Eventually(t, xWait, func() bool {
		for _, c := range xClients(t, client, baseURL) {
			if c["remote_address"] == remote {
				found = c
				return true
			}
		}
		return false
	}, fmt.Sprintf("client %s in /stats", remote))
	return found
}

// xLocal is the address the server sees for c.
func xLocal(c *test.Conn) string { return c.NetConn().LocalAddr().String() }

// xPubSub publishes bodies on pub and requires sub (subscribed, RDY 0) to
// receive exactly them in order, finishing each.
func xPubSub(t testing.TB, pub, sub *test.Conn, topic string, bodies [][]byte) {
	t.Helper()
	for _, b := range bodies {
		pub.CmdBody("PUB "+topic, b)
		pub.ExpectOK(t)
	}
	sub.Cmd(fmt.Sprintf("RDY %d", len(bodies)))
	for i, want := range bodies {
		m := sub.ReadMessage(t)
		require.Equal(t, string(want), string(m.Body), "message %d: body of %d bytes %.40q, want %d bytes %.40q", i, len(m.Body), m.Body, len(want), want)
		sub.Cmd("FIN " + m.ID)
	}
}

// xSubscribe sends SUB on an already identified connection.
func xSubscribe(t testing.TB, c *test.Conn, topic, channel string) {
	t.Helper()
	c.Cmd("SUB " + topic + " " + channel)
	c.ExpectOK(t)
}

// ---------------------------------------------------------------------------
// TLS upgrade

func TestTLSUpgradeRawFrames(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	n := startNSQD(t, xTLSOptions(certs, nil))

	c := mustConnect(t, n)
	raw, _ := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "tls_v1": true, "output_buffer_timeout": 25})
	const want = `{"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":60000,` +
		`"tls_v1":true,"deflate":false,"deflate_level":6,"max_deflate_level":6,"snappy":false,"sample_rate":0,` +
		`"auth_required":false,"output_buffer_size":16384,"output_buffer_timeout":25,"topology_region":"","topology_zone":""}`
	require.Equal(t, want, raw, "IDENTIFY response\n")
	// The server waits for the client's hello: nothing follows the JSON
	// frame in plaintext.
	pending, err := c.Pending(50 * time.Millisecond)
	require.NoError(t, err, "after the IDENTIFY response")
	require.False(t, pending, "server sent plaintext after the IDENTIFY response")
	tc := xHandshake(t, c.NetConn(), xClientTLS(t, certs))
	// The OK comes as TLS application data, read straight from the TLS conn.
	xExpectRawOK(t, c.NetConn(), tc)
	c.SetStream(tc, tc)
	require.EqualValues(t, tls.VersionTLS13, tc.ConnectionState().Version, "negotiated")

	sub := xTLSConn(t, n, xClientTLS(t, certs))
	sub.Cmd("SUB t c")
	sub.ExpectOK(t)
	xPubSub(t, c, sub, "t", [][]byte{[]byte("one"), []byte("two"), make([]byte, 100<<10)})

	for _, conn := range []*test.Conn{c, sub} {
		cs := xClientStats(t, n, xLocal(conn))
		require.Equal(t, true, cs["tls"])
		require.Equal(t, "TLS1.3", cs["tls_version"])
		s, _ := cs["tls_cipher_suite"].(string)
		require.True(t, strings.HasPrefix(s, "Unknown "), "TLS 1.3 tls_cipher_suite %q, want \"Unknown <n>\"", s)
	}
	test.Eventually(t, xWait, func() bool { return mustChannelStats(t, n, "t", "c").InFlightCount == 0 })

	// A plaintext client on the same server shows tls false and empty fields.
	plain := mustConnect(t, n)
	plain.CmdBody("PUB t", []byte("x"))
	plain.ExpectOK(t)
	cs := xClientStats(t, n, xLocal(plain))
	require.Equal(t, false, cs["tls"], "plaintext client stats")
	require.Equal(t, "", cs["tls_version"], "plaintext client stats")
	require.Equal(t, "", cs["tls_cipher_suite"], "plaintext client stats")
}

func TestTLSNotOfferedWithoutCert(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	_, resp := xIdentifyRaw(t, c, map[string]any{"feature_negotiation": true, "tls_v1": true})
	xWantFields(t, resp, map[string]any{"tls_v1": false})
	// Still plaintext.
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectOK(t)
}

func TestTLSIgnoredWithoutFeatureNegotiation(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	n := startNSQD(t, xTLSOptions(certs, nil))
	c := mustConnect(t, n)
	require.Nil(t, c.Identify(t, map[string]any{"tls_v1": true}), "IDENTIFY without feature_negotiation, want OK")
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectOK(t)
}

func TestTLSClientAuthPolicy(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	signed := xClientCert(t, certs)
	stranger := xSelfSignedCert(t)

	cases := []struct {
		policy, name string
		cert         *tls.Certificate
		ok           bool
	}{
		{"require", "no cert", nil, false},
		{"require", "CA-signed cert", &signed, true},
		{"require", "self-signed cert", &stranger, true},
		{"require-verify", "no cert", nil, false},
		{"require-verify", "CA-signed cert", &signed, true},
		{"require-verify", "self-signed cert", &stranger, false},
	}
	nodes := map[string]*testcluster.NSQD{}
	for _, policy := range []string{"require", "require-verify"} {
		nodes[policy] = startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSClientAuthPolicy = policy }))
	}
	for _, tc := range cases {
		t.Run(tc.policy+"/"+tc.name, func(t *testing.T) {
			n := nodes[tc.policy]
			cfg := xClientTLS(t, certs)
			if tc.cert != nil {
				// Present the certificate even when it does not chain to
				// one of the CAs the server names in its request.
				cert := tc.cert
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
			}
			if !tc.ok {
				xExpectTLSRefused(t, n, cfg)
				return
			}
			c := xTLSConn(t, n, cfg)
			c.CmdBody("PUB t", []byte("hello"))
			c.ExpectOK(t)
			cs := xClientStatsAt(t, xHTTPSClient(t, certs, signed), "https://"+n.RealHTTPSAddr().String(), xLocal(c))
			require.Equal(t, true, cs["tls"], "client stats tls")
		})
	}
}

// A non-empty client auth policy forces --tls-required=true.
func TestTLSClientAuthPolicyForcesTLSRequired(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) {
		o.TLSClientAuthPolicy = "require"
		o.TLSRequired = nsqd.TLSNotRequired
	}))
	c := mustConnect(t, n)
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectFatal(t, "E_INVALID cannot PUB in current state (TLS required)")

	r := test.HTTPGet(t, n.URL()+"/ping")
	require.Equal(t, http.StatusForbidden, r.Code, "plain HTTP /ping: %s, want 403", r)
	cfg := xHTTPSClient(t, certs, xClientCert(t, certs))
	r = xDo(t, cfg, http.MethodGet, "https://"+n.RealHTTPSAddr().String()+"/config/tls_required", "")
	require.Equal(t, http.StatusOK, r.Code, "GET /config/tls_required over HTTPS")
	require.Equal(t, "2", string(r.Body), "GET /config/tls_required over HTTPS")
}

func TestTLSRequired(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)

	t.Run("false", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSRequired = nsqd.TLSNotRequired }))
		c := mustConnect(t, n)
		c.Cmd("NOP")
		c.CmdBody("PUB t", []byte("plain"))
		c.ExpectOK(t)
		xExpectPong(t, test.HTTPGet(t, n.URL()+"/ping"), "plain HTTP /ping")
		// TLS is still offered.
		tc := xTLSConn(t, n, xClientTLS(t, certs))
		tc.CmdBody("PUB t", []byte("secure"))
		tc.ExpectOK(t)
	})

	for _, mode := range []struct {
		name  string
		value int
	}{{"tcp-https", nsqd.TLSRequiredExceptHTTP}, {"true", nsqd.TLSRequired}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSRequired = mode.value }))
			xRequireTLSOnTCP(t, n, certs)
			httpsURL := "https://" + n.RealHTTPSAddr().String()
			httpsClient := xHTTPSClient(t, certs)
			plainURL := n.URL()
			if mode.value == nsqd.TLSRequiredExceptHTTP {
				xExpectPong(t, test.HTTPGet(t, plainURL+"/ping"), "plain HTTP /ping")
				hExpectOK(t, test.HTTPPost(t, plainURL+"/pub?topic=h", "plain http"))
			} else {
				xExpectTLSRequired403(t, n)
			}
			// The HTTPS listener serves the API in both modes.
			xExpectPong(t, xDo(t, httpsClient, http.MethodGet, httpsURL+"/ping", ""), "HTTPS /ping")
			hExpectOK(t, xDo(t, httpsClient, http.MethodPost, httpsURL+"/pub?topic=s", "over https"))
			sub := test.DialV2(t, n.RealTCPAddr().String())
			xUpgradeTLS(t, sub, xClientTLS(t, certs), map[string]any{"output_buffer_timeout": 25})
			xSubscribe(t, sub, "s", "c")
			sub.Cmd("RDY 1")
			require.Equal(t, "over https", string(sub.ReadMessage(t).Body), "the HTTPS-published message")
		})
	}
}

// xRequireTLSOnTCP checks that every command but IDENTIFY is refused
// before TLS and allowed after.
func xRequireTLSOnTCP(t *testing.T, n *testcluster.NSQD, certs test.Certs) {
	t.Helper()
	for _, cmd := range []struct{ line, token string }{
		{"NOP", "NOP"}, {"PUB t", "PUB"}, {"AUTH", "AUTH"}, {"SUB t c", "SUB"}, {"RDY 1", "RDY"}, {"BOGUS x", "BOGUS"},
	} {
		c := mustConnect(t, n)
		if cmd.token == "PUB" || cmd.token == "AUTH" {
			c.CmdBody(cmd.line, []byte("x"))
		} else {
			c.Cmd(cmd.line)
		}
		c.ExpectFatal(t, "E_INVALID cannot "+cmd.token+" in current state (TLS required)")
	}
	// IDENTIFY is allowed before TLS, even without feature negotiation.
	c := mustConnect(t, n)
	require.Nil(t, c.Identify(t, map[string]any{"client_id": "x"}), "IDENTIFY answer, want OK")
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectFatal(t, "E_INVALID cannot PUB in current state (TLS required)")

	tc := xTLSConn(t, n, xClientTLS(t, certs))
	tc.Cmd("NOP")
	tc.CmdBody("PUB t", []byte("x"))
	tc.ExpectOK(t)
}

// xExpectTLSRequired403 checks the plain HTTP refusal (403 TLS_REQUIRED) on several
// paths and methods, including unknown ones.
func xExpectTLSRequired403(t *testing.T, n *testcluster.NSQD) {
	t.Helper()
	base := n.URL()
	want := fmt.Sprintf(`{"message": "TLS_REQUIRED", "https_port": %d}`, n.RealHTTPSAddr().(*net.TCPAddr).Port)
	for _, r := range []test.HTTPResponse{
		test.HTTPGet(t, base+"/ping"),
		test.HTTPGet(t, base+"/stats?format=json"),
		test.HTTPPost(t, base+"/pub?topic=h", "x"),
		test.HTTPGet(t, base+"/no/such/path"),
		test.HTTPPut(t, base+"/ping", ""),
	} {
		require.Equal(t, http.StatusForbidden, r.Code, "plain HTTP")
		require.Equal(t, want, string(r.Body), "plain HTTP")
		require.Equal(t, hJSONType, r.Header.Get("Content-Type"), "403 Content-Type")
		require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "403 X-NSQ-Content-Type")
	}
	require.False(t, xTopicExists(n, "h"), "refused plain HTTP /pub created the topic")
}

// xTopicExists asks the node's registry whether topic exists.
func xTopicExists(n *testcluster.NSQD, topic string) bool {
	_, err := n.GetExistingTopic(topic)
	return err == nil
}

func TestTLSMinVersion(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	tls11 := func() *tls.Config {
		cfg := xClientTLS(t, certs)
		cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		return cfg
	}

	t.Run("tls1.2 refuses a TLS 1.1 client", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSMinVersion = tls.VersionTLS12 }))
		xExpectTLSRefused(t, n, tls11())

		cfg := xClientTLS(t, certs)
		cfg.MaxVersion = tls.VersionTLS12
		cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		c := xTLSConn(t, n, cfg)
		c.CmdBody("PUB t", []byte("x"))
		c.ExpectOK(t)
		cs := xClientStats(t, n, xLocal(c))
		require.Equal(t, "TLS1.2", cs["tls_version"])
		require.Equal(t, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", cs["tls_cipher_suite"])
	})

	t.Run("default tls1.2 refuses a TLS 1.1 client", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, xTLSOptions(certs, nil))
		xExpectTLSRefused(t, n, tls11())
	})

	t.Run("tls1.0 asked for accepts a TLS 1.1 client", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSMinVersion = tls.VersionTLS10 }))
		c := xTLSConn(t, n, tls11())
		c.CmdBody("PUB t", []byte("x"))
		c.ExpectOK(t)
		cs := xClientStats(t, n, xLocal(c))
		require.Equal(t, "TLS1.1", cs["tls_version"], "client stats tls_version")
	})
}

func TestTLSGoNSQ(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.TLSRequired = nsqd.TLSRequired }))
	cfg := nsq.NewConfig()
	cfg.TlsV1 = true
	cfg.TlsConfig = &tls.Config{RootCAs: xCAPool(t, certs)}
	bodies := xBodies(50, 2000)
	xGoNSQRoundTrip(t, n, cfg, "tls", bodies)

	https := xHTTPSClient(t, certs)
	clients := xClients(t, https, "https://"+n.RealHTTPSAddr().String())
	require.GreaterOrEqual(t, len(clients), 2, "want a go-nsq producer and consumer in /stats, got %v", clients)
	for _, cs := range clients {
		require.Equal(t, true, cs["tls"])
		require.Equal(t, "TLS1.3", cs["tls_version"])
	}
}

// xBodies returns count distinct bodies of up to maxLen bytes of mildly
// compressible text.
func xBodies(count, maxLen int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		size := 1 + (i*7919)%maxLen
		b := []byte(strings.Repeat(fmt.Sprintf("msg %d payload ", i), size/10+1))[:size]
		out[i] = b
	}
	return out
}

// xGoNSQRoundTrip publishes bodies with a go-nsq producer (one PUB each,
// then the rest again as one MPUB) and requires a go-nsq consumer with the
// same config to receive every message exactly once. Both stay connected
// until the test ends so that their stats can be inspected.
func xGoNSQRoundTrip(t *testing.T, n *testcluster.NSQD, cfg *nsq.Config, topic string, bodies [][]byte) {
	t.Helper()
	addr := n.RealTCPAddr().String()
	got := make(chan string, 2*len(bodies))
	cons, err := nsq.NewConsumer(topic, "c", cfg)
	require.NoError(t, err)
	cons.SetLogger(test.NewLogger(t), nsq.LogLevelInfo)
	cons.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		got <- string(m.Body)
		return nil
	}))
	require.NoError(t, cons.ConnectToNSQD(addr), "go-nsq consumer")
	t.Cleanup(func() {
		cons.Stop()
		select {
		case <-cons.StopChan:
		case <-time.After(xWait):
			assert.Fail(t, "go-nsq consumer did not stop")
		}
	})
	prod, err := nsq.NewProducer(addr, cfg)
	require.NoError(t, err)
	prod.SetLogger(test.NewLogger(t), nsq.LogLevelInfo)
	t.Cleanup(prod.Stop)
	half := len(bodies) / 2
	for _, b := range bodies[:half] {
		require.NoError(t, prod.Publish(topic, b), "go-nsq Publish")
	}
	require.NoError(t, prod.MultiPublish(topic, bodies[half:]), "go-nsq MultiPublish")
	want := map[string]int{}
	for _, b := range bodies {
		want[string(b)]++
	}
	deadline := time.After(2 * xWait)
	for i := range bodies {
		select {
		case b := <-got:
			require.NotZero(t, want[b], "unexpected or duplicate message of %d bytes", len(b))
			want[b]--
		case <-deadline:
			require.FailNow(t, "go-nsq consumer: messages missing", "received %d of %d", i, len(bodies))
		}
	}
}
