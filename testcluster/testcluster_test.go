package testcluster_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

func TestStartCluster(t *testing.T) {
	c := testcluster.StartCluster(t, 2)
	for _, n := range c.NSQDs {
		n.CreateChannel(t, "tc", "ch")
		n.PublishN(t, "tc", 2)
	}
	c.Lookupd.WaitRegistered(t, "tc")
	n := c.NSQDs[0]
	cs, ok := n.ChannelStats("tc", "ch")
	require.True(t, ok, "channel tc/ch exists")
	require.EqualValues(t, 2, cs.Depth)
	require.False(t, n.Drained("tc", "ch", 2), "drained with 2 messages queued")
	n.Post(t, "/channel/empty", url.Values{"topic": {"tc"}, "channel": {"ch"}}, "")
	n.Stop()
	n.Stop() // again: a no-op, as is the cleanup
}

func TestStartNSQDOptions(t *testing.T) {
	dir := t.TempDir()
	n := testcluster.StartNSQD(t, testcluster.WithDataPath(dir), testcluster.WithLogLevel(lg.WARN),
		func(o *nsqd.Options) { o.MaxMsgSize = 1234 })
	require.Equal(t, dir, n.Opts.DataPath)
	require.Equal(t, lg.WARN, n.Opts.LogLevel)
	require.EqualValues(t, 1234, n.Opts.MaxMsgSize)
	require.Equal(t, "http://"+n.HTTPAddr, n.URL())
	require.Equal(t, http.StatusOK, test.HTTPGet(t, n.URL()+"/ping").Code, "GET /ping at URL")
	n.CreateChannel(t, "opt", "c")
	n.Stop()
	select {
	case <-n.Exited():
	default:
		require.Fail(t, "Exited is not closed after Stop")
	}
	require.NoError(t, n.MainErr())

	// A second nsqd over the same data finds the channel in its metadata.
	again := testcluster.StartNSQD(t, testcluster.WithDataPath(dir))
	_, ok := again.ChannelStats("opt", "c")
	require.True(t, ok, "channel opt/c restored")
}
