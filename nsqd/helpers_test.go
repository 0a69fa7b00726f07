package nsqd_test

import (
	"flag"
	"net/http"
	"net/url"
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

// daemonDefaults are the options every daemon these tests start gets before
// its own: the memory queue off under -nsqd.durable.
func daemonDefaults(o *nsqd.Options) {
	if *durableMode {
		o.MemQueueSize = 0
	}
}

// startNSQD starts an nsqd through testcluster.StartNSQD with debug logging
// and timeouts swept promptly; configure (may be nil) adjusts the options
// before New. The daemon exits when the test ends.
func startNSQD(t *testing.T, configure func(*nsqd.Options)) *nsqd.NSQD {
	t.Helper()
	return testcluster.StartNSQD(t, daemonDefaults, func(o *nsqd.Options) {
		o.LogLevel = lg.DEBUG
		o.QueueScanRefreshInterval = 100 * time.Millisecond
	}, configure).NSQD
}

// mustConnect opens a TCP connection to n and sends the V2 magic.
func mustConnect(t *testing.T, n *nsqd.NSQD) *test.Conn {
	t.Helper()
	return test.DialV2(t, n.RealTCPAddr().String())
}

// mustSubscribe connects, sends IDENTIFY (a 25 ms output buffer timeout
// unless fields says otherwise, so that buffered messages show up quickly)
// and SUB topic channel. RDY is left at 0.
func mustSubscribe(t *testing.T, n *nsqd.NSQD, topic, channel string, fields map[string]any) *test.Conn {
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
func mustPublish(t *testing.T, n *nsqd.NSQD, topic string, bodies ...string) {
	t.Helper()
	c := mustConnect(t, n)
	for _, b := range bodies {
		c.CmdBody("PUB "+topic, []byte(b))
		c.ExpectOK(t)
	}
	c.Close()
}

// mustHTTPPost POSTs to path?params on n's HTTP listener and requires 200.
func mustHTTPPost(t *testing.T, n *nsqd.NSQD, path string, params url.Values) {
	t.Helper()
	u := "http://" + n.RealHTTPAddr().String() + path + "?" + params.Encode()
	test.HTTPExpect(t, http.StatusOK, http.MethodPost, u, nil)
}

// mustStats fetches GET /stats?format=json.
func mustStats(t testing.TB, n *nsqd.NSQD) statsDoc {
	t.Helper()
	var s statsDoc
	test.HTTPGetJSON(t, "http://"+n.RealHTTPAddr().String()+"/stats?format=json", &s)
	return s
}

// mustTopicStats returns the stats of one topic, failing if it is absent.
func mustTopicStats(t *testing.T, n *nsqd.NSQD, topic string) topicStatsDoc {
	t.Helper()
	tp := mustStats(t, n).topic(topic)
	require.NotNil(t, tp, "topic %q not in /stats", topic)
	return *tp
}

// mustChannelStats returns the stats of one channel, failing if it is absent.
func mustChannelStats(t *testing.T, n *nsqd.NSQD, topic, channel string) channelStatsDoc {
	t.Helper()
	tp := mustTopicStats(t, n, topic)
	ch := tp.channel(channel)
	require.NotNil(t, ch, "channel %q of topic %q not in /stats", channel, topic)
	return *ch
}

// channelClientCount is the channel's client count, or -1 while the topic
// or channel does not exist yet (for polling asynchronous subscribers).
func channelClientCount(t *testing.T, n *nsqd.NSQD, topic, channel string) int {
	t.Helper()
	tp := mustStats(t, n).topic(topic)
	if tp == nil {
		return -1
	}
	ch := tp.channel(channel)
	if ch == nil {
		return -1
	}
	return ch.ClientCount
}

// statsDoc is the part of the /stats JSON document the tests look at.
type statsDoc struct {
	Version   string           `json:"version"`
	Health    string           `json:"health"`
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
