package nsqd_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Black-box tests of TCP and HTTP listeners on unix sockets: an address that
// is not host:port is a socket path, /info reports its port as -1, broadcast
// ports stay 0, and an auth request carries remote_ip="".

// xSocketDir is a short directory for unix sockets: their paths are
// limited to about 108 bytes, which t.TempDir() can exceed.
func xSocketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "x")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// xUnixHTTP is an HTTP client whose every request goes to the unix socket
// at path; use any host in URLs.
func xUnixHTTP(path string) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}
	return &http.Client{Transport: tr, Timeout: xWait}
}

// xDialUnix opens a V2 connection over the unix socket at path.
func xDialUnix(t testing.TB, path string) *test.Conn {
	t.Helper()
	nc, err := net.DialTimeout("unix", path, xWait)
	require.NoError(t, err)
	c := test.NewConn(t, nc)
	c.SendMagic()
	return c
}

// xInfoPorts is GET /info's tcp_port and http_port.
func xInfoPorts(t testing.TB, client *http.Client, base string) (tcpPort, httpPort int) {
	t.Helper()
	r := xDo(t, client, "GET", base+"/info", "")
	var info struct {
		TCPPort  int `json:"tcp_port"`
		HTTPPort int `json:"http_port"`
	}
	require.EqualValues(t, 200, r.Code, "GET /info")
	require.Nil(t, json.Unmarshal(r.Body, &info), "GET /info")
	return info.TCPPort, info.HTTPPort
}

func TestUnixSockets(t *testing.T) {
	t.Parallel()
	dir := xSocketDir(t)
	tcpPath, httpPath := filepath.Join(dir, "tcp.sock"), filepath.Join(dir, "http.sock")
	n := startNSQD(t, func(o *nsqd.Options) {
		o.TCPAddress, o.HTTPAddress = tcpPath, httpPath
		o.BroadcastAddress = "h.example"
	})
	for _, a := range []net.Addr{n.RealTCPAddr(), n.RealHTTPAddr()} {
		require.Equal(t, "unix", a.Network(), "listener %v is %s, want unix", a, a.Network())
	}
	require.Equal(t, tcpPath, n.RealTCPAddr().String(), "listening on")
	require.Equal(t, httpPath, n.RealHTTPAddr().String(), "listening on")
	client := xUnixHTTP(httpPath)
	const base = "http://nsqd"

	xExpectPong(t, xDo(t, client, "GET", base+"/ping", ""), "GET /ping over the unix socket")
	tcpPort, httpPort := xInfoPorts(t, client, base)
	require.Equal(t, -1, tcpPort, "/info tcp_port")
	require.Equal(t, -1, httpPort, "/info http_port")
	// Broadcast ports stay 0 for unix listeners, and the statsd prefix
	// is built from them.
	for opt, want := range map[string]string{
		"broadcast_tcp_port": "0", "broadcast_http_port": "0", "statsd_prefix": "nsq.h_example_0.",
	} {
		r := xDo(t, client, "GET", base+"/config/"+opt, "")
		assert.Equal(t, 200, r.Code, "GET /config/%s: %s", opt, r)
		assert.Equal(t, want, string(r.Body), "GET /config/%s", opt)
	}

	sub := xDialUnix(t, tcpPath)
	sub.Identify(t, map[string]any{"output_buffer_timeout": 25})
	xSubscribe(t, sub, "t", "c")
	pub := xDialUnix(t, tcpPath)
	xPubSub(t, pub, sub, "t", [][]byte{[]byte("over unix"), make([]byte, 200<<10)})
	hExpectOK(t, xDo(t, client, "POST", base+"/pub?topic=t", "over unix http"))
	sub.Cmd("RDY 1")
	require.Equal(t, "over unix http", string(sub.ReadMessage(t).Body), "the message published over unix HTTP")

	// Unix clients have no IP: client_id and hostname default to "".
	var clients []map[string]any
	test.Eventually(t, xWait, func() bool {
		clients = xClients(t, client, base)
		return len(clients) == 2
	}, "consumer and producer in /stats")
	for _, cs := range clients {
		require.Equal(t, "", cs["client_id"])
		require.Equal(t, "", cs["hostname"])
	}

	// IDENTIFY still sets them.
	named := xDialUnix(t, tcpPath)
	named.Identify(t, map[string]any{"client_id": "me", "hostname": "box"})
	xSubscribe(t, named, "t", "named")
	test.Eventually(t, xWait, func() bool {
		for _, cs := range xClients(t, client, base) {
			if cs["client_id"] == "me" && cs["hostname"] == "box" {
				return true
			}
		}
		return false
	}, "identified unix client in /stats")
}

func TestUnixTCPWithTCPHTTP(t *testing.T) {
	t.Parallel()
	tcpPath := filepath.Join(xSocketDir(t), "nsqd.sock")
	n := startNSQD(t, func(o *nsqd.Options) { o.TCPAddress = tcpPath })
	tcpPort, httpPort := xInfoPorts(t, xPlainHTTP, n.URL())
	require.EqualValues(t, -1, tcpPort, "/info tcp_port")
	require.Equal(t, portOf(n.RealHTTPAddr()), httpPort, "/info tcp_port")
	c := xDialUnix(t, tcpPath)
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectOK(t)
	require.EqualValues(t, 1, mustTopicStats(t, n, "t").MessageCount, "message_count")
}

// The auth request of a unix client carries remote_ip="".
func TestUnixAuthRemoteIP(t *testing.T) {
	t.Parallel()
	a := xNewAuthServer(t, 200, xAuthAnswer(60, "u", "", xAllowAll))
	tcpPath := filepath.Join(xSocketDir(t), "nsqd.sock")
	xAuthNSQD(t, func(o *nsqd.Options) { o.TCPAddress = tcpPath }, a.addr())
	c := xDialUnix(t, tcpPath)
	xAuth(t, c, "s", `{"identity":"u","identity_url":"","permission_count":1}`)
	c.CmdBody("PUB t", []byte("x"))
	c.ExpectOK(t)
	const want = "common_name=&remote_ip=&secret=s&tls=false"
	got := a.requests()
	require.Len(t, got, 1, "auth requests %+v", got)
	require.Equal(t, want, got[0].rawQuery, "auth query")
}

// TestUnixHTTPS serves the HTTPS listener on a unix socket too.
func TestUnixHTTPS(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	sock := filepath.Join(xSocketDir(t), "https.sock")
	n := startNSQD(t, func(o *nsqd.Options) {
		o.TLSCert, o.TLSKey = certs.CertFile, certs.KeyFile
		o.HTTPSAddress = sock
	})
	require.Equal(t, "unix", n.RealHTTPSAddr().Network(), "HTTPS listener on")
	pem, err := os.ReadFile(certs.CAFile)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := xUnixHTTP(sock)
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
	resp, err := client.Post("https://127.0.0.1/pub?topic=uh", "", strings.NewReader("over tls"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.EqualValues(t, 200, resp.StatusCode, "HTTPS /pub over unix socket")
	require.Equal(t, "OK", string(body), "HTTPS /pub over unix socket")
	require.EqualValues(t, 1, mustTopicStats(t, n, "uh").MessageCount, "message_count")
}
