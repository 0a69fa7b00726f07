package nsqd

import "sync"

// latencyStream collects end-to-end processing latencies (FIN time minus
// publish time) for the percentiles of --e2e-processing-latency-percentile.
// It is nil when none are configured.
type latencyStream struct {
	mu          sync.Mutex
	percentiles []float64
	count       int64
}

func newLatencyStream(opts *Options) *latencyStream {
	if len(opts.E2EProcessingLatencyPercentiles) == 0 {
		return nil
	}
	return &latencyStream{percentiles: opts.E2EProcessingLatencyPercentiles}
}

func (s *latencyStream) add(ns int64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.count++
	s.mu.Unlock()
}

// mergedLatency renders the e2e_processing_latency object over streams.
func mergedLatency(percentiles []float64, streams []*latencyStream) LatencyStats {
	var ls LatencyStats
	if len(percentiles) == 0 || len(streams) == 0 {
		return ls
	}
	for _, s := range streams {
		if s == nil {
			continue
		}
		s.mu.Lock()
		ls.Count += s.count
		s.mu.Unlock()
	}
	return ls
}
