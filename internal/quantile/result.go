package quantile

// Result is a Quantile's report. Its JSON form is
// {"count":N,"percentiles":[{"quantile":0.99,"value":123},...]} with
// percentiles in configured order, or {"count":0,"percentiles":null} when
// nothing is configured.
type Result struct {
	Count       int          `json:"count"`
	Percentiles []Percentile `json:"percentiles"`

	sketch *sketch // the samples behind the report, for MergeResults
}

// Percentile is one reported quantile; Value is a latency in nanoseconds.
type Percentile struct {
	Quantile float64 `json:"quantile"`
	Value    float64 `json:"value"`
}

func newResult(s *sketch, percentiles []float64) *Result {
	r := &Result{Count: int(s.n), sketch: s}
	if len(percentiles) == 0 {
		return r
	}
	r.Percentiles = make([]Percentile, len(percentiles))
	for i, p := range percentiles {
		r.Percentiles[i] = Percentile{Quantile: p, Value: s.query(p)}
	}
	return r
}

// MergeResults combines results (e.g. a topic's channels) by merging the
// samples behind them, not their percentile values. The percentiles reported
// are those of the first result that has any; with none it returns an empty
// Result. Nil results are skipped and the inputs are not modified.
func MergeResults(results ...*Result) *Result {
	var percentiles []float64
	merged := &sketch{}
	for _, r := range results {
		if r == nil {
			continue
		}
		if percentiles == nil && len(r.Percentiles) > 0 {
			percentiles = make([]float64, len(r.Percentiles))
			for i, p := range r.Percentiles {
				percentiles[i] = p.Quantile
			}
		}
		merged.merge(r.sketch)
	}
	if percentiles == nil {
		return &Result{}
	}
	return newResult(merged, percentiles)
}
