package clusterinfo

// E2ELatency is an end-to-end processing latency report: one node's
// (as parsed from nsqd's /stats) or the merge of several.
type E2ELatency struct {
	Count       int64         `json:"count"`
	Percentiles []*Percentile `json:"percentiles"`
	Topic       string        `json:"topic"`
	Channel     string        `json:"channel"`
	Host        string        `json:"host"`
}

// Percentile is one quantile. A node's entry keeps the Value nsqd reported
// and has Min = Max = Average = Value and Count = the report's count; a
// merged entry has no Value.
type Percentile struct {
	Average  float64  `json:"average"`
	Count    int64    `json:"count"`
	Max      float64  `json:"max"`
	Min      float64  `json:"min"`
	Quantile float64  `json:"quantile"`
	Value    *float64 `json:"value,omitempty"`
}

// fillFromValues completes a freshly decoded node report.
func (e *E2ELatency) fillFromValues() {
	if e == nil {
		return
	}
	for _, p := range e.Percentiles {
		if p.Value != nil {
			p.Min, p.Max, p.Average = *p.Value, *p.Value, *p.Value
		}
		p.Count = e.Count
	}
}

// newE2EAggregate starts an empty merge target.
func newE2EAggregate(topic, channel, host string) *E2ELatency {
	return &E2ELatency{Topic: topic, Channel: channel, Host: host}
}

// Add merges in into e: percentiles are matched by quantile (new ones are
// appended), max and min are the extremes, the average is weighted by
// count. The reference takes min from the maxima; this uses the minima.
func (e *E2ELatency) Add(in *E2ELatency) {
	if in == nil {
		return
	}
	e.Count += in.Count
	for _, ip := range in.Percentiles {
		p := e.percentile(ip.Quantile)
		if p == nil {
			p = &Percentile{Quantile: ip.Quantile, Min: ip.Min, Max: ip.Max}
			e.Percentiles = append(e.Percentiles, p)
		}
		p.Max = max(p.Max, ip.Max)
		p.Min = min(p.Min, ip.Min)
		p.Count += ip.Count
		if p.Count > 0 {
			p.Average += (ip.Average - p.Average) * float64(ip.Count) / float64(p.Count)
		}
	}
}

func (e *E2ELatency) percentile(q float64) *Percentile {
	for _, p := range e.Percentiles {
		if p.Quantile == q {
			return p
		}
	}
	return nil
}
