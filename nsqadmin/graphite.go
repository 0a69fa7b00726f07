package nsqadmin

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

var (
	errInvalidMetric = httpapi.Err{Code: 400, Text: "INVALID_ARG_METRIC"}
	errInvalidTarget = httpapi.Err{Code: 400, Text: "INVALID_ARG_TARGET"}
	errInternal      = httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
)

// graphiteProxy forwards GET <base>/render to the graphite host: scheme
// and host become the graphite URL's, path and query stay as received,
// the client's Host header is kept, X-Forwarded-* are added, and the
// graphite URL's user:password becomes HTTP Basic auth.
func (n *NSQAdmin) graphiteProxy() http.Handler {
	target := n.graphiteURL
	o := n.getOpts()
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = target.Scheme
			pr.Out.URL.Host = target.Host
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			if target.User != nil {
				pass, _ := target.User.Password()
				pr.Out.SetBasicAuth(target.User.Username(), pass)
			}
		},
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: o.HTTPClientConnectTimeout}).DialContext,
			ResponseHeaderTimeout: o.HTTPClientRequestTimeout,
		},
		ErrorLog: lg.StdLogger(o.Logger, "graphite proxy"),
	}
}

// graphiteSeries is one series of graphite's render?format=json: a list
// of [value, timestamp] pairs, value null where there is no data.
type graphiteSeries struct {
	Datapoints [][]*float64 `json:"datapoints"`
}

// doGraphite answers the per-second rate of a graphite counter target
// over the last statsd interval.
func (s *httpServer) doGraphite(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	if q.Get("metric") != "rate" {
		return nil, errInvalidMetric
	}
	target := q.Get("target")
	if target == "" {
		return nil, errInvalidTarget
	}
	o := s.n.getOpts()
	interval := int(o.StatsdInterval.Seconds())
	gq := url.Values{
		"format": {"json"},
		"from":   {fmt.Sprintf("-%dsec", 2*interval)},
		"until":  {fmt.Sprintf("-%dsec", interval)},
		"target": {target},
	}
	var series []graphiteSeries
	if err := s.n.ci.GetRaw(o.GraphiteURL+"/render?"+gq.Encode(), &series); err != nil {
		s.n.logf(lg.ERROR, "graphite request failed - %s", err)
		return nil, errInternal
	}
	return struct {
		Rate string `json:"rate"`
	}{rate(series, interval)}, nil
}

// rate is the first datapoint of the first series divided by interval,
// or "N/A" when there is none or it is negative.
func rate(series []graphiteSeries, interval int) string {
	if len(series) == 0 || len(series[0].Datapoints) == 0 || len(series[0].Datapoints[0]) == 0 {
		return "N/A"
	}
	v := series[0].Datapoints[0][0]
	if v == nil || *v < 0 || interval <= 0 {
		return "N/A"
	}
	return strconv.FormatFloat(*v/float64(interval), 'f', 2, 64)
}
