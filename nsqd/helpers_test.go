package nsqd_test

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// durableMode runs every daemon these tests start with --mem-queue-size=0
// unless the test sets the size itself: `go test ./nsqd/ -args -nsqd.durable`.
var durableMode = flag.Bool("nsqd.durable", false, "start nsqd with --mem-queue-size=0 in the daemon tests")

// skipIfDurable skips a test that is about the memory queue.
func skipIfDurable(t *testing.T, why string) {
	t.Helper()
	if *durableMode {
		t.Skip("-nsqd.durable: " + why)
	}
}

// testDefaults are the options every daemon these tests start gets before
// its own: debug logging, timeouts swept promptly, and the memory queue off
// under -nsqd.durable.
func testDefaults(o *nsqd.Options) {
	o.LogLevel = lg.DEBUG
	o.QueueScanRefreshInterval = 100 * time.Millisecond
	if *durableMode {
		o.MemQueueSize = 0
	}
}

// startNSQD is the one way these tests start an nsqd: testcluster.StartNSQD
// with testDefaults applied before options (nil ones are skipped). The
// daemon stops when the test ends, or on Stop.
func startNSQD(t testing.TB, options ...testcluster.Option) *testcluster.NSQD {
	t.Helper()
	return testcluster.StartNSQD(t, append([]testcluster.Option{testDefaults}, options...)...)
}

// mustConnect opens a TCP connection to n and sends the V2 magic.
func mustConnect(t testing.TB, n *testcluster.NSQD) *test.Conn {
	t.Helper()
	return test.DialV2(t, n.TCPAddr)
}

// mustSubscribe connects, sends IDENTIFY (a 25 ms output buffer timeout
// unless fields says otherwise, so that buffered messages show up quickly)
// and SUB topic channel. RDY is left at 0.
func mustSubscribe(t testing.TB, n *testcluster.NSQD, topic, channel string, fields map[string]any) *test.Conn {
	t.Helper()
	c := mustConnect(t, n)
	id := map[string]any{"output_buffer_timeout": 25}
	for k, v := range fields {
		id[k] = v
	}
	c.Identify(t, id)
	c.Cmd("SUB " + topic + " " + channel)
	c.ExpectOK(t)
	return c
}

// mustPublish publishes each body with PUB over a new TCP connection.
func mustPublish(t testing.TB, n *testcluster.NSQD, topic string, bodies ...string) {
	t.Helper()
	c := mustConnect(t, n)
	for _, b := range bodies {
		c.CmdBody("PUB "+topic, []byte(b))
		c.ExpectOK(t)
	}
	c.Close()
}

// mustHTTPPost POSTs to path?params on n's HTTP listener and requires 200.
func mustHTTPPost(t testing.TB, n *testcluster.NSQD, path string, params url.Values) {
	t.Helper()
	r := test.HTTPPost(t, n.URL()+path+"?"+params.Encode(), "")
	require.Equal(t, http.StatusOK, r.Code, "POST %s: %s", path, r)
}

// getStats fetches /stats?format=json plus extra query (each parameter
// starting with "&"), checks that it is a compact V1 JSON answer and
// returns it decoded and raw.
func getStats(t testing.TB, n *testcluster.NSQD, query string) (statsDoc, []byte) {
	t.Helper()
	r := test.HTTPGet(t, n.URL()+"/stats?format=json"+query)
	hExpectJSON(t, r)
	var s statsDoc
	require.NoError(t, json.Unmarshal(r.Body, &s), "decoding stats %q", r.Body)
	return s, r.Body
}

// mustStats fetches GET /stats?format=json.
func mustStats(t testing.TB, n *testcluster.NSQD) statsDoc {
	t.Helper()
	s, _ := getStats(t, n, "")
	return s
}

// topicOf returns the stats of one topic, or nil when it does not exist.
func topicOf(t testing.TB, n *testcluster.NSQD, topic string) *topicStatsDoc {
	t.Helper()
	return mustStats(t, n).topic(topic)
}

// channelOf returns the stats of one channel, or nil when it or its topic
// does not exist.
func channelOf(t testing.TB, n *testcluster.NSQD, topic, channel string) *channelStatsDoc {
	t.Helper()
	tp := topicOf(t, n, topic)
	if tp == nil {
		return nil
	}
	return tp.channel(channel)
}

// topicNames lists the topics of /stats, sorted.
func topicNames(t testing.TB, n *testcluster.NSQD) []string {
	t.Helper()
	var names []string
	for _, tp := range mustStats(t, n).Topics {
		names = append(names, tp.TopicName)
	}
	sort.Strings(names)
	return names
}

// mustTopicStats returns the stats of one topic, failing if it is absent.
func mustTopicStats(t testing.TB, n *testcluster.NSQD, topic string) topicStatsDoc {
	t.Helper()
	tp := topicOf(t, n, topic)
	require.NotNil(t, tp, "topic %q not in /stats", topic)
	return *tp
}

// mustChannelStats returns the stats of one channel, failing if it is absent.
func mustChannelStats(t testing.TB, n *testcluster.NSQD, topic, channel string) channelStatsDoc {
	t.Helper()
	tp := mustTopicStats(t, n, topic)
	ch := tp.channel(channel)
	require.NotNil(t, ch, "channel %q of topic %q not in /stats", channel, topic)
	return *ch
}

// channelClientCount is the channel's client count, or -1 while the topic
// or channel does not exist yet (for polling asynchronous subscribers).
func channelClientCount(t testing.TB, n *testcluster.NSQD, topic, channel string) int {
	t.Helper()
	ch := channelOf(t, n, topic, channel)
	if ch == nil {
		return -1
	}
	return ch.ClientCount
}

// statsDoc is the part of the /stats JSON document the tests look at.
type statsDoc struct {
	Version   string           `json:"version"`
	Health    string           `json:"health"`
	StartTime int64            `json:"start_time"`
	Draining  bool             `json:"draining"`
	Topics    []topicStatsDoc  `json:"topics"`
	Producers []clientStatsDoc `json:"producers"`
}

type topicStatsDoc struct {
	TopicName    string            `json:"topic_name"`
	Channels     []channelStatsDoc `json:"channels"`
	Depth        int64             `json:"depth"`
	BackendDepth int64             `json:"backend_depth"`
	MessageCount uint64            `json:"message_count"`
	MessageBytes uint64            `json:"message_bytes"`
	Paused       bool              `json:"paused"`
	DroppedCount uint64            `json:"dropped_count"`
	ExpiredCount uint64            `json:"expired_count"`
}

type channelStatsDoc struct {
	ChannelName   string           `json:"channel_name"`
	Depth         int64            `json:"depth"`
	BackendDepth  int64            `json:"backend_depth"`
	InFlightCount int              `json:"in_flight_count"`
	DeferredCount int              `json:"deferred_count"`
	MessageCount  uint64           `json:"message_count"`
	GlobalCount   uint64           `json:"global_msg_count"`
	RequeueCount  uint64           `json:"requeue_count"`
	TimeoutCount  uint64           `json:"timeout_count"`
	ClientCount   int              `json:"client_count"`
	Clients       []clientStatsDoc `json:"clients"`
	Paused        bool             `json:"paused"`

	DeadLetterCount uint64 `json:"dead_letter_count"`
	DroppedCount    uint64 `json:"dropped_count"`
	ExpiredCount    uint64 `json:"expired_count"`
}

type clientStatsDoc struct {
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	Version       string `json:"version"`
	RemoteAddress string `json:"remote_address"`
	State         int32  `json:"state"`
	ReadyCount    int64  `json:"ready_count"`
	InFlightCount int64  `json:"in_flight_count"`
	MessageCount  uint64 `json:"message_count"`
	FinishCount   uint64 `json:"finish_count"`
	RequeueCount  uint64 `json:"requeue_count"`
	SampleRate    int32  `json:"sample_rate"`
	UserAgent     string `json:"user_agent"`
	ConnectTS     int64  `json:"connect_ts"`
	PubCounts     []struct {
		Topic string `json:"topic"`
		Count uint64 `json:"count"`
	} `json:"pub_counts"`
}

func (s statsDoc) topic(name string) *topicStatsDoc {
	for i := range s.Topics {
		if s.Topics[i].TopicName == name {
			return &s.Topics[i]
		}
	}
	return nil
}

func (tp topicStatsDoc) channel(name string) *channelStatsDoc {
	for i := range tp.Channels {
		if tp.Channels[i].ChannelName == name {
			return &tp.Channels[i]
		}
	}
	return nil
}
