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
func mainReturned(t *testing.T, h *testcluster.NSQD) {
	t.Helper()
	select {
	case <-h.Exited():
		require.NoError(t, h.MainErr())
	case <-time.After(hWait):
		require.FailNow(t, "Main did not return")
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
	h := startNSQD(t, func(o *nsqd.Options) {
		o.NSQLookupdTCPAddresses = []string{l.TCPAddr}
		o.BroadcastAddress = "127.0.0.1"
	})
	mustCall(t, h, http.MethodPost, "/topic/create", tc("dr", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("dr", "c"))
	require.Equal(t, 200, test.HTTPPost(t, h.URL()+"/mpub?topic=dr", "a\nb\nc").Code)
	test.Eventually(t, hWait, func() bool { return lookupProducers(t, l.HTTPAddr, "dr") == 1 }, "registered")
	c := subscribed(t, h, "dr", "c", 0)

	code, m := call(t, h, http.MethodPost, "/drain", url1("timeout", "bad"))
	require.Equal(t, 400, code, "%v", m)
	res := mustCall(t, h, http.MethodPost, "/drain", url1("timeout", "1m"))
	require.Equal(t, true, res["draining"])

	r := test.HTTPGet(t, h.URL()+"/ping")
	require.Equal(t, 500, r.Code)
	require.Contains(t, string(r.Body), "draining")
	require.True(t, mustStats(t, h).Draining)
	require.Contains(t, string(test.HTTPGet(t, h.URL()+"/stats").Body), "Draining: true")
	r = test.HTTPPost(t, h.URL()+"/pub?topic=dr", "late")
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
		require.FailNow(t, "exited with messages in flight")
	default:
	}
	for _, id := range ids {
		c.Cmd("FIN " + id)
	}
	mainReturned(t, h)
}

func TestDrainTimeoutKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	h := startNSQD(t, testcluster.WithDataPath(dir))
	mustCall(t, h, http.MethodPost, "/topic/create", tc("dt", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("dt", "c"))
	require.Equal(t, 200, test.HTTPPost(t, h.URL()+"/mpub?topic=dt", "x\ny").Code)
	mustCall(t, h, http.MethodPost, "/drain", url1("timeout", "200ms"))
	mainReturned(t, h)
	h.Stop()

	h = startNSQD(t, testcluster.WithDataPath(dir))
	require.Equal(t, int64(2), pChannel(t, h, "dt", "c").Depth, "kept on disk")
	require.False(t, mustStats(t, h).Draining)
	require.Equal(t, 200, test.HTTPGet(t, h.URL()+"/ping").Code)
}

func url1(k, v string) url.Values { return url.Values{k: {v}} }

// A message that exhausts its attempts during a drain still goes to the
// dead-letter topic, so the drain can finish.
func TestDrainDeadLetters(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 1 })
	mustCall(t, h, http.MethodPost, "/topic/create", tc("dd", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("dd", "c"))
	test.DialV2(t, h.TCPAddr).Pub(t, "dd", []byte("poison"))
	c := subscribed(t, h, "dd", "c", 1)
	m := c.ReadMessage(t)
	mustCall(t, h, http.MethodPost, "/drain", url1("timeout", "1m"))
	c.Cmd("REQ " + m.ID + " 0")
	mainReturned(t, h)
}
