package nsqd_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// setupPoison creates topic pm with channels c and other and publishes one
// "poison" message.
func setupPoison(t *testing.T, h *testcluster.NSQD) {
	t.Helper()
	mustCall(t, h, http.MethodPost, "/topic/create", tc("pm", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("pm", "c"))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("pm", "other"))
	test.DialV2(t, h.TCPAddr).Pub(t, "pm", []byte("poison"))
}

// requireNextIsMarker publishes a marker and requires it to be the next
// message c (subscribed to pm/c) receives: nothing else was queued for c.
// It returns once the marker's FIN has been processed.
func requireNextIsMarker(t *testing.T, h *testcluster.NSQD, c *test.Conn) {
	t.Helper()
	test.DialV2(t, h.TCPAddr).Pub(t, "pm", []byte("marker"))
	m := c.ReadMessage(t)
	require.Equal(t, "marker", string(m.Body))
	require.Equal(t, uint16(1), m.Attempts)
	c.Cmd("FIN " + m.ID)
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "pm", "c").InFlightCount == 0 }, "marker finished")
}

func TestDeadLetterAfterMaxAttemptsREQ(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 3 })
	setupPoison(t, h)
	c := subscribed(t, h, "pm", "c", 1)
	var first test.Message
	for i := 1; i <= 3; i++ {
		m := c.ReadMessage(t)
		require.Equal(t, "poison", string(m.Body))
		require.Equal(t, uint16(i), m.Attempts)
		if i == 1 {
			first = m
		}
		c.Cmd("REQ " + m.ID + " 0")
	}
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "pm", "c").DeadLetterCount == 1 }, "dead-lettered")
	requireNextIsMarker(t, h, c)

	ch := pChannel(t, h, "pm", "c")
	require.Equal(t, uint64(3), ch.RequeueCount, "every REQ counts; the third one dead-letters")
	require.Zero(t, ch.Depth+int64(ch.InFlightCount)+int64(ch.DeferredCount), "nothing left in the channel")
	other := pChannel(t, h, "pm", "other")
	require.Equal(t, int64(2), other.Depth, "the other channel keeps its copy")
	require.Zero(t, other.DeadLetterCount)
	require.Equal(t, int64(1), pTopic(t, h, "pm.c.dead").Depth)

	cfg := mustCall(t, h, http.MethodGet, "/channel/config", tc("pm", "c"))
	require.Equal(t, "pm.c.dead", cfg["dead_letter_topic"])
	require.Equal(t, 3.0, cfg["max_attempts"])
	require.Equal(t, 1.0, cfg["dead_letter_count"])
	require.Equal(t, 1.0, cfg["dead_letter_depth"])

	// The dead-letter topic holds the message unchanged.
	d := subscribed(t, h, "pm.c.dead", "inspect", 1)
	dm := d.ReadMessage(t)
	require.Equal(t, first.ID, dm.ID)
	require.Equal(t, first.Timestamp, dm.Timestamp)
	require.Equal(t, "poison", string(dm.Body))
	require.Equal(t, uint16(1), dm.Attempts)

	text := string(test.HTTPGet(t, h.URL()+"/stats").Body)
	require.Contains(t, text, "dead-lettered: 1 ")
	metrics := string(test.HTTPGet(t, h.URL()+"/metrics").Body)
	require.Contains(t, metrics, `nsq_channel_dead_lettered_total{topic="pm",channel="c"} 1`+"\n")
	require.Contains(t, metrics, `nsq_channel_dead_lettered_total{topic="pm",channel="other"} 0`+"\n")
}

func TestDeadLetterAfterTimeouts(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MsgTimeout = 200 * time.Millisecond })
	setupPoison(t, h)
	mustCall(t, h, http.MethodPost, "/channel/config", tc("pm", "c", "max_attempts", "2"))
	c := subscribed(t, h, "pm", "c", 1)
	for i := 1; i <= 2; i++ {
		m := c.ReadMessage(t)
		require.Equal(t, "poison", string(m.Body))
		require.Equal(t, uint16(i), m.Attempts)
	}
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "pm", "c").DeadLetterCount == 1 }, "dead-lettered")
	requireNextIsMarker(t, h, c)
	ch := pChannel(t, h, "pm", "c")
	require.Equal(t, uint64(2), ch.TimeoutCount)
	require.Zero(t, ch.RequeueCount)
	require.Equal(t, int64(1), pTopic(t, h, "pm.c.dead").Depth)
	require.Zero(t, pChannel(t, h, "pm", "other").DeadLetterCount)
}

func TestDeadLetterDelayedREQ(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 1 })
	setupPoison(t, h)
	c := subscribed(t, h, "pm", "c", 1)
	m := c.ReadMessage(t)
	c.Cmd("REQ " + m.ID + " 600000")
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "pm", "c").DeadLetterCount == 1 }, "dead-lettered")
	require.Zero(t, pChannel(t, h, "pm", "c").DeferredCount)
	requireNextIsMarker(t, h, c)
}

func TestAttemptsSaturate(t *testing.T) {
	dir := t.TempDir()
	h := startNSQD(t, testcluster.WithDataPath(dir), func(o *nsqd.Options) { o.MemQueueSize = 0 })
	mustCall(t, h, http.MethodPost, "/topic/create", tc("sat", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("sat", "c"))
	test.DialV2(t, h.TCPAddr).Pub(t, "sat", []byte("old"))
	h.Stop()

	// Give the queued message 65534 attempts: [size][timestamp][attempts].
	fn := filepath.Join(dir, "sat:c.diskqueue.000000.dat")
	b, err := os.ReadFile(fn)
	require.NoError(t, err)
	b[12], b[13] = 0xff, 0xfe
	require.NoError(t, os.WriteFile(fn, b, 0600))

	h = startNSQD(t, testcluster.WithDataPath(dir))
	c := subscribed(t, h, "sat", "c", 1)
	for i := 0; i < 3; i++ {
		m := c.ReadMessage(t)
		require.Equal(t, "old", string(m.Body))
		require.Equal(t, uint16(65535), m.Attempts, "delivery %d", i)
		c.Cmd("REQ " + m.ID + " 0")
	}
}

func TestChannelConfigAPI(t *testing.T) {
	dir := t.TempDir()
	h := startNSQD(t, testcluster.WithDataPath(dir))
	code, _ := call(t, h, http.MethodGet, "/channel/config", tc("nope", "c"))
	require.Equal(t, 404, code)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("cf", ""))
	code, _ = call(t, h, http.MethodGet, "/channel/config", tc("cf", "nope"))
	require.Equal(t, 404, code)
	code, _ = call(t, h, http.MethodPost, "/channel/config", tc("cf", "nope", "max_attempts", "1"))
	require.Equal(t, 404, code)
	mustCall(t, h, http.MethodPost, "/channel/create", tc("cf", "c"))

	cfg := mustCall(t, h, http.MethodGet, "/channel/config", tc("cf", "c"))
	require.Equal(t, 0.0, cfg["max_attempts"])
	require.Equal(t, "cf.c.dead", cfg["dead_letter_topic"])
	require.Equal(t, false, cfg["requeue_on_disconnect"])
	require.Equal(t, 0.0, cfg["max_depth"])
	require.Equal(t, "reject", cfg["overflow"])
	require.Equal(t, "0s", cfg["msg_ttl"])
	dat := filepath.Join(dir, "nsqd.dat")
	// Default settings: nsqd.dat stays NSQ's document.
	test.Eventually(t, hWait, func() bool {
		b, _ := os.ReadFile(dat)
		return strings.Contains(string(b), `{"name":"cf","paused":false,"channels":[{"name":"c","paused":false}]}`)
	}, "nsqd.dat without extra keys")

	bad := [][2]string{
		{"max_attempts", "-1"}, {"max_attempts", "x"}, {"max_attempts", "65536"},
		{"requeue_on_disconnect", "maybe"}, {"dead_letter_topic", "bad!name"},
		{"dead_letter_topic", "cf"}, {"max_depth", "-5"}, {"overflow", "spill"}, {"msg_ttl", "-1s"},
		{"msg_ttl", "soon"},
	}
	for _, kv := range bad {
		code, m := call(t, h, http.MethodPost, "/channel/config", tc("cf", "c", kv[0], kv[1]))
		require.Equal(t, 400, code, "%s=%s", kv[0], kv[1])
		require.Contains(t, m["message"], kv[0], "the message names the parameter")
	}
	code, _ = call(t, h, http.MethodPost, "/channel/config", tc("bad!topic", "c", "max_attempts", "1"))
	require.Equal(t, 400, code)
	// A bad value changes nothing, not even the valid ones beside it.
	code, _ = call(t, h, http.MethodPost, "/channel/config", tc("cf", "c", "max_attempts", "4", "overflow", "x"))
	require.Equal(t, 400, code)
	require.Equal(t, 0.0, mustCall(t, h, http.MethodGet, "/channel/config", tc("cf", "c"))["max_attempts"])

	set := mustCall(t, h, http.MethodPost, "/channel/config", tc("cf", "c", "max_attempts", "5",
		"dead_letter_topic", "graveyard", "requeue_on_disconnect", "true",
		"max_depth", "100", "overflow", "drop_oldest", "msg_ttl", "90s"))
	require.Equal(t, 5.0, set["max_attempts"])
	mustCall(t, h, http.MethodPost, "/topic/config", tc("cf", "", "max_depth", "7", "msg_ttl", "1h"))
	code, _ = call(t, h, http.MethodGet, "/topic/config", tc("nope", ""))
	require.Equal(t, 404, code)
	code, _ = call(t, h, http.MethodPost, "/topic/config", tc("bad!topic", "", "max_depth", "1"))
	require.Equal(t, 400, code)
	code, m := call(t, h, http.MethodPost, "/topic/config", tc("cf", "", "max_depth", "lots"))
	require.Equal(t, 400, code)
	require.Contains(t, m["message"], "max_depth")
	h.Stop()

	h = startNSQD(t, testcluster.WithDataPath(dir))
	cfg = mustCall(t, h, http.MethodGet, "/channel/config", tc("cf", "c"))
	require.Equal(t, 5.0, cfg["max_attempts"])
	require.Equal(t, "graveyard", cfg["dead_letter_topic"])
	require.Equal(t, true, cfg["requeue_on_disconnect"])
	require.Equal(t, 100.0, cfg["max_depth"])
	require.Equal(t, "drop_oldest", cfg["overflow"])
	require.Equal(t, "1m30s", cfg["msg_ttl"])
	tcfg := mustCall(t, h, http.MethodGet, "/topic/config", tc("cf", ""))
	require.Equal(t, 7.0, tcfg["max_depth"])
	require.Equal(t, "1h0m0s", tcfg["msg_ttl"])
	require.Equal(t, "reject", tcfg["overflow"])

	// An explicit 0 or false is kept: it overrides the node's default.
	mustCall(t, h, http.MethodPost, "/channel/config", tc("cf", "c", "max_attempts", "0",
		"dead_letter_topic", "", "max_depth", "0", "overflow", "reject", "msg_ttl", "0"))
	mustCall(t, h, http.MethodPost, "/channel/config", tc("cf", "c", "requeue_on_disconnect", "false"))
	mustCall(t, h, http.MethodPost, "/topic/config", tc("cf", "", "max_depth", "0", "msg_ttl", "0s"))
	b, err := os.ReadFile(dat)
	require.NoError(t, err)
	require.Contains(t, string(b), `{"name":"cf","paused":false,"channels":[{"name":"c","paused":false,"max_attempts":0,"requeue_on_disconnect":false}]}`)
	// Empty values go back to the defaults: nothing extra in nsqd.dat.
	mustCall(t, h, http.MethodPost, "/channel/config", tc("cf", "c", "max_attempts", "", "requeue_on_disconnect", ""))
	b, err = os.ReadFile(dat)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Contains(t, string(b), `{"name":"cf","paused":false,"channels":[{"name":"c","paused":false}]}`)
}

func TestDeadLetterTopicName(t *testing.T) {
	h := startNSQD(t, nil)
	long := strings.Repeat("t", 64)
	for _, ch := range []string{strings.Repeat("a", 64), strings.Repeat("a", 63) + "b", "x#ephemeral"} {
		mustCall(t, h, http.MethodPost, "/topic/create", tc(long, ""))
		mustCall(t, h, http.MethodPost, "/channel/create", tc(long, ch))
	}
	names := map[string]bool{}
	for _, ch := range []string{strings.Repeat("a", 64), strings.Repeat("a", 63) + "b"} {
		cfg := mustCall(t, h, http.MethodGet, "/channel/config", tc(long, ch))
		name := cfg["dead_letter_topic"].(string)
		require.LessOrEqual(t, len(name), 64)
		require.True(t, strings.HasSuffix(name, ".dead"), name)
		mustCall(t, h, http.MethodPost, "/topic/create", tc(name, "")) // a valid topic name
		again := mustCall(t, h, http.MethodGet, "/channel/config", tc(long, ch))["dead_letter_topic"]
		require.Equal(t, name, again, "derived deterministically")
		names[name] = true
	}
	require.Len(t, names, 2, "distinct channels get distinct dead-letter topics")

	mustCall(t, h, http.MethodPost, "/topic/create", tc("e", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("e", "x#ephemeral"))
	cfg := mustCall(t, h, http.MethodGet, "/channel/config", tc("e", "x#ephemeral"))
	require.Equal(t, "e.x_ephemeral.dead", cfg["dead_letter_topic"])
}
