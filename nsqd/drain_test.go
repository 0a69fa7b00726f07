package nsqd_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// mainReturned waits for the node's Main to return by itself and requires
// nil.
func mainReturned(t *testing.T, h *hNode) {
	t.Helper()
	select {
	case <-h.Exited():
		require.NoError(t, h.MainErr())
	case <-time.After(hWait):
		t.Fatal("Main did not return")
	}
}

// lookupProducers is how many producers the lookupd lists for topic.
func lookupProducers(t *testing.T, lookupdHTTP, topic string) int {
	t.Helper()
	r := test.HTTPGet(t, "http://"+lookupdHTTP+"/lookup?topic="+topic)
	var doc struct {
		Producers []json.RawMessage `json:"producers"`
	}
	json.Unmarshal(r.Body, &doc)
	return len(doc.Producers)
}

func TestDrainServesConsumersThenExits(t *testing.T) {
	l := testcluster.StartLookupd(t)
	h := hStart(t, func(o *nsqd.Options) {
		o.NSQLookupdTCPAddresses = []string{l.TCPAddr}
		o.BroadcastAddress = "127.0.0.1"
	})
	h.mustCall(t, http.MethodPost, "/topic/create", tc("dr", ""))
	h.mustCall(t, http.MethodPost, "/channel/create", tc("dr", "c"))
	require.Equal(t, 200, test.HTTPPost(t, h.url+"/mpub?topic=dr", "a\nb\nc").Code)
	test.Eventually(t, hWait, func() bool { return lookupProducers(t, l.HTTPAddr, "dr") == 1 }, "registered")
	c := subscribed(t, h, "dr", "c", 0)

	code, m := h.call(t, http.MethodPost, "/drain", url1("timeout", "bad"))
	require.Equal(t, 400, code, "%v", m)
	res := h.mustCall(t, http.MethodPost, "/drain", url1("timeout", "1m"))
	require.Equal(t, true, res["draining"])

	r := test.HTTPGet(t, h.url+"/ping")
	require.Equal(t, 500, r.Code)
	require.Contains(t, string(r.Body), "draining")
	require.True(t, h.pStats(t).Draining)
	require.Contains(t, string(test.HTTPGet(t, h.url+"/stats").Body), "Draining: true")
	r = test.HTTPPost(t, h.url+"/pub?topic=dr", "late")
	require.Equal(t, 503, r.Code)
	require.Contains(t, string(r.Body), "draining")
	p := test.DialV2(t, h.TCPAddr)
	p.CmdBody("PUB dr", []byte("late"))
	p.ExpectError(t, "E_PUB_FAILED PUB failed nsqd is draining")
	test.Eventually(t, hWait, func() bool { return lookupProducers(t, l.HTTPAddr, "dr") == 0 }, "lookupd no longer lists the node")

	// The consumer is still served; once it has finished everything, nsqd exits.
	c.Cmd("RDY 3")
	var ids []string
	for _, want := range []string{"a", "b", "c"} {
		m := c.ReadMessage(t)
		require.Equal(t, want, string(m.Body))
		ids = append(ids, m.ID)
	}
	select {
	case <-h.Exited():
		t.Fatal("exited with messages in flight")
	default:
	}
	for _, id := range ids {
		c.Cmd("FIN " + id)
	}
	mainReturned(t, h)
}

func TestDrainTimeoutKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	h := hStart(t, testcluster.WithDataPath(dir))
	h.mustCall(t, http.MethodPost, "/topic/create", tc("dt", ""))
	h.mustCall(t, http.MethodPost, "/channel/create", tc("dt", "c"))
	require.Equal(t, 200, test.HTTPPost(t, h.url+"/mpub?topic=dt", "x\ny").Code)
	h.mustCall(t, http.MethodPost, "/drain", url1("timeout", "200ms"))
	mainReturned(t, h)
	h.exit()

	h = hStart(t, testcluster.WithDataPath(dir))
	require.Equal(t, int64(2), h.pChannel(t, "dt", "c").Depth, "kept on disk")
	require.False(t, h.pStats(t).Draining)
	require.Equal(t, 200, test.HTTPGet(t, h.url+"/ping").Code)
}

func url1(k, v string) url.Values { return url.Values{k: {v}} }

// A message that exhausts its attempts during a drain still goes to the
// dead-letter topic, so the drain can finish.
func TestDrainDeadLetters(t *testing.T) {
	h := hStart(t, func(o *nsqd.Options) { o.MaxAttempts = 1 })
	h.mustCall(t, http.MethodPost, "/topic/create", tc("dd", ""))
	h.mustCall(t, http.MethodPost, "/channel/create", tc("dd", "c"))
	test.DialV2(t, h.TCPAddr).Pub(t, "dd", []byte("poison"))
	c := subscribed(t, h, "dd", "c", 1)
	m := c.ReadMessage(t)
	h.mustCall(t, http.MethodPost, "/drain", url1("timeout", "1m"))
	c.Cmd("REQ " + m.ID + " 0")
	mainReturned(t, h)
}
