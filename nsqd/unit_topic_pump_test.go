package nsqd

import (
	"fmt"
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

// Publishers racing with pauses, new channels and a pump that parks
// whenever the topic queue runs empty leave no message behind.
func TestTopicPumpParkingUnderConcurrentUse(t *testing.T) {
	d := newFakeDeps(t, 16)
	top := newTopic("t", &d.queueDeps, func(*Topic) {})
	defer top.Close()
	top.Start()
	c := top.GetChannel("c")
	const publishers, each = 4, 250
	done := make(chan error, publishers)
	for p := range publishers {
		go func() {
			for i := range each {
				id := fmt.Sprintf("%016x", p*each+i)
				if err := top.PutMessage(testMessage(id, "x")); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for i := range 50 {
		require.NoError(t, top.Pause())
		top.GetChannel(fmt.Sprintf("late%d", i))
		require.NoError(t, top.UnPause())
	}
	for range publishers {
		require.NoError(t, <-done)
	}
	test.Eventually(t, 5*time.Second, func() bool { return c.Depth() == publishers*each },
		"the channel got every message")
	expectPumpParks(t, top)
	require.Zero(t, top.Depth())
}
