package nsqd

import (
	"net"
	"strconv"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/statsd"
)

// statsdLoop pushes metrics to --statsd-address every --statsd-interval
// as UDP statsd lines. Counters carry the change since the previous push.
func (n *NSQD) statsdLoop() {
	opts := n.getOpts()
	ticker := time.NewTicker(opts.StatsdInterval)
	defer ticker.Stop()
	prev := statsdCounters{}
	for {
		select {
		case <-ticker.C:
			prev = n.statsdPush(prev)
		case <-n.exitChan:
			return
		}
	}
}

// statsdCounters remembers counter totals by metric name for the deltas.
type statsdCounters map[string]uint64

func (n *NSQD) statsdPush(prev statsdCounters) statsdCounters {
	opts := n.getOpts()
	conn, err := net.DialTimeout("udp", opts.StatsdAddress, time.Second)
	if err != nil {
		n.logf(lg.ERROR, "failed to create UDP socket to statsd(%s) - %s", opts.StatsdAddress, err)
		return prev
	}
	defer conn.Close()
	packer := statsd.NewPacker(opts.StatsdUDPPacketSize)
	sw := &statsdWriter{c: statsd.NewClient(packer, opts.StatsdPrefix), prev: prev, next: statsdCounters{}}
	st := n.GetStats("", "", false)
	for _, t := range st.Topics {
		if opts.StatsdExcludeEphemeral && protocol.IsEphemeral(t.TopicName) {
			continue
		}
		sw.topic(t, opts)
	}
	if opts.StatsdMemStats {
		sw.mem(getMemStats())
	}
	n.logf(lg.INFO, "STATSD: pushing stats to %s", opts.StatsdAddress)
	if err := statsd.Spread(conn, packer.Packets(), statsd.SpreadDuration(opts.StatsdInterval), n.exitChan); err != nil {
		n.logf(lg.ERROR, "STATSD: failed to send - %s", err)
	}
	return sw.next
}

// statsdWriter emits one push's lines, turning counters into deltas.
type statsdWriter struct {
	c          *statsd.Client
	prev, next statsdCounters
}

func (w *statsdWriter) counter(name string, total uint64) {
	w.next[name] = total
	w.c.Incr(name, int64(total-w.prev[name]))
}

func (w *statsdWriter) topic(t TopicStats, opts *Options) {
	base := "topic." + t.TopicName
	w.counter(base+".message_count", t.MessageCount)
	w.counter(base+".message_bytes", t.MessageBytes)
	w.c.Gauge(base+".depth", t.Depth)
	w.c.Gauge(base+".backend_depth", t.BackendDepth)
	w.policyCounters(base, t.PolicyCounts)
	w.percentiles(base, t.E2E)
	for _, c := range t.Channels {
		if opts.StatsdExcludeEphemeral && protocol.IsEphemeral(c.ChannelName) {
			continue
		}
		w.channel(base+".channel."+c.ChannelName, c)
	}
}

func (w *statsdWriter) channel(base string, c ChannelStats) {
	w.counter(base+".message_count", c.MessageCount)
	w.c.Gauge(base+".depth", c.Depth)
	w.c.Gauge(base+".backend_depth", c.BackendDepth)
	w.c.Gauge(base+".in_flight_count", int64(c.InFlightCount))
	w.c.Gauge(base+".deferred_count", int64(c.DeferredCount))
	w.counter(base+".requeue_count", c.RequeueCount)
	w.counter(base+".timeout_count", c.TimeoutCount)
	if c.DeadLetterCount > 0 {
		w.counter(base+".dead_letter_count", c.DeadLetterCount)
	}
	w.policyCounters(base, c.PolicyCounts)
	w.c.Gauge(base+".clients", int64(c.ClientCount))
	w.percentiles(base, c.E2E)
}

func (w *statsdWriter) percentiles(base string, ls *LatencyStats) {
	for _, p := range ls.Percentiles {
		name := base + ".e2e_processing_latency_" + strconv.FormatFloat(p.Quantile*100, 'f', 0, 64)
		w.c.Gauge(name, int64(p.Value))
	}
}

func (w *statsdWriter) mem(m *MemStats) {
	w.c.Gauge("mem.heap_objects", int64(m.HeapObjects))
	w.c.Gauge("mem.heap_idle_bytes", int64(m.HeapIdleBytes))
	w.c.Gauge("mem.heap_in_use_bytes", int64(m.HeapInUseBytes))
	w.c.Gauge("mem.heap_released_bytes", int64(m.HeapReleasedBytes))
	w.c.Gauge("mem.gc_pause_usec_100", int64(m.GCPauseUsec100))
	w.c.Gauge("mem.gc_pause_usec_99", int64(m.GCPauseUsec99))
	w.c.Gauge("mem.gc_pause_usec_95", int64(m.GCPauseUsec95))
	w.c.Gauge("mem.next_gc_bytes", int64(m.NextGCBytes))
	w.counter("mem.gc_runs", uint64(m.GCTotalRuns))
}

// policyCounters pushes the counters of queue limits once they are used,
// so a node without limits pushes NSQ's keys only.
func (w *statsdWriter) policyCounters(base string, pc PolicyCounts) {
	if pc.DroppedCount > 0 {
		w.counter(base+".dropped_count", pc.DroppedCount)
	}
	if pc.ExpiredCount > 0 {
		w.counter(base+".expired_count", pc.ExpiredCount)
	}
}
