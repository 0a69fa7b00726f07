package nsqd_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	gonsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/require"
)

// deadLetterAll publishes the bodies to pm and REQs each once on channel c
// (max_attempts 1), so they all land in pm.c.dead.
func deadLetterAll(t *testing.T, h *testcluster.NSQD, bodies ...string) {
	t.Helper()
	p := test.DialV2(t, h.TCPAddr)
	for _, b := range bodies {
		p.Pub(t, "pm", []byte(b))
	}
	c := subscribed(t, h, "pm", "c", 1)
	for range bodies {
		c.Cmd("REQ " + c.ReadMessage(t).ID + " 0")
	}
	test.Eventually(t, hWait, func() bool {
		return pChannel(t, h, "pm", "c").DeadLetterCount == uint64(len(bodies))
	}, "dead-lettered")
	c.NetConn().Close()
}

func TestRedriveIntoOneChannel(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 1 })
	mustCall(t, h, http.MethodPost, "/topic/create", tc("pm", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("pm", "c"))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("pm", "other"))
	deadLetterAll(t, h, "m1", "m2", "m3")
	require.Equal(t, int64(3), pTopic(t, h, "pm.c.dead").Depth)
	otherBefore := pChannel(t, h, "pm", "other")

	for _, bad := range []string{"-1", "x"} {
		code, m := call(t, h, http.MethodPost, "/channel/redrive", tc("pm", "c", "n", bad))
		require.Equal(t, 400, code)
		require.Contains(t, m["message"], "n=")
	}
	code, _ := call(t, h, http.MethodPost, "/channel/redrive", tc("pm", "nope"))
	require.Equal(t, 404, code)
	code, _ = call(t, h, http.MethodPost, "/channel/redrive", tc("nope", "c"))
	require.Equal(t, 404, code)

	res := mustCall(t, h, http.MethodPost, "/channel/redrive", tc("pm", "c", "n", "2"))
	require.Equal(t, 2.0, res["moved"])
	require.Equal(t, int64(1), pTopic(t, h, "pm.c.dead").Depth)
	require.Equal(t, int64(2), pChannel(t, h, "pm", "c").Depth)

	// Redriven messages start over: attempts 1 at their next delivery.
	c := subscribed(t, h, "pm", "c", 1)
	for _, want := range []string{"m1", "m2"} {
		m := c.ReadMessage(t)
		require.Equal(t, want, string(m.Body))
		require.Equal(t, uint16(1), m.Attempts)
		c.Cmd("FIN " + m.ID)
	}
	res = mustCall(t, h, http.MethodPost, "/channel/redrive", tc("pm", "c"))
	require.Equal(t, 1.0, res["moved"])
	m := c.ReadMessage(t)
	require.Equal(t, "m3", string(m.Body))
	c.Cmd("FIN " + m.ID)
	require.Zero(t, pTopic(t, h, "pm.c.dead").Depth)
	res = mustCall(t, h, http.MethodPost, "/channel/redrive", tc("pm", "c"))
	require.Equal(t, 0.0, res["moved"])

	other := pChannel(t, h, "pm", "other")
	require.Equal(t, otherBefore.MessageCount, other.MessageCount, "the other channel gets no redriven message")
	require.Equal(t, int64(3), other.Depth)
}

func TestRedriveFromDisk(t *testing.T) {
	h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = 1; o.MemQueueSize = 0 })
	mustCall(t, h, http.MethodPost, "/topic/create", tc("pm", ""))
	mustCall(t, h, http.MethodPost, "/channel/create", tc("pm", "c"))
	deadLetterAll(t, h, "d1", "d2")
	dlt := pTopic(t, h, "pm.c.dead")
	require.Equal(t, int64(2), dlt.Depth)
	res := mustCall(t, h, http.MethodPost, "/channel/redrive", tc("pm", "c"))
	require.Equal(t, 2.0, res["moved"])
	c := subscribed(t, h, "pm", "c", 2)
	got := map[string]bool{}
	for range 2 {
		m := c.ReadMessage(t)
		got[string(m.Body)] = true
		c.Cmd("FIN " + m.ID)
	}
	require.Equal(t, map[string]bool{"d1": true, "d2": true}, got)
}

func TestRequeueOnDisconnect(t *testing.T) {
	for _, how := range []string{"flag", "channel"} {
		t.Run(how, func(t *testing.T) {
			h := startNSQD(t, func(o *nsqd.Options) {
				o.MsgTimeout = 60 * time.Second
				o.RequeueOnDisconnect = how == "flag"
			})
			mustCall(t, h, http.MethodPost, "/topic/create", tc("rd", ""))
			mustCall(t, h, http.MethodPost, "/channel/create", tc("rd", "c"))
			if how == "channel" {
				mustCall(t, h, http.MethodPost, "/channel/config", tc("rd", "c", "requeue_on_disconnect", "true"))
			}
			test.DialV2(t, h.TCPAddr).Pub(t, "rd", []byte("x"))
			first := subscribed(t, h, "rd", "c", 1)
			m1 := first.ReadMessage(t)
			second := subscribed(t, h, "rd", "c", 1)
			first.NetConn().Close()
			// Far below the 60 s message timeout.
			m2 := second.ReadMessage(t)
			require.Equal(t, m1.ID, m2.ID)
			require.Equal(t, uint16(2), m2.Attempts)
			ch := pChannel(t, h, "rd", "c")
			require.Equal(t, uint64(1), ch.RequeueCount)
			require.Zero(t, ch.TimeoutCount)
		})
	}
}

// A go-nsq consumer with its own MaxAttempts keeps working: when the
// server's max_attempts is lower, the message is dead-lettered after that
// many deliveries; when the client's is lower, the client gives up first.
func TestGoNSQConsumerMaxAttempts(t *testing.T) {
	for _, tcase := range []struct {
		server, client, calls int
		deadLettered          uint64
	}{{3, 10, 3, 1}, {5, 2, 2, 0}} {
		t.Run(fmt.Sprintf("server%d_client%d", tcase.server, tcase.client), func(t *testing.T) {
			h := startNSQD(t, func(o *nsqd.Options) { o.MaxAttempts = tcase.server })
			mustCall(t, h, http.MethodPost, "/topic/create", tc("gn", ""))
			mustCall(t, h, http.MethodPost, "/channel/create", tc("gn", "c"))
			cfg := gonsq.NewConfig()
			cfg.MaxAttempts = uint16(tcase.client)
			cfg.DefaultRequeueDelay = 0
			cfg.MaxBackoffDuration = 0
			cons, err := gonsq.NewConsumer("gn", "c", cfg)
			require.NoError(t, err)
			cons.SetLogger(nil, gonsq.LogLevelError)
			var calls atomic.Int32
			cons.AddHandler(gonsq.HandlerFunc(func(m *gonsq.Message) error {
				calls.Add(1)
				if string(m.Body) == "poison" {
					return errors.New("cannot handle")
				}
				return nil
			}))
			require.NoError(t, cons.ConnectToNSQD(h.RealTCPAddr().String()))
			defer cons.Stop()
			test.DialV2(t, h.TCPAddr).Pub(t, "gn", []byte("poison"))
			test.Eventually(t, hWait, func() bool {
				ch := pChannel(t, h, "gn", "c")
				return ch.InFlightCount == 0 && ch.Depth == 0 && ch.DeferredCount == 0 && int(calls.Load()) >= tcase.calls
			}, "poison handled")
			test.DialV2(t, h.TCPAddr).Pub(t, "gn", []byte("fine"))
			test.Eventually(t, hWait, func() bool { return int(calls.Load()) == tcase.calls+1 }, "next message handled")
			require.Equal(t, tcase.deadLettered, pChannel(t, h, "gn", "c").DeadLetterCount)
			require.Equal(t, int64(tcase.deadLettered), pTopic(t, h, "gn.c.dead").Depth)
		})
	}
}
