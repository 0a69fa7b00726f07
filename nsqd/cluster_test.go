package nsqd_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/nsqgo/nsq/testcluster"
	gonsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/require"
)

// clusterLookupd is one nsqlookupd of the cluster test.
type clusterLookupd struct {
	*testcluster.Lookupd
	http string
}

func startClusterLookupd(t *testing.T) *clusterLookupd {
	t.Helper()
	l := testcluster.StartLookupd(t, func(o *nsqlookupd.Options) { o.TombstoneLifetime = time.Second })
	return &clusterLookupd{Lookupd: l, http: l.HTTPAddr}
}

// lookupProducers returns the TCP ports /lookup lists for topic.
func (cl *clusterLookupd) lookupProducers(t *testing.T, topic string) []int {
	t.Helper()
	r := test.HTTPGet(t, "http://"+cl.http+"/lookup?topic="+topic)
	var doc struct {
		Producers []struct {
			TCPPort int `json:"tcp_port"`
		} `json:"producers"`
	}
	if r.Code == 404 {
		return nil
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc), "/lookup %s", r)
	var ports []int
	for _, p := range doc.Producers {
		ports = append(ports, p.TCPPort)
	}
	sort.Ints(ports)
	return ports
}

// startClusterNSQD starts an nsqd registered with every lookupd; dataPath
// may be reused to restart a node.
func startClusterNSQD(t *testing.T, dataPath string, lookupds ...*clusterLookupd) *testcluster.NSQD {
	t.Helper()
	var addrs []string
	for _, l := range lookupds {
		addrs = append(addrs, l.TCPAddr)
	}
	return startNSQD(t, testcluster.WithDataPath(dataPath),
		testcluster.WithLogLevel(lg.INFO), testcluster.WithLookupd(addrs...))
}

// clusterSink collects message bodies received by a go-nsq consumer.
type clusterSink struct {
	mu   sync.Mutex
	seen map[string]int
}

func (s *clusterSink) HandleMessage(m *gonsq.Message) error {
	s.mu.Lock()
	s.seen[string(m.Body)]++
	s.mu.Unlock()
	return nil
}

func (s *clusterSink) has(bodies ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range bodies {
		if s.seen[b] == 0 {
			return false
		}
	}
	return true
}

func publishAll(t *testing.T, nodes []*testcluster.NSQD, topic, prefix string, perNode int) []string {
	t.Helper()
	var bodies []string
	for i, n := range nodes {
		for j := 0; j < perNode; j++ {
			b := fmt.Sprintf("%s-%d-%d", prefix, i, j)
			mustPublish(t, n, topic, b)
			bodies = append(bodies, b)
		}
	}
	return bodies
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCluster runs three nsqd registered with two nsqlookupd and a go-nsq
// consumer that discovers them through both lookupds.
func TestCluster(t *testing.T) {
	const topic = "cluster"
	l1, l2 := startClusterLookupd(t), startClusterLookupd(t)
	var nodes []*testcluster.NSQD
	paths := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for _, p := range paths {
		nodes = append(nodes, startClusterNSQD(t, p, l1, l2))
	}
	first := publishAll(t, nodes, topic, "first", 1)
	want := []int{portOf(nodes[0].RealTCPAddr()), portOf(nodes[1].RealTCPAddr()), portOf(nodes[2].RealTCPAddr())}
	sort.Ints(want)
	for _, l := range []*clusterLookupd{l1, l2} {
		test.Eventually(t, 10*time.Second, func() bool { return sameInts(l.lookupProducers(t, topic), want) },
			"lookupd "+l.http+" lists all three producers")
	}

	cfg := gonsq.NewConfig()
	cfg.LookupdPollInterval = 100 * time.Millisecond
	cfg.MaxInFlight = 10
	consumer, err := gonsq.NewConsumer(topic, "ch", cfg)
	require.NoError(t, err)
	consumer.SetLogger(nil, gonsq.LogLevelError)
	sink := &clusterSink{seen: map[string]int{}}
	consumer.AddHandler(sink)
	require.NoError(t, consumer.ConnectToNSQLookupds([]string{l1.http, l2.http}))
	defer consumer.Stop()
	test.Eventually(t, 10*time.Second, func() bool { return sink.has(first...) }, "first round consumed")
	second := publishAll(t, nodes, topic, "second", 10)
	test.Eventually(t, 10*time.Second, func() bool { return sink.has(second...) }, "messages from all three nodes")

	// Losing one lookupd changes nothing for consumers.
	l1.Stop()
	third := publishAll(t, nodes, topic, "third", 5)
	test.Eventually(t, 10*time.Second, func() bool { return sink.has(third...) }, "consumed with one lookupd down")

	// An nsqd that stops disappears from /lookup; its return re-registers it.
	nodes[2].Stop()
	test.Eventually(t, 10*time.Second, func() bool {
		return sameInts(l2.lookupProducers(t, topic), want[:2]) ||
			sameInts(l2.lookupProducers(t, topic), withoutInt(want, portOf(nodes[2].RealTCPAddr())))
	}, "stopped nsqd removed from /lookup")
	restarted := startClusterNSQD(t, paths[2], l2)
	test.Eventually(t, 10*time.Second, func() bool {
		ps := l2.lookupProducers(t, topic)
		return len(ps) == 3 && slices.Contains(ps, portOf(restarted.RealTCPAddr()))
	}, "restarted nsqd registered again from its nsqd.dat")

	// A tombstoned producer is hidden for the tombstone lifetime, then back.
	node := fmt.Sprintf("127.0.0.1:%d", portOf(restarted.RealHTTPAddr()))
	r := test.HTTPPost(t, "http://"+l2.http+"/topic/tombstone?topic="+topic+"&node="+node, "")
	require.EqualValues(t, 200, r.Code, "tombstone: %s", r)
	require.Len(t, l2.lookupProducers(t, topic), 2, "tombstoned producer still listed")
	test.Eventually(t, 10*time.Second, func() bool { return len(l2.lookupProducers(t, topic)) == 3 },
		"tombstone expires and the producer comes back")
	last := publishAll(t, []*testcluster.NSQD{restarted}, topic, "last", 3)
	test.Eventually(t, 10*time.Second, func() bool { return sink.has(last...) }, "consumer reaches the restarted node")
}

func withoutInt(s []int, v int) []int {
	var out []int
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
