package nsqd_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestV2PubAfterTopicDelete: a connection that keeps publishing to a topic
// deleted in between recreates it, as a first PUB would.
func TestV2PubAfterTopicDelete(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	defer c.Close()
	c.CmdBody("PUB gone", []byte("one"))
	c.ExpectOK(t)
	require.EqualValues(t, 1, mustTopicStats(t, n, "gone").MessageCount)

	mustHTTPPost(t, n, "/topic/delete", url.Values{"topic": {"gone"}})
	require.Nil(t, mustStats(t, n).topic("gone"))

	c.CmdBody("PUB gone", []byte("two"))
	c.ExpectOK(t)
	st := mustTopicStats(t, n, "gone")
	require.EqualValues(t, 1, st.MessageCount)
	require.EqualValues(t, 1, st.Depth)
}
