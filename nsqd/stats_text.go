package nsqd

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/version"
)

// MemStats is the memory object of /stats.
type MemStats struct {
	HeapObjects       uint64 `json:"heap_objects"`
	HeapIdleBytes     uint64 `json:"heap_idle_bytes"`
	HeapInUseBytes    uint64 `json:"heap_in_use_bytes"`
	HeapReleasedBytes uint64 `json:"heap_released_bytes"`
	GCPauseUsec100    uint64 `json:"gc_pause_usec_100"`
	GCPauseUsec99     uint64 `json:"gc_pause_usec_99"`
	GCPauseUsec95     uint64 `json:"gc_pause_usec_95"`
	NextGCBytes       uint64 `json:"next_gc_bytes"`
	GCTotalRuns       uint32 `json:"gc_total_runs"`
}

// getMemStats reads the Go runtime's memory figures.
func getMemStats() *MemStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n := min(int(ms.NumGC), len(ms.PauseNs))
	pauses := append([]uint64(nil), ms.PauseNs[:n]...)
	sort.Slice(pauses, func(i, j int) bool { return pauses[i] < pauses[j] })
	pct := func(p float64) uint64 {
		if n == 0 {
			return 0
		}
		idx := min(int(p/100*float64(n)+0.5), n-1)
		return pauses[idx] / 1000
	}
	return &MemStats{
		HeapObjects: ms.HeapObjects, HeapIdleBytes: ms.HeapIdle,
		HeapInUseBytes: ms.HeapInuse, HeapReleasedBytes: ms.HeapReleased,
		GCPauseUsec100: pct(100), GCPauseUsec99: pct(99), GCPauseUsec95: pct(95),
		NextGCBytes: ms.NextGC, GCTotalRuns: ms.NumGC,
	}
}

// boolParam: true/1 → true, false/0 → false, anything else → true.
func boolParam(v []string) bool {
	if len(v) == 0 {
		return true
	}
	return v[0] != "false" && v[0] != "0"
}

func (s *httpServer) doStats(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	v, err := queryValues(req)
	if err != nil {
		return nil, err
	}
	first := func(k string) string {
		if x := v[k]; len(x) > 0 {
			return x[0]
		}
		return ""
	}
	includeClients, includeMem := boolParam(v["include_clients"]), boolParam(v["include_mem"])
	st := s.nsqd.GetStats(first("topic"), first("channel"), includeClients)
	if includeMem {
		st.Memory = getMemStats()
	}
	if first("format") == "json" {
		return st, nil
	}
	var b strings.Builder
	s.nsqd.writeTextStats(&b, st)
	return b.String(), nil
}

func (n *NSQD) writeTextStats(w io.Writer, st Stats) {
	fmt.Fprintf(w, "%s\nstart_time %s\nuptime %s\n\nHealth: %s\n",
		version.String("nsqd"), n.startTime.Format(time.RFC3339), time.Since(n.startTime), st.Health)
	if st.Draining {
		fmt.Fprintf(w, "Draining: true\n")
	}
	if st.Memory != nil {
		writeTextMem(w, st.Memory)
	}
	if len(st.Topics) == 0 {
		fmt.Fprintf(w, "\nTopics: None\n")
	} else {
		fmt.Fprintf(w, "\nTopics:")
	}
	for _, t := range st.Topics {
		writeTextTopic(w, t)
	}
	if len(st.Producers) == 0 {
		fmt.Fprintf(w, "\nProducers: None\n")
		return
	}
	fmt.Fprintf(w, "\nProducers:\n")
	for _, c := range st.Producers {
		fmt.Fprintf(w, "   %s\n", producerLine(c))
	}
}

func writeTextMem(w io.Writer, m *MemStats) {
	fmt.Fprintf(w, "\nMemory:\n")
	rows := []struct {
		k string
		v uint64
	}{
		{"heap_objects", m.HeapObjects}, {"heap_idle_bytes", m.HeapIdleBytes},
		{"heap_in_use_bytes", m.HeapInUseBytes}, {"heap_released_bytes", m.HeapReleasedBytes},
		{"gc_pause_usec_100", m.GCPauseUsec100}, {"gc_pause_usec_99", m.GCPauseUsec99},
		{"gc_pause_usec_95", m.GCPauseUsec95}, {"next_gc_bytes", m.NextGCBytes},
		{"gc_total_runs", uint64(m.GCTotalRuns)},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "   %-25s\t%d\n", r.k, r.v)
	}
}

func writeTextTopic(w io.Writer, t TopicStats) {
	p := "   "
	if t.Paused {
		p = "*P "
	}
	fmt.Fprintf(w, "\n%s[%-15s] depth: %-5d be-depth: %-5d msgs: %-8d e2e%%: %s%s\n",
		p, t.TopicName, t.Depth, t.BackendDepth, t.MessageCount, e2eText(t.E2E), policyText(0, t.PolicyCounts))
	for _, c := range t.Channels {
		p := "      "
		if c.Paused {
			p = "   *P "
		}
		fmt.Fprintf(w, "%s[%-25s] depth: %-5d be-depth: %-5d inflt: %-4d def: %-4d re-q: %-5d timeout: %-5d msgs: %-8d e2e%%: %s%s\n",
			p, c.ChannelName, c.Depth, c.BackendDepth, c.InFlightCount, c.DeferredCount,
			c.RequeueCount, c.TimeoutCount, c.MessageCount, e2eText(c.E2E), policyText(c.DeadLetterCount, c.PolicyCounts))
		for _, cl := range c.Clients {
			fmt.Fprintf(w, "        %s\n", consumerLine(cl))
		}
	}
}

func clientIdent(c ClientStats) string {
	port := c.RemoteAddress
	if i := strings.LastIndex(port, ":"); i >= 0 {
		port = port[i+1:]
	}
	return fmt.Sprintf("%s:%s %s", c.Hostname, port, c.UserAgent)
}

func consumerLine(c ClientStats) string {
	return fmt.Sprintf("[V2 %-21s] state: %d inflt: %-4d rdy: %-4d fin: %-8d re-q: %-8d msgs: %-8d connected: %s",
		clientIdent(c), c.State, c.InFlightCount, c.ReadyCount, c.FinishCount,
		c.RequeueCount, c.MessageCount, connectedFor(c.ConnectTime))
}

func producerLine(c ClientStats) string {
	var total uint64
	parts := make([]string, 0, len(c.PubCounts))
	for _, p := range c.PubCounts {
		parts = append(parts, fmt.Sprintf("%s=%d", p.Topic, p.Count))
		total += p.Count
	}
	return fmt.Sprintf("[V2 %-21s] msgs: %-8d topics: %s connected: %s",
		clientIdent(c), total, strings.Join(parts, ","), connectedFor(c.ConnectTime))
}

// e2eText formats percentile values with a unit, comma-separated.
func e2eText(ls *LatencyStats) string {
	parts := make([]string, 0, len(ls.Percentiles))
	for _, p := range ls.Percentiles {
		v := p.Value
		switch {
		case v > 1e9:
			parts = append(parts, fmt.Sprintf("%0.1fs", v/1e9))
		case v > 1e6:
			parts = append(parts, fmt.Sprintf("%0.1fms", v/1e6))
		case v > 1e3:
			parts = append(parts, fmt.Sprintf("%0.1fus", v/1e3))
		default:
			parts = append(parts, fmt.Sprintf("%0.1fns", v))
		}
	}
	return strings.Join(parts, ", ")
}

// cipherSuiteName names the TLS ≤1.2 suites the reference knows, else
// "Unknown <n>".
func cipherSuiteName(id uint16) string {
	switch id {
	case tls.TLS_RSA_WITH_RC4_128_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
		tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return tls.CipherSuiteName(id)
	}
	return fmt.Sprintf("Unknown %d", id)
}

// policyText is the tail of a topic or channel line with the counters of
// dead-lettering and queue limits; empty while they are all 0, so the line
// stays NSQ's.
func policyText(deadLettered uint64, pc PolicyCounts) string {
	if deadLettered == 0 && pc == (PolicyCounts{}) {
		return ""
	}
	return fmt.Sprintf(" dead-lettered: %d dropped: %d expired: %d", deadLettered, pc.DroppedCount, pc.ExpiredCount)
}
