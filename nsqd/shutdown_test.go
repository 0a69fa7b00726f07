package nsqd_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hBodies returns n distinct bodies "<prefix>-0000" ...
func hBodies(prefix string, n int) []string {
	b := make([]string, n)
	for i := range b {
		b[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return b
}

// hConsumeAll subscribes to topic/channel at tcp, FINs everything until all
// of want has arrived, and returns the attempts seen per body and the number
// of duplicate deliveries.
func hConsumeAll(t *testing.T, tcp net.Addr, topic, channel string, want []string) (map[string]uint16, int) {
	t.Helper()
	pending, wanted := map[string]bool{}, map[string]bool{}
	for _, w := range want {
		pending[w] = true
		wanted[w] = true
	}
	seen := map[string]uint16{}
	dups := 0
	c := test.DialV2(t, tcp.String())
	c.Sub(t, topic, channel)
	c.Cmd("RDY 200")
	for len(pending) > 0 {
		ft, data, err := c.Frame(hWait)
		if err != nil {
			var missing []string
			for b := range pending {
				missing = append(missing, b)
			}
			if len(missing) > 10 {
				missing = missing[:10]
			}
			require.NoError(t, err, "%d of %d messages never arrived (e.g. %v)", len(pending), len(want), missing)
		}
		require.Equal(t, protocol.FrameTypeMessage, ft, "unexpected frame %d %q", ft, data)
		m, err := test.ParseMessage(data)
		require.NoError(t, err)
		body := string(m.Body)
		require.True(t, wanted[body], "unexpected message %q", body)
		if _, ok := seen[body]; ok {
			dups++
		}
		seen[body] = m.Attempts
		delete(pending, body)
		c.Cmd("FIN " + m.ID)
	}
	return seen, dups
}

// TestShutdownKeepsInMemoryInFlightAndDeferred: nothing in memory, in
// flight or deferred is lost across a clean Exit and restart.
func TestShutdownKeepsInMemoryInFlightAndDeferred(t *testing.T) {
	skipIfDurable(t, "about the memory queue; TestShutdownMemQueueSizeZero covers the disk")
	t.Parallel()
	const n, taken, deferred = 500, 20, 5
	h := startNSQD(t, nil) // mem-queue-size 10000: everything stays in memory
	dir := h.Opts.DataPath
	bodies := hBodies("sd", n)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=sd", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=sd&channel=c", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=sd", strings.Join(bodies, "\n")))
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "sd", "c").Depth == n }, fmt.Sprintf("all %d in the channel", n))
	require.Zero(t, channelOf(t, h, "sd", "c").BackendDepth, "expected everything in memory: backend_depth")

	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "sd", "c")
	c.Cmd(fmt.Sprintf("RDY %d", taken))
	var inflight []test.Message
	for range taken {
		inflight = append(inflight, c.ReadMessage(t))
	}
	c.Cmd("RDY 0")
	// Deferred messages keep their deadline across the restart, so the
	// delay is short enough for the consumer below to wait it out.
	for _, m := range inflight[:deferred] {
		c.Cmd("REQ " + m.ID + " 1500")
	}
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "sd", "c")
		return ch.InFlightCount == taken-deferred && ch.DeferredCount == deferred && ch.Depth == n-taken
	}, fmt.Sprintf("in flight %d, deferred %d: %+v", taken-deferred, deferred, channelOf(t, h, "sd", "c")))

	h.Stop()
	c.ExpectClosed(t)

	h2 := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir })
	require.NotNil(t, channelOf(t, h2, "sd", "c"), "channel not restored")
	attempts, dups := hConsumeAll(t, h2.RealTCPAddr(), "sd", "c", bodies)
	if dups > 0 {
		t.Logf("%d duplicate deliveries after restart", dups)
	}
	wasInFlight := map[string]bool{}
	for _, m := range inflight {
		wasInFlight[string(m.Body)] = true
	}
	for body, a := range attempts {
		if dups == 0 {
			want := map[bool]uint16{true: 2, false: 1}[wasInFlight[body]]
			assert.Equal(t, want, a, "message %q: attempts after restart", body)
		}
	}
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h2, "sd", "c")
		return ch.Depth == 0 && ch.InFlightCount == 0 && ch.DeferredCount == 0
	}, fmt.Sprintf("drained: %+v", channelOf(t, h2, "sd", "c")))
}

func TestShutdownKeepsTopicWithoutChannels(t *testing.T) {
	skipIfDurable(t, "expects the messages in memory before the exit")
	t.Parallel()
	h := startNSQD(t, nil)
	dir := h.Opts.DataPath
	bodies := hBodies("nc", 50)
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=nc", strings.Join(bodies, "\n")))
	tp := topicOf(t, h, "nc")
	require.EqualValues(t, 50, tp.Depth, "topic before exit %+v", *tp)
	require.Zero(t, tp.BackendDepth, "topic before exit %+v", *tp)
	h.Stop()

	h2 := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir })
	tp = topicOf(t, h2, "nc")
	require.NotNil(t, tp, "topic after restart")
	require.EqualValues(t, 50, tp.Depth, "topic after restart %+v", *tp)
	attempts, dups := hConsumeAll(t, h2.RealTCPAddr(), "nc", "c", bodies)
	assert.Zero(t, dups, "duplicate deliveries")
	for b, a := range attempts {
		require.EqualValues(t, 1, a, "%q attempts %d, want 1", b, a)
	}
}

func TestShutdownMemQueueSizeZero(t *testing.T) {
	t.Parallel()
	zero := func(o *nsqd.Options) { o.MemQueueSize = 0 }
	h := startNSQD(t, zero)
	dir := h.Opts.DataPath
	bodies := hBodies("mz", 100)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=mz", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=mz&channel=c", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mz", strings.Join(bodies[:50], "\n")))
	for _, b := range bodies[50:] {
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=mz", b))
	}
	// Every message sits in the channel's disk queue.
	test.Eventually(t, hWait, func() bool {
		tp := topicOf(t, h, "mz")
		ch := tp.Channels[0]
		return tp.Depth == 0 && ch.Depth == 100 && ch.BackendDepth == 100
	}, fmt.Sprintf("all on disk: %+v", topicOf(t, h, "mz")))
	// Take a few in flight: they go back to disk at shutdown.
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "mz", "c")
	c.Cmd("RDY 3")
	for range 3 {
		c.ReadMessage(t)
	}
	h.Stop()

	h2 := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir; zero(o) })
	if _, dups := hConsumeAll(t, h2.RealTCPAddr(), "mz", "c", bodies); dups > 0 {
		t.Logf("%d duplicate deliveries", dups)
	}
}

// ---------------------------------------------------------------- process-level

type hSyncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *hSyncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *hSyncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type hProc struct {
	cmd    *exec.Cmd
	out    *hSyncBuf
	waited chan error
	tcp    string
	http   string
}

func hRunBinary(t *testing.T, bin, dir string) *hProc {
	t.Helper()
	p := &hProc{out: &hSyncBuf{}, waited: make(chan error, 1), tcp: test.FreeAddr(t), http: test.FreeAddr(t)}
	p.cmd = exec.Command(bin, "--data-path="+dir, "--tcp-address="+p.tcp, "--http-address="+p.http,
		"--https-address=", "--broadcast-address=127.0.0.1")
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	require.NoError(t, p.cmd.Start())
	go func() { p.waited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.waited
		}
		if t.Failed() {
			t.Logf("nsqd output:\n%s", p.out)
		}
	})
	test.Eventually(t, hWait, func() bool {
		resp, err := http.Get("http://" + p.http + "/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, fmt.Sprintf("nsqd process answers /ping; output:\n%s", p.out))
	return p
}

func (p *hProc) term(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.waited:
		require.NoError(t, err, "nsqd exit after SIGTERM; output:\n%s", p.out)
	case <-time.After(hWait):
		require.FailNow(t, "nsqd did not exit after SIGTERM", "waited %v", hWait)
	}
}

func TestShutdownSIGTERMProcess(t *testing.T) {
	t.Parallel()
	bin := test.BuildCommand(t, "../cmd/nsqd", "nsqd")
	dir := t.TempDir()
	p := hRunBinary(t, bin, dir)
	bodies := hBodies("sig", 200)
	base := "http://" + p.http
	hExpectOK(t, test.HTTPPost(t, base+"/mpub?topic=sig", strings.Join(bodies[:150], "\n")))
	hExpectEmpty(t, test.HTTPPost(t, base+"/channel/create?topic=sig&channel=c", ""))
	for _, b := range bodies[150:] {
		hExpectOK(t, test.HTTPPost(t, base+"/pub?topic=sig", b))
	}
	p.term(t)
	if !strings.Contains(p.out.String(), "NSQ: bye") {
		t.Logf("no %q in the output", "NSQ: bye")
	}
	_, err := os.Stat(filepath.Join(dir, "nsqd.dat"))
	require.NoError(t, err, "nsqd.dat after SIGTERM")

	p2 := hRunBinary(t, bin, dir)
	tcp, err := net.ResolveTCPAddr("tcp", p2.tcp)
	require.NoError(t, err)
	if _, dups := hConsumeAll(t, tcp, "sig", "c", bodies); dups > 0 {
		t.Logf("%d duplicate deliveries", dups)
	}
	p2.term(t)
}
