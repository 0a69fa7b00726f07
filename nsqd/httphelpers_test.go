package nsqd_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
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

// ---------------------------------------------------------------- HTTP

const (
	hV1Header   = "nsq; version=1.0"
	hJSONType   = "application/json; charset=utf-8"
	hPlainUTF8  = "text/plain; charset=utf-8"
	hNSQTypeKey = "X-Nsq-Content-Type"
)

// hExpectErr checks a V1 error response: status, exact JSON body, headers.
func hExpectErr(t testing.TB, r test.HTTPResponse, code int, msg string) {
	t.Helper()
	require.Equal(t, code, r.Code, "error %s: %s", msg, r)
	require.Equal(t, `{"message":"`+msg+`"}`, string(r.Body), "error %s", msg)
	require.Equal(t, hJSONType, r.Header.Get("Content-Type"), "error %s: Content-Type", msg)
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "error %s: X-NSQ-Content-Type", msg)
}

// hExpectText checks a V1 200 response carrying a raw string.
func hExpectText(t testing.TB, r test.HTTPResponse, body string) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	require.Equal(t, body, string(r.Body))
	require.Equal(t, hPlainUTF8, r.Header.Get("Content-Type"), "Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
}

// hExpectOK is the 200 "OK" text reply of /pub and /mpub.
func hExpectOK(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	hExpectText(t, r, "OK")
}

// hExpectEmpty checks a V1 200 response without data.
func hExpectEmpty(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	require.Empty(t, r.Body)
	require.NotContains(t, r.Header, "Content-Type", "an empty 200 has no Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
}

// hExpectJSON checks a V1 200 JSON response and that it is compact JSON.
func hExpectJSON(t testing.TB, r test.HTTPResponse) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Code, "got %s, want 200 JSON", r)
	require.Equal(t, hJSONType, r.Header.Get("Content-Type"), "Content-Type")
	require.Equal(t, hV1Header, r.Header.Get(hNSQTypeKey), "X-NSQ-Content-Type")
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, r.Body), "invalid JSON %q", r.Body)
	require.Equal(t, buf.Bytes(), r.Body, "JSON is not compact")
}

// hKeys returns the keys of a JSON object in document order.
func hKeys(t testing.TB, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err, "not a JSON object: %q", raw)
	require.Equal(t, json.Delim('{'), tok, "not a JSON object: %q", raw)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err, "bad JSON object %q", raw)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip), "bad JSON object %q", raw)
	}
	return keys
}

func hExpectKeys(t testing.TB, what string, raw []byte, want ...string) {
	t.Helper()
	got := hKeys(t, raw)
	require.Equal(t, strings.Join(want, ","), strings.Join(got, ","), "%s keys:\n got %v\nwant %v\n in %s", what, got, want, raw)
}

// hObj decodes a JSON object into raw members.
func hObj(t testing.TB, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m), "decoding %q", raw)
	return m
}

// hArr decodes a JSON array into raw elements; null gives nil.
func hArr(t testing.TB, raw []byte) []json.RawMessage {
	t.Helper()
	var a []json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &a), "decoding %q", raw)
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
	r := test.HTTPGet(t, h.url+"/stats?format=json"+query)
	hExpectJSON(t, r)
	var s hStats
	require.NoError(t, json.Unmarshal(r.Body, &s), "decoding stats %q", r.Body)
	return s, r.Body
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

// ---------------------------------------------------------------- misc

func hReadFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func hWriteFile(t testing.TB, path string, b []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, b, 0o600))
}
