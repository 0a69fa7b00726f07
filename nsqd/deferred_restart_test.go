package nsqd_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// restartable runs nsqd instances one after another on one data path.
type restartable struct {
	t    *testing.T
	path string
	opts func(*nsqd.Options)
}

func (r *restartable) start() *testcluster.NSQD {
	r.t.Helper()
	return startNSQD(r.t, func(o *nsqd.Options) {
		o.DataPath = r.path
		if r.opts != nil {
			r.opts(o)
		}
	})
}

// expectNotBefore subscribes to channel "ch" of every topic in due, all
// at once, and reads len(due[topic]) messages from each, checking that none
// arrives before the deadline given for its body.
func expectNotBefore(t *testing.T, n *testcluster.NSQD, due map[string]map[string]time.Time) {
	t.Helper()
	type arrival struct {
		m   test.Message
		at  time.Time
		err error
	}
	results := make(map[string]chan arrival)
	conns := make(map[string]*test.Conn)
	for topic, bodies := range due {
		c := mustSubscribe(t, n, topic, "ch", nil)
		defer c.Close()
		c.Timeout = 10 * time.Second
		c.Cmd("RDY 10")
		ch := make(chan arrival, len(bodies))
		results[topic], conns[topic] = ch, c
		go func() {
			for range len(bodies) {
				ft, data, err := c.ReadFrame()
				at := time.Now()
				if err == nil && ft != protocol.FrameTypeMessage {
					err = fmt.Errorf("frame %d %q", ft, data)
				}
				var m test.Message
				if err == nil {
					m, err = test.ParseMessage(data)
				}
				ch <- arrival{m, at, err}
				if err != nil {
					return
				}
			}
		}()
	}
	for topic, bodies := range due {
		for range len(bodies) {
			a := <-results[topic]
			require.Nil(t, a.err, "%s: %v", topic, a.err)
			d, ok := bodies[string(a.m.Body)]
			require.True(t, ok, "%s: unexpected message %q", topic, a.m.Body)
			require.False(t, a.at.Before(d), "%s: %q delivered %s before its deadline", topic, a.m.Body, d.Sub(a.at))
			conns[topic].Cmd("FIN " + string(a.m.ID[:]))
		}
	}
}

// deferSome leaves in n a DPUB and a REQ with delay deferred in dr/ch and
// a DPUB queued at topic level in "lonely"; it returns their deadlines by
// topic.
func deferSome(t *testing.T, n *testcluster.NSQD) map[string]map[string]time.Time {
	t.Helper()
	const delay = 2 * time.Second
	c := mustSubscribe(t, n, "dr", "ch", nil)
	defer c.Close()
	p := mustConnect(t, n)
	defer p.Close()
	// Each deadline is taken before the command is sent: nsqd's own
	// deadline is no earlier.
	dpubDue := time.Now().Add(delay)
	p.CmdBody("DPUB dr 2000", []byte("dpub"))
	p.ExpectOK(t)
	p.CmdBody("PUB dr", []byte("req"))
	p.ExpectOK(t)
	c.Cmd("RDY 1")
	m := c.ReadMessage(t)
	reqDue := time.Now().Add(delay)
	c.Cmd("REQ " + string(m.ID[:]) + " 2000")
	lonelyDue := time.Now().Add(delay)
	p.CmdBody("DPUB lonely 2000", []byte("topic-level"))
	p.ExpectOK(t)
	mustChannelStatsEventually(t, n, "dr", "ch", func(s channelStatsDoc) bool { return s.DeferredCount == 2 })
	return map[string]map[string]time.Time{
		"dr":     {"dpub": dpubDue, "req": reqDue},
		"lonely": {"topic-level": lonelyDue},
	}
}

// TestDeferredSurvivesRestart: a DPUB and a REQ with delay held in a
// channel at shutdown, and a DPUB still queued at topic level, are not
// delivered after a restart before their deadlines, with the default
// memory queue and with --mem-queue-size=0 (which journals them).
func TestDeferredSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, memQueue := range []int64{10000, 0} {
		t.Run(fmt.Sprintf("mem-queue-size=%d", memQueue), func(t *testing.T) {
			t.Parallel()
			r := &restartable{t: t, path: t.TempDir(), opts: func(o *nsqd.Options) { o.MemQueueSize = memQueue }}
			n := r.start()
			due := deferSome(t, n)
			n.Exit()

			n2 := r.start()
			expectNotBefore(t, n2, due)
			n2.Exit()
		})
	}
}

// TestDeferredJournalSurvivesCrash: with --mem-queue-size=0 deferred
// messages are on disk while nsqd runs. A copy of the data path taken while
// it runs, which is what a kill -9 leaves behind, restores them, and they
// still wait for their deadlines.
func TestDeferredJournalSurvivesCrash(t *testing.T) {
	t.Parallel()
	durable := func(o *nsqd.Options) { o.MemQueueSize = 0; o.SyncEvery = 1 }
	r := &restartable{t: t, path: t.TempDir(), opts: durable}
	n := r.start()
	due := deferSome(t, n)
	waitForFile(t, filepath.Join(r.path, "nsqd.dat"), `"ch"`)
	crashed := &restartable{t: t, path: copyDataPath(t, r.path), opts: durable}

	n2 := crashed.start()
	mustChannelStatsEventually(t, n2, "dr", "ch", func(s channelStatsDoc) bool { return s.DeferredCount == 2 })
	expectNotBefore(t, n2, due)
}

func waitForFile(t *testing.T, path, content string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), content) {
			return
		}
		require.False(t, time.Now().After(deadline), "%s never contained %s: %q", path, content, b)
		time.Sleep(5 * time.Millisecond)
	}
}

// copyDataPath copies the files of a live data path into a new directory.
func copyDataPath(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a temporary file renamed since the listing: as if copied before it was made
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), b, 0600))
	}
	return to
}

// TestDeferredThroughDiskKeepsDelay: with --mem-queue-size=0 a DPUB to a
// topic without channels goes to disk and still waits for its deadline.
func TestDeferredThroughDiskKeepsDelay(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 0 })
	p := mustConnect(t, n)
	due := time.Now().Add(1500 * time.Millisecond)
	p.CmdBody("DPUB disk 1500", []byte("later"))
	p.ExpectOK(t)
	expectNotBefore(t, n, map[string]map[string]time.Time{"disk": {"later": due}})
}

func mustChannelStatsEventually(t *testing.T, n *testcluster.NSQD, topic, channel string, ok func(channelStatsDoc) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := mustChannelStats(t, n, topic, channel)
		if ok(s) {
			return
		}
		require.False(t, time.Now().After(deadline), "channel %s:%s stats never matched: %+v", topic, channel, s)
		time.Sleep(5 * time.Millisecond)
	}
}
