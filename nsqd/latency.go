package nsqd

import "github.com/nsqgo/nsq/internal/quantile"

// LatencyStats is the e2e_processing_latency object of /stats.
type LatencyStats = quantile.Result

// newLatencyStream returns the channel's e2e latency sketch, or nil when no
// --e2e-processing-latency-percentile is configured (a nil sketch ignores
// inserts and reports {"count":0,"percentiles":null}).
func newLatencyStream(opts *Options) *quantile.Quantile {
	if len(opts.E2EProcessingLatencyPercentiles) == 0 {
		return nil
	}
	return quantile.New(opts.E2EProcessingLatencyWindowTime, opts.E2EProcessingLatencyPercentiles)
}
