package nsqd

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/version"
)

// metricsContentType is the Prometheus text exposition format 0.0.4.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// doMetrics serves GET /metrics in the Prometheus text format: per topic
// and per channel series, process figures, and per-client series only
// with ?clients=true (they grow with every connection).
func (s *httpServer) doMetrics(w http.ResponseWriter, req *http.Request, _ httprouter.Params) {
	v, err := queryValues(req)
	if err != nil {
		http.Error(w, "INVALID_REQUEST", 400)
		return
	}
	withClients := len(v["clients"]) > 0 && (v["clients"][0] == "true" || v["clients"][0] == "1")
	st := s.nsqd.GetStats("", "", withClients)
	w.Header().Set("Content-Type", metricsContentType)
	bw := bufio.NewWriter(w)
	writeMetrics(bw, st, s.nsqd, withClients)
	bw.Flush()
}

// metricWriter writes families: one HELP and TYPE header, then samples.
type metricWriter struct {
	w io.Writer
}

func (m metricWriter) family(name, typ, help string) {
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (m metricWriter) sample(name string, value float64, labels ...string) {
	io.WriteString(m.w, name)
	if len(labels) > 0 {
		io.WriteString(m.w, "{")
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				io.WriteString(m.w, ",")
			}
			fmt.Fprintf(m.w, "%s=\"%s\"", labels[i], escapeLabel(labels[i+1]))
		}
		io.WriteString(m.w, "}")
	}
	io.WriteString(m.w, " "+strconv.FormatFloat(value, 'g', -1, 64)+"\n")
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// topicMetric and channelMetric describe one family each.
type topicMetric struct {
	name, typ, help string
	value           func(TopicStats) float64
}

type channelMetric struct {
	name, typ, help string
	value           func(ChannelStats) float64
}

var topicMetrics = []topicMetric{
	{"nsq_topic_depth", "gauge", "Messages queued at topic level (memory + disk).", func(t TopicStats) float64 { return float64(t.Depth) }},
	{"nsq_topic_backend_depth", "gauge", "Messages queued in the topic's disk queue.", func(t TopicStats) float64 { return float64(t.BackendDepth) }},
	{"nsq_topic_messages_total", "counter", "Messages published to the topic.", func(t TopicStats) float64 { return float64(t.MessageCount) }},
	{"nsq_topic_message_bytes_total", "counter", "Body bytes published to the topic.", func(t TopicStats) float64 { return float64(t.MessageBytes) }},
	{"nsq_topic_channels", "gauge", "Channels of the topic.", func(t TopicStats) float64 { return float64(len(t.Channels)) }},
	{"nsq_topic_paused", "gauge", "1 if the topic is paused.", func(t TopicStats) float64 { return boolFloat(t.Paused) }},
	{"nsq_topic_dropped_total", "counter", "Messages the topic's drop_oldest overflow policy discarded.", func(t TopicStats) float64 { return float64(t.DroppedCount) }},
	{"nsq_topic_expired_total", "counter", "Messages the topic discarded for exceeding its msg_ttl.", func(t TopicStats) float64 { return float64(t.ExpiredCount) }},
}

var channelMetrics = []channelMetric{
	{"nsq_channel_depth", "gauge", "Messages queued in the channel (memory + disk).", func(c ChannelStats) float64 { return float64(c.Depth) }},
	{"nsq_channel_backend_depth", "gauge", "Messages queued in the channel's disk queue.", func(c ChannelStats) float64 { return float64(c.BackendDepth) }},
	{"nsq_channel_in_flight_messages", "gauge", "Messages delivered and not yet finished.", func(c ChannelStats) float64 { return float64(c.InFlightCount) }},
	{"nsq_channel_deferred_messages", "gauge", "Messages deferred by DPUB or REQ with a delay.", func(c ChannelStats) float64 { return float64(c.DeferredCount) }},
	{"nsq_channel_messages_total", "counter", "Messages that entered the channel.", func(c ChannelStats) float64 { return float64(c.MessageCount) }},
	{"nsq_channel_requeued_total", "counter", "Messages requeued by REQ.", func(c ChannelStats) float64 { return float64(c.RequeueCount) }},
	{"nsq_channel_timed_out_total", "counter", "In-flight messages that timed out.", func(c ChannelStats) float64 { return float64(c.TimeoutCount) }},
	{"nsq_channel_clients", "gauge", "Consumers connected to the channel.", func(c ChannelStats) float64 { return float64(c.ClientCount) }},
	{"nsq_channel_paused", "gauge", "1 if the channel is paused.", func(c ChannelStats) float64 { return boolFloat(c.Paused) }},
	{"nsq_channel_dead_lettered_total", "counter", "Messages sent to the channel's dead-letter topic after max_attempts deliveries.", func(c ChannelStats) float64 { return float64(c.DeadLetterCount) }},
	{"nsq_channel_dropped_total", "counter", "Messages the channel's drop_oldest overflow policy discarded.", func(c ChannelStats) float64 { return float64(c.DroppedCount) }},
	{"nsq_channel_expired_total", "counter", "Messages the channel discarded for exceeding its msg_ttl.", func(c ChannelStats) float64 { return float64(c.ExpiredCount) }},
}

func writeMetrics(w io.Writer, st Stats, n *NSQD, withClients bool) {
	m := metricWriter{w}
	m.family("nsq_info", "gauge", "Constant 1, labelled with the version.")
	m.sample("nsq_info", 1, "version", version.Binary)
	m.family("nsq_up", "gauge", "1 if the last disk write succeeded (/ping healthy).")
	m.sample("nsq_up", boolFloat(n.IsHealthy()))
	m.family("nsq_draining", "gauge", "1 while the node drains (POST /drain).")
	m.sample("nsq_draining", boolFloat(st.Draining))
	for _, tm := range topicMetrics {
		m.family(tm.name, tm.typ, tm.help)
		for _, t := range st.Topics {
			m.sample(tm.name, tm.value(t), "topic", t.TopicName)
		}
	}
	for _, cm := range channelMetrics {
		m.family(cm.name, cm.typ, cm.help)
		for _, t := range st.Topics {
			for _, c := range t.Channels {
				m.sample(cm.name, cm.value(c), "topic", t.TopicName, "channel", c.ChannelName)
			}
		}
	}
	writeLatencyMetrics(m, st)
	writeClientMetrics(m, st, n, withClients)
	writeProcessMetrics(m)
}

func writeLatencyMetrics(m metricWriter, st Stats) {
	const name = "nsq_channel_e2e_processing_latency_seconds"
	m.family(name, "gauge", "End-to-end processing latency percentiles (publish to FIN).")
	for _, t := range st.Topics {
		for _, c := range t.Channels {
			for _, p := range c.E2E.Percentiles {
				m.sample(name, p.Value/1e9, "topic", t.TopicName, "channel", c.ChannelName,
					"quantile", strconv.FormatFloat(p.Quantile, 'g', -1, 64))
			}
		}
	}
}

func writeClientMetrics(m metricWriter, st Stats, n *NSQD, withClients bool) {
	conns := 0
	n.tcpServer.conns.Range(func(_, _ any) bool { conns++; return true })
	m.family("nsq_tcp_connections", "gauge", "Open TCP protocol connections.")
	m.sample("nsq_tcp_connections", float64(conns))
	if !withClients {
		return
	}
	m.family("nsq_client_in_flight_messages", "gauge", "Messages in flight to one consumer.")
	for _, t := range st.Topics {
		for _, c := range t.Channels {
			for _, cl := range c.Clients {
				m.sample("nsq_client_in_flight_messages", float64(cl.InFlightCount), "topic", t.TopicName,
					"channel", c.ChannelName, "client_id", cl.ClientID, "remote_address", cl.RemoteAddress)
			}
		}
	}
	m.family("nsq_client_published_total", "counter", "Messages one producer published.")
	for _, p := range st.Producers {
		for _, pc := range p.PubCounts {
			m.sample("nsq_client_published_total", float64(pc.Count), "topic", pc.Topic,
				"client_id", p.ClientID, "remote_address", p.RemoteAddress)
		}
	}
}

func writeProcessMetrics(m metricWriter) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.family("go_goroutines", "gauge", "Number of goroutines.")
	m.sample("go_goroutines", float64(runtime.NumGoroutine()))
	m.family("go_memstats_heap_inuse_bytes", "gauge", "Heap bytes in use.")
	m.sample("go_memstats_heap_inuse_bytes", float64(ms.HeapInuse))
	m.family("go_memstats_sys_bytes", "gauge", "Bytes obtained from the OS.")
	m.sample("go_memstats_sys_bytes", float64(ms.Sys))
	m.family("go_gc_cycles_total", "counter", "Completed GC cycles.")
	m.sample("go_gc_cycles_total", float64(ms.NumGC))
	if rss, ok := residentBytes(); ok {
		m.family("process_resident_memory_bytes", "gauge", "Resident set size in bytes.")
		m.sample("process_resident_memory_bytes", float64(rss))
	}
}

// residentBytes reads the RSS from /proc (Linux only).
func residentBytes() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
