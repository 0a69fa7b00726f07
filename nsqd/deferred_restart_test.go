package nsqd_test

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/nsqd"
)

// restartable runs nsqd instances one after another on one data path.
type restartable struct {
	t    *testing.T
	path string
	opts func(*nsqd.Options)
}

func (r *restartable) start() *nsqd.NSQD {
	r.t.Helper()
	return startNSQD(r.t, func(o *nsqd.Options) {
		o.DataPath = r.path
		if r.opts != nil {
			r.opts(o)
		}
	})
}

// expectNotBefore subscribes and reads len(due) messages, checking that
// none arrives before the deadline given for its body.
func expectNotBefore(t *testing.T, n *nsqd.NSQD, topic, channel string, due map[string]time.Time) {
	t.Helper()
	c := mustSubscribe(t, n, topic, channel, nil)
	defer c.Close()
	c.Timeout = 10 * time.Second
	c.Cmd("RDY 10")
	for range len(due) {
		m := c.ReadMessage(t)
		got := time.Now()
		d, ok := due[string(m.Body)]
		if !ok {
			t.Fatalf("unexpected message %q", m.Body)
		}
		if got.Before(d) {
			t.Fatalf("%q delivered %s before its deadline", m.Body, d.Sub(got))
		}
		c.Cmd("FIN " + string(m.ID[:]))
	}
}

// TestDeferredSurvivesRestart: a DPUB and a REQ with delay held in a
// channel at shutdown, and a DPUB still queued at topic level, are not
// delivered after a restart before their deadlines.
func TestDeferredSurvivesRestart(t *testing.T) {
	t.Parallel()
	r := &restartable{t: t, path: t.TempDir()}
	n := r.start()
	const delay = 2 * time.Second
	c := mustSubscribe(t, n, "dr", "ch", nil)
	p := mustConnect(t, n)
	p.CmdBody("DPUB dr 2000", []byte("dpub"))
	p.ExpectOK(t)
	dpubDue := time.Now().Add(delay)
	p.CmdBody("PUB dr", []byte("req"))
	p.ExpectOK(t)
	c.Cmd("RDY 1")
	m := c.ReadMessage(t)
	c.Cmd("REQ " + string(m.ID[:]) + " 2000")
	reqDue := time.Now().Add(delay)
	p.CmdBody("DPUB lonely 2000", []byte("topic-level"))
	p.ExpectOK(t)
	lonelyDue := time.Now().Add(delay)
	mustChannelStatsEventually(t, n, "dr", "ch", func(s channelStatsDoc) bool { return s.DeferredCount == 2 })
	c.Close()
	p.Close()
	n.Exit()

	n2 := r.start()
	expectNotBefore(t, n2, "dr", "ch", map[string]time.Time{"dpub": dpubDue, "req": reqDue})
	expectNotBefore(t, n2, "lonely", "ch", map[string]time.Time{"topic-level": lonelyDue})
}

// TestDeferredThroughDiskKeepsDelay: with --mem-queue-size=0 a DPUB to a
// topic without channels goes to disk and still waits for its deadline.
func TestDeferredThroughDiskKeepsDelay(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 0 })
	p := mustConnect(t, n)
	p.CmdBody("DPUB disk 1500", []byte("later"))
	p.ExpectOK(t)
	due := time.Now().Add(1500 * time.Millisecond)
	expectNotBefore(t, n, "disk", "ch", map[string]time.Time{"later": due})
}

func mustChannelStatsEventually(t *testing.T, n *nsqd.NSQD, topic, channel string, ok func(channelStatsDoc) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := mustChannelStats(t, n, topic, channel)
		if ok(s) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel %s:%s stats never matched: %+v", topic, channel, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
