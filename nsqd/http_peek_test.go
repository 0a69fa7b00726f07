package nsqd_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type peekedMsg struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Attempts  uint16 `json:"attempts"`
	Body      []byte `json:"body"` // base64 in the JSON
	DeliverAt int64  `json:"deliver_at"`
	ExpiresAt int64  `json:"expires_at"`
	Client    *struct {
		ClientID      string `json:"client_id"`
		Hostname      string `json:"hostname"`
		RemoteAddress string `json:"remote_address"`
	} `json:"client"`
}

// peek GETs a peek endpoint and decodes its messages.
func peek(t testing.TB, h *testcluster.NSQD, path string, q url.Values) []peekedMsg {
	t.Helper()
	r := test.HTTPGet(t, h.URL()+path+"?"+q.Encode())
	require.Equal(t, 200, r.Code, "%s", r)
	require.Equal(t, hJSONType, r.Header.Get("Content-Type"))
	var doc struct {
		Messages []peekedMsg `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	require.NotNil(t, doc.Messages, "messages is a list, even when empty: %s", r.Body)
	hExpectKeys(t, "peek", r.Body, "messages")
	return doc.Messages
}

func tcq(topic, channel string, kv ...string) url.Values {
	q := url.Values{"topic": {topic}}
	if channel != "" {
		q.Set("channel", channel)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

func bodies(msgs []peekedMsg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	return out
}

func publishN(t testing.TB, h *testcluster.NSQD, topic string, from, to int) []string {
	t.Helper()
	var want []string
	for i := from; i < to; i++ {
		b := fmt.Sprintf("msg-%04d", i)
		hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic="+topic, b))
		want = append(want, b)
	}
	return want
}

func TestPeekChannelQueuedIsNonDestructive(t *testing.T) {
	h := startNSQD(t, nil)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=pk", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=pk&channel=c", ""))
	want := publishN(t, h, "pk", 0, 12)
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "pk", "c").Depth == 12 }, "channel depth 12")

	raw := test.HTTPGet(t, h.URL()+"/channel/peek?topic=pk&channel=c&n=3")
	assert.Contains(t, string(raw.Body), `"attempts":0,"body":"bXNnLTAwMDA="}`, "bodies are base64")
	msgs := peek(t, h, "/channel/peek", tcq("pk", "c"))
	require.Len(t, msgs, 10, "n defaults to 10")
	assert.Equal(t, want[:10], bodies(msgs))
	for i, m := range msgs {
		assert.Len(t, m.ID, 16)
		assert.Zero(t, m.Attempts)
		assert.Zero(t, m.DeliverAt)
		assert.Nil(t, m.Client)
		if i > 0 {
			assert.LessOrEqual(t, msgs[i-1].Timestamp, m.Timestamp, "oldest first")
		}
	}
	assert.Equal(t, want, bodies(peek(t, h, "/channel/peek", tcq("pk", "c", "n", "1000", "state", "queued"))))
	assert.EqualValues(t, 12, channelOf(t, h, "pk", "c").Depth, "peeking changes no depth")

	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "pk", "c")
	c.Cmd("RDY 12")
	for i := range 12 {
		m := c.ReadMessage(t)
		assert.Equal(t, want[i], string(m.Body), "delivery order is unchanged")
		if i < len(msgs) {
			assert.Equal(t, msgs[i].ID, m.ID)
		}
		assert.EqualValues(t, 1, m.Attempts, "a peek is not an attempt")
	}
}

func TestPeekTopicBacklog(t *testing.T) {
	h := startNSQD(t, nil)
	want := publishN(t, h, "backlog", 0, 5)
	msgs := peek(t, h, "/topic/peek", tcq("backlog", "", "n", "3"))
	assert.Equal(t, want[:3], bodies(msgs))
	assert.EqualValues(t, 5, topicOf(t, h, "backlog").Depth)
}

// A deferred message waiting in a disk queue is listed as queued, with
// the deadline noted for it.
func TestPeekDeferredOnDiskShowsDeadline(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 0 })
	before := time.Now()
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=dd&defer=60000", "later"))
	hExpectOK(t, test.HTTPPost(t, h.URL()+"/pub?topic=dd", "now"))
	msgs := peek(t, h, "/topic/peek", tcq("dd", ""))
	require.Equal(t, []string{"later", "now"}, bodies(msgs))
	assert.GreaterOrEqual(t, msgs[0].DeliverAt, before.Add(60*time.Second).UnixNano())
	assert.Zero(t, msgs[1].DeliverAt)
}

// TestPeekDiskBacklogWithSegmentsRolling keeps everything on disk in
// segments of a few records, and peeks over HTTP while publishers add
// segments and a consumer finishes and deletes them.
func TestPeekDiskBacklogWithSegmentsRolling(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) {
		o.MemQueueSize = 0
		o.MaxBytesPerFile = 200 // five 38-byte records a segment
	})
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/topic/create?topic=disk", ""))
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=disk&channel=c", ""))
	want := publishN(t, h, "disk", 0, 40)
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "disk", "c").BackendDepth == 40 }, "40 on disk")
	assert.Equal(t, want[:25], bodies(peek(t, h, "/channel/peek", tcq("disk", "c", "n", "25"))))
	assert.EqualValues(t, 40, channelOf(t, h, "disk", "c").Depth)

	const total = 400
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 40; i < total; i++ {
			if r := test.HTTPPost(t, h.URL()+"/pub?topic=disk", fmt.Sprintf("msg-%04d", i)); !assert.Equal(t, 200, r.Code, "pub: %s", r) {
				return
			}
		}
	})
	c := test.DialV2(t, h.TCPAddr)
	c.Sub(t, "disk", "c")
	c.Cmd("RDY 1")
	consumed := -1
	for consumed < total-1 {
		msgs := peek(t, h, "/channel/peek", tcq("disk", "c", "n", "30"))
		checkRun(t, msgs, consumed)
		m := c.ReadMessage(t)
		n, err := strconv.Atoi(string(m.Body[4:]))
		require.NoError(t, err)
		require.Equal(t, consumed+1, n, "delivered in order")
		consumed = n
		c.Cmd("FIN " + m.ID)
		c.Cmd("RDY 1")
	}
	wg.Wait()
}

// checkRun requires msgs to be consecutive bodies, all newer than the
// last one consumed.
func checkRun(t testing.TB, msgs []peekedMsg, consumed int) {
	t.Helper()
	for i, m := range msgs {
		n, err := strconv.Atoi(string(m.Body[4:]))
		require.NoError(t, err)
		require.Greater(t, n, consumed, "a peek never shows what was consumed")
		if i > 0 {
			prev, _ := strconv.Atoi(string(msgs[i-1].Body[4:]))
			require.Equal(t, prev+1, n, "peeked records are in order, without gaps")
		}
	}
}

func TestPeekInFlightAndDeferred(t *testing.T) {
	h := startNSQD(t, nil)
	c := test.DialV2(t, h.TCPAddr)
	c.CmdBody("IDENTIFY", []byte(`{"client_id":"peeker","hostname":"peek.host"}`))
	c.ExpectOK(t)
	c.Sub(t, "st", "c")
	publishN(t, h, "st", 0, 2)
	c.Cmd("RDY 2")
	first, second := c.ReadMessage(t), c.ReadMessage(t)

	inflight := peek(t, h, "/channel/peek", tcq("st", "c", "state", "in_flight"))
	require.Len(t, inflight, 2)
	assert.Equal(t, []string{first.ID, second.ID}, []string{inflight[0].ID, inflight[1].ID})
	for _, m := range inflight {
		assert.EqualValues(t, 1, m.Attempts)
		assert.Greater(t, m.ExpiresAt, m.Timestamp)
		require.NotNil(t, m.Client)
		assert.Equal(t, "peeker", m.Client.ClientID)
		assert.Equal(t, "peek.host", m.Client.Hostname)
	}
	assert.Empty(t, peek(t, h, "/channel/peek", tcq("st", "c", "state", "deferred")))

	before := time.Now()
	c.Cmd("REQ " + first.ID + " 60000")
	c.Cmd("REQ " + second.ID + " 60000")
	var deferred []peekedMsg
	test.Eventually(t, hWait, func() bool {
		deferred = peek(t, h, "/channel/peek", tcq("st", "c", "state", "deferred"))
		return len(deferred) == 2
	}, "two deferred")
	assert.Equal(t, first.ID, deferred[0].ID)
	assert.Equal(t, "msg-0000", string(deferred[0].Body))
	assert.GreaterOrEqual(t, deferred[0].DeliverAt, before.Add(60*time.Second).UnixNano())
	assert.Nil(t, deferred[0].Client)
	assert.Zero(t, deferred[0].ExpiresAt)

	q := tcq("st", "c", "id", first.ID).Encode()
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/deferred/deliver?"+q, ""))
	m := c.ReadMessage(t)
	assert.Equal(t, first.ID, m.ID, "delivered now")
	assert.EqualValues(t, 2, m.Attempts)
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/channel/deferred/deliver?"+q, ""), 404, "MESSAGE_NOT_FOUND")

	q = tcq("st", "c", "id", second.ID).Encode()
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/deferred/delete?"+q, ""))
	hExpectErr(t, test.HTTPPost(t, h.URL()+"/channel/deferred/delete?"+q, ""), 404, "MESSAGE_NOT_FOUND")
	assert.Empty(t, peek(t, h, "/channel/peek", tcq("st", "c", "state", "deferred")))
	ch := channelOf(t, h, "st", "c")
	assert.EqualValues(t, 0, ch.DeferredCount)
	assert.EqualValues(t, 1, ch.InFlightCount)
	assert.EqualValues(t, 0, ch.Depth)
}

func TestPeekErrors(t *testing.T) {
	h := startNSQD(t, nil)
	publishN(t, h, "e", 0, 1)
	hExpectEmpty(t, test.HTTPPost(t, h.URL()+"/channel/create?topic=e&channel=c", ""))
	// The topic's pump hands its backlog to the new channel on its own time.
	test.Eventually(t, hWait, func() bool { return channelOf(t, h, "e", "c").Depth == 1 }, "the channel took it")
	get := func(path string) test.HTTPResponse { return test.HTTPGet(t, h.URL()+path) }
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/topic/peek", 400, "MISSING_ARG_TOPIC"},
		{"/topic/peek?topic=a*b", 400, "INVALID_TOPIC"},
		{"/topic/peek?topic=nope", 404, "TOPIC_NOT_FOUND"},
		{"/topic/peek?topic=e&n=0", 400, "INVALID_ARG_N"},
		{"/topic/peek?topic=e&n=1001", 400, "INVALID_ARG_N"},
		{"/topic/peek?topic=e&n=x", 400, "INVALID_ARG_N"},
		{"/channel/peek?topic=e", 400, "MISSING_ARG_CHANNEL"},
		{"/channel/peek?topic=e&channel=c&n=1001", 400, "INVALID_ARG_N"},
		{"/channel/peek?topic=e&channel=c&state=all", 400, "INVALID_ARG_STATE"},
		{"/channel/peek?topic=nope&channel=c", 404, "TOPIC_NOT_FOUND"},
		{"/channel/peek?topic=e&channel=nope", 404, "CHANNEL_NOT_FOUND"},
	} {
		hExpectErr(t, get(tc.path), tc.code, tc.msg)
	}
	assert.Len(t, peek(t, h, "/topic/peek", tcq("e", "", "n", "1000")), 0, "the channel took it")
	assert.Len(t, peek(t, h, "/channel/peek", tcq("e", "c", "n", "1000")), 1)
	assert.Equal(t, []string{"e"}, topicNames(t, h), "peeking creates nothing")

	post := func(path string) test.HTTPResponse { return test.HTTPPost(t, h.URL()+path, "") }
	hExpectErr(t, post("/channel/deferred/deliver?topic=e&channel=c"), 400, "MISSING_ARG_ID")
	hExpectErr(t, post("/channel/deferred/delete?topic=e&channel=c&id=abc"), 400, "INVALID_ARG_ID")
	hExpectErr(t, post("/channel/deferred/delete?topic=e&channel=nope&id=0123456789abcdef"), 404, "CHANNEL_NOT_FOUND")
	hExpectErr(t, post("/channel/deferred/deliver?topic=e&channel=c&id=0123456789abcdef"), 404, "MESSAGE_NOT_FOUND")
	hExpectErr(t, get("/channel/deferred/deliver?topic=e&channel=c&id=0123456789abcdef"), 405, "METHOD_NOT_ALLOWED")
}
