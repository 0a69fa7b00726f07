package reliability

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile clients: oversized and negative lengths, bad names, a consumer
// that never reads, HTTP clients that trickle their headers, and ten
// thousand idle TCP connections. Each attack must get NSQ's error frame
// (or NSQ's silent close) and must not starve
// well-behaved clients of the same nsqd.

func TestHostileOversizedCommandLine(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN))
	for _, prefix := range []string{"PUB ", "SUB t ", "NOP", ""} {
		c := test.DialV2(t, n.TCPAddr)
		c.Send([]byte(prefix + strings.Repeat("a", 17<<10) + "\n"))
		c.ExpectClosed(t) // a line over 16 KiB: closed, no error frame
	}
	// Just under the limit is an ordinary (if bad) command.
	c := test.DialV2(t, n.TCPAddr)
	c.Cmd("PUB " + strings.Repeat("a", 16<<10-16))
	c.ExpectFatal(t, "E_BAD_TOPIC PUB topic name \""+strings.Repeat("a", 16<<10-16)+"\" is not valid")
	require.Empty(t, n.GetStats("", "", false).Topics, "topics created")
}

// hostileCase is one malformed command and the fatal error it must get.
type hostileCase struct {
	name string
	send func(c *test.Conn)
	want string
}

func hostileLimitCases() []hostileCase {
	const maxMsg, maxBody = 1024, 4096
	long := strings.Repeat("x", 65)
	ok64 := strings.Repeat("y", 64)
	one := [][]byte{[]byte("m")}
	body := func(n int) []byte { return bytes.Repeat([]byte("b"), n) }
	return []hostileCase{
		// Bodies over the limits; the body itself is never sent.
		{"PUB too big", func(c *test.Conn) { c.CmdSizedBody("PUB t", maxMsg+1, nil) },
			"E_BAD_MESSAGE PUB message too big 1025 > 1024"},
		{"PUB far too big", func(c *test.Conn) { c.CmdSizedBody("PUB t", 1<<30, nil) },
			"E_BAD_MESSAGE PUB message too big 1073741824 > 1024"},
		{"DPUB too big", func(c *test.Conn) { c.CmdSizedBody("DPUB t 10", maxMsg+1, nil) },
			"E_BAD_MESSAGE DPUB message too big 1025 > 1024"},
		{"MPUB body too big", func(c *test.Conn) { c.CmdSizedBody("MPUB t", maxBody+1, nil) },
			"E_BAD_BODY MPUB body too big 4097 > 4096"},
		{"MPUB message too big", func(c *test.Conn) {
			c.CmdSizedBody("MPUB t", maxBody, append(test.Uint32(1), test.Uint32(maxMsg+1)...))
		}, "E_BAD_MESSAGE MPUB message too big 1025 > 1024"},
		{"MPUB count too big", func(c *test.Conn) { c.CmdSizedBody("MPUB t", maxBody, test.Uint32(1000)) },
			"E_BAD_BODY MPUB invalid message count 1000"},
		{"IDENTIFY too big", func(c *test.Conn) { c.CmdSizedBody("IDENTIFY", maxBody+1, nil) },
			"E_BAD_BODY IDENTIFY body too big 4097 > 4096"},
		{"AUTH too big", func(c *test.Conn) { c.CmdSizedBody("AUTH", maxBody+1, nil) },
			"E_BAD_BODY AUTH body too big 4097 > 4096"},
		// Negative sizes (0xFFFFFFFF is -1 as a signed int32).
		{"PUB negative", func(c *test.Conn) { c.CmdSizedBody("PUB t", 0xFFFFFFFF, nil) },
			"E_BAD_MESSAGE PUB invalid message body size -1"},
		{"PUB min int32", func(c *test.Conn) { c.CmdSizedBody("PUB t", 0x80000000, nil) },
			"E_BAD_MESSAGE PUB invalid message body size -2147483648"},
		{"DPUB negative", func(c *test.Conn) { c.CmdSizedBody("DPUB t 10", 0xFFFFFFFF, nil) },
			"E_BAD_MESSAGE DPUB invalid message body size -1"},
		{"MPUB negative body", func(c *test.Conn) { c.CmdSizedBody("MPUB t", 0xFFFFFFFF, nil) },
			"E_BAD_BODY MPUB invalid body size -1"},
		{"MPUB negative count", func(c *test.Conn) { c.CmdSizedBody("MPUB t", 100, test.Uint32(0xFFFFFFFF)) },
			"E_BAD_BODY MPUB invalid message count -1"},
		{"MPUB negative message", func(c *test.Conn) {
			c.CmdSizedBody("MPUB t", 100, append(test.Uint32(1), test.Uint32(0xFFFFFFFF)...))
		}, "E_BAD_MESSAGE MPUB invalid message(0) body size -1"},
		{"IDENTIFY negative", func(c *test.Conn) { c.CmdSizedBody("IDENTIFY", 0xFFFFFFFF, nil) },
			"E_BAD_BODY IDENTIFY invalid body size -1"},
		{"AUTH negative", func(c *test.Conn) { c.CmdSizedBody("AUTH", 0xFFFFFFFF, nil) },
			"E_BAD_BODY AUTH invalid body size -1"},
		// Names one byte over the limit.
		{"PUB long topic", func(c *test.Conn) { c.CmdBody("PUB "+long, body(1)) },
			"E_BAD_TOPIC PUB topic name \"" + long + "\" is not valid"},
		{"DPUB long topic", func(c *test.Conn) { c.CmdBody("DPUB "+long+" 10", body(1)) },
			"E_BAD_TOPIC DPUB topic name \"" + long + "\" is not valid"},
		{"MPUB long topic", func(c *test.Conn) { c.CmdBody("MPUB "+long, test.MPUBBody(one)) },
			"E_BAD_TOPIC E_BAD_TOPIC MPUB topic name \"" + long + "\" is not valid"},
		{"SUB long topic", func(c *test.Conn) { c.Cmd("SUB " + long + " c") },
			"E_BAD_TOPIC SUB topic name \"" + long + "\" is not valid"},
		{"SUB long channel", func(c *test.Conn) { c.Cmd("SUB " + ok64 + " " + long) },
			"E_BAD_CHANNEL SUB channel name \"" + long + "\" is not valid"},
		{"SUB long ephemeral channel", func(c *test.Conn) { c.Cmd("SUB " + ok64 + " " + strings.Repeat("e", 55) + "#ephemeral") },
			"E_BAD_CHANNEL SUB channel name \"" + strings.Repeat("e", 55) + "#ephemeral\" is not valid"},
	}
}

func TestHostileLimits(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) { o.MaxMsgSize, o.MaxBodySize = 1024, 4096 })
	for _, tc := range hostileLimitCases() {
		t.Run(tc.name, func(t *testing.T) {
			c := test.DialV2(t, n.TCPAddr)
			tc.send(c)
			c.ExpectFatal(t, tc.want)
		})
	}
	// A 64-byte topic and a message of exactly max-msg-size are fine.
	c := test.DialV2(t, n.TCPAddr)
	c.CmdBody("PUB "+strings.Repeat("y", 64), bytes.Repeat([]byte("b"), 1024))
	c.ExpectOK(t)
	// Nothing but the last message was published anywhere. MPUB creates
	// its topic before reading the body (as NSQ does), so "t" may exist, empty.
	for _, ts := range n.GetStats("", "", false).Topics {
		want := uint64(0)
		if ts.TopicName == strings.Repeat("y", 64) {
			want = 1
		}
		assert.Equal(t, want, ts.MessageCount, "topic %s messages", ts.TopicName)
		assert.Empty(t, ts.Channels, "topic %s channels", ts.TopicName)
	}
}

// rateMeter counts messages received by a healthy consumer.
type rateMeter struct{ n atomic.Int64 }

// meterMark is the count at a moment.
type meterMark struct {
	at time.Time
	n  int64
}

func (m *rateMeter) mark() meterMark { return meterMark{time.Now(), m.n.Load()} }

// rateTo is the rate in messages per second from k to a later mark.
func (k meterMark) rateTo(later meterMark) float64 {
	return float64(later.n-k.n) / later.at.Sub(k.at).Seconds()
}

// healthyPipeline publishes small messages to topic one PUB at a time and
// consumes them on a second connection, until stop is closed. Errors go
// to errs.
func healthyPipeline(addr, topic string, m *rateMeter, stop <-chan struct{}, wg *sync.WaitGroup, errs chan<- error) error {
	cons, err := dialWire(addr)
	if err != nil {
		return err
	}
	if err := cons.Request("SUB "+topic+" c", nil); err != nil {
		return err
	}
	if err := cons.WriteCmd("RDY 100", nil); err != nil {
		return err
	}
	prod, err := dialWire(addr)
	if err != nil {
		return err
	}
	wg.Go(func() {
		defer prod.Close()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := prod.Request("PUB "+topic, []byte(strconv.Itoa(i))); err != nil {
				errs <- fmt.Errorf("healthy producer: %w", err)
				return
			}
		}
	})
	wg.Go(func() {
		defer cons.Close()
		for {
			ft, data, err := cons.Frame(cons.Timeout)
			select {
			case <-stop:
				return
			default:
			}
			if err != nil {
				errs <- fmt.Errorf("healthy consumer: %w", err)
				return
			}
			if ft != protocol.FrameTypeMessage {
				errs <- fmt.Errorf("healthy consumer: %s frame %q", test.FrameTypeName(ft), data)
				return
			}
			m.n.Add(1)
			if err := cons.WriteCmd("FIN "+string(data[10:26]), nil); err != nil {
				errs <- fmt.Errorf("healthy consumer FIN: %w", err)
				return
			}
		}
	})
	return nil
}

// TestHostileSlowConsumer: a consumer that takes big messages and never
// reads them is cut off (by its write deadline; its NOPs keep its read
// deadline alive), while a healthy pipeline on the same nsqd keeps being
// served. The rates are logged, not asserted.
func TestHostileSlowConsumer(t *testing.T) {
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) { o.MaxMsgSize = 4 << 20 })
	var meter rateMeter
	stop := make(chan struct{})
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	require.NoError(t, healthyPipeline(n.TCPAddr, "healthy", &meter, stop, &wg, errs))
	defer func() { close(stop); wg.Wait() }()
	test.Eventually(t, 10*time.Second, func() bool { return meter.n.Load() > 100 }, "healthy pipeline flowing")
	flowing := meter.mark()
	test.Eventually(t, 10*time.Second, func() bool { return meter.n.Load() > flowing.n+500 }, "500 more healthy messages")
	before := meter.mark()

	// The slow consumer takes up to 2500 messages of 1 MiB but never reads;
	// it keeps sending NOP so that only the write deadline (one heartbeat
	// interval, 3 s) can end it.
	const heartbeat = 3 * time.Second
	slow := test.DialV2(t, n.TCPAddr)
	require.NoError(t, slow.NetConn().(*net.TCPConn).SetReadBuffer(4096))
	slow.Identify(t, map[string]any{"heartbeat_interval": heartbeat.Milliseconds()})
	slow.Cmd("SUB slow c")
	slow.ExpectOK(t)
	slow.Cmd("RDY 2500")
	nops := make(chan struct{})
	var nopWG sync.WaitGroup
	nopWG.Go(func() { keepSendingNOP(slow.NetConn(), nops) })
	defer func() { close(nops); nopWG.Wait() }()

	big := bytes.Repeat([]byte("z"), 1<<20)
	pub := test.DialV2(t, n.TCPAddr)
	stalled := meter.mark()
	for range 48 {
		pub.CmdBody("PUB slow", big)
		pub.ExpectOK(t)
	}
	test.Eventually(t, 15*time.Second, func() bool {
		cs, ok := n.ChannelStats("slow", "c")
		return ok && cs.ClientCount == 0
	}, "slow consumer disconnected")
	cut := meter.mark()
	require.Greater(t, cut.n, stalled.n, "healthy consumer served while the slow one was stalled")
	test.Eventually(t, 10*time.Second, func() bool { return meter.n.Load() > cut.n+500 }, "healthy pipeline after the cut")
	after := meter.mark()
	t.Logf("healthy pipeline: %.0f msg/s before, %.0f msg/s while a consumer stalled, %.0f msg/s after; stalled consumer cut after %s",
		flowing.rateTo(before), stalled.rateTo(cut), cut.rateTo(after), cut.at.Sub(stalled.at).Round(10*time.Millisecond))
	select {
	case err := <-errs:
		require.NoError(t, err)
	default:
	}
	// The slow consumer's socket is closed by the server.
	require.NoError(t, slow.NetConn().SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := io.Copy(io.Discard, slow.NetConn())
	if err != nil {
		assert.True(t, test.IsClosedError(err), "draining the slow consumer: %v", err)
	}
}

// keepSendingNOP writes NOP to nc every half second until stop is closed
// or a write fails.
func keepSendingNOP(nc net.Conn, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-time.After(500 * time.Millisecond):
		}
		if nc.SetWriteDeadline(time.Now().Add(time.Second)) != nil {
			return
		}
		if _, err := nc.Write([]byte("NOP\n")); err != nil {
			return
		}
	}
}

// TestHostileSlowloris: clients that trickle their request headers are cut
// off, and ordinary requests are answered meanwhile. Durations are logged,
// not asserted.
func TestHostileSlowloris(t *testing.T) {
	t.Parallel()
	const headerTimeout = 500 * time.Millisecond
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) { o.HTTPTimeouts.Header = headerTimeout })
	const attackers = 50
	results := make(chan trickleResult, attackers)
	var wg sync.WaitGroup
	for range attackers {
		nc, err := net.Dial("tcp", n.HTTPAddr)
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close() })
		wg.Go(func() { results <- trickleHeaders(nc) })
	}
	attackOver := make(chan struct{})
	go func() { wg.Wait(); close(attackOver) }()
	// Meanwhile ordinary requests are answered, until every attacker is done.
	var worst time.Duration
	requests := 0
	for over := false; !over; {
		start := time.Now()
		r := test.HTTPGet(t, "http://"+n.HTTPAddr+"/ping")
		require.Equal(t, http.StatusOK, r.Code, "GET /ping: %s", r)
		r = test.HTTPPost(t, "http://"+n.HTTPAddr+"/pub?topic=t", "m")
		require.Equal(t, http.StatusOK, r.Code, "POST /pub: %s", r)
		worst = max(worst, time.Since(start))
		requests++
		select {
		case <-attackOver:
			over = true
		default:
		}
	}
	close(results)
	var slowest time.Duration
	for r := range results {
		assert.True(t, r.closed, "trickling client not cut off after %s", r.took)
		slowest = max(slowest, r.took)
	}
	t.Logf("%d trickling clients cut off after at most %s (header timeout %s); %d ordinary /ping+/pub meanwhile, slowest %s",
		attackers, slowest.Round(time.Millisecond), headerTimeout, requests, worst.Round(time.Millisecond))
}

// trickleResult is how a trickling client ended.
type trickleResult struct {
	closed bool // by the server, before the 10 s guard
	took   time.Duration
}

// trickleHeaders sends a request line and then one header byte every
// 100 ms until the server closes the connection or 10 s have passed (a
// hang guard).
func trickleHeaders(nc net.Conn) trickleResult {
	start := time.Now()
	if _, err := io.WriteString(nc, "GET /ping HTTP/1.1\r\nHost: x\r\n"); err != nil {
		return trickleResult{true, time.Since(start)}
	}
	closed := make(chan error, 1)
	go func() {
		// Whatever the server answers (nothing or 408), it then closes.
		nc.SetReadDeadline(start.Add(10 * time.Second))
		_, err := io.Copy(io.Discard, nc)
		closed <- err
	}()
	for b := 0; ; b++ {
		select {
		case err := <-closed:
			return trickleResult{!test.IsTimeout(err), time.Since(start)}
		case <-time.After(100 * time.Millisecond):
		}
		nc.Write([]byte{"X-Slow: y"[b%9]})
	}
}

// rssKiB reads VmRSS of process pid from /proc.
func rssKiB(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb
		}
	}
	require.FailNow(t, fmt.Sprintf("no VmRSS in /proc/%d/status", pid))
	return 0
}

// tcpConnections reads nsq_tcp_connections from /metrics.
func tcpConnections(t testing.TB, httpAddr string) int {
	t.Helper()
	body := test.HTTPGet(t, "http://"+httpAddr+"/metrics").Body
	for line := range strings.SplitSeq(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, "nsq_tcp_connections "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			require.NoError(t, err)
			return int(v)
		}
	}
	require.FailNow(t, "no nsq_tcp_connections in /metrics", "%s", body)
	return 0
}

func TestHostileIdleConnections(t *testing.T) {
	const idle = 10000
	if limit := openFileLimit(t); limit < idle+1000 {
		t.Skipf("needs %d file descriptors, the limit is %d", idle+1000, limit)
	}
	p := newNSQDProc(t, buildNSQD(t), t.TempDir(), "--https-address=", "--log-level=warn")
	p.start()
	pid := p.pid()
	baseConns, baseRSS := tcpConnections(t, p.httpAddr), rssKiB(t, pid)

	conns := make([]net.Conn, idle)
	var next atomic.Int64
	var wg sync.WaitGroup
	var dialErr atomic.Pointer[error]
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < idle; i = int(next.Add(1)) - 1 {
				nc, err := net.DialTimeout("tcp", p.tcpAddr, 10*time.Second)
				if err == nil {
					_, err = io.WriteString(nc, protocol.MagicV2)
				}
				if err != nil {
					dialErr.Store(&err)
					return
				}
				conns[i] = nc
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, nc := range conns {
			if nc != nil {
				nc.Close()
			}
		}
	})
	if err := dialErr.Load(); err != nil {
		require.NoError(t, *err, "opening idle connections")
	}
	test.Eventually(t, 20*time.Second, func() bool { return tcpConnections(t, p.httpAddr) >= baseConns+idle },
		fmt.Sprintf("nsqd counts %d connections", idle))
	rss := rssKiB(t, pid)

	latencies := pubSubLatencies(t, p.tcpAddr, 200)
	slices.Sort(latencies)
	p50, worst := latencies[len(latencies)/2], latencies[len(latencies)-1]

	for _, nc := range conns {
		nc.Close()
	}
	test.Eventually(t, 20*time.Second, func() bool { return tcpConnections(t, p.httpAddr) == baseConns },
		fmt.Sprintf("nsq_tcp_connections back to %d", baseConns))
	// Every message went through (pubSubLatencies checks each); the
	// latencies are logged, not asserted.
	t.Logf("%d idle connections: nsqd RSS %d MiB (%d MiB before); pub→sub latency p50 %s, max %s; connections back to %d",
		idle, rss>>10, baseRSS>>10, p50.Round(time.Microsecond), worst.Round(time.Microsecond), baseConns)
	assert.LessOrEqual(t, rss, int64(300<<10), "nsqd RSS %d MiB with %d idle connections", rss>>10, idle)
}

// pubSubLatencies publishes count messages one at a time and returns, for
// each, the time from sending PUB to receiving the message on a consumer.
func pubSubLatencies(t *testing.T, addr string, count int) []time.Duration {
	t.Helper()
	cons := test.DialV2(t, addr)
	cons.Cmd("SUB lat c")
	cons.ExpectOK(t)
	cons.Cmd("RDY 1") // not ready after each delivery: flushed at once
	prod := test.DialV2(t, addr)
	out := make([]time.Duration, 0, count)
	for i := range count {
		start := time.Now()
		prod.CmdBody("PUB lat", []byte(strconv.Itoa(i)))
		prod.ExpectOK(t)
		m := cons.ReadMessage(t)
		out = append(out, time.Since(start))
		require.Equal(t, strconv.Itoa(i), string(m.Body), "message %d: got %q", i, m.Body)
		cons.Cmd("FIN " + m.ID)
	}
	cons.Close()
	prod.Close()
	return out
}

// dialWire connects a raw V2 client that reports errors instead of failing
// a test, so that it can run in goroutines of its own; it waits up to 10 s
// for each read and write.
func dialWire(addr string) (*test.Conn, error) {
	c, err := test.DialRaw(addr)
	if c != nil {
		c.Timeout = 10 * time.Second
	}
	return c, err
}
