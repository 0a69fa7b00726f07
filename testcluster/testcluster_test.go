package testcluster_test

import (
	"net/url"
	"testing"

	"github.com/nsqgo/nsq/testcluster"
)

func TestStartCluster(t *testing.T) {
	c := testcluster.StartCluster(t, 2)
	for _, n := range c.NSQDs {
		n.CreateChannel(t, "tc", "ch")
		n.PublishN(t, "tc", 2)
	}
	c.Lookupd.WaitRegistered(t, "tc")
	n := c.NSQDs[0]
	if cs, ok := n.ChannelStats("tc", "ch"); !ok || cs.Depth != 2 {
		t.Fatalf("channel stats %+v, %v", cs, ok)
	}
	if n.Drained("tc", "ch", 2) {
		t.Fatal("drained with 2 messages queued")
	}
	n.Post(t, "/channel/empty", url.Values{"topic": {"tc"}, "channel": {"ch"}}, "")
	n.Stop()
	n.Stop() // again: a no-op, as is the cleanup
}
