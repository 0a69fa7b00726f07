package nsqd_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// fakeLookupd accepts nsqd connections, answers IDENTIFY with its own info
// and everything else with OK, and records every command line it gets.
type fakeLookupd struct {
	t        *testing.T
	ln       net.Listener
	httpPort int
	cmds     chan string
	mu       sync.Mutex
	conns    []net.Conn
	bodies   []string
	// closed gets a value each time a connection ends (nsqd closed it,
	// or dropAll did).
	closed chan struct{}
}

func startFakeLookupd(t *testing.T, httpPort int) *fakeLookupd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeLookupd{t: t, ln: ln, httpPort: httpPort, cmds: make(chan string, 1000), closed: make(chan struct{}, 100)}
	t.Cleanup(func() { ln.Close(); f.dropAll() })
	go f.accept()
	return f
}

func (f *fakeLookupd) addr() string { return f.ln.Addr().String() }

func (f *fakeLookupd) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		go f.serve(c)
	}
}

// dropAll closes every accepted connection.
func (f *fakeLookupd) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
}

func (f *fakeLookupd) serve(c net.Conn) {
	r := bufio.NewReader(c)
	magic := make([]byte, 4)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != protocol.MagicV1 {
		c.Close()
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			select {
			case f.closed <- struct{}{}:
			default:
			}
			return
		}
		line = strings.TrimSuffix(line, "\n")
		resp := []byte("OK")
		if line == "IDENTIFY" {
			body, err := readSized(r)
			if err != nil {
				return
			}
			f.mu.Lock()
			f.bodies = append(f.bodies, string(body))
			f.mu.Unlock()
			resp = []byte(fmt.Sprintf(`{"tcp_port":1,"http_port":%d,"version":"1.3.0","broadcast_address":"127.0.0.1"}`, f.httpPort))
		}
		f.cmds <- line
		protocol.SendResponse(c, resp)
	}
}

func readSized(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	_, err := io.ReadFull(r, body)
	return body, err
}

// expect waits for the next commands, in order, skipping PINGs.
func (f *fakeLookupd) expect(want ...string) {
	f.t.Helper()
	for _, w := range want {
		select {
		case got := <-f.cmds:
			if got == "PING" {
				f.expect(w)
				continue
			}
			require.Equal(f.t, w, got, "lookupd got")
		case <-time.After(10 * time.Second):
			require.FailNow(f.t, "lookupd: command not received", "want %q", w)
		}
	}
}

// expectSet waits for len(want) commands in any order.
func (f *fakeLookupd) expectSet(want ...string) {
	f.t.Helper()
	left := map[string]int{}
	for _, w := range want {
		left[w]++
	}
	for i := 0; i < len(want); i++ {
		select {
		case got := <-f.cmds:
			require.NotZero(f.t, left[got], "lookupd got unexpected %q (waiting for %v)", got, left)
			left[got]--
		case <-time.After(10 * time.Second):
			require.FailNow(f.t, "lookupd: commands not received", "missing %v", left)
		}
	}
}

func TestLookupRegistration(t *testing.T) {
	t.Parallel()
	f := startFakeLookupd(t, 1)
	n := startRegisteredNSQD(t, f, func(o *nsqd.Options) { o.BroadcastAddress = "127.0.0.1" })
	f.mu.Lock()
	body := f.bodies[0]
	f.mu.Unlock()
	want := fmt.Sprintf(`{"broadcast_address":"127.0.0.1","hostname":%q,"http_port":%d,"tcp_port":%d,"topology_region":"","topology_zone":"","version":"1.3.0"}`,
		hostnameOf(t), portOf(n.RealHTTPAddr()), portOf(n.RealTCPAddr()))
	require.Equal(t, want, body, "IDENTIFY body\n")

	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"lt"}})
	f.expect("REGISTER lt")
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"lt"}, "channel": {"c"}})
	f.expect("REGISTER lt c")
	c := mustSubscribe(t, n, "lt", "e#ephemeral", nil)
	f.expect("REGISTER lt e#ephemeral")
	c.Close()
	f.expect("UNREGISTER lt e#ephemeral")
	mustHTTPPost(t, n, "/channel/delete", url.Values{"topic": {"lt"}, "channel": {"c"}})
	f.expect("UNREGISTER lt c")
	mustHTTPPost(t, n, "/topic/delete", url.Values{"topic": {"lt"}})
	f.expect("UNREGISTER lt")
}

func TestLookupReconnectResyncs(t *testing.T) {
	t.Parallel()
	f := startFakeLookupd(t, 1)
	n := startRegisteredNSQD(t, f, nil)
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"a"}})
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"b"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"b"}, "channel": {"c1"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"b"}, "channel": {"c2"}})
	f.expectSet("REGISTER a", "REGISTER b", "REGISTER b c1", "REGISTER b c2")

	start := time.Now()
	f.dropAll()
	// Reconnects with backoff, identifies again and registers everything:
	// a topic without channels as "REGISTER t", else one line per channel.
	f.expect("IDENTIFY")
	f.expectSet("REGISTER warm", "REGISTER a", "REGISTER b c1", "REGISTER b c2")
	require.LessOrEqual(t, time.Since(start), 5*time.Second, "reconnect took longer than the 1 s backoff")
}

func TestLookupAddressesChangeAtRuntime(t *testing.T) {
	t.Parallel()
	f1, f2 := startFakeLookupd(t, 1), startFakeLookupd(t, 1)
	n := startRegisteredNSQD(t, f1, nil)
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"rt"}})
	f1.expect("REGISTER rt")

	// Host names are resolved at every dial.
	_, port, _ := net.SplitHostPort(f2.addr())
	both := fmt.Sprintf(`[%q,"localhost:%s"]`, f1.addr(), port)
	putConfig(t, n, "nsqlookupd_tcp_addresses", both, both)
	f2.expect("IDENTIFY")
	f2.expectSet("REGISTER warm", "REGISTER rt")

	only2 := fmt.Sprintf(`["localhost:%s"]`, port)
	putConfig(t, n, "nsqlookupd_tcp_addresses", only2, only2)
	// The new list takes effect in nsqd's lookup loop, after the PUT is
	// answered (as in NSQ): the removed lookupd's connection closing
	// shows it has.
	select {
	case <-f1.closed:
	case <-time.After(10 * time.Second):
		require.FailNow(t, "nsqd kept its connection to the removed lookupd")
	}
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"rt2"}})
	f2.expect("REGISTER rt2")
	// A registration racing the first connect may arrive twice; what
	// matters is that the removed lookupd hears nothing of rt2.
	for {
		select {
		case got := <-f1.cmds:
			require.NotContains(t, got, "rt2", "removed lookupd still")
		default:
			return
		}
	}
}

func TestLookupPrecreatesChannels(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/channels" || r.URL.Query().Get("topic") != "pre" {
			w.WriteHeader(404)
			return
		}
		w.Write([]byte(`{"channels":["a","b#ephemeral","c"]}`))
	}))
	t.Cleanup(srv.Close)
	f := startFakeLookupd(t, portOf(srv.Listener.Addr()))
	n := startRegisteredNSQD(t, f, nil)
	mustPublish(t, n, "pre", "m")
	tp := mustTopicStats(t, n, "pre")
	var names []string
	for _, c := range tp.Channels {
		names = append(names, c.ChannelName)
	}
	require.Equal(t, "a,c", strings.Join(names, ","), "pre-created channels %v, want a,c", names)
	require.EqualValues(t, 1, mustChannelStats(t, n, "pre", "a").Depth, "messages of the pre-created channel")
}

// startRegisteredNSQD starts an nsqd registered with f and returns once
// the connection is fully set up: its nsqd.dat holds a topic "warm", whose
// REGISTER after IDENTIFY shows that nsqd has read the lookupd's answer and
// finished its initial registration.
func startRegisteredNSQD(t *testing.T, f *fakeLookupd, configure func(*nsqd.Options)) *testcluster.NSQD {
	t.Helper()
	n := startNSQD(t, func(o *nsqd.Options) {
		o.NSQLookupdTCPAddresses = []string{f.addr()}
		dat := `{"topics":[{"name":"warm","paused":false,"channels":null}],"version":"1.3.0"}`
		require.NoError(t, os.WriteFile(filepath.Join(o.DataPath, "nsqd.dat"), []byte(dat), 0o600))
		if configure != nil {
			configure(o)
		}
	})
	f.expect("IDENTIFY", "REGISTER warm")
	return n
}

func putConfig(t *testing.T, n *testcluster.NSQD, opt, body, want string) {
	t.Helper()
	u := n.URL() + "/config/" + opt
	r := test.HTTPPut(t, u, body)
	require.Equal(t, http.StatusOK, r.Code, "PUT /config/%s: %s", opt, r)
	got := r.Body
	var a, b any
	require.Nil(t, json.Unmarshal(got, &a), "PUT /config/")
	require.Nil(t, json.Unmarshal([]byte(want), &b), "PUT /config/")
	require.Equal(t, fmt.Sprint(b), fmt.Sprint(a), "PUT /config/")
}

func portOf(a net.Addr) int { return a.(*net.TCPAddr).Port }

func hostnameOf(t *testing.T) string {
	t.Helper()
	h, err := osHostname()
	require.NoError(t, err)
	return h
}

var osHostname = os.Hostname
