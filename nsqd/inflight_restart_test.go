package nsqd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/require"
)

// TestInFlightSurvivesCrash: with --mem-queue-size=0 a copy of the data
// path taken while messages are in flight (what kill -9 leaves) delivers
// every message not finished again, with the attempt count it had before
// the interrupted delivery, and none of the finished ones, although some
// were finished ahead of older ones still in flight.
func TestInFlightSurvivesCrash(t *testing.T) {
	t.Parallel()
	durable := func(o *nsqd.Options) { o.MemQueueSize = 0; o.SyncEvery = 1 }
	r := &restartable{t: t, path: t.TempDir(), opts: durable}
	n := r.start()
	c := mustSubscribe(t, n, "inf", "ch", nil)
	defer c.Close()
	var bodies []string
	for i := range 10 {
		bodies = append(bodies, fmt.Sprintf("m%d", i))
	}
	mustPublish(t, n, "inf", bodies...)
	c.Cmd("RDY 10")
	msgs := c.ReadMessages(t, 10)
	var open []string
	for i, m := range msgs {
		require.EqualValues(t, 1, m.Attempts)
		if i%2 == 1 {
			c.Cmd("FIN " + m.ID)
		} else {
			open = append(open, string(m.Body))
		}
	}
	// Every FIN is ahead of the oldest message in flight: all five are in
	// the sidecar once synced.
	side := filepath.Join(r.path, "inf:ch.diskqueue.done.dat")
	test.Eventually(t, 5*time.Second, func() bool {
		fi, err := os.Stat(side)
		return err == nil && fi.Size() == 5*20
	}, "five finished records in "+side)
	crashed := &restartable{t: t, path: copyDataPath(t, r.path), opts: durable}

	n2 := crashed.start()
	c2 := mustSubscribe(t, n2, "inf", "ch", nil)
	defer c2.Close()
	c2.Cmd("RDY 10")
	var again []string
	for _, m := range c2.ReadMessages(t, len(open)) {
		require.EqualValues(t, 1, m.Attempts, "%s", m.Body)
		again = append(again, string(m.Body))
	}
	sort.Strings(again)
	require.Equal(t, open, again)
	s := mustChannelStats(t, n2, "inf", "ch")
	require.Zero(t, s.Depth, "finished messages queued again: %+v", s)
	require.Equal(t, len(open), s.InFlightCount)
}
