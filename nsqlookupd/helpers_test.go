package nsqlookupd_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lookupd is a running daemon and its base HTTP URL.
type lookupd struct {
	*nsqlookupd.NSQLookupd
	url     string
	tcpAddr string
}

// start runs a daemon on 127.0.0.1:0 until the test ends; mutate adjusts
// the options first.
func start(t testing.TB, mutate ...func(*nsqlookupd.Options)) *lookupd {
	t.Helper()
	opts := nsqlookupd.NewOptions()
	opts.Logger = test.NewLogger(t)
	opts.TCPAddress = "127.0.0.1:0"
	opts.HTTPAddress = "127.0.0.1:0"
	opts.BroadcastAddress = "lookupd.test"
	for _, m := range mutate {
		m(opts)
	}
	l, err := nsqlookupd.New(opts)
	require.NoError(t, err, "New")
	done := make(chan error, 1)
	go func() { done <- l.Main() }()
	t.Cleanup(func() {
		l.Exit()
		assert.NoError(t, <-done, "Main")
	})
	return &lookupd{NSQLookupd: l, url: "http://" + l.RealHTTPAddr().String(), tcpAddr: l.RealTCPAddr().String()}
}

// v1Conn is a raw protocol V1 client.
type v1Conn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// dial connects without sending the magic.
func dial(t testing.TB, addr string) *v1Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, test.DefaultTimeout)
	require.NoError(t, err, "dial %s", addr)
	t.Cleanup(func() { nc.Close() })
	return &v1Conn{t: t, conn: nc, r: bufio.NewReader(nc)}
}

// dialV1 connects and sends the V1 magic.
func dialV1(t testing.TB, addr string) *v1Conn {
	t.Helper()
	c := dial(t, addr)
	c.send(protocol.MagicV1)
	return c
}

func (c *v1Conn) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(test.DefaultTimeout))
	_, err := io.WriteString(c.conn, s)
	require.NoError(c.t, err, "write %q", s)
}

// closeWrite half-closes so the server reads EOF.
func (c *v1Conn) closeWrite() {
	c.t.Helper()
	require.NoError(c.t, c.conn.(*net.TCPConn).CloseWrite())
}

// read returns the next [size][data] response.
func (c *v1Conn) read() ([]byte, error) {
	c.conn.SetReadDeadline(time.Now().Add(test.DefaultTimeout))
	return protocol.ReadResponse(c.r, 1<<20)
}

// expect fails unless the next response is exactly want.
func (c *v1Conn) expect(want string) {
	c.t.Helper()
	got, err := c.read()
	require.NoError(c.t, err, "want %q", want)
	require.Equal(c.t, want, string(got), "response")
}

// cmd sends line and expects the response want.
func (c *v1Conn) cmd(line, want string) {
	c.t.Helper()
	c.send(line + "\n")
	c.expect(want)
}

// expectClosed fails unless the server closes without sending more.
func (c *v1Conn) expectClosed() {
	c.t.Helper()
	got, err := c.read()
	require.Error(c.t, err, "want connection closed, got response %q", got)
	require.True(c.t, test.IsClosedError(err), "want connection closed, got %v", err)
}

// expectFatal expects the error response want and then the close.
func (c *v1Conn) expectFatal(line, want string) {
	c.t.Helper()
	c.cmd(line, want)
	c.expectClosed()
}

// sizedBody renders IDENTIFY with an arbitrary declared size.
func sizedBody(size uint32, body string) string {
	return "IDENTIFY\n" + string(binary.BigEndian.AppendUint32(nil, size)) + body
}

// identifyBody renders IDENTIFY with its JSON body.
func identifyBody(body string) string { return sizedBody(uint32(len(body)), body) }

// peer describes a fake nsqd.
type peer struct {
	Broadcast string `json:"broadcast_address"`
	Hostname  string `json:"hostname"`
	TCPPort   int    `json:"tcp_port"`
	HTTPPort  int    `json:"http_port"`
	Version   string `json:"version"`
	Zone      string `json:"topology_zone"`
	Region    string `json:"topology_region"`
}

func defaultPeer(n int) peer {
	return peer{Broadcast: "127.0.0.1", Hostname: fmt.Sprintf("host%d", n), TCPPort: 4150 + 10*n, HTTPPort: 4151 + 10*n, Version: "1.3.0"}
}

// identify sends IDENTIFY for p and checks that the reply is the lookupd's
// own info.
func (c *v1Conn) identify(l *lookupd, p peer) {
	c.t.Helper()
	body, _ := json.Marshal(p)
	c.send(identifyBody(string(body)))
	c.expect(identifyReply(c.t, l))
}

// identifyReply is the exact reply of l to IDENTIFY.
func identifyReply(t testing.TB, l *lookupd) string {
	t.Helper()
	return fmt.Sprintf(`{"broadcast_address":"lookupd.test","hostname":%q,"http_port":%d,"tcp_port":%d,"version":"1.3.0"}`,
		hostname(t), l.RealHTTPAddr().Port, l.RealTCPAddr().Port)
}

// connectPeer dials, identifies as p and registers each "topic[ channel]".
func connectPeer(t testing.TB, l *lookupd, p peer, regs ...string) *v1Conn {
	t.Helper()
	c := dialV1(t, l.tcpAddr)
	c.identify(l, p)
	for _, r := range regs {
		c.cmd("REGISTER "+r, "OK")
	}
	return c
}

// producerJSON is the /lookup object of p connected over c.
func (c *v1Conn) producerJSON(p peer) string {
	return fmt.Sprintf(`{"remote_address":%q,"hostname":%q,"broadcast_address":%q,"tcp_port":%d,"http_port":%d,"version":%q,"topology_zone":%q,"topology_region":%q}`,
		c.conn.LocalAddr().String(), p.Hostname, p.Broadcast, p.TCPPort, p.HTTPPort, p.Version, p.Zone, p.Region)
}

// get GETs path and requires 200 with the V1 JSON headers.
func (l *lookupd) get(t testing.TB, path string) string {
	t.Helper()
	r := test.HTTPSend(t, "GET", l.url+path, nil)
	require.EqualValues(t, 200, r.Code, "GET %s: %d %s", path, r.Code, string(r.Body))
	expectJSONHeaders(t, r)
	return string(r.Body)
}

// post POSTs path and requires an empty 200.
func (l *lookupd) post(t testing.TB, path string) {
	t.Helper()
	r := test.HTTPSend(t, "POST", l.url+path, nil)
	require.EqualValues(t, 200, r.Code, "POST %s: %d %q", path, r.Code, string(r.Body))
	require.Equal(t, "", string(r.Body), "POST %s: %d %q", path, r.Code, string(r.Body))
	require.Equal(t, "nsq; version=1.0", r.Header.Get("X-NSQ-Content-Type"), "POST %s: headers %v", path, r.Header)
	require.Equal(t, "0", r.Header.Get("Content-Length"), "POST %s: headers %v", path, r.Header)
}

// expectErr requires the V1 error response code/message.
func (l *lookupd) expectErr(t testing.TB, method, path string, code int, msg string) {
	t.Helper()
	r := test.HTTPSend(t, method, l.url+path, nil)
	want := `{"message":"` + msg + `"}`
	require.Equal(t, code, r.Code, "%s %s", method, path)
	require.Equal(t, want, string(r.Body), "%s %s", method, path)
	expectJSONHeaders(t, r)
}

func expectJSONHeaders(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"), "Content-Type")
	require.Equal(t, "nsq; version=1.0", r.Header.Get("X-NSQ-Content-Type"), "X-NSQ-Content-Type")
}

// lookupProducers returns the producers of /lookup?topic=topic as raw
// objects, or nil on 404.
func (l *lookupd) lookupProducers(t testing.TB, topic string) []json.RawMessage {
	t.Helper()
	r := test.HTTPSend(t, "GET", l.url+"/lookup?topic="+topic, nil)
	if r.Code == 404 {
		return nil
	}
	var resp struct{ Producers []json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(string(r.Body)), &resp), "/lookup %q", string(r.Body))
	return resp.Producers
}

func hostname(t testing.TB) string {
	t.Helper()
	h, err := os.Hostname()
	require.NoError(t, err)
	return h
}

// eventuallyEqual polls got until it returns want.
func eventuallyEqual(t testing.TB, want string, got func() string) {
	t.Helper()
	test.Eventually(t, test.DefaultTimeout, func() bool { return got() == want }, want)
}
