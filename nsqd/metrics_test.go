package nsqd_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func scrape(t *testing.T, n *testcluster.NSQD, query string) (map[string]*dto.MetricFamily, http.Header) {
	t.Helper()
	r := test.HTTPGet(t, n.URL()+"/metrics"+query)
	require.EqualValues(t, 200, r.Code, "status")
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	require.NoError(t, err, "exposition does not parse")
	return fams, r.Header
}

// metricValue finds the sample of family name whose labels include want.
func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "family %s missing", name)
	for _, m := range f.Metric {
		if labelsMatch(m, want) {
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			default:
				return m.GetGauge().GetValue()
			}
		}
	}
	require.FailNow(t, "metric not found", "%s%v", name, want)
	return 0
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.Label {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return len(got) == len(want)
}

func TestMetricsExposition(t *testing.T) {
	n := startNSQD(t, func(o *nsqd.Options) {
		o.E2EProcessingLatencyPercentiles = []float64{0.99, 0.5}
	})
	mustPublish(t, n, "mt", "a", "bb", "ccc")
	c := mustSubscribe(t, n, "mt", "ch", nil)
	c.Cmd("RDY 1")
	m := c.ReadMessage(t)
	c.Cmd("FIN " + string(m.ID[:]))
	c.Cmd("RDY 1")
	c.ReadMessage(t)
	test.Eventually(t, test.DefaultTimeout, func() bool {
		return mustChannelStats(t, n, "mt", "ch").InFlightCount == 1
	})

	fams, hdr := scrape(t, n, "")
	ct := hdr.Get("Content-Type")
	require.True(t, strings.HasPrefix(ct, "text/plain; version=0.0.4"), "content type %q", ct)
	topic := map[string]string{"topic": "mt"}
	ch := map[string]string{"topic": "mt", "channel": "ch"}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
		typ    dto.MetricType
	}{
		{"nsq_topic_messages_total", topic, 3, dto.MetricType_COUNTER},
		{"nsq_topic_message_bytes_total", topic, 6, dto.MetricType_COUNTER},
		{"nsq_topic_depth", topic, 0, dto.MetricType_GAUGE},
		{"nsq_topic_channels", topic, 1, dto.MetricType_GAUGE},
		{"nsq_channel_messages_total", ch, 3, dto.MetricType_COUNTER},
		{"nsq_channel_depth", ch, 1, dto.MetricType_GAUGE},
		{"nsq_channel_in_flight_messages", ch, 1, dto.MetricType_GAUGE},
		{"nsq_channel_clients", ch, 1, dto.MetricType_GAUGE},
		{"nsq_channel_requeued_total", ch, 0, dto.MetricType_COUNTER},
		{"nsq_channel_timed_out_total", ch, 0, dto.MetricType_COUNTER},
		{"nsq_channel_paused", ch, 0, dto.MetricType_GAUGE},
		{"nsq_up", map[string]string{}, 1, dto.MetricType_GAUGE},
	}
	for _, ck := range checks {
		assert.Equal(t, ck.typ, fams[ck.name].GetType(), "%s type %v want %v", ck.name, fams[ck.name].GetType(), ck.typ)
		assert.Equal(t, ck.want, metricValue(t, fams, ck.name, ck.labels), ck.name)
	}
	q := map[string]string{"topic": "mt", "channel": "ch", "quantile": "0.99"}
	v := metricValue(t, fams, "nsq_channel_e2e_processing_latency_seconds", q)
	assert.True(t, v > 0 && v <= 60, "e2e p99 %v s", v)
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes"} {
		assert.Positive(t, metricValue(t, fams, name, map[string]string{}), name)
	}
	assert.NotContains(t, fams, "nsq_client_in_flight_messages", "per-client series must be off by default")
	fams, _ = scrape(t, n, "?clients=true")
	f := fams["nsq_client_in_flight_messages"]
	require.NotNil(t, f, "per-client series with clients=true")
	require.Len(t, f.Metric, 1, "per-client series with clients=true")
	require.EqualValues(t, 1, f.Metric[0].GetGauge().GetValue(), "per-client series with clients=true")
}

func TestMetricsLabelEscaping(t *testing.T) {
	skipIfDurable(t, "an ephemeral topic without a channel keeps nothing without a memory queue")
	n := startNSQD(t, nil)
	mustPublish(t, n, "a.b_c-d#ephemeral", "x")
	fams, _ := scrape(t, n, "")
	require.Equal(t, 1.0, metricValue(t, fams, "nsq_topic_depth", map[string]string{"topic": "a.b_c-d#ephemeral"}), "depth")
}

// TestMetricsMatchStats checks every topic and channel series against
// /stats for the same moment (nothing changes in between).
func TestMetricsMatchStats(t *testing.T) {
	n := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 2 })
	mustPublish(t, n, "ma", "1", "2", "3", "4", "5")
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"ma"}, "channel": {"x"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"ma"}, "channel": {"capped"}})
	mustHTTPPost(t, n, "/channel/config", url.Values{"topic": {"ma"}, "channel": {"capped"},
		"max_depth": {"1"}, "overflow": {"drop_oldest"}})
	mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {"mb"}})
	mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {"mb"}, "channel": {"y"}})
	mustPublish(t, n, "ma", "6", "7")
	mustPublish(t, n, "mb", "8")
	c := mustSubscribe(t, n, "ma", "x", nil)
	c.Cmd("RDY 1")
	m := c.ReadMessage(t)
	c.Cmd("REQ " + string(m.ID[:]) + " 0")
	test.Eventually(t, test.DefaultTimeout, func() bool {
		return mustChannelStats(t, n, "ma", "x").RequeueCount == 1
	})
	c.Cmd("RDY 0")
	test.Eventually(t, test.DefaultTimeout, func() bool {
		return mustChannelStats(t, n, "ma", "x").InFlightCount <= 1
	})
	st := mustStats(t, n)
	fams, _ := scrape(t, n, "")
	for _, tp := range st.Topics {
		tl := map[string]string{"topic": tp.TopicName}
		expectMetric(t, fams, "nsq_topic_depth", tl, float64(tp.Depth))
		expectMetric(t, fams, "nsq_topic_backend_depth", tl, float64(tp.BackendDepth))
		expectMetric(t, fams, "nsq_topic_messages_total", tl, float64(tp.MessageCount))
		expectMetric(t, fams, "nsq_topic_message_bytes_total", tl, float64(tp.MessageBytes))
		expectMetric(t, fams, "nsq_topic_dropped_total", tl, float64(tp.DroppedCount))
		expectMetric(t, fams, "nsq_topic_expired_total", tl, float64(tp.ExpiredCount))
		for _, ch := range tp.Channels {
			cl := map[string]string{"topic": tp.TopicName, "channel": ch.ChannelName}
			expectMetric(t, fams, "nsq_channel_depth", cl, float64(ch.Depth))
			expectMetric(t, fams, "nsq_channel_backend_depth", cl, float64(ch.BackendDepth))
			expectMetric(t, fams, "nsq_channel_in_flight_messages", cl, float64(ch.InFlightCount))
			expectMetric(t, fams, "nsq_channel_deferred_messages", cl, float64(ch.DeferredCount))
			expectMetric(t, fams, "nsq_channel_messages_total", cl, float64(ch.MessageCount))
			expectMetric(t, fams, "nsq_channel_requeued_total", cl, float64(ch.RequeueCount))
			expectMetric(t, fams, "nsq_channel_timed_out_total", cl, float64(ch.TimeoutCount))
			expectMetric(t, fams, "nsq_channel_clients", cl, float64(ch.ClientCount))
			expectMetric(t, fams, "nsq_channel_dead_lettered_total", cl, float64(ch.DeadLetterCount))
			expectMetric(t, fams, "nsq_channel_dropped_total", cl, float64(ch.DroppedCount))
			expectMetric(t, fams, "nsq_channel_expired_total", cl, float64(ch.ExpiredCount))
		}
	}
	require.Len(t, st.Topics, 2, "topics")
}

func expectMetric(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	assert.Equal(t, want, metricValue(t, fams, name, labels), "%s%v: the value /stats says", name, labels)
}
