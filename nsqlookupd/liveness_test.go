package nsqlookupd_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/require"
)

func TestTombstoneHidesProducerForLifetime(t *testing.T) {
	t.Parallel()
	l := start(t, func(o *nsqlookupd.Options) { o.TombstoneLifetime = time.Second })
	p1, p2 := defaultPeer(1), defaultPeer(2)
	a := connectPeer(t, l, p1, "t1 c1", "t2")
	b := connectPeer(t, l, p2, "t1")
	l.post(t, "/topic/tombstone?topic=t1&node=127.0.0.1:4161")
	// hidden from /lookup of t1 only; /nodes still lists it, flagged
	require.EqualValues(t, `{"channels":["c1"],"producers":[`+b.producerJSON(p2)+`]}`, l.get(t, "/lookup?topic=t1"))
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t2")))
	nodes := nodeSummaries(t, l)
	require.Contains(t, nodes[a.conn.LocalAddr().String()], "t1:true")
	require.Contains(t, nodes[a.conn.LocalAddr().String()], "t2:false")
	require.EqualValues(t, "t1:false", nodes[b.conn.LocalAddr().String()])
	// a REGISTER while tombstoned does not clear it
	a.cmd("REGISTER t1", "OK")
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t1")))
	// after the lifetime it is back, though the raw flag stays set
	test.Eventually(t, 5*time.Second, func() bool { return len(l.lookupProducers(t, "t1")) == 2 })
	require.Contains(t, l.get(t, "/debug"), `"tombstoned":true`)
	require.EqualValues(t, 0, strings.Count(l.get(t, "/nodes"), "true"))
}

func TestTombstoneClearedByReregistration(t *testing.T) {
	t.Parallel()
	l := start(t)
	a := connectPeer(t, l, defaultPeer(1), "t1")
	l.post(t, "/topic/tombstone?topic=t1&node=127.0.0.1:4161")
	require.EqualValues(t, 0, len(l.lookupProducers(t, "t1")))
	a.cmd("UNREGISTER t1", "OK")
	a.cmd("REGISTER t1", "OK")
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t1")))
}

func TestTombstoneNodeForms(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	p.Broadcast = "::1"
	connectPeer(t, l, p, "t1", "t2", "t3")
	l.post(t, "/topic/tombstone?topic=t1&node=::1:4161")       // the reference's form
	l.post(t, "/topic/tombstone?topic=t2&node=%5B::1%5D:4161") // bracketed, as nsqadmin sends
	l.post(t, "/topic/tombstone?topic=t3&node=::1:4150")       // TCP port: no match
	require.EqualValues(t, 0, len(l.lookupProducers(t, "t1")))
	require.EqualValues(t, 0, len(l.lookupProducers(t, "t2")))
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t3")))
}

func TestInactiveProducerTimeout(t *testing.T) {
	t.Parallel()
	l := start(t, func(o *nsqlookupd.Options) { o.InactiveProducerTimeout = time.Second })
	c := connectPeer(t, l, defaultPeer(1), "t1")
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t1")))
	require.EqualValues(t, 1, countNodes(t, l))
	test.Eventually(t, 5*time.Second, func() bool {
		return len(l.lookupProducers(t, "t1")) == 0 && countNodes(t, l) == 0
	})
	// still registered: the next PING makes it visible again
	require.EqualValues(t, `{"topics":["t1"]}`, l.get(t, "/topics"))
	c.cmd("PING", "OK")
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t1")))
	require.EqualValues(t, 1, countNodes(t, l))
}

func countNodes(t testing.TB, l *lookupd) int {
	t.Helper()
	var resp struct{ Producers []json.RawMessage }
	json.Unmarshal([]byte(l.get(t, "/nodes")), &resp)
	return len(resp.Producers)
}
