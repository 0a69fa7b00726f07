package nsqd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastNode is an nsqd whose plain-HTTP listener has the fast path (or,
// with slow, only net/http).
func fastNode(t *testing.T, slow bool, configure func(*Options)) *NSQD {
	t.Helper()
	opts := quietLocalOptions(t.TempDir())
	// the daemon tests' -nsqd.durable switch
	if f := flag.Lookup("nsqd.durable"); f != nil && f.Value.String() == "true" {
		opts.MemQueueSize = 0
	}
	if configure != nil {
		configure(opts)
	}
	n, err := New(opts)
	require.NoError(t, err)
	n.slowHTTPOnly = slow
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Main()
	}()
	t.Cleanup(func() {
		n.Exit()
		<-done
	})
	if !slow {
		require.Eventually(t, func() bool { return n.fastListener() != nil }, 10*time.Second, time.Millisecond)
	}
	return n
}

func (n *NSQD) fastListener() *fastListener {
	n.srvMu.Lock()
	defer n.srvMu.Unlock()
	return n.fastHTTP
}

// fastCounts is what the fast path did so far: requests answered,
// connections handed over.
func fastCounts(n *NSQD) [2]uint64 {
	l := n.fastListener()
	return [2]uint64{l.served.Load(), l.handedOver.Load()}
}

// rawConn reads whole HTTP responses off a connection as raw bytes.
type rawConn struct {
	t   *testing.T
	c   net.Conn
	rec bytes.Buffer
	br  *bufio.Reader
}

func dialRaw(t *testing.T, n *NSQD) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", n.RealHTTPAddr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c}
	rc.br = bufio.NewReader(io.TeeReader(c, &rc.rec))
	return rc
}

func (rc *rawConn) send(raw string) {
	rc.t.Helper()
	_, err := io.WriteString(rc.c, raw)
	require.NoError(rc.t, err)
}

var dateLine = regexp.MustCompile("\r\nDate: [^\r]*\r\n")

// response reads the next response and returns its bytes with the Date
// value replaced.
func (rc *rawConn) response() string {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(rc.br, nil)
	require.NoError(rc.t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(rc.t, err)
	resp.Body.Close()
	all := rc.rec.Bytes()
	n := len(all) - rc.br.Buffered()
	raw := string(all[:n])
	rest := bytes.Clone(all[n:])
	rc.rec.Reset()
	rc.rec.Write(rest)
	return dateLine.ReplaceAllString(raw, "\r\nDate: <date>\r\n")
}

// untilClosed reads what the server sends until it ends the connection
// (Date replaced); it fails the test if the connection stays open.
func (rc *rawConn) untilClosed() string {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(rc.br)
	require.NoError(rc.t, err, "connection still open")
	return dateLine.ReplaceAllString(string(rest), "\r\nDate: <date>\r\n")
}

func post(path, body string, headers ...string) string {
	h := ""
	for _, l := range headers {
		h += l + "\r\n"
	}
	return "POST " + path + " HTTP/1.1\r\nHost: test\r\n" + h + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func binaryMPUB(bodies ...string) string {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(bodies)))
	for _, m := range bodies {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
		b = append(b, m...)
	}
	return string(b)
}

// sameAnswers sends each request on one connection to a fast and to a
// slow node and requires byte-identical answers; it returns the fast
// node's answers.
func sameAnswers(t *testing.T, fast, slow *NSQD, reqs ...string) []string {
	t.Helper()
	fc, sc := dialRaw(t, fast), dialRaw(t, slow)
	var got []string
	for _, r := range reqs {
		fc.send(r)
		sc.send(r)
		f, s := fc.response(), sc.response()
		require.Equal(t, s, f, "request %q", r)
		got = append(got, f)
	}
	return got
}

var fastOK = "HTTP/1.1 200 OK\r\nX-Nsq-Content-Type: nsq; version=1.0\r\nDate: <date>\r\n" +
	"Content-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOK"

// TestHTTPFastSameBytes: the answers the fast path gives are the bytes
// net/http gives.
func TestHTTPFastSameBytes(t *testing.T) {
	fast, slow := fastNode(t, false, nil), fastNode(t, true, nil)
	reqs := []string{
		post("/pub?topic=t", "hello"),
		post("/pub?topic=t&topic=other", "first topic wins"),
		post("/pub?topic=t.e_1-2", "x"),
		post("/mpub?topic=t", "a\nb\n\nc"),
		post("/mpub?topic=t&binary=true", binaryMPUB("one", "two")),
		post("/mpub?topic=t&binary=1", binaryMPUB("three")),
		post("/mpub?topic=t&binary=false", "x\ny"),
		post("/pub?topic=t", "h", "user-agent: x/1", "ACCEPT: */*", "Connection: keep-alive",
			"Content-Type: application/octet-stream", "Accept-Encoding: gzip"),
		"GET /ping HTTP/1.1\r\nHost: test\r\n\r\n",
		post("/mpub?topic=big", strings.Repeat(strings.Repeat("b", 999)+"\n", 200)),
		post("/pub?topic=t", "after a body larger than the read buffer"),
	}
	got := sameAnswers(t, fast, slow, reqs...)
	require.Equal(t, fastOK, got[0])
	require.Equal(t, [2]uint64{uint64(len(reqs)), 0}, fastCounts(fast))
	require.EqualValues(t, 12, fast.GetTopic("t").Depth())
	require.EqualValues(t, 200, fast.GetTopic("big").Depth())
}

// TestHTTPFastPublishError: a publish refused by the topic is answered
// by the fast path as net/http answers it.
func TestHTTPFastPublishError(t *testing.T) {
	fast, slow := fastNode(t, false, nil), fastNode(t, true, nil)
	for _, n := range []*NSQD{fast, slow} {
		c := dialRaw(t, n)
		c.send(post("/topic/create?topic=full", ""))
		require.Contains(t, c.response(), "200 OK")
		c.send(post("/topic/config?topic=full&max_depth=1&overflow=reject", ""))
		require.Contains(t, c.response(), "200 OK")
	}
	before := fastCounts(fast)
	got := sameAnswers(t, fast, slow,
		post("/pub?topic=full", "a"), post("/pub?topic=full", "b"), post("/mpub?topic=full", "c\nd"))
	require.Equal(t, fastOK, got[0])
	require.Contains(t, got[1], "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json")
	require.Contains(t, got[1], `{"message":"PUB_REFUSED: `)
	require.Equal(t, before[0]+3, fastCounts(fast)[0], "all three answered on the fast path")
}

// TestHTTPFastHandsOver: every request the fast path does not serve is
// answered by net/http exactly as without it, on the same connection.
func TestHTTPFastHandsOver(t *testing.T) {
	big := strings.Repeat("x", 1025)
	cases := map[string]string{
		"missing topic":      post("/pub", "x"),
		"no query topic":     post("/pub?x=1", "x"),
		"invalid topic":      post("/pub?topic=a/b", "x"),
		"escaped topic":      post("/pub?topic=%61b", "x"),
		"semicolon":          post("/pub?topic=t;x", "x"),
		"defer":              post("/pub?topic=t&defer=10", "x"),
		"empty body":         post("/pub?topic=t", ""),
		"message too big":    post("/pub?topic=t", big),
		"mpub body too big":  post("/mpub?topic=t", big+big+big),
		"mpub line too big":  post("/mpub?topic=t", "a\n"+big),
		"mpub bad binary":    post("/mpub?topic=t&binary=true", "\x00\x00"),
		"mpub empty":         post("/mpub?topic=t", ""),
		"ephemeral, raw #":   post("/pub?topic=t#ephemeral", "x"),
		"HTTP/1.0":           "POST /pub?topic=t HTTP/1.0\r\nContent-Length: 1\r\n\r\nx",
		"no Host":            "POST /pub?topic=t HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
		"two Hosts":          "POST /pub?topic=t HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 1\r\n\r\nx",
		"no Content-Length":  "POST /pub?topic=t HTTP/1.1\r\nHost: a\r\n\r\n",
		"two Content-Length": post("/pub?topic=t", "x", "Content-Length: 1"),
		"chunked":            "POST /pub?topic=t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
		"Connection: close":  post("/pub?topic=t", "x", "Connection: close"),
		"cross-origin":       post("/pub?topic=t", "x", "Origin: http://evil.example", "Sec-Fetch-Site: cross-site"),
		"same-origin":        post("/pub?topic=t", "x", "Sec-Fetch-Site: same-origin"),
		"other header":       post("/pub?topic=t", "x", "X-Request-Id: 7"),
		"Expect":             post("/pub?topic=t", "x", "Expect: 100-continue"),
		"Upgrade":            post("/pub?topic=t", "x", "Connection: Upgrade", "Upgrade: websocket"),
		"head too long":      post("/pub?topic=t", "x", "User-Agent: "+strings.Repeat("u", 5000)),
		"bare LF":            "POST /pub?topic=t HTTP/1.1\nHost: a\nContent-Length: 1\n\nx",
		"folded header":      post("/pub?topic=t", "x", "User-Agent: a\r\n b"),
		"bad header value":   post("/pub?topic=t", "x", "User-Agent: a\x01b"),
		"other path":         post("/topic/create?topic=made", ""),
		"not found":          "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n",
		"wrong case":         post("/PUB?topic=t", "x"),
		"wrong method":       "PUT /pub?topic=t HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx",
		"OPTIONS ping":       "OPTIONS /ping HTTP/1.1\r\nHost: a\r\n\r\n",
		"ping with query":    "GET /ping?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"ping with body":     "GET /ping HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"garbage":            "HELLO\r\n\r\n",
	}
	opts := func(o *Options) { o.MaxMsgSize, o.MaxBodySize = 1024, 3000 }
	fast, slow := fastNode(t, false, opts), fastNode(t, true, opts)
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			before := fastCounts(fast)
			got := sameAnswers(t, fast, slow, req)
			require.Equal(t, before[1]+1, fastCounts(fast)[1], "handed over: %q", got[0])
			require.Equal(t, before[0], fastCounts(fast)[0], "not served fast")
		})
	}
}

// TestHTTPFastKeepAlive: many requests on one connection, all fast.
func TestHTTPFastKeepAlive(t *testing.T) {
	fast := fastNode(t, false, nil)
	c := dialRaw(t, fast)
	const n = 500
	for i := range n {
		c.send(post("/pub?topic=ka", "m"+strconv.Itoa(i)))
		require.Equal(t, fastOK, c.response())
	}
	require.Equal(t, [2]uint64{n, 0}, fastCounts(fast))
	require.EqualValues(t, n, fast.GetTopic("ka").Depth())
}

// TestHTTPFastSwitch: a client going from /pub to /stats mid-connection
// is served by net/http from then on, on the same connection.
func TestHTTPFastSwitch(t *testing.T) {
	fast, slow := fastNode(t, false, nil), fastNode(t, true, nil)
	got := sameAnswers(t, fast, slow,
		post("/pub?topic=sw", "1"),
		post("/topic/create?topic=made", ""),
		post("/pub?topic=sw", "2"),
		"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
	require.Equal(t, fastOK, got[2])
	require.Equal(t, [2]uint64{1, 1}, fastCounts(fast))

	c := dialRaw(t, fast)
	c.send(post("/pub?topic=sw", "3"))
	require.Equal(t, fastOK, c.response())
	c.send("GET /stats?format=json&topic=sw HTTP/1.1\r\nHost: a\r\n\r\n")
	require.Contains(t, c.response(), `"topic_name":"sw"`)
	require.EqualValues(t, 3, fast.GetTopic("sw").Depth())
}

// TestHTTPFastPipelined: requests sent back to back, fast or not, are
// answered in order with the bytes net/http gives.
func TestHTTPFastPipelined(t *testing.T) {
	fast, slow := fastNode(t, false, nil), fastNode(t, true, nil)
	reqs := post("/pub?topic=p", "a") + "\r\n" + post("/mpub?topic=p", "b\nc") +
		"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n" + post("/pub?topic=p", "d") +
		post("/topic/create?topic=q", "") + post("/pub?topic=p", "e")
	var answers [2][]string
	for i, n := range []*NSQD{fast, slow} {
		c := dialRaw(t, n)
		c.send(reqs)
		for range 6 {
			answers[i] = append(answers[i], c.response())
		}
	}
	require.Equal(t, answers[1], answers[0])
	require.Equal(t, [2]uint64{4, 1}, fastCounts(fast))
	require.EqualValues(t, 5, fast.GetTopic("p").Depth())
}

// TestHTTPFastTimeouts: the header, whole-request and idle timeouts still
// cut slow clients off, on the fast path and after a hand-over.
func TestHTTPFastTimeouts(t *testing.T) {
	timeouts := func(o *Options) {
		o.HTTPTimeouts = httpapi.Timeouts{Header: 200 * time.Millisecond, Read: 400 * time.Millisecond, Idle: 200 * time.Millisecond}
	}
	fast, slow := fastNode(t, false, timeouts), fastNode(t, true, timeouts)
	cases := map[string]struct {
		raw     string
		answers int // read before the connection must end
	}{
		"head never ends":               {"POST /pub?topic=t HTTP/1.1\r\nHost: a\r\n", 0},
		"head never ends, handed over":  {"POST /pub?topic=t HTTP/1.1\r\nHost: a\r\nX-Other: 1\r\n", 0},
		"body never ends":               {"POST /pub?topic=t HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", 0},
		"request line never ends":       {"POST /pub?topic=t HTTP/1", 0},
		"idle after a request":          {post("/pub?topic=t", "x"), 1},
		"second head never ends":        {post("/pub?topic=t", "x") + "POST /pub", 1},
		"idle after a handed-over one":  {post("/topic/create?topic=t", ""), 1},
		"slow head after a fast answer": {post("/pub?topic=t", "x") + "GET /stats HTTP/1.1\r\n", 1},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var last [2]string
			for i, n := range []*NSQD{fast, slow} {
				rc := dialRaw(t, n)
				rc.send(c.raw)
				for range c.answers {
					require.Contains(t, rc.response(), "200 OK")
				}
				last[i] = rc.untilClosed()
			}
			require.Equal(t, last[1], last[0])
		})
	}
}

// TestHTTPFastShutdown: Exit ends connections on the fast path and
// handed-over ones.
func TestHTTPFastShutdown(t *testing.T) {
	fast := fastNode(t, false, nil)
	idle, handed := dialRaw(t, fast), dialRaw(t, fast)
	idle.send(post("/pub?topic=t", "x"))
	require.Equal(t, fastOK, idle.response())
	handed.send(post("/topic/create?topic=u", ""))
	assert.Contains(t, handed.response(), "200 OK")
	fast.Exit()
	require.Empty(t, idle.untilClosed())
	require.Empty(t, handed.untilClosed())
}

// TestHTTPFastUnhealthyPing: an unhealthy node's /ping is answered by
// net/http, as before.
func TestHTTPFastUnhealthyPing(t *testing.T) {
	fast, slow := fastNode(t, false, nil), fastNode(t, true, nil)
	for _, n := range []*NSQD{fast, slow} {
		n.SetHealth(errors.New("disk full"))
	}
	got := sameAnswers(t, fast, slow, "GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
	require.Contains(t, got[0], "500 Internal Server Error")
	require.Equal(t, [2]uint64{0, 1}, fastCounts(fast))
}

// lineLog keeps the lines logged with a given prefix.
type lineLog struct {
	mu     sync.Mutex
	prefix string
	lines  []string
}

func (l *lineLog) Output(_ int, s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.HasPrefix(s, l.prefix) {
		l.lines = append(l.lines, s)
	}
	return nil
}

func (l *lineLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// TestHTTPFastDebugLog: at debug level the fast path logs each request as
// the HTTP log decorator does.
func TestHTTPFastDebugLog(t *testing.T) {
	var logs [2]*lineLog
	var nodes [2]*NSQD
	for i, slow := range []bool{false, true} {
		logs[i] = &lineLog{prefix: "DEBUG: POST /pub"}
		nodes[i] = fastNode(t, slow, func(o *Options) { o.Logger, o.LogLevel = logs[i], lg.DEBUG })
	}
	sameAnswers(t, nodes[0], nodes[1], post("/pub?topic=t", "x"), post("/pub?topic=t&topic=u", "y"))
	durations := regexp.MustCompile(`\(127\.0\.0\.1:\d+\) \S+$`)
	var got [2][]string
	for i, l := range logs {
		for _, line := range l.all() {
			got[i] = append(got[i], durations.ReplaceAllString(line, "(addr) <duration>"))
		}
	}
	require.Equal(t, []string{"DEBUG: POST /pub?topic=t (addr) <duration>", "DEBUG: POST /pub?topic=t&topic=u (addr) <duration>"}, got[0])
	require.Equal(t, got[1], got[0])
	require.Equal(t, [2]uint64{2, 0}, fastCounts(nodes[0]))
}

// TestHandedConnDeadlines: a handed-over connection first returns the
// bytes already read; net/http's first two read deadlines are held to the
// ones running when it was handed over, later ones are its own.
func TestHandedConnDeadlines(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	past := time.Now().Add(-time.Second)
	h := &handedConn{Conn: a, buf: []byte("ab"), limit: [2]time.Time{past, past}}
	p := make([]byte, 4)

	require.NoError(t, h.SetReadDeadline(time.Now().Add(time.Hour)))
	n, err := h.Read(p)
	require.NoError(t, err)
	require.Equal(t, "ab", string(p[:n]))
	_, err = h.Read(p)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "first deadline held to the running one")

	require.NoError(t, h.SetReadDeadline(time.Now().Add(time.Hour)))
	_, err = h.Read(p)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "second deadline held to the running one")

	require.NoError(t, h.SetReadDeadline(time.Now().Add(time.Hour)))
	go b.Write([]byte("c"))
	n, err = h.Read(p)
	require.NoError(t, err, "third deadline is net/http's own")
	require.Equal(t, "c", string(p[:n]))
}

// TestHTTPFastTrickled: requests arriving a few bytes at a time are
// served as when they arrive whole.
func TestHTTPFastTrickled(t *testing.T) {
	fast := fastNode(t, false, nil)
	c := dialRaw(t, fast)
	reqs := post("/pub?topic=tr", "hello") + post("/mpub?topic=tr", strings.Repeat("line\n", 3000)) +
		"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n"
	go func() {
		for i := 0; i < len(reqs); i += 7 {
			if _, err := io.WriteString(c.c, reqs[i:min(i+7, len(reqs))]); err != nil {
				return
			}
		}
	}()
	for range 3 {
		require.Contains(t, c.response(), "200 OK\r\n")
	}
	require.Equal(t, [2]uint64{3, 0}, fastCounts(fast))
	require.EqualValues(t, 3001, fast.GetTopic("tr").Depth())
}
