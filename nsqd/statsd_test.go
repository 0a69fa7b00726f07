package nsqd_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// Black-box tests of the statsd push against a UDP sink.

// xDatagram is one UDP datagram the sink received.
type xDatagram struct {
	at   time.Time
	data string
}

// xPush is the lines of one statsd push, in arrival order.
type xPush struct {
	first, last time.Time
	grams       []string
	lines       []string
}

// xStatsdSink records every datagram sent to it.
type xStatsdSink struct {
	conn *net.UDPConn
	// gap is the silence that ends a push (see pushes).
	gap   time.Duration
	mu    sync.Mutex
	grams []xDatagram
}

func xNewStatsdSink(t testing.TB) *xStatsdSink {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	s := &xStatsdSink{conn: conn, gap: 400 * time.Millisecond}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			s.mu.Lock()
			s.grams = append(s.grams, xDatagram{at: time.Now(), data: string(buf[:n])})
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return s
}

func (s *xStatsdSink) addr() string { return s.conn.LocalAddr().String() }

func (s *xStatsdSink) datagrams() []xDatagram {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]xDatagram(nil), s.grams...)
}

// pushes groups the datagrams into pushes: a new push starts after a
// silence of s.gap or when a metric name repeats. A push's datagrams go
// out at once, or spread over interval−1s, so the gap must lie between the
// spacing within a push and the pause between pushes. A stalled sender
// can still split a push in two, so conditions on a push should check its
// first line or its size.
func (s *xStatsdSink) pushes() []xPush {
	var out []xPush
	var seen map[string]bool
	for _, g := range s.datagrams() {
		lines := strings.Split(strings.TrimSuffix(g.data, "\n"), "\n")
		fresh := len(out) == 0 || g.at.Sub(out[len(out)-1].last) > s.gap
		for _, l := range lines {
			if seen[xMetricName(l)] {
				fresh = true
			}
		}
		if fresh {
			out = append(out, xPush{first: g.at})
			seen = map[string]bool{}
		}
		p := &out[len(out)-1]
		p.last = g.at
		p.grams = append(p.grams, g.data)
		p.lines = append(p.lines, lines...)
		for _, l := range lines {
			seen[xMetricName(l)] = true
		}
	}
	return out
}

func xMetricName(line string) string {
	name, _, _ := strings.Cut(line, ":")
	return name
}

// value returns the integer value and type of the named metric in p.
func (p xPush) value(name string) (int64, string, bool) {
	for _, l := range p.lines {
		if xMetricName(l) != name {
			continue
		}
		v, typ, _ := strings.Cut(l[len(name)+1:], "|")
		n, err := strconv.ParseInt(v, 10, 64)
		return n, typ, err == nil
	}
	return 0, "", false
}

// has reports whether p contains the exact line.
func (p xPush) has(line string) bool {
	for _, l := range p.lines {
		if l == line {
			return true
		}
	}
	return false
}

// xWaitPush polls until a complete push at index skip or later satisfies
// cond (given all pushes so far and the index) and returns its index.
func xWaitPush(t testing.TB, s *xStatsdSink, skip int, what string, cond func(ps []xPush, i int) bool) int {
	t.Helper()
	found := -1
	test.Eventually(t, 3*xWait, func() bool {
		ps := s.pushes()
		for i := skip; i < len(ps); i++ {
			// The newest push may still be arriving.
			complete := i < len(ps)-1 || time.Since(ps[i].last) > s.gap
			if complete && cond(ps, i) {
				found = i
				return true
			}
		}
		return false
	}, "statsd push "+what)
	return found
}

// xStatsdNSQD starts nsqd pushing to a new sink every second, with a fixed
// broadcast address so that the prefix is predictable.
func xStatsdNSQD(t *testing.T, more func(*nsqd.Options)) (*testcluster.NSQD, *xStatsdSink) {
	t.Helper()
	sink := xNewStatsdSink(t)
	n := startNSQD(t, func(o *nsqd.Options) {
		o.StatsdAddress = sink.addr()
		o.StatsdInterval = time.Second
		o.BroadcastAddress = "127.0.0.1"
		o.StatsdMemStats = false
		if more != nil {
			more(o)
		}
	})
	return n, sink
}

// xConfigValue is GET /config/<opt> as text.
func xConfigValue(t testing.TB, n *testcluster.NSQD, opt string) string {
	t.Helper()
	r := xDo(t, xPlainHTTP, http.MethodGet, n.URL()+"/config/"+opt, "")
	require.Equal(t, http.StatusOK, r.Code, "GET /config/%s: %s", opt, r)
	return string(r.Body)
}

// xCheckDatagrams checks every datagram: at most size bytes, whole lines
// only, each "<prefix><name>:<int>|c|g\n".
func xCheckDatagrams(t testing.TB, s *xStatsdSink, prefix string, size int) {
	t.Helper()
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `[A-Za-z0-9_.#-]+:-?[0-9]+\|[cg]$`)
	grams := s.datagrams()
	require.NotZero(t, len(grams), "no datagrams")
	for _, g := range grams {
		require.LessOrEqual(t, len(g.data), size, "datagram %q", g.data)
		require.True(t, strings.HasSuffix(g.data, "\n"), "datagram does not end with a newline: %q", g.data)
		for _, l := range strings.Split(strings.TrimSuffix(g.data, "\n"), "\n") {
			require.True(t, line.MatchString(l), "bad statsd line %q in datagram %q", l, g.data)
		}
	}
}

func TestStatsdTopicAndChannelLines(t *testing.T) {
	t.Parallel()
	n, sink := xStatsdNSQD(t, func(o *nsqd.Options) {
		o.E2EProcessingLatencyPercentiles = []float64{1, 0.99, 0.5}
	})
	prefix := fmt.Sprintf("nsq.127_0_0_1_%d.", portOf(n.RealHTTPAddr()))
	require.Equal(t, prefix, xConfigValue(t, n, "statsd_prefix"), "/config/statsd_prefix")

	sub := mustSubscribe(t, n, "st", "ch", nil)
	consume := func(bodies ...string) {
		mustPublish(t, n, "st", bodies...)
		sub.Cmd(fmt.Sprintf("RDY %d", len(bodies)))
		for range bodies {
			sub.Cmd("FIN " + sub.ReadMessage(t).ID)
		}
		test.Eventually(t, xWait, func() bool { return mustChannelStats(t, n, "st", "ch").InFlightCount == 0 })
	}
	consume("a", "bb", "ccc")

	tp, ch := prefix+"topic.st.", prefix+"topic.st.channel.ch."
	sum := func(ps []xPush, name string) int64 {
		var total int64
		for _, p := range ps {
			v, _, _ := p.value(name)
			total += v
		}
		return total
	}
	// Wait until the pushes account for all three messages and show them
	// finished, then look at the push after that: every counter is a
	// delta, so it carries 0.
	settled := xWaitPush(t, sink, 0, "with 3 messages finished", func(ps []xPush, i int) bool {
		return sum(ps[:i+1], tp+"message_count") == 3 && ps[i].has(ch+"in_flight_count:0|g")
	})
	quiet := xWaitPush(t, sink, settled+1, "after the settled one", func(ps []xPush, i int) bool {
		return len(ps[i].lines) > 0 && strings.HasPrefix(ps[i].lines[0], tp+"message_count:")
	})
	ps := sink.pushes()
	require.EqualValues(t, 6, sum(ps[:quiet], tp+"message_bytes"), "message_bytes over all pushes")
	require.EqualValues(t, 3, sum(ps[:quiet], ch+"message_count"), "channel message_count over all pushes")
	p := ps[quiet]
	want := []string{
		tp + "message_count:0|c",
		tp + "message_bytes:0|c",
		tp + "depth:0|g",
		tp + "backend_depth:0|g",
		tp + "e2e_processing_latency_100:*|g",
		tp + "e2e_processing_latency_99:*|g",
		tp + "e2e_processing_latency_50:*|g",
		ch + "message_count:0|c",
		ch + "depth:0|g",
		ch + "backend_depth:0|g",
		ch + "in_flight_count:0|g",
		ch + "deferred_count:0|g",
		ch + "requeue_count:0|c",
		ch + "timeout_count:0|c",
		ch + "clients:1|g",
		ch + "e2e_processing_latency_100:*|g",
		ch + "e2e_processing_latency_99:*|g",
		ch + "e2e_processing_latency_50:*|g",
	}
	xExpectLines(t, p.lines, want)
	xCheckDatagrams(t, sink, prefix, 508)

	for _, g := range sink.datagrams() {
		require.NotContains(t, g.data, "mem.", "mem line without --statsd-mem-stats")
	}
}

// xExpectLines compares lines with want, where "*" in a wanted line stands
// for a positive integer.
func xExpectLines(t testing.TB, lines, want []string) {
	t.Helper()
	require.Len(t, lines, len(want), "push has %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	for i, w := range want {
		pre, post, wild := strings.Cut(w, "*")
		if !wild {
			require.Equal(t, w, lines[i], "line %d: %q, want %q\n%s", i, lines[i], w, strings.Join(lines, "\n"))
			continue
		}
		v, ok := strings.CutPrefix(lines[i], pre)
		if ok {
			v, ok = strings.CutSuffix(v, post)
		}
		num, err := strconv.ParseInt(v, 10, 64)
		require.True(t, ok && err == nil && num > 0, "line %d: %q, want %q with a positive value\n%s", i, lines[i], w, strings.Join(lines, "\n"))
	}
}

// xMemNames are the mem.* metrics in push order; gc_runs is a counter.
var xMemNames = []string{"heap_objects", "heap_idle_bytes", "heap_in_use_bytes", "heap_released_bytes",
	"gc_pause_usec_100", "gc_pause_usec_99", "gc_pause_usec_95", "next_gc_bytes", "gc_runs"}

// The nodes of each test start together so that their first pushes, one
// interval later, overlap.
func TestStatsdPrefixAndMemStats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		template string
		want     func(port int) string
	}{
		{"", func(int) string { return "" }},
		{"custom.", func(int) string { return "custom." }},
		{"app.%s.nsqd", func(p int) string { return fmt.Sprintf("app.127_0_0_1_%d.nsqd.", p) }},
		{"%s", func(p int) string { return fmt.Sprintf("127_0_0_1_%d.", p) }},
	}
	type node struct {
		n    *testcluster.NSQD
		sink *xStatsdSink
	}
	nodes := make([]node, len(cases))
	for i, tc := range cases {
		nodes[i].n, nodes[i].sink = xStatsdNSQD(t, func(o *nsqd.Options) {
			o.StatsdPrefix = tc.template
			o.StatsdMemStats = true
		})
	}
	for i, tc := range cases {
		n, sink := nodes[i].n, nodes[i].sink
		prefix := tc.want(portOf(n.RealHTTPAddr()))
		require.Equal(t, prefix, xConfigValue(t, n, "statsd_prefix"), "template %q: /config/statsd_prefix", tc.template)
		// Without topics a push is exactly the mem lines.
		j := xWaitPush(t, sink, 0, "with mem stats", func(ps []xPush, i int) bool { return len(ps[i].lines) > 0 })
		p := sink.pushes()[j]
		require.Len(t, p.lines, len(xMemNames), "push without topics: %d lines, want the %d mem lines:\n%s", len(p.lines), len(xMemNames), strings.Join(p.lines, "\n"))
		for k, name := range xMemNames {
			typ := "g"
			if name == "gc_runs" {
				typ = "c"
			}
			re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix+"mem."+name) + `:[0-9]+\|` + typ + `$`)
			require.True(t, re.MatchString(p.lines[k]), "template %q: line %d %q, want %s", tc.template, k, p.lines[k], re)
		}
		v, _, _ := p.value(prefix + "mem.heap_objects")
		require.Positive(t, v, "mem.heap_objects")
		xCheckDatagrams(t, sink, prefix, 508)
	}
}

func TestStatsdExcludeEphemeral(t *testing.T) {
	t.Parallel()
	type node struct {
		n       *testcluster.NSQD
		sink    *xStatsdSink
		exclude bool
	}
	var nodes []node
	for _, exclude := range []bool{true, false} {
		n, sink := xStatsdNSQD(t, func(o *nsqd.Options) { o.StatsdExcludeEphemeral = exclude })
		mustSubscribe(t, n, "keep", "d", nil)
		mustSubscribe(t, n, "keep", "e#ephemeral", nil)
		mustSubscribe(t, n, "gone#ephemeral", "c", nil)
		nodes = append(nodes, node{n, sink, exclude})
	}
	for _, nd := range nodes {
		prefix := fmt.Sprintf("nsq.127_0_0_1_%d.", portOf(nd.n.RealHTTPAddr()))
		durable := prefix + "topic.keep.channel.d.clients:1|g"
		ephemeral := []string{
			prefix + "topic.keep.channel.e#ephemeral.clients:1|g",
			prefix + "topic.gone#ephemeral.depth:0|g",
			prefix + "topic.gone#ephemeral.channel.c.clients:1|g",
		}
		i := xWaitPush(t, nd.sink, 0, "with every subscriber", func(ps []xPush, i int) bool {
			p := ps[i]
			return p.has(durable) && (nd.exclude || p.has(ephemeral[0]) && p.has(ephemeral[2]))
		})
		p := nd.sink.pushes()[i]
		for _, l := range ephemeral {
			require.NotEqual(t, nd.exclude, p.has(l), "line %q present=%v with exclude=%v:\n%s", l, p.has(l), nd.exclude, strings.Join(p.lines, "\n"))
		}
		if nd.exclude {
			for _, g := range nd.sink.datagrams() {
				require.NotContains(t, g.data, "#ephemeral", "ephemeral metric sent")
			}
		}
	}
}

// Lines are packed into datagrams of at most --statsd-udp-packet-size
// without splitting, and spread over interval−1s.
func TestStatsdPacketsAndSpread(t *testing.T) {
	t.Parallel()
	const size = 200
	n, sink := xStatsdNSQD(t, func(o *nsqd.Options) {
		o.StatsdUDPPacketSize = size
		o.StatsdInterval = 2 * time.Second
	})
	prefix := fmt.Sprintf("nsq.127_0_0_1_%d.", portOf(n.RealHTTPAddr()))
	const topics = 6
	for i := range topics {
		mustPublish(t, n, fmt.Sprintf("topic%d", i), "x")
		mustSubscribe(t, n, fmt.Sprintf("topic%d", i), "c", nil)
	}
	perTopic := 4 + 8 // topic lines + channel lines, no percentiles

	// A push's datagrams are 1s/n apart; about a second of silence
	// separates pushes.
	sink.gap = 700 * time.Millisecond
	i := xWaitPush(t, sink, 0, "with every topic and channel", func(ps []xPush, i int) bool {
		return len(ps[i].lines) == topics*perTopic && strings.HasPrefix(ps[i].lines[0], prefix+"topic.topic0.message_count:")
	})
	p := sink.pushes()[i]
	xCheckDatagrams(t, sink, prefix, size)
	require.GreaterOrEqual(t, len(p.grams), 5, "push of %d lines in datagrams of ≤%d bytes", len(p.lines), size)
	// Packing is greedy: the next line would not have fitted.
	for j := 0; j+1 < len(p.grams); j++ {
		next, _, _ := strings.Cut(p.grams[j+1], "\n")
		require.Greater(t, len(p.grams[j])+len(next)+1, size, "datagram %d (%d bytes) had room for %q", j, len(p.grams[j]), next)
	}
	// n datagrams spread over 1s: the last leaves (n−1)/n s after the first.
	span := p.last.Sub(p.first)
	min := time.Duration(len(p.grams)-1) * time.Second / time.Duration(len(p.grams)) * 8 / 10
	require.GreaterOrEqual(t, span, min, "%d datagrams spread over %v, want about %v", len(p.grams), span, min*10/8)
	require.LessOrEqual(t, span, 2500*time.Millisecond, "%d datagrams spread over %v, want about %v", len(p.grams), span, min*10/8)
}

// The percentile in a latency metric name is quantile×100 formatted with
// no decimals, the way Go's %.0f does it: halves round to even, so
// 0.985 → 98 and 0.125 → 12.
func TestStatsdPercentileNames(t *testing.T) {
	t.Parallel()
	n, sink := xStatsdNSQD(t, func(o *nsqd.Options) {
		o.E2EProcessingLatencyPercentiles = []float64{0.985, 0.125, 0.5}
	})
	sub := mustSubscribe(t, n, "p", "c", nil)
	mustPublish(t, n, "p", "x")
	sub.Cmd("RDY 1")
	sub.Cmd("FIN " + sub.ReadMessage(t).ID)

	prefix := fmt.Sprintf("nsq.127_0_0_1_%d.", portOf(n.RealHTTPAddr()))
	i := xWaitPush(t, sink, 0, "with latency metrics", func(ps []xPush, i int) bool {
		for _, l := range ps[i].lines {
			if strings.Contains(l, ".channel.c.e2e_processing_latency_") {
				return true
			}
		}
		return false
	})
	var got []string
	for _, l := range sink.pushes()[i].lines {
		if name := xMetricName(l); strings.Contains(name, "e2e_processing_latency_") {
			got = append(got, strings.TrimPrefix(name, prefix))
		}
	}
	want := []string{
		"topic.p.e2e_processing_latency_98", "topic.p.e2e_processing_latency_12", "topic.p.e2e_processing_latency_50",
		"topic.p.channel.c.e2e_processing_latency_98", "topic.p.channel.c.e2e_processing_latency_12", "topic.p.channel.c.e2e_processing_latency_50",
	}
	require.Equal(t, strings.Join(want, " "), strings.Join(got, " "), "latency metric names\n got %v\nwant %v", got, want)
}

// Dead-lettered and dropped messages are pushed as counters once they
// happen.
func TestStatsdPolicyCounters(t *testing.T) {
	t.Parallel()
	n, sink := xStatsdNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 1 })
	prefix := fmt.Sprintf("nsq.127_0_0_1_%d.", portOf(n.RealHTTPAddr()))
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"sp"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"sp"}, "channel": {"ch"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"sp"}, "channel": {"capped"}})
	mustHTTPPost(t, n, "/channel/config", url.Values{"topic": {"sp"}, "channel": {"capped"},
		"max_depth": {"1"}, "overflow": {"drop_oldest"}})
	mustPublish(t, n, "sp", "a", "b")
	sub := mustSubscribe(t, n, "sp", "ch", nil)
	sub.Cmd("RDY 2")
	for range 2 {
		sub.Cmd("REQ " + sub.ReadMessage(t).ID + " 0")
	}
	test.Eventually(t, xWait, func() bool {
		return mustChannelStats(t, n, "sp", "ch").InFlightCount == 0
	})
	ch := prefix + "topic.sp.channel."
	xWaitPush(t, sink, 0, "with the policy counters", func(ps []xPush, i int) bool {
		var dead, dropped int64
		for _, p := range ps[:i+1] {
			v, _, _ := p.value(ch + "ch.dead_letter_count")
			dead += v
			v, _, _ = p.value(ch + "capped.dropped_count")
			dropped += v
		}
		return dead == 2 && dropped == 1
	})
}
