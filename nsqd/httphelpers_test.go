package nsqd_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
)

// Black-box helpers for the HTTP, persistence and shutdown tests. Everything
// goes through nsqd's public API (New, Main, Exit, Real*Addr) and the wire.

const hWait = 10 * time.Second

// hNode is one running nsqd started by hStart.
type hNode struct {
	*testcluster.NSQD
	n    *nsqd.NSQD
	opts *nsqd.Options
	tcp  net.Addr
	url  string // http://127.0.0.1:port
}

// hStart runs an nsqd through testcluster.StartNSQD with the test defaults
// and options (nil ones are skipped) until the end of the test (or exit).
func hStart(t testing.TB, options ...testcluster.Option) *hNode {
	t.Helper()
	n := testcluster.StartNSQD(t, append([]testcluster.Option{daemonDefaults}, options...)...)
	h := &hNode{NSQD: n, n: n.NSQD, opts: n.Opts, tcp: n.RealTCPAddr()}
	if n.HTTPAddr != "" {
		h.url = "http://" + n.HTTPAddr
	}
	return h
}

// exit stops the node and waits for Main to return. Safe to call twice.
func (h *hNode) exit() { h.Stop() }

func (h *hNode) httpPort() int { return h.n.RealHTTPAddr().(*net.TCPAddr).Port }
func (h *hNode) tcpPort() int  { return h.tcp.(*net.TCPAddr).Port }

// hEventually polls cond every 10ms until it holds or timeout passes.
func hEventually(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %s", timeout, fmt.Sprintf(format, args...))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ---------------------------------------------------------------- HTTP

type hResp struct {
	code int
	hdr  http.Header
	body []byte
}

var hClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
	Timeout: hWait,
}

// hDo performs one request. contentLength < 0 forces a chunked body.
func hDo(t testing.TB, method, url string, body io.Reader, contentLength int64) hResp {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if body != nil {
		req.ContentLength = contentLength
	}
	resp, err := hClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return hResp{code: resp.StatusCode, hdr: resp.Header, body: b}
}

func hGet(t testing.TB, url string) hResp {
	t.Helper()
	return hDo(t, http.MethodGet, url, nil, 0)
}

func hPost(t testing.TB, url, body string) hResp {
	t.Helper()
	return hDo(t, http.MethodPost, url, strings.NewReader(body), int64(len(body)))
}

func hPostBytes(t testing.TB, url string, body []byte) hResp {
	t.Helper()
	return hDo(t, http.MethodPost, url, bytes.NewReader(body), int64(len(body)))
}

// hPostChunked sends body with Transfer-Encoding: chunked (no Content-Length).
func hPostChunked(t testing.TB, url string, body []byte) hResp {
	t.Helper()
	return hDo(t, http.MethodPost, url, io.MultiReader(bytes.NewReader(body)), -1)
}

func hPut(t testing.TB, url, body string) hResp {
	t.Helper()
	return hDo(t, http.MethodPut, url, strings.NewReader(body), int64(len(body)))
}

const (
	hV1Header   = "nsq; version=1.0"
	hJSONType   = "application/json; charset=utf-8"
	hPlainUTF8  = "text/plain; charset=utf-8"
	hNSQTypeKey = "X-Nsq-Content-Type"
)

func (r hResp) String() string {
	return fmt.Sprintf("%d %q headers=%v", r.code, r.body, r.hdr)
}

// hExpectErr checks a V1 error response: status, exact JSON body, headers.
func hExpectErr(t testing.TB, r hResp, code int, msg string) {
	t.Helper()
	want := `{"message":"` + msg + `"}`
	if r.code != code || string(r.body) != want {
		t.Fatalf("got %d %s, want %d %s", r.code, r.body, code, want)
	}
	if ct := r.hdr.Get("Content-Type"); ct != hJSONType {
		t.Fatalf("error %s: Content-Type %q, want %q", msg, ct, hJSONType)
	}
	if v := r.hdr.Get(hNSQTypeKey); v != hV1Header {
		t.Fatalf("error %s: X-NSQ-Content-Type %q, want %q", msg, v, hV1Header)
	}
}

// hExpectText checks a V1 200 response carrying a raw string.
func hExpectText(t testing.TB, r hResp, body string) {
	t.Helper()
	if r.code != http.StatusOK || string(r.body) != body {
		t.Fatalf("got %s, want 200 %q", r, body)
	}
	if ct := r.hdr.Get("Content-Type"); ct != hPlainUTF8 {
		t.Fatalf("Content-Type %q, want %q", ct, hPlainUTF8)
	}
	if v := r.hdr.Get(hNSQTypeKey); v != hV1Header {
		t.Fatalf("X-NSQ-Content-Type %q, want %q", v, hV1Header)
	}
}

// hExpectOK is the 200 "OK" text reply of /pub and /mpub.
func hExpectOK(t testing.TB, r hResp) {
	t.Helper()
	hExpectText(t, r, "OK")
}

// hExpectEmpty checks a V1 200 response without data.
func hExpectEmpty(t testing.TB, r hResp) {
	t.Helper()
	if r.code != http.StatusOK || len(r.body) != 0 {
		t.Fatalf("got %s, want 200 with empty body", r)
	}
	if ct, ok := r.hdr["Content-Type"]; ok {
		t.Fatalf("empty 200 has Content-Type %q", ct)
	}
	if v := r.hdr.Get(hNSQTypeKey); v != hV1Header {
		t.Fatalf("X-NSQ-Content-Type %q, want %q", v, hV1Header)
	}
}

// hExpectJSON checks a V1 200 JSON response and that it is compact JSON.
func hExpectJSON(t testing.TB, r hResp) {
	t.Helper()
	if r.code != http.StatusOK {
		t.Fatalf("got %s, want 200 JSON", r)
	}
	if ct := r.hdr.Get("Content-Type"); ct != hJSONType {
		t.Fatalf("Content-Type %q, want %q", ct, hJSONType)
	}
	if v := r.hdr.Get(hNSQTypeKey); v != hV1Header {
		t.Fatalf("X-NSQ-Content-Type %q, want %q", v, hV1Header)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, r.body); err != nil {
		t.Fatalf("invalid JSON %q: %v", r.body, err)
	}
	if !bytes.Equal(buf.Bytes(), r.body) {
		t.Fatalf("JSON is not compact: %q", r.body)
	}
}

// hKeys returns the keys of a JSON object in document order.
func hKeys(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %q", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("bad JSON object %q: %v", raw, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("bad JSON object %q: %v", raw, err)
		}
	}
	return keys
}

func hExpectKeys(t testing.TB, what string, raw []byte, want ...string) {
	t.Helper()
	got := hKeys(t, raw)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s keys:\n got %v\nwant %v\n in %s", what, got, want, raw)
	}
}

// hObj decodes a JSON object into raw members.
func hObj(t testing.TB, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decoding %q: %v", raw, err)
	}
	return m
}

// hArr decodes a JSON array into raw elements; null gives nil.
func hArr(t testing.TB, raw []byte) []json.RawMessage {
	t.Helper()
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("decoding %q: %v", raw, err)
	}
	return a
}

// ---------------------------------------------------------------- stats

type hStats struct {
	Version   string     `json:"version"`
	Health    string     `json:"health"`
	StartTime int64      `json:"start_time"`
	Topics    []hTopic   `json:"topics"`
	Producers []hClientS `json:"producers"`
}

type hTopic struct {
	Name         string     `json:"topic_name"`
	Channels     []hChannel `json:"channels"`
	Depth        int64      `json:"depth"`
	BackendDepth int64      `json:"backend_depth"`
	MessageCount int64      `json:"message_count"`
	MessageBytes int64      `json:"message_bytes"`
	Paused       bool       `json:"paused"`
}

type hChannel struct {
	Name          string     `json:"channel_name"`
	Depth         int64      `json:"depth"`
	BackendDepth  int64      `json:"backend_depth"`
	InFlightCount int64      `json:"in_flight_count"`
	DeferredCount int64      `json:"deferred_count"`
	MessageCount  int64      `json:"message_count"`
	GlobalCount   int64      `json:"global_msg_count"`
	RequeueCount  int64      `json:"requeue_count"`
	TimeoutCount  int64      `json:"timeout_count"`
	ClientCount   int64      `json:"client_count"`
	Clients       []hClientS `json:"clients"`
	Paused        bool       `json:"paused"`
}

type hClientS struct {
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	Version       string `json:"version"`
	RemoteAddress string `json:"remote_address"`
	State         int    `json:"state"`
	ReadyCount    int64  `json:"ready_count"`
	InFlightCount int64  `json:"in_flight_count"`
	MessageCount  int64  `json:"message_count"`
	FinishCount   int64  `json:"finish_count"`
	RequeueCount  int64  `json:"requeue_count"`
	ConnectTS     int64  `json:"connect_ts"`
	PubCounts     []struct {
		Topic string `json:"topic"`
		Count int64  `json:"count"`
	} `json:"pub_counts"`
}

// hGetStats fetches /stats?format=json plus extra query.
func (h *hNode) stats(t testing.TB, query string) (hStats, []byte) {
	t.Helper()
	r := hGet(t, h.url+"/stats?format=json"+query)
	hExpectJSON(t, r)
	var s hStats
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("decoding stats %q: %v", r.body, err)
	}
	return s, r.body
}

// topic returns the stats of one topic, or nil when it does not exist.
func (h *hNode) topic(t testing.TB, name string) *hTopic {
	t.Helper()
	s, _ := h.stats(t, "")
	for i := range s.Topics {
		if s.Topics[i].Name == name {
			return &s.Topics[i]
		}
	}
	return nil
}

// channel returns the stats of one channel, or nil.
func (h *hNode) channel(t testing.TB, topic, name string) *hChannel {
	t.Helper()
	tp := h.topic(t, topic)
	if tp == nil {
		return nil
	}
	for i := range tp.Channels {
		if tp.Channels[i].Name == name {
			return &tp.Channels[i]
		}
	}
	return nil
}

func (h *hNode) topicNames(t testing.TB) []string {
	t.Helper()
	s, _ := h.stats(t, "")
	var names []string
	for _, tp := range s.Topics {
		names = append(names, tp.Name)
	}
	sort.Strings(names)
	return names
}

// ---------------------------------------------------------------- TCP V2

type hConn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

type hMsg struct {
	ts       int64
	attempts uint16
	id       string
	body     []byte
}

const (
	hFrameResponse = 0
	hFrameError    = 1
	hFrameMessage  = 2
)

// hDial connects to the TCP listener and sends the V2 magic.
func hDial(t testing.TB, addr net.Addr) *hConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), hWait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	hc := &hConn{t: t, c: c, r: bufio.NewReader(c)}
	hc.write([]byte("  V2"))
	return hc
}

func (c *hConn) write(b []byte) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(hWait))
	if _, err := c.c.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// cmd sends one command line, plus a sized body when body is non-nil.
func (c *hConn) cmd(line string, body []byte) {
	c.t.Helper()
	b := []byte(line + "\n")
	if body != nil {
		b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
		b = append(b, body...)
	}
	c.write(b)
}

// frame reads one frame, answering heartbeats with NOP on the way.
func (c *hConn) frame(timeout time.Duration) (int32, []byte, error) {
	for {
		c.c.SetReadDeadline(time.Now().Add(timeout))
		var hdr [8]byte
		if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
			return 0, nil, err
		}
		size := binary.BigEndian.Uint32(hdr[:4])
		if size < 4 || size > 64<<20 {
			return 0, nil, fmt.Errorf("bad frame size %d", size)
		}
		ft := int32(binary.BigEndian.Uint32(hdr[4:]))
		data := make([]byte, size-4)
		if _, err := io.ReadFull(c.r, data); err != nil {
			return 0, nil, err
		}
		if ft == hFrameResponse && string(data) == "_heartbeat_" {
			c.write([]byte("NOP\n"))
			continue
		}
		return ft, data, nil
	}
}

func (c *hConn) mustFrame() (int32, []byte) {
	c.t.Helper()
	ft, data, err := c.frame(hWait)
	if err != nil {
		c.t.Fatalf("reading frame: %v", err)
	}
	return ft, data
}

func (c *hConn) expectResponse(want string) {
	c.t.Helper()
	ft, data := c.mustFrame()
	if ft != hFrameResponse || string(data) != want {
		c.t.Fatalf("got frame type %d %q, want response %q", ft, data, want)
	}
}

func (c *hConn) expectError(want string) {
	c.t.Helper()
	ft, data := c.mustFrame()
	if ft != hFrameError || string(data) != want {
		c.t.Fatalf("got frame type %d %q, want error %q", ft, data, want)
	}
}

func (c *hConn) sub(topic, channel string) {
	c.t.Helper()
	c.cmd("SUB "+topic+" "+channel, nil)
	c.expectResponse("OK")
}

func (c *hConn) pub(topic string, body []byte) {
	c.t.Helper()
	c.cmd("PUB "+topic, body)
	c.expectResponse("OK")
}

func (c *hConn) identify(js string) {
	c.t.Helper()
	c.cmd("IDENTIFY", []byte(js))
	c.expectResponse("OK")
}

func (c *hConn) rdy(n int) { c.t.Helper(); c.cmd(fmt.Sprintf("RDY %d", n), nil) }
func (c *hConn) fin(id string) {
	c.t.Helper()
	c.cmd("FIN "+id, nil)
}
func (c *hConn) req(id string, ms int) {
	c.t.Helper()
	c.cmd(fmt.Sprintf("REQ %s %d", id, ms), nil)
}

func hDecodeMsg(t testing.TB, data []byte) hMsg {
	t.Helper()
	if len(data) < 26 {
		t.Fatalf("message frame too short: %q", data)
	}
	return hMsg{
		ts:       int64(binary.BigEndian.Uint64(data[:8])),
		attempts: binary.BigEndian.Uint16(data[8:10]),
		id:       string(data[10:26]),
		body:     append([]byte(nil), data[26:]...),
	}
}

// msg reads the next frame and requires it to be a message.
func (c *hConn) msg() hMsg {
	c.t.Helper()
	ft, data := c.mustFrame()
	if ft != hFrameMessage {
		c.t.Fatalf("got frame type %d %q, want a message", ft, data)
	}
	return hDecodeMsg(c.t, data)
}

// expectQuiet requires that no frame arrives within d.
func (c *hConn) expectQuiet(d time.Duration) {
	c.t.Helper()
	ft, data, err := c.frame(d)
	if err == nil {
		c.t.Fatalf("unexpected frame type %d %q", ft, data)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		c.t.Fatalf("connection failed while waiting: %v", err)
	}
}

// expectClosed reads until the server closes the connection.
func (c *hConn) expectClosed() {
	c.t.Helper()
	deadline := time.Now().Add(hWait)
	for time.Now().Before(deadline) {
		_, _, err := c.frame(time.Until(deadline))
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			break
		}
		return // EOF or reset: closed
	}
	c.t.Fatalf("connection was not closed by the server")
}

// ---------------------------------------------------------------- misc

func hReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return b
}

func hWriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("%v", err)
	}
}
