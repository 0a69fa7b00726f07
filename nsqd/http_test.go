package nsqd_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hRawHTTP writes a hand-made request on a fresh connection and reads the
// response without sending anything else (used to prove a request is
// rejected before its body is read).
func hRawHTTP(t *testing.T, h *testcluster.NSQD, req string) test.HTTPResponse {
	t.Helper()
	c, err := net.DialTimeout("tcp", h.HTTPAddr, hWait)
	require.NoError(t, err, "dial")
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	_, err = io.WriteString(c, req)
	require.NoError(t, err, "write")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err, "no response before the body was sent")
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading body")
	return test.HTTPResponse{Code: resp.StatusCode, Header: resp.Header, Body: b}
}

// hRedirect checks a redirect's status and that its Location resolves to
// the wanted path and raw query.
func hRedirect(t *testing.T, h *testcluster.NSQD, method, path string, code int, wantPath, wantQuery string) {
	t.Helper()
	r := test.HTTPSend(t, method, h.URL()+path, []byte{})
	require.Equal(t, code, r.Code, "%s %s: got %s, want %d", method, path, r, code)
	base, _ := url.Parse(h.URL() + path)
	loc, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err, "%s %s: bad Location %q", method, path, r.Header.Get("Location"))
	got := base.ResolveReference(loc)
	require.Equal(t, wantPath, got.Path)
	require.Equal(t, wantQuery, got.RawQuery)
}

func TestHTTPNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)

	for _, p := range []string{"/nope", "/put?topic=t", "/mput?topic=t", "/create_topic?topic=t", "/delete_channel"} {
		hExpectErr(t, test.HTTPPost(t, h.URL()+p, "x"), 404, "NOT_FOUND")
	}
	hExpectErr(t, test.HTTPGet(t, h.URL()+"/nope"), 404, "NOT_FOUND")

	cases := []struct{ method, path, allow string }{
		{"GET", "/pub", "OPTIONS, POST"},
		{"PUT", "/mpub", "OPTIONS, POST"},
		{"GET", "/topic/create", "OPTIONS, POST"},
		{"GET", "/channel/delete", "OPTIONS, POST"},
		{"POST", "/ping", "GET, OPTIONS"},
		{"POST", "/info", "GET, OPTIONS"},
		{"PUT", "/stats", "GET, OPTIONS"},
		{"POST", "/config/log_level", "GET, OPTIONS, PUT"},
	}
	for _, c := range cases {
		r := test.HTTPSend(t, c.method, h.URL()+c.path, []byte{})
		hExpectErr(t, r, 405, "METHOD_NOT_ALLOWED")
		require.Equal(t, c.allow, r.Header.Get("Allow"), "%s %s: Allow", c.method, c.path)
		r = test.HTTPSend(t, http.MethodOptions, h.URL()+c.path, nil)
		require.EqualValues(t, 200, r.Code, "OPTIONS")
		require.Len(t, r.Body, 0, "OPTIONS")
		require.Equal(t, c.allow, r.Header.Get("Allow"), "OPTIONS %s: Allow", c.path)
	}
}

func TestHTTPRedirects(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	hRedirect(t, h, "GET", "/ping/", 301, "/ping", "")
	hRedirect(t, h, "GET", "/PING", 301, "/ping", "")
	hRedirect(t, h, "GET", "/Stats?format=json&topic=x", 301, "/stats", "format=json&topic=x")
	hRedirect(t, h, "GET", "/stats/?format=json", 301, "/stats", "format=json")
	hRedirect(t, h, "POST", "/pub/?topic=redir", 307, "/pub", "topic=redir")
	hRedirect(t, h, "POST", "/Topic/Create?topic=redir", 307, "/topic/create", "topic=redir")
	hRedirect(t, h, "PUT", "/config/log_level/", 307, "/config/log_level", "")
	hRedirect(t, h, "GET", "/debug/pprof", 301, "/debug/pprof/", "")
	// Redirects are not followed: nothing was created.
	require.Len(t, topicNames(t, h), 0, "topics after redirects")
}

func TestHTTPMalformedQuery(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	for _, p := range []string{
		"/pub?topic=%zz", "/mpub?topic=%zz",
		"/topic/create?topic=%zz", "/topic/delete?topic=%zz", "/topic/empty?topic=%zz",
		"/topic/pause?topic=%zz", "/topic/unpause?topic=%zz",
		"/channel/create?topic=t&channel=%zz", "/channel/delete?topic=%zz&channel=c",
		"/channel/empty?topic=t&channel=%zz", "/channel/pause?topic=%zz", "/channel/unpause?channel=%zz",
	} {
		hExpectErr(t, test.HTTPPost(t, h.URL()+p, "body"), 400, "INVALID_REQUEST")
	}
	hExpectErr(t, test.HTTPGet(t, h.URL()+"/stats?format=json&topic=%zz"), 400, "INVALID_REQUEST")
}

func TestHTTPPing(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	r := test.HTTPGet(t, h.URL()+"/ping")
	require.EqualValues(t, 200, r.Code, "got")
	require.Equal(t, "OK", string(r.Body), "got")
	ct := r.Header.Get("Content-Type")
	require.True(t, strings.HasPrefix(ct, "text/plain"), "Content-Type %q, want text/plain", ct)
	require.NotContains(t, r.Header, hNSQTypeKey, "/ping must not carry X-NSQ-Content-Type")
}

func TestHTTPInfo(t *testing.T) {
	t.Parallel()
	before := time.Now().Unix()
	h := startNSQD(t, func(o *nsqd.Options) {
		o.BroadcastAddress = "bcast.example"
		o.TopologyZone = "zone-a"
		o.TopologyRegion = "region-1"
		o.MaxHeartbeatInterval = 45 * time.Second
		o.MaxOutputBufferSize = 12345
		o.MaxOutputBufferTimeout = 7 * time.Second
		o.MaxDeflateLevel = 4
	})
	after := time.Now().Unix()
	r := test.HTTPGet(t, h.URL()+"/info")
	hExpectJSON(t, r)
	hExpectKeys(t, "/info", r.Body, "version", "broadcast_address", "hostname", "http_port", "tcp_port",
		"start_time", "max_heartbeat_interval", "max_output_buffer_size", "max_output_buffer_timeout",
		"max_deflate_level", "topology_zone", "topology_region")
	var info struct {
		Version        string `json:"version"`
		Broadcast      string `json:"broadcast_address"`
		Hostname       string `json:"hostname"`
		HTTPPort       int    `json:"http_port"`
		TCPPort        int    `json:"tcp_port"`
		StartTime      int64  `json:"start_time"`
		MaxHeartbeat   int64  `json:"max_heartbeat_interval"`
		MaxOutBufSize  int64  `json:"max_output_buffer_size"`
		MaxOutBufTime  int64  `json:"max_output_buffer_timeout"`
		MaxDeflate     int    `json:"max_deflate_level"`
		TopologyZone   string `json:"topology_zone"`
		TopologyRegion string `json:"topology_region"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &info))
	host, _ := os.Hostname()
	want := info // start_time is checked below, every other field here
	want.Version, want.Broadcast, want.Hostname = "1.3.0", "bcast.example", host
	want.HTTPPort, want.TCPPort = portOf(h.RealHTTPAddr()), portOf(h.RealTCPAddr())
	want.MaxHeartbeat, want.MaxOutBufSize = int64(45*time.Second), 12345
	want.MaxOutBufTime, want.MaxDeflate = int64(7*time.Second), 4
	want.TopologyZone, want.TopologyRegion = "zone-a", "region-1"
	require.Equal(t, want, info, "/info %s", r.Body)
	require.GreaterOrEqual(t, info.StartTime, before, "start_time")
	require.LessOrEqual(t, info.StartTime, after, "start_time")
}

// ---------------------------------------------------------------- /pub

func TestHTTPPubContentLengthRejectedBeforeRead(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil) // max-msg-size 1048576
	r := hRawHTTP(t, h, "POST /pub?topic=cl HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n")
	hExpectErr(t, r, 413, "MSG_TOO_BIG")
	require.Len(t, topicNames(t, h), 0, "topic created by an oversized /pub")
}

func TestHTTPPubChecksInOrder(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 100 })

	// Size limit: exactly max is fine, max+1 is rejected (declared or chunked).
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=size", strings.Repeat("a", 100)))
	hExpectOK(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/pub?topic=size", bytes.Repeat([]byte("b"), 100)))
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=size", strings.Repeat("a", 101)), 413, "MSG_TOO_BIG")
	hExpectErr(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/pub?topic=size", bytes.Repeat([]byte("b"), 101)), 413, "MSG_TOO_BIG")
	hExpectErr(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/pub?topic=%zz", bytes.Repeat([]byte("b"), 101)), 413, "MSG_TOO_BIG")

	// Empty body is reported before any topic problem.
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub", ""), 400, "MSG_EMPTY")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=bad!", ""), 400, "MSG_EMPTY")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=%zz", ""), 400, "MSG_EMPTY")
	hExpectErr(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/pub?topic=empty", nil), 400, "MSG_EMPTY")

	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub", "x"), 400, "MISSING_ARG_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?defer=10", "x"), 400, "MISSING_ARG_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=", "x"), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=bad!", "x"), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic=bad!&defer=x", "x"), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic="+strings.Repeat("t", 65), "x"), 400, "INVALID_TOPIC")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic="+strings.Repeat("t", 64), "x"))

	require.Equal(t, "size,"+strings.Repeat("t", 64), strings.Join(topicNames(t, h), ","), "topics")
	tp := topicOf(t, h, "size")
	require.EqualValues(t, 2, tp.MessageCount, "topic size")
	require.EqualValues(t, 200, tp.MessageBytes, "topic size")
	require.EqualValues(t, 2, tp.Depth, "topic size")
}

func TestHTTPPubDefer(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.QueueScanRefreshInterval = 100 * time.Millisecond })

	bad := []string{"abc", "-1", "", "3600001", "1.5", "0x10", "1e3", "+-1", "99999999999999999999"}
	for i, d := range bad {
		topic := fmt.Sprintf("bad-defer-%d", i)
		hExpectErr(t, test.HTTPPost(t, h.URL()+"/pub?topic="+topic+"&defer="+url.QueryEscape(d), "x"), 400, "INVALID_DEFER")
		tp := topicOf(t, h, topic)
		require.NotNil(t, tp, "defer=%q: topic must be created before the defer check", d)
		require.EqualValues(t, 0, tp.MessageCount)
		require.EqualValues(t, 0, tp.Depth)
	}

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=dfr", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=dfr&channel=c", ""))
	for _, d := range []string{"3600000", "%2B600000", "600000", "0", "-0"} {
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=dfr&defer="+d, "d"))
	}
	test.Eventually(t, hWait, func() bool {
		c := channelOf(t, h, "dfr", "c")
		return c != nil && c.DeferredCount == 3 && c.Depth == 2 && c.MessageCount == 5
	}, fmt.Sprintf("3 deferred + 2 immediate messages in channel: %+v", channelOf(t, h, "dfr", "c")))

	// A short deferral becomes visible once due.
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=dfr&defer=%2B50", "soon"))
	test.Eventually(t, hWait, func() bool {
		c := channelOf(t, h, "dfr", "c")
		return c.DeferredCount == 3 && c.Depth == 3
	}, fmt.Sprintf("short deferral due: %+v", channelOf(t, h, "dfr", "c")))
}

func TestHTTPPubDelivery(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "deliv", "c")
	c.Cmd("RDY 10")

	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	start := time.Now().UnixNano()
	hExpectOK(t, test.HTTPSend(t, http.MethodPost, h.URL()+"/pub?topic=deliv", all))
	hExpectOK(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/pub?topic=deliv", []byte("chunked\r\nbody\n")))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=deliv&topic=other&defer=0&defer=abc", "first wins"))
	end := time.Now().UnixNano()

	want := [][]byte{all, []byte("chunked\r\nbody\n"), []byte("first wins")}
	ids := map[string]bool{}
	for _, w := range want {
		m := c.ReadMessage(t)
		require.Equal(t, w, m.Body, "body")
		require.EqualValues(t, 1, m.Attempts, "attempts")
		require.True(t, m.Timestamp >= start && m.Timestamp <= end, "timestamp %d not within publish window [%d,%d]", m.Timestamp, start, end)
		require.Regexp(t, `^[0-9a-f]{16}$`, m.ID, "message id")
		require.False(t, ids[m.ID], "repeated message id %q", m.ID)
		ids[m.ID] = true
		c.Cmd("FIN " + m.ID)
	}
	require.Equal(t, []string{"deliv"}, topicNames(t, h), "topics: a repeated parameter takes its first value")
	tp := topicOf(t, h, "deliv")
	require.EqualValues(t, 3, tp.MessageCount, "topic counters")
	require.Equal(t, uint64(256+len(want[1])+len(want[2])), tp.MessageBytes, "topic counters")
}

// ---------------------------------------------------------------- /mpub

func TestHTTPMPubText(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 10; o.MaxBodySize = 100 })

	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "mt", "c")
	c.Cmd("RDY 100")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt", "a\nb\r\n\n\nc"))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt&binary=false", "\nd\n"))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt&binary=0", "1234567890"))
	for _, w := range []string{"a", "b\r", "c", "d", "1234567890"} {
		m := c.ReadMessage(t)
		require.Equal(t, w, string(m.Body), "body %q, want %q", m.Body, w)
		c.Cmd("FIN " + m.ID)
	}
	require.EqualValues(t, 5, topicOf(t, h, "mt").MessageCount, "mt message_count")

	// Zero messages: OK, topic created.
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt-empty", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt-blank", "\n\n\n"))
	for _, name := range []string{"mt-empty", "mt-blank"} {
		tp := topicOf(t, h, name)
		require.NotNil(t, tp)
		require.EqualValues(t, 0, tp.MessageCount)
	}

	// Limits.
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt-big", "ok\n12345678901\n"), 413, "MSG_TOO_BIG")
	tenLines := strings.Repeat("123456789\n", 10) // exactly max-body-size
	hExpectOK(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/mpub?topic=mt-full", []byte(tenLines)))
	require.EqualValues(t, 10, topicOf(t, h, "mt-full").MessageCount, "mt-full message_count")
	hExpectErr(t, test.HTTPSendChunked(t, http.MethodPost, h.URL()+"/mpub?topic=mt-over", []byte(tenLines+"x")), 413, "BODY_TOO_BIG")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/mpub?topic=mt-over", tenLines+"x"), 413, "BODY_TOO_BIG")

	// Topic argument checks.
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/mpub", "a"), 400, "MISSING_ARG_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/mpub?topic=b@d", "a"), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/mpub?topic=", "a"), 400, "INVALID_TOPIC")
}

func TestHTTPMPubContentLengthRejectedBeforeRead(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxBodySize = 1000 })
	r := hRawHTTP(t, h, "POST /mpub?topic=mcl HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
	hExpectErr(t, r, 413, "BODY_TOO_BIG")
	require.Len(t, topicNames(t, h), 0, "topic created by an oversized /mpub")
}

// hMPubBinary encodes [count]([size][body])... as /mpub?binary=true expects.
func hMPubBinary(bodies ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(bodies)))
	for _, m := range bodies {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
		b = append(b, m...)
	}
	return b
}

func TestHTTPMPubBinary(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 100; o.MaxBodySize = 1000 })

	body := hMPubBinary("abc", "de")
	modes := []struct {
		param string
		msgs  uint64
	}{
		{"binary=true", 2}, {"binary=1", 2}, {"binary=", 2}, {"binary", 2}, {"binary=yes", 2}, {"binary=TRUE", 2},
		{"binary=false", 1}, {"binary=0", 1}, {"", 1},
	}
	for i, m := range modes {
		topic := fmt.Sprintf("mb-%d", i)
		hExpectOK(t, test.HTTPSend(t, http.MethodPost, h.URL()+"/mpub?topic="+topic+"&"+m.param, body))
		require.Equal(t, m.msgs, topicOf(t, h, topic).MessageCount, "%q: message_count", m.param)
	}

	// Exact bodies, trailing bytes ignored.
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "mb-deliv", "c")
	c.Cmd("RDY 10")
	hExpectOK(t, test.HTTPSend(t, http.MethodPost, h.URL()+"/mpub?topic=mb-deliv&binary=true",
		append(hMPubBinary("one", "two\nlines", strings.Repeat("z", 100)), "trailing junk"...)))
	for _, w := range []string{"one", "two\nlines", strings.Repeat("z", 100)} {
		m := c.ReadMessage(t)
		require.Equal(t, w, string(m.Body), "body %q, want %q", m.Body, w)
		c.Cmd("FIN " + m.ID)
	}
	require.EqualValues(t, 3, topicOf(t, h, "mb-deliv").MessageCount, "mb-deliv message_count")

	bad := []struct {
		name string
		body []byte
		msg  string
	}{
		{"count0", hMPubBinary(), "BAD_BODY"},
		{"nocount", []byte{0, 0}, "BAD_BODY"},
		{"empty", nil, "BAD_BODY"},
		{"negcount", []byte{0xff, 0xff, 0xff, 0xff}, "BAD_BODY"},
		{"toomany", binary.BigEndian.AppendUint32(nil, 200), "BAD_BODY"}, // (1000-4)/5 = 199
		{"truncated", hMPubBinary("abc", "de")[:12], "BAD_MESSAGE"},
		{"nosize", hMPubBinary("abc", "de")[:14], "BAD_MESSAGE"},
		{"size0", hMPubBinary("abc", ""), "BAD_MESSAGE"},
		{"toobig", hMPubBinary(strings.Repeat("y", 101)), "BAD_MESSAGE"},
	}
	for _, b := range bad {
		topic := "mb-bad-" + b.name
		hExpectErr(t, test.HTTPSend(t, http.MethodPost, h.URL()+"/mpub?topic="+topic+"&binary=true", b.body), 413, b.msg)
		tp := topicOf(t, h, topic)
		require.NotNil(t, tp)
		require.EqualValues(t, 0, tp.MessageCount)
	}
}

// ---------------------------------------------------------------- topic endpoints

func TestHTTPTopicEndpointErrors(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	for _, ep := range []string{"create", "delete", "empty", "pause", "unpause"} {
		hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/"+ep, ""), 400, "MISSING_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/"+ep+"?channel=c", ""), 400, "MISSING_ARG_TOPIC")
	}
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=bad!", ""), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/create?topic="+strings.Repeat("x", 65), ""), 400, "INVALID_TOPIC")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/empty?topic=bad!", ""), 400, "INVALID_TOPIC")
	for _, ep := range []string{"delete", "pause", "unpause"} {
		hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/"+ep+"?topic=bad!", ""), 404, "TOPIC_NOT_FOUND")
	}
	for _, ep := range []string{"delete", "empty", "pause", "unpause"} {
		hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/"+ep+"?topic=missing", ""), 404, "TOPIC_NOT_FOUND")
	}
	require.Len(t, topicNames(t, h), 0, "topics created by failing calls")
}

func TestHTTPTopicCreateDelete(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	// The request body is read and ignored.
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=tc", "ignored body"))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=tc", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=tc2%23ephemeral", ""))
	require.Equal(t, "tc,tc2#ephemeral", strings.Join(topicNames(t, h), ","), "topics")
	tp := topicOf(t, h, "tc")
	require.Len(t, tp.Channels, 0, "fresh topic")
	require.False(t, tp.Paused, "fresh topic")
	require.EqualValues(t, 0, tp.MessageCount, "fresh topic")

	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=tc", "m"))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/delete?topic=tc", "ignored"))
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/topic/delete?topic=tc", ""), 404, "TOPIC_NOT_FOUND")
	require.Equal(t, "tc2#ephemeral", strings.Join(topicNames(t, h), ","), "topics after delete")
	// A new topic of the same name starts from scratch.
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=tc", "again"))
	tp = topicOf(t, h, "tc")
	require.NotNil(t, tp, "recreated topic")
	require.EqualValues(t, 1, tp.MessageCount, "recreated topic %+v", *tp)
	require.EqualValues(t, 1, tp.Depth, "recreated topic %+v", *tp)
}

func TestHTTPTopicDeleteClosesConsumers(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	c1 := test.DialV2(t, h.TCPAddr)
	c1.Sub(t, "td", "a")
	c2 := test.DialV2(t, h.TCPAddr)
	c2.Sub(t, "td", "b")
	c1.Cmd("RDY 1")
	c2.Cmd("RDY 1")
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/delete?topic=td", ""))
	c1.ExpectClosed(t)
	c2.ExpectClosed(t)
	require.Len(t, topicNames(t, h), 0, "topics after delete")
}

func TestHTTPTopicEmpty(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 2 })

	// No channels: everything stays at topic level, partly on disk.
	for i := range 5 {
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=te", fmt.Sprint("m", i)))
	}
	tp := topicOf(t, h, "te")
	require.EqualValues(t, 5, tp.Depth, "before empty")
	require.EqualValues(t, 3, tp.BackendDepth, "before empty")
	require.EqualValues(t, 5, tp.MessageCount, "before empty")
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/empty?topic=te", "ignored"))
	tp = topicOf(t, h, "te")
	require.EqualValues(t, 0, tp.Depth, "after empty")
	require.EqualValues(t, 0, tp.BackendDepth, "after empty")
	require.EqualValues(t, 5, tp.MessageCount, "after empty")

	// Channels are untouched by a topic empty.
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=te3", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=te3&channel=c", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=te3", "a\nb"))
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "te3", "c").Depth == 2 }, "channel gets 2 messages")
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/pause?topic=te3", ""))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=te3", "c\nd\ne"))
	test.Eventually(t, hWait, func() bool { return topicOf(t, h, "te3").Depth == 3 }, "paused topic holds 3")
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/empty?topic=te3", ""))
	tp = topicOf(t, h, "te3")
	require.EqualValues(t, 0, tp.Depth, "after topic empty: topic depth")
	require.EqualValues(t, 2, tp.Channels[0].Depth, "after topic empty: topic depth")
}

func TestHTTPTopicPause(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "tp", "c")
	c.Cmd("RDY 10")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=tp", "m0"))
	m := c.ReadMessage(t)
	require.Equal(t, "m0", string(m.Body))
	c.Cmd("FIN " + m.ID)

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/pause?topic=tp", "ignored"))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/pause?topic=tp", "")) // idempotent
	tp := topicOf(t, h, "tp")
	require.True(t, tp.Paused, "after topic pause: %+v", *tp)
	require.False(t, tp.Channels[0].Paused, "after topic pause: %+v", *tp)
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=tp", "m1"))
	test.Eventually(t, hWait, func() bool { return topicOf(t, h, "tp").Depth == 1 }, "message held at the paused topic")
	// A channel created now still finds m1 at topic level.
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=tp&channel=late", ""))
	c.ExpectNoFrame(t, 300*time.Millisecond)
	ch := channelOf(t, h, "tp", "c")
	require.EqualValues(t, 1, ch.MessageCount, "channel of a paused topic received a message: %+v", *ch)
	require.Zero(t, ch.Depth, "channel of a paused topic received a message: %+v", *ch)
	require.Zero(t, ch.InFlightCount, "channel of a paused topic received a message: %+v", *ch)

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/unpause?topic=tp", "ignored"))
	require.False(t, topicOf(t, h, "tp").Paused, "still paused after unpause")
	m = c.ReadMessage(t)
	require.Equal(t, "m1", string(m.Body), "after unpause got")
	require.EqualValues(t, 1, m.Attempts, "after unpause got")
	c.Cmd("FIN " + m.ID)
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "tp", "late").Depth == 1 }, "late channel gets m1")
}

// ---------------------------------------------------------------- channel endpoints

func TestHTTPChannelEndpointErrors(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=exists", ""))
	for _, ep := range []string{"create", "delete", "empty", "pause", "unpause"} {
		p := h.URL() + "/channel/" + ep
		hExpectErr(t, test.HTTPPost(t, p, ""), 400, "MISSING_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, p+"?channel=c", ""), 400, "MISSING_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=bad!", ""), 400, "INVALID_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=&channel=c", ""), 400, "INVALID_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=bad!&channel=bad!", ""), 400, "INVALID_ARG_TOPIC")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=nosuch", ""), 400, "MISSING_ARG_CHANNEL")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=nosuch&channel=bad!", ""), 400, "INVALID_ARG_CHANNEL")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=nosuch&channel=", ""), 400, "INVALID_ARG_CHANNEL")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=nosuch&channel="+strings.Repeat("c", 65), ""), 400, "INVALID_ARG_CHANNEL")
		hExpectErr(t, test.HTTPPost(t, p+"?topic=nosuch&channel=c", ""), 404, "TOPIC_NOT_FOUND")
		if ep != "create" {
			hExpectErr(t, test.HTTPPost(t, p+"?topic=exists&channel=nosuch", ""), 404, "CHANNEL_NOT_FOUND")
		}
	}
	// /channel/create does not create the topic.
	require.Equal(t, "exists", strings.Join(topicNames(t, h), ","), "topics")
	require.Empty(t, topicOf(t, h, "exists").Channels, "channels created by failing calls")
}

func TestHTTPChannelCreateDelete(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=cc", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=cc&channel=one", "ignored"))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=cc&channel=one", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=cc&channel=two%23ephemeral", ""))
	tp := topicOf(t, h, "cc")
	require.Len(t, tp.Channels, 2, "channels")
	require.Equal(t, "one", tp.Channels[0].ChannelName, "channels")
	require.Equal(t, "two#ephemeral", tp.Channels[1].ChannelName, "channels")

	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "cc", "one")
	c.Cmd("RDY 5")
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "cc", "one").ClientCount == 1 }, "consumer registered")
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/delete?topic=cc&channel=one", "ignored"))
	c.ExpectClosed(t)
	tp = topicOf(t, h, "cc")
	require.Len(t, tp.Channels, 1, "channels after delete")
	require.Equal(t, "two#ephemeral", tp.Channels[0].ChannelName, "channels after delete")
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/channel/delete?topic=cc&channel=one", ""), 404, "CHANNEL_NOT_FOUND")
	// An ephemeral channel created over HTTP without clients stays.
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/delete?topic=cc&channel=two%23ephemeral", ""))
	tp = topicOf(t, h, "cc")
	require.NotNil(t, tp, "after deleting both channels")
	require.Empty(t, tp.Channels, "after deleting both channels")
}

func TestHTTPChannelPause(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "cp", "c")
	c.Cmd("RDY 10")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=cp", "m0"))
	m := c.ReadMessage(t)
	c.Cmd("FIN " + m.ID)

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/pause?topic=cp&channel=c", "ignored"))
	tp := topicOf(t, h, "cp")
	require.False(t, tp.Paused, "after channel pause: %+v", *tp)
	require.True(t, tp.Channels[0].Paused, "after channel pause: %+v", *tp)
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=cp", "m1"))
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "cp", "c").Depth == 1 }, "message held at the paused channel")
	c.ExpectNoFrame(t, 300*time.Millisecond)
	ch := channelOf(t, h, "cp", "c")
	require.Zero(t, ch.InFlightCount, "paused channel delivered: %+v", *ch)
	require.EqualValues(t, 1, ch.Depth, "paused channel delivered: %+v", *ch)

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/unpause?topic=cp&channel=c", "ignored"))
	require.False(t, channelOf(t, h, "cp", "c").Paused, "still paused after unpause")
	m = c.ReadMessage(t)
	require.Equal(t, "m1", string(m.Body), "after unpause got %q", m.Body)
	c.Cmd("FIN " + m.ID)
}

func TestHTTPChannelEmpty(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "ce", "c")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=ce", "m0\nm1\nm2\nm3\nm4"))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=ce&defer=600000", "deferred"))
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "ce", "c")
		return ch.Depth == 5 && ch.DeferredCount == 1
	}, "5 queued + 1 deferred")
	c.Cmd("RDY 2")
	m0, m1 := c.ReadMessage(t), c.ReadMessage(t)
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "ce", "c")
		return ch.InFlightCount == 2 && ch.Depth == 3 && len(ch.Clients) == 1 && ch.Clients[0].InFlightCount == 2
	}, "2 in flight")

	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/empty?topic=ce&channel=c", "ignored"))
	ch := channelOf(t, h, "ce", "c")
	require.Zero(t, ch.Depth, "after channel empty: %+v", *ch)
	require.Zero(t, ch.BackendDepth, "after channel empty: %+v", *ch)
	require.Zero(t, ch.InFlightCount, "after channel empty: %+v", *ch)
	require.Zero(t, ch.DeferredCount, "after channel empty: %+v", *ch)
	require.Len(t, ch.Clients, 1, "after channel empty: %+v", *ch)
	require.Zero(t, ch.Clients[0].InFlightCount, "after channel empty: %+v", *ch)
	c.Cmd("FIN " + m0.ID)
	c.ExpectError(t, "E_FIN_FAILED FIN "+m0.ID+" failed ID not in flight")
	c.Cmd("REQ " + m1.ID + " 0")
	c.ExpectError(t, "E_REQ_FAILED REQ "+m1.ID+" failed ID not in flight")
	// Non-fatal; with in-flight reset the consumer is ready again.
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=ce", "after"))
	require.Equal(t, "after", string(c.ReadMessage(t).Body))
}

// ---------------------------------------------------------------- /stats

var hClientKeys = []string{"client_id", "hostname", "version", "remote_address", "state", "ready_count",
	"in_flight_count", "message_count", "finish_count", "requeue_count", "connect_ts", "sample_rate",
	"deflate", "snappy", "user_agent", "topology_zone", "topology_region", "tls", "tls_cipher_suite",
	"tls_version", "tls_negotiated_protocol", "tls_negotiated_protocol_is_mutual"}

var hMemoryKeys = []string{"heap_objects", "heap_idle_bytes", "heap_in_use_bytes", "heap_released_bytes",
	"gc_pause_usec_100", "gc_pause_usec_99", "gc_pause_usec_95", "next_gc_bytes", "gc_total_runs"}

const hNoE2E = `{"count":0,"percentiles":null}`

func hProducerKeys() []string {
	var k []string
	for _, s := range hClientKeys {
		if s == "tls" {
			k = append(k, "pub_counts")
		}
		k = append(k, s)
	}
	return k
}

func TestHTTPStatsEmpty(t *testing.T) {
	t.Parallel()
	before := time.Now().Unix()
	h := startNSQD(t, nil)
	after := time.Now().Unix()
	for _, q := range []string{"/stats?format=json", "/stats?format=json&include_mem=true", "/stats?format=json&include_mem=bogus"} {
		r := test.HTTPGet(t, h.URL()+q)
		hExpectJSON(t, r)
		hExpectKeys(t, q, r.Body, "version", "health", "start_time", "topics", "memory", "producers")
		top := hObj(t, r.Body)
		require.Equal(t, `"1.3.0"`, string(top["version"]), "%s: %s", q, r.Body)
		require.Equal(t, `"OK"`, string(top["health"]), "%s: %s", q, r.Body)
		require.Equal(t, "[]", string(top["topics"]), "%s: %s", q, r.Body)
		require.Equal(t, "null", string(top["producers"]), "%s: %s", q, r.Body)
		st, _ := strconv.ParseInt(string(top["start_time"]), 10, 64)
		require.True(t, st >= before && st <= after, "start_time %s not in [%d,%d]", top["start_time"], before, after)
		hExpectKeys(t, "memory", top["memory"], hMemoryKeys...)
		var mem map[string]int64
		require.NoError(t, json.Unmarshal(top["memory"], &mem), "memory values must be integers")
		require.Positive(t, mem["heap_objects"], "implausible memory stats %v", mem)
		require.Positive(t, mem["next_gc_bytes"], "implausible memory stats %v", mem)
	}
	for _, q := range []string{"include_mem=false", "include_mem=0"} {
		r := test.HTTPGet(t, h.URL()+"/stats?format=json&"+q)
		hExpectJSON(t, r)
		hExpectKeys(t, q, r.Body, "version", "health", "start_time", "topics", "producers")
	}
}

func TestHTTPStatsShapeAndCounters(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) {
		o.MemQueueSize = 2
		o.QueueScanRefreshInterval = 100 * time.Millisecond
	})
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=sc", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=sc&channel=c", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=sc&channel=idle", ""))
	for i := range 5 {
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=sc", fmt.Sprint("msg-", i)))
	}
	test.Eventually(t, hWait, func() bool {
		tp := topicOf(t, h, "sc")
		return tp.Depth == 0 && len(tp.Channels) == 2 &&
			tp.Channels[0].Depth == 5 && tp.Channels[1].Depth == 5
	}, fmt.Sprintf("5 messages in each channel: %+v", topicOf(t, h, "sc")))

	_, raw := getStats(t, h, "")
	top := hObj(t, raw)
	topics := hArr(t, top["topics"])
	hExpectKeys(t, "TopicStats", topics[0], "topic_name", "channels", "depth", "backend_depth",
		"message_count", "message_bytes", "paused", "e2e_processing_latency")
	tobj := hObj(t, topics[0])
	require.Equal(t, hNoE2E, string(tobj["e2e_processing_latency"]), "topic e2e %s, want %s", tobj["e2e_processing_latency"], hNoE2E)
	chans := hArr(t, tobj["channels"])
	for _, c := range chans {
		// No deliveries yet: the *_msg_count keys are omitted.
		hExpectKeys(t, "ChannelStats", c, "channel_name", "depth", "backend_depth", "in_flight_count",
			"deferred_count", "message_count", "requeue_count", "timeout_count", "client_count",
			"clients", "paused", "e2e_processing_latency")
		cobj := hObj(t, c)
		require.Equal(t, "[]", string(cobj["clients"]), "channel")
		require.Equal(t, hNoE2E, string(cobj["e2e_processing_latency"]), "channel")
	}
	tp := topicOf(t, h, "sc")
	require.EqualValues(t, 5, tp.MessageCount, "topic")
	require.EqualValues(t, 25, tp.MessageBytes, "topic")
	require.EqualValues(t, 0, tp.BackendDepth, "topic")
	require.False(t, tp.Paused, "topic")
	for _, ch := range tp.Channels {
		require.EqualValues(t, 5, ch.MessageCount, "channel")
		require.EqualValues(t, 3, ch.BackendDepth, "channel")
		require.EqualValues(t, 0, ch.InFlightCount, "channel")
		require.EqualValues(t, 0, ch.ClientCount, "channel")
	}

	// Consumer: 3 in flight, then FIN one, REQ one now, REQ one later.
	connectedAfter := time.Now().Unix()
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "sc", "c")
	c.Cmd("RDY 3")
	ms := []test.Message{c.ReadMessage(t), c.ReadMessage(t), c.ReadMessage(t)}
	c.Cmd("RDY 0")
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "sc", "c")
		return ch.InFlightCount == 3 && ch.Depth == 2 && ch.GlobalCount == 3 && ch.ClientCount == 1
	}, fmt.Sprintf("3 in flight: %+v", channelOf(t, h, "sc", "c")))
	c.Cmd("FIN " + ms[0].ID)
	c.Cmd("REQ " + ms[1].ID + " 0")
	c.Cmd("REQ " + ms[2].ID + " 600000")
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "sc", "c")
		return ch.InFlightCount == 0 && ch.Depth == 3 && ch.DeferredCount == 1 && ch.RequeueCount == 2
	}, fmt.Sprintf("after FIN/REQ: %+v", channelOf(t, h, "sc", "c")))
	ch := channelOf(t, h, "sc", "c")
	require.EqualValues(t, 5, ch.MessageCount, "channel counters")
	require.EqualValues(t, 0, ch.TimeoutCount, "channel counters")
	require.EqualValues(t, 3, ch.GlobalCount, "channel counters")
	cl := ch.Clients[0]
	local := c.NetConn().LocalAddr().(*net.TCPAddr)
	wantCl := cl // connect_ts is checked below; the fields not set here are not checked
	wantCl.ClientID, wantCl.Hostname, wantCl.Version, wantCl.RemoteAddress = "127.0.0.1", "127.0.0.1", "V2", local.String()
	wantCl.State, wantCl.ReadyCount, wantCl.InFlightCount = 3, 0, 0
	wantCl.MessageCount, wantCl.FinishCount, wantCl.RequeueCount = 3, 1, 2
	require.Equal(t, wantCl, cl, "client stats (local addr %s)", local)
	require.True(t, cl.ConnectTS >= connectedAfter && cl.ConnectTS <= time.Now().Unix(), "connect_ts %d", cl.ConnectTS)

	_, raw = getStats(t, h, "&topic=sc&channel=c")
	craw := hArr(t, hObj(t, hArr(t, hObj(t, hArr(t, hObj(t, raw)["topics"])[0])["channels"])[0])["clients"])[0]
	hExpectKeys(t, "ClientStats", craw, hClientKeys...)
	want := fmt.Sprintf(`{"client_id":"127.0.0.1","hostname":"127.0.0.1","version":"V2","remote_address":%q,`+
		`"state":3,"ready_count":0,"in_flight_count":0,"message_count":3,"finish_count":1,"requeue_count":2,`+
		`"connect_ts":%d,"sample_rate":0,"deflate":false,"snappy":false,"user_agent":"","topology_zone":"",`+
		`"topology_region":"","tls":false,"tls_cipher_suite":"","tls_version":"","tls_negotiated_protocol":"",`+
		`"tls_negotiated_protocol_is_mutual":false}`, local.String(), cl.ConnectTS)
	require.Equal(t, want, string(craw), "client JSON\n got %s\nwant %s", craw, want)
	chraw := hArr(t, hObj(t, hArr(t, hObj(t, raw)["topics"])[0])["channels"])[0]
	hExpectKeys(t, "ChannelStats after delivery", chraw, "channel_name", "depth", "backend_depth",
		"in_flight_count", "deferred_count", "message_count", "global_msg_count", "requeue_count",
		"timeout_count", "client_count", "clients", "paused", "e2e_processing_latency")

	// A timeout on the other channel.
	c2 := test.DialV2(t, h.TCPAddr)
	c2.CmdBody("IDENTIFY", []byte(`{"msg_timeout":1000}`))
	c2.ExpectOK(t)
	c2.Sub(t, "sc", "idle")
	c2.Cmd("RDY 1")
	c2.ReadMessage(t)
	c2.Cmd("RDY 0")
	test.Eventually(t, hWait, func() bool {
		ch := channelOf(t, h, "sc", "idle")
		return ch.TimeoutCount == 1 && ch.InFlightCount == 0 && ch.Depth == 5
	}, fmt.Sprintf("in-flight message times out: %+v", channelOf(t, h, "sc", "idle")))
	idle := channelOf(t, h, "sc", "idle")
	require.Zero(t, idle.RequeueCount, "timeout must not count as requeue: %+v", *idle)
	require.Zero(t, idle.Clients[0].InFlightCount, "timeout must not count as requeue: %+v", *idle)

	// A producer.
	p := test.DialV2(t, h.TCPAddr)
	p.Pub(t, "sc", []byte("from tcp"))
	s, raw := getStats(t, h, "")
	require.Len(t, s.Producers, 1, "producers %s", hObj(t, raw)["producers"])
	pr := s.Producers[0]
	require.Equal(t, p.NetConn().LocalAddr().String(), pr.RemoteAddress, "producer %+v", pr)
	require.Equal(t, "V2", pr.Version, "producer %+v", pr)
	require.Zero(t, pr.State, "producer %+v", pr)
	require.Len(t, pr.PubCounts, 1, "producer %+v", pr)
	require.Equal(t, "sc", pr.PubCounts[0].Topic, "producer %+v", pr)
	require.EqualValues(t, 1, pr.PubCounts[0].Count, "producer %+v", pr)
	hExpectKeys(t, "producer ClientStats", hArr(t, hObj(t, raw)["producers"])[0], hProducerKeys()...)
	tp = topicOf(t, h, "sc")
	require.EqualValues(t, 6, tp.MessageCount, "topic after TCP PUB %+v", *tp)
	require.EqualValues(t, 33, tp.MessageBytes, "topic after TCP PUB %+v", *tp)

	// include_clients=false: no client lists, no producers; counts stay.
	for _, q := range []string{"include_clients=false", "include_clients=0"} {
		_, raw := getStats(t, h, "&"+q)
		top := hObj(t, raw)
		require.Equal(t, "null", string(top["producers"]), "%s: producers %s", q, top["producers"])
		for _, craw := range hArr(t, hObj(t, hArr(t, top["topics"])[0])["channels"]) {
			cobj := hObj(t, craw)
			require.Equal(t, "null", string(cobj["clients"]))
			require.Equal(t, "1", string(cobj["client_count"]))
		}
	}
	s, _ = getStats(t, h, "&include_clients=maybe")
	require.Len(t, s.Producers, 1, "include_clients=maybe must include clients")
}

func TestHTTPStatsFilters(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	_, raw := getStats(t, h, "&topic=none")
	require.Equal(t, "null", string(hObj(t, raw)["topics"]), "missing topic filter on empty node: %s", raw)
	for _, p := range []string{"/topic/create?topic=b", "/topic/create?topic=a", "/topic/create?topic=c",
		"/channel/create?topic=a&channel=z", "/channel/create?topic=a&channel=y", "/channel/create?topic=b&channel=y"} {
		hExpectEmpty(t, test.HTTPPost(t, h.URL()+p, ""))
	}
	shape := func(query string) string {
		t.Helper()
		s, raw := getStats(t, h, query)
		if string(hObj(t, raw)["topics"]) == "null" {
			return "null"
		}
		var parts []string
		for _, tp := range s.Topics {
			var cs []string
			for _, c := range tp.Channels {
				cs = append(cs, c.ChannelName)
			}
			parts = append(parts, tp.TopicName+"("+strings.Join(cs, ",")+")")
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	cases := []struct{ query, want string }{
		{"", "[a(y,z) b(y) c()]"},
		{"&topic=a", "[a(y,z)]"},
		{"&topic=c", "[c()]"},
		{"&topic=missing", "null"},
		{"&topic=missing&channel=y", "null"},
		{"&topic=a&channel=missing", "[]"},
		{"&topic=a&channel=z", "[a(z)]"},
		{"&channel=y", "[a(y) b(y)]"},
		{"&channel=z", "[a(z)]"},
		{"&channel=missing", "[]"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, shape(c.query), "stats%s", c.query)
	}
}

func TestHTTPStatsE2ELatency(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.E2EProcessingLatencyPercentiles = []float64{1, 0.5} })
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=nochan", ""))
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "e2e", "c")
	c.Cmd("RDY 1")
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=e2e", "x"))
	c.Cmd("FIN " + c.ReadMessage(t).ID)

	type e2e struct {
		Count       int64 `json:"count"`
		Percentiles []struct {
			Quantile float64 `json:"quantile"`
			Value    float64 `json:"value"`
		} `json:"percentiles"`
	}
	check := func(what string, raw json.RawMessage) {
		t.Helper()
		hExpectKeys(t, what, raw, "count", "percentiles")
		var e e2e
		require.NoError(t, json.Unmarshal(raw, &e))
		if !assert.True(t, e.Count == 1 && len(e.Percentiles) == 2 && e.Percentiles[0].Quantile == 1 &&
			e.Percentiles[1].Quantile == 0.5 && e.Percentiles[0].Value > 0, "%s e2e %s", what, raw) {
			return
		}
		hExpectKeys(t, what+" percentile", hFirstPercentile(t, raw), "quantile", "value")
	}
	var raw []byte
	test.Eventually(t, hWait, func() bool {
		_, raw = getStats(t, h, "&topic=e2e")
		ch := hObj(t, hArr(t, hObj(t, hArr(t, hObj(t, raw)["topics"])[0])["channels"])[0])
		return strings.HasPrefix(string(ch["e2e_processing_latency"]), `{"count":1,`)
	}, "FIN recorded an e2e sample")
	tobj := hObj(t, hArr(t, hObj(t, raw)["topics"])[0])
	check("topic", tobj["e2e_processing_latency"])
	check("channel", hObj(t, hArr(t, tobj["channels"])[0])["e2e_processing_latency"])

	_, raw = getStats(t, h, "&topic=nochan")
	require.Equal(t, hNoE2E, string(hObj(t, hArr(t, hObj(t, raw)["topics"])[0])["e2e_processing_latency"]), "topic without channels e2e")

	r := test.HTTPGet(t, h.URL()+"/stats?topic=e2e&include_mem=false")
	re := regexp.MustCompile(`\] depth: 0     be-depth: 0     msgs: 1        e2e%: \d+\.\d(s|ms|us|ns), \d+\.\d(s|ms|us|ns)\n`)
	require.True(t, re.Match(r.Body), "text topic line with e2e not found in:\n%s", r.Body)
}

func hFirstPercentile(t *testing.T, raw json.RawMessage) []byte {
	t.Helper()
	return hArr(t, hObj(t, raw)["percentiles"])[0]
}

var hConnectedRE = regexp.MustCompile(`connected: [0-9hms.]+`)

func TestHTTPStatsText(t *testing.T) {
	skipIfDurable(t, "expects the messages in memory (be-depth 0)")
	t.Parallel()
	before := time.Now().Add(-time.Second)
	h := startNSQD(t, nil)

	header := func(t *testing.T, body string) string {
		t.Helper()
		lines := strings.SplitN(body, "\n", 4)
		require.Len(t, lines, 4, "stats text:\n%s", body)
		require.Equal(t, "nsqd v1.3.0 (built w/"+runtime.Version()+")", lines[0], "bad version line")
		st, err := time.Parse(time.RFC3339, strings.TrimPrefix(lines[1], "start_time "))
		require.NoError(t, err, "bad start_time line")
		require.True(t, strings.HasPrefix(lines[1], "start_time "), "bad start_time line")
		require.False(t, st.Before(before.Truncate(time.Second)), "bad start_time line")
		require.False(t, st.After(time.Now()), "bad start_time line")
		up, err := time.ParseDuration(strings.TrimPrefix(lines[2], "uptime "))
		require.NoError(t, err, "bad uptime line %q", lines[2])
		require.True(t, strings.HasPrefix(lines[2], "uptime ") && up >= 0 && up <= time.Minute, "bad uptime line %q", lines[2])
		return lines[3]
	}

	for _, q := range []string{"/stats", "/stats?format=text", "/stats?format=JSON"} {
		r := test.HTTPGet(t, h.URL()+q+hSep(q)+"include_mem=false")
		hExpectText(t, r, string(r.Body))
		rest := header(t, string(r.Body))
		require.Equal(t, "\nHealth: OK\n\nTopics: None\n\nProducers: None\n", rest, q)
	}
	r := test.HTTPGet(t, h.URL()+"/stats")
	rest := header(t, string(r.Body))
	memRE := regexp.MustCompile(`^\nHealth: OK\n\nMemory:\n` +
		`   heap_objects             \t\d+\n   heap_idle_bytes          \t\d+\n` +
		`   heap_in_use_bytes        \t\d+\n   heap_released_bytes      \t\d+\n` +
		`   gc_pause_usec_100        \t\d+\n   gc_pause_usec_99         \t\d+\n` +
		`   gc_pause_usec_95         \t\d+\n   next_gc_bytes            \t\d+\n` +
		`   gc_total_runs            \t\d+\n\nTopics: None\n\nProducers: None\n$`)
	require.True(t, memRE.MatchString(rest), "memory section layout:\n%q", rest)

	// Populate: alpha(ch1 with a consumer, ch2 paused), beta paused with a TCP producer.
	for _, p := range []string{"/topic/create?topic=alpha", "/channel/create?topic=alpha&channel=ch1",
		"/channel/create?topic=alpha&channel=ch2", "/channel/pause?topic=alpha&channel=ch2",
		"/topic/create?topic=beta", "/topic/pause?topic=beta"} {
		hExpectEmpty(t, test.HTTPPost(t, h.URL()+p, ""))
	}
	cons := test.DialV2(t, h.TCPAddr)
	cons.Sub(t, "alpha", "ch1")
	prod := test.DialV2(t, h.TCPAddr)
	prod.Pub(t, "beta", []byte("b"))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/mpub?topic=alpha", "hello\nworld"))
	test.Eventually(t, hWait, func() bool {
		tp := topicOf(t, h, "alpha")
		return tp.Depth == 0 && tp.Channels[0].Depth == 2 && tp.Channels[1].Depth == 2 && tp.Channels[0].ClientCount == 1
	}, "alpha settled")

	consPort := cons.NetConn().LocalAddr().(*net.TCPAddr).Port
	prodPort := prod.NetConn().LocalAddr().(*net.TCPAddr).Port
	want := "\nHealth: OK\n\nTopics:" +
		fmt.Sprintf("\n%s[%-15s] depth: %-5d be-depth: %-5d msgs: %-8d e2e%%: %s\n", "   ", "alpha", 0, 0, 2, "") +
		fmt.Sprintf("%s[%-25s] depth: %-5d be-depth: %-5d inflt: %-4d def: %-4d re-q: %-5d timeout: %-5d msgs: %-8d e2e%%: %s\n",
			"      ", "ch1", 2, 0, 0, 0, 0, 0, 2, "") +
		fmt.Sprintf("        [V2 %-21s] state: %d inflt: %-4d rdy: %-4d fin: %-8d re-q: %-8d msgs: %-8d connected: X\n",
			fmt.Sprintf("127.0.0.1:%d ", consPort), 3, 0, 0, 0, 0, 0) +
		fmt.Sprintf("%s[%-25s] depth: %-5d be-depth: %-5d inflt: %-4d def: %-4d re-q: %-5d timeout: %-5d msgs: %-8d e2e%%: %s\n",
			"   *P ", "ch2", 2, 0, 0, 0, 0, 0, 2, "") +
		fmt.Sprintf("\n%s[%-15s] depth: %-5d be-depth: %-5d msgs: %-8d e2e%%: %s\n", "*P ", "beta", 1, 0, 1, "") +
		"\nProducers:\n" +
		fmt.Sprintf("   [V2 %-21s] msgs: %-8d topics: %s connected: X\n", fmt.Sprintf("127.0.0.1:%d ", prodPort), 1, "beta=1")
	r = test.HTTPGet(t, h.URL()+"/stats?include_mem=false")
	hExpectText(t, r, string(r.Body))
	rest = header(t, string(r.Body))
	got := hConnectedRE.ReplaceAllString(rest, "connected: X")
	require.Equal(t, want, got, "text stats\n")
	for _, m := range hConnectedRE.FindAllString(rest, -1) {
		d, err := time.ParseDuration(strings.TrimPrefix(m, "connected: "))
		require.NoError(t, err, "connection age %q", m)
		require.Zero(t, d%time.Second, "connection age %q must be whole seconds", m)
	}
	// Filters apply to the text format too.
	r = test.HTTPGet(t, h.URL()+"/stats?include_mem=false&topic=missing")
	require.Contains(t, header(t, string(r.Body)), "\nTopics: None\n", "missing topic filter in text:\n")
}

func hSep(q string) string {
	if strings.Contains(q, "?") {
		return "&"
	}
	return "?"
}

// ---------------------------------------------------------------- /config

func TestHTTPConfigGet(t *testing.T) {
	skipIfDurable(t, "reads the default --mem-queue-size")
	t.Parallel()
	var dataPath string
	h := startNSQD(t, func(o *nsqd.Options) {
		o.BroadcastAddress = "bcast.example"
		o.ID = 617
		o.LogLevel = lg.INFO // back to the default, which the table reads
		dataPath = o.DataPath
	})
	cfg := h.URL() + "/config/"
	str := map[string]string{
		"tcp_address":              "127.0.0.1:0",
		"http_address":             "127.0.0.1:0",
		"broadcast_address":        "bcast.example",
		"log_prefix":               "[nsqd] ",
		"data_path":                dataPath,
		"auth_http_request_method": "get",
		"statsd_prefix":            fmt.Sprintf("nsq.bcast_example_%d.", portOf(h.RealHTTPAddr())),
	}
	for k, v := range str {
		hExpectText(t, test.HTTPGet(t, cfg+k), v)
	}
	js := map[string]string{
		"id":                       "617",
		"log_level":                "2",
		"mem_queue_size":           "10000",
		"max_bytes_per_file":       "104857600",
		"msg_timeout":              "60000000000",
		"max_req_timeout":          "3600000000000",
		"sync_timeout":             "2000000000",
		"max_msg_size":             "1048576",
		"tls_required":             "0",
		"tls_min_version":          "771",
		"deflate":                  "true",
		"max_deflate_level":        "6",
		"statsd_mem_stats":         "true",
		"nsqlookupd_tcp_addresses": "[]",
		"auth_http_addresses":      "[]",
		"broadcast_http_port":      strconv.Itoa(portOf(h.RealHTTPAddr())),
		"broadcast_tcp_port":       strconv.Itoa(portOf(h.RealTCPAddr())),
	}
	for k, v := range js {
		r := test.HTTPGet(t, cfg+k)
		hExpectJSON(t, r)
		assert.Equal(t, v, string(r.Body), "GET /config/%s = %q, want %q", k, r.Body, v)
	}
	for _, k := range []string{"nope", "node_id", "verbose", "queue_scan_interval", "NodeID", "logger", "LogLevel"} {
		hExpectErr(t, test.HTTPGet(t, cfg+k), 400, "INVALID_OPTION")
	}
}

func TestHTTPConfigPut(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 100 })
	cfg := h.URL() + "/config/"

	r := test.HTTPPut(t, cfg+"log_level", "debug")
	hExpectJSON(t, r)
	require.Equal(t, "1", string(r.Body), "PUT log_level debug = %q, want 1", r.Body)
	require.Equal(t, "1", string(test.HTTPGet(t, cfg+"log_level").Body), "GET log_level after PUT")
	r = test.HTTPPut(t, cfg+"log_level", "WARN")
	require.Equal(t, "3", string(r.Body), "PUT log_level WARN: %s", r)
	hExpectErr(t, test.HTTPPut(t, cfg+"log_level", "warning"), 400, "INVALID_VALUE")
	hExpectErr(t, test.HTTPPut(t, cfg+"log_level", "loud"), 400, "INVALID_VALUE")
	hExpectErr(t, test.HTTPPut(t, cfg+"log_level", ""), 413, "INVALID_VALUE")
	hExpectErr(t, test.HTTPPut(t, cfg+"log_level", strings.Repeat("d", 101)), 413, "INVALID_VALUE")
	require.Equal(t, "3", string(test.HTTPGet(t, cfg+"log_level").Body), "log_level after the failed PUTs")

	// The body check comes first, then the option name.
	hExpectErr(t, test.HTTPPut(t, cfg+"nope", ""), 413, "INVALID_VALUE")
	hExpectErr(t, test.HTTPPut(t, cfg+"nope", "x"), 400, "INVALID_OPTION")
	hExpectErr(t, test.HTTPPut(t, cfg+"mem_queue_size", "5"), 400, "INVALID_OPTION")
	hExpectErr(t, test.HTTPPut(t, cfg+"tcp_address", "127.0.0.1:1"), 400, "INVALID_OPTION")

	// An address nothing listens on: nsqd keeps retrying in the background.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	l.Close()
	r = test.HTTPPut(t, cfg+"nsqlookupd_tcp_addresses", `["`+dead+`"]`)
	hExpectJSON(t, r)
	require.Equal(t, `["`+dead+`"]`, string(r.Body), "PUT nsqlookupd_tcp_addresses = %q", r.Body)
	require.Equal(t, `["`+dead+`"]`, string(test.HTTPGet(t, cfg+"nsqlookupd_tcp_addresses").Body), "GET nsqlookupd_tcp_addresses")
	for _, bad := range []string{`"abc"`, `{}`, `not json`, `[1,2]`} {
		hExpectErr(t, test.HTTPPut(t, cfg+"nsqlookupd_tcp_addresses", bad), 400, "INVALID_VALUE")
	}
	r = test.HTTPPut(t, cfg+"nsqlookupd_tcp_addresses", `[]`)
	require.Equal(t, 200, r.Code, "PUT []: %s", r)
	require.Equal(t, "[]", string(r.Body), "PUT []")
}

// ---------------------------------------------------------------- debug

func TestHTTPDebugPprof(t *testing.T) {
	t.Parallel()
	h := startNSQD(t, nil)
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=1", "/debug/pprof/heap"} {
		r := test.HTTPGet(t, h.URL()+p)
		require.Equal(t, 200, r.Code, "GET %s", p)
		require.NotEmpty(t, r.Body, "GET %s", p)
	}
	r := test.HTTPGet(t, h.URL()+"/debug/pprof")
	require.EqualValues(t, 301, r.Code, "GET /debug/pprof")
	require.True(t, strings.HasSuffix(r.Header.Get("Location"), "/debug/pprof/"), "GET /debug/pprof")
	for _, p := range []string{"/debug/pprof/allocs", "/debug/pprof/mutex"} {
		require.Equal(t, 404, test.HTTPGet(t, h.URL()+p).Code, "GET %s", p)
	}
}
