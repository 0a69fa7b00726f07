package nsqd_test

import (
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/require"
)

// A DPUB beyond --max-deferred is refused with E_DPUB_FAILED naming the
// limit, over TCP and HTTP; an ordinary PUB still goes through.
func TestMaxDeferredRefusesDPUB(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxDeferred = 2 })
	n.GetTopic("md").GetChannel("ch")
	p := mustConnect(t, n)
	defer p.Close()
	for range 2 {
		p.CmdBody("DPUB md 60000", []byte("later"))
		p.ExpectOK(t)
	}
	mustChannelStatsEventually(t, n, "md", "ch", func(s channelStatsDoc) bool { return s.DeferredCount == 2 })
	r := test.HTTPPost(t, n.URL()+"/pub?topic=md&defer=60000", "x")
	require.Equal(t, http.StatusServiceUnavailable, r.Code, "%s", r)
	mustPublish(t, n, "md", "now")
	p.CmdBody("DPUB md 60000", []byte("one too many"))
	p.ExpectFatal(t, "E_DPUB_FAILED DPUB failed too many deferred messages: channel ch holds --max-deferred=2")
	require.Equal(t, 2, mustChannelStats(t, n, "md", "ch").DeferredCount)
}

// A REQ with a delay beyond --max-deferred requeues the message at once
// instead of growing the table.
func TestMaxDeferredREQRequeuesAtOnce(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxDeferred = 1 })
	c := mustSubscribe(t, n, "mr", "ch", nil)
	defer c.Close()
	mustPublish(t, n, "mr", "a", "b")
	c.Cmd("RDY 2")
	ms := c.ReadMessages(t, 2)
	c.Cmd("REQ " + ms[0].ID + " 60000")
	mustChannelStatsEventually(t, n, "mr", "ch", func(s channelStatsDoc) bool { return s.DeferredCount == 1 })
	c.Cmd("REQ " + ms[1].ID + " 60000")
	m := c.ReadMessage(t)
	require.Equal(t, ms[1].Body, m.Body)
	require.EqualValues(t, 2, m.Attempts)
	s := mustChannelStats(t, n, "mr", "ch")
	require.Equal(t, 1, s.DeferredCount)
	require.EqualValues(t, 2, s.RequeueCount)
}
