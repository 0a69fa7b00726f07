package nsqd_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/require"
)

// mpubBody is an MPUB command body of the given messages.
func mpubOf(msgs ...string) []byte {
	b := []byte{0, 0, 0, byte(len(msgs))}
	for _, m := range msgs {
		b = append(b, 0, 0, 0, byte(len(m)))
		b = append(b, m...)
	}
	return b
}

func TestChannelCapReject(t *testing.T) {
	h := startNSQD(t, nil)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("cap", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("cap", "c"))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("cap", "free"))
	mustCall(t, h, http.MethodPost, "/channel/config", tc("cap", "c", "max_depth", "5"))
	p := test.DialV2(t, h.TCPAddr)
	for i := range 3 {
		p.Pub(t, "cap", []byte(fmt.Sprint("m", i)))
	}
	// An MPUB that does not fit is refused whole.
	p.CmdBody("MPUB cap", mpubOf("a", "b", "c"))
	p.ExpectError(t, "E_MPUB_FAILED MPUB failed channel cap:c is at its max_depth of 5 messages")
	p.ExpectClosed(t)
	require.Equal(t, int64(3), pChannel(t, h, "cap", "c").Depth)

	p = test.DialV2(t, h.TCPAddr)
	p.CmdBody("MPUB cap", mpubOf("d", "e"))
	p.ExpectResponse(t, "OK")
	p.CmdBody("PUB cap", []byte("over"))
	p.ExpectError(t, "E_PUB_FAILED PUB failed channel cap:c is at its max_depth of 5 messages")
	r := test.HTTPPost(t, h.URL()+"/pub?topic=cap", "over")
	require.Equal(t, 503, r.Code)
	require.Contains(t, string(r.Body), "max_depth of 5")
	r = test.HTTPPost(t, h.URL()+"/mpub?topic=cap", "x\ny")
	require.Equal(t, 503, r.Code)
	require.Contains(t, string(r.Body), "max_depth of 5")

	tp := pTopic(t, h, "cap")
	require.Equal(t, uint64(5), tp.MessageCount, "5 accepted")
	for _, ch := range tp.Channels {
		require.Equal(t, int64(5), ch.Depth, ch.ChannelName)
	}
	// Room again once the consumer takes some.
	c := subscribed(t, h, "cap", "c", 1)
	m := c.ReadMessage(t)
	c.Cmd("RDY 0")
	c.Cmd("FIN " + m.ID)
	test.Eventually(t, hWait, func() bool {
		ch := pChannel(t, h, "cap", "c")
		return ch.Depth == 4 && ch.InFlightCount == 0
	}, "depth 4")
	test.DialV2(t, h.TCPAddr).Pub(t, "cap", []byte("fits"))
}

func TestTopicCapReject(t *testing.T) {
	h := startNSQD(t, nil)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("tcap", ""))
	mustCall(t, h, http.MethodPost, "/topic/config", tc("tcap", "", "max_depth", "3"))
	accepted := 0
	for i := range 5 {
		if r := test.HTTPPost(t, h.URL()+"/pub?topic=tcap", fmt.Sprint(i)); r.Code == 200 {
			accepted++
		} else {
			require.Contains(t, string(r.Body), "topic tcap is at its max_depth of 3 messages")
		}
	}
	require.Equal(t, 3, accepted)
	require.Equal(t, int64(3), pTopic(t, h, "tcap").Depth)
}

func TestDropOldest(t *testing.T) {
	h := startNSQD(t, nil)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("do", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("do", "c"))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("do", "all"))
	mustCall(t, h, http.MethodPost, "/channel/config", tc("do", "c", "max_depth", "3", "overflow", "drop_oldest"))
	var msgs []string
	for i := range 10 {
		msgs = append(msgs, fmt.Sprint("m", i))
	}
	r := test.HTTPPost(t, h.URL()+"/mpub?topic=do", strings.Join(msgs, "\n"))
	require.Equal(t, 200, r.Code)
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "do", "c").DroppedCount == 7 }, "7 dropped")
	ch := pChannel(t, h, "do", "c")
	require.Equal(t, int64(3), ch.Depth)
	require.Equal(t, int64(10), pChannel(t, h, "do", "all").Depth, "the uncapped channel keeps all")
	c := subscribed(t, h, "do", "c", 1)
	for _, want := range msgs[7:] {
		m := c.ReadMessage(t)
		require.Equal(t, want, string(m.Body))
		c.Cmd("FIN " + m.ID)
	}
	require.Contains(t, string(test.HTTPGet(t, h.URL()+"/metrics").Body), `nsq_channel_dropped_total{topic="do",channel="c"} 7`+"\n")
	require.Contains(t, string(test.HTTPGet(t, h.URL()+"/stats").Body), "dropped: 7 ")
}

func TestTopicDropOldest(t *testing.T) {
	h := startNSQD(t, nil)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("tdo", ""))
	mustCall(t, h, http.MethodPost, "/topic/config", tc("tdo", "", "max_depth", "2", "overflow", "drop_oldest"))
	for i := range 5 {
		require.Equal(t, 200, test.HTTPPost(t, h.URL()+"/pub?topic=tdo", fmt.Sprint("m", i)).Code)
	}
	tp := pTopic(t, h, "tdo")
	require.Equal(t, int64(2), tp.Depth)
	require.Equal(t, uint64(3), tp.DroppedCount)
	c := subscribed(t, h, "tdo", "c", 1)
	for _, want := range []string{"m3", "m4"} {
		m := c.ReadMessage(t)
		require.Equal(t, want, string(m.Body))
		c.Cmd("FIN " + m.ID)
	}
}

func TestMsgTTL(t *testing.T) {
	h := startNSQD(t, nil)
	mustCall(t, h, http.MethodPost, "/topic/create", tc("ttl", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("ttl", "c"))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("ttl", "keep"))
	// A TTL of 1ns: every message is older than that by the time it could
	// be delivered.
	mustCall(t, h, http.MethodPost, "/channel/config", tc("ttl", "c", "msg_ttl", "1ns"))
	c := subscribed(t, h, "ttl", "c", 1)
	p := test.DialV2(t, h.TCPAddr)
	for i := range 3 {
		p.Pub(t, "ttl", []byte(fmt.Sprint("old", i)))
	}
	test.Eventually(t, hWait, func() bool { return pChannel(t, h, "ttl", "c").ExpiredCount == 3 }, "3 expired")
	ch := pChannel(t, h, "ttl", "c")
	require.Zero(t, ch.Depth)
	require.Zero(t, ch.InFlightCount)
	require.Equal(t, int64(3), pChannel(t, h, "ttl", "keep").Depth)
	mustCall(t, h, http.MethodPost, "/channel/config", tc("ttl", "c", "msg_ttl", "0"))
	p.Pub(t, "ttl", []byte("fresh"))
	m := c.ReadMessage(t)
	require.Equal(t, "fresh", string(m.Body), "no expired message was delivered")
	require.Contains(t, string(test.HTTPGet(t, h.URL()+"/metrics").Body), `nsq_channel_expired_total{topic="ttl",channel="c"} 3`+"\n")
}

// Expired messages leave the depth even when nobody consumes.
func TestMsgTTLSweep(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 2 })
	mustCall(t, h, http.MethodPost, "/topic/create", tc("sw", ""))
	mustCall(t, h, http.MethodPost, "/topic/config", tc("sw", "", "msg_ttl", "1ns"))
	mustCall(t, h, http.MethodPost, "/topic/create", tc("swc", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("swc", "c"))
	mustCall(t, h, http.MethodPost, "/channel/config", tc("swc", "c", "msg_ttl", "1ns"))
	for _, topic := range []string{"sw", "swc"} {
		require.Equal(t, 200, test.HTTPPost(t, h.URL()+"/mpub?topic="+topic, "a\nb\nc\nd\ne").Code)
	}
	test.Eventually(t, hWait, func() bool {
		return pTopic(t, h, "sw").ExpiredCount == 5 && pChannel(t, h, "swc", "c").ExpiredCount == 5
	}, "expired at topic and channel level")
	require.Zero(t, pTopic(t, h, "sw").Depth)
	require.Zero(t, pChannel(t, h, "swc", "c").Depth)
}

func TestMinFreeDisk(t *testing.T) {
	var free atomic.Int64
	free.Store(500)
	h := startNSQD(t, func(o *nsqd.Options) {
		o.MinFreeDisk = 1000
		o.FreeDiskProbe = func(string) (int64, error) { return free.Load(), nil }
	})
	test.Eventually(t, hWait, func() bool { return test.HTTPGet(t, h.URL()+"/ping").Code == 500 }, "/ping fails")
	r := test.HTTPGet(t, h.URL()+"/ping")
	require.Contains(t, string(r.Body), "500 bytes free")
	require.Contains(t, string(r.Body), "--min-free-disk is 1000")
	p := test.DialV2(t, h.TCPAddr)
	p.CmdBody("PUB low", []byte("x"))
	_, data := p.NextFrame(t)
	require.Contains(t, string(data), "E_PUB_FAILED PUB failed free disk space below --min-free-disk")
	require.Equal(t, 503, test.HTTPPost(t, h.URL()+"/pub?topic=low", "x").Code)

	free.Store(5000)
	test.Eventually(t, hWait, func() bool { return test.HTTPGet(t, h.URL()+"/ping").Code == 200 }, "/ping healthy again")
	test.DialV2(t, h.TCPAddr).Pub(t, "low", []byte("x"))
	require.Equal(t, uint64(1), pTopic(t, h, "low").MessageCount)
}

// The real free-space probe, with a floor above any disk's free space.
func TestMinFreeDiskStatfs(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MinFreeDisk = 1 << 62 })
	test.Eventually(t, hWait, func() bool { return test.HTTPGet(t, h.URL()+"/ping").Code == 500 }, "/ping fails")
	require.Equal(t, 503, test.HTTPPost(t, h.URL()+"/pub?topic=low", "x").Code)
}
