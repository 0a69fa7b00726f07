package nsqd

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

func expectPumpParks(t *testing.T, top *Topic) {
	t.Helper()
	test.Eventually(t, 5*time.Second, func() bool { return !top.pumpRunning.Load() }, "the topic's pump parks")
}

// A topic's pump runs only while it has something to fan out: not before
// Start, not for messages waiting for a channel or an UnPause; the channel
// or the UnPause starts it, and it parks again once the queue is empty.
func TestTopicPumpRunsOnlyWithWork(t *testing.T) {
	for _, memQueue := range []int64{10, 0} {
		d := newFakeDeps(t, memQueue)
		top := newTopic("t", &d.queueDeps, func(*Topic) {})
		require.NoError(t, top.PutMessage(testMessage("000000000000000a", "a")))
		require.False(t, top.pumpRunning.Load(), "a pump runs before Start")
		top.Start()
		expectPumpParks(t, top)
		require.EqualValues(t, 1, top.Depth(), "the message left without a channel")

		c := top.GetChannel("c")
		test.Eventually(t, 5*time.Second, func() bool { return c.Depth() == 1 })
		expectPumpParks(t, top)
		require.Zero(t, top.Depth())

		require.NoError(t, top.Pause())
		require.NoError(t, top.PutMessage(testMessage("000000000000000b", "b")))
		require.False(t, top.pumpRunning.Load(), "a pump runs while paused")
		require.EqualValues(t, 1, top.Depth())
		require.NoError(t, top.UnPause())
		test.Eventually(t, 5*time.Second, func() bool { return c.Depth() == 2 })
		expectPumpParks(t, top)
		require.NoError(t, top.Close())
	}
}
