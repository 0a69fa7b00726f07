package nsqadmin

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
)

// The routes below mirror nsqd's settings, redrive and drain endpoints
// under /api: a channel's or topic's settings are read from and written to
// every nsqd that has the topic, and the counters of the answers are
// summed; a drain goes to one node.

func (s *httpServer) addPolicyRoutes(r *httprouter.Router, bp func(string) string, v1 func(httpapi.Handler) httprouter.Handle) {
	r.GET(bp("/api/channel/config"), v1(s.forwardToProducers("/channel/config", "")))
	r.POST(bp("/api/channel/config"), v1(s.forwardToProducers("/channel/config", "config_channel")))
	r.POST(bp("/api/channel/redrive"), v1(s.forwardToProducers("/channel/redrive", "redrive_channel")))
	r.GET(bp("/api/topic/config"), v1(s.forwardToProducers("/topic/config", "")))
	r.POST(bp("/api/topic/config"), v1(s.forwardToProducers("/topic/config", "config_topic")))
	r.GET(bp("/api/drain"), v1(s.forwardToNode("GET", "/stats", "")))
	r.POST(bp("/api/drain"), v1(s.forwardToNode("POST", "/drain", "drain_node")))
}

// summed are the answer fields added up across nodes.
var summed = []string{"dead_letter_count", "dead_letter_depth", "dropped_count", "expired_count", "moved", "count"}

// forwardToProducers sends the request's method and query to path on every
// producer of its topic; action, when set, makes it an admin write that is
// notified under that name.
func (s *httpServer) forwardToProducers(path, action string) httpapi.Handler {
	return func(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
		q, err := s.forwardQuery(req, action)
		if err != nil {
			return nil, err
		}
		lookupds, nsqds := s.addrs()
		replies, err := s.n.ci.ForwardToProducers(q.Get("topic"), req.Method, path, q, lookupds, nsqds)
		if err != nil {
			return nil, httpapi.Err{Code: 502, Text: "UPSTREAM_ERROR: " + err.Error()}
		}
		if action != "" {
			s.n.notify(req, action, q.Get("topic"), q.Get("channel"), "")
		}
		return mergeReplies(replies)
	}
}

// forwardQuery checks the admin ACL of a write (action set) and parses the
// query to forward.
func (s *httpServer) forwardQuery(req *http.Request, action string) (url.Values, error) {
	if action != "" && !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	return q, nil
}

// forwardToNode sends the query to path on the node named by the node
// parameter (its HTTP address). The GET form answers whether it drains.
func (s *httpServer) forwardToNode(method, path, action string) httpapi.Handler {
	return func(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
		q, err := s.forwardQuery(req, action)
		if err != nil {
			return nil, err
		}
		node := q.Get("node")
		lookupds, nsqds := s.addrs()
		producers, err := s.n.ci.GetProducers(lookupds, nsqds)
		if err != nil && !clusterinfo.IsPartial(err) {
			return nil, httpapi.Err{Code: 502, Text: "UPSTREAM_ERROR: " + err.Error()}
		}
		if producers.Search(node) == nil {
			return nil, errNodeNotFound
		}
		fq := url.Values{"timeout": q["timeout"]}
		if method == "GET" {
			fq = url.Values{"format": {"json"}, "include_clients": {"false"}, "include_mem": {"false"}, "topic": {" "}}
		}
		if action != "" {
			s.n.notify(req, action, "", "", node)
		}
		r := s.n.ci.Forward(method, node, path, fq)
		if r.Err == nil && r.Code == 200 && method == "GET" {
			var st struct {
				Draining bool `json:"draining"`
			}
			json.Unmarshal(r.Body, &st)
			return st, nil
		}
		return mergeReplies([]clusterinfo.NodeReply{r})
	}
}

// mergeReplies combines the nodes' answers: the first 200 answer with the
// summed fields added up over every 200 answer; else the first answer
// that is neither 200 nor 404 (e.g. a 400 naming a bad value); else 404;
// 502 when no node answered.
func mergeReplies(replies []clusterinfo.NodeReply) (any, error) {
	var merged map[string]any
	var failure error
	notFound := false
	for _, r := range replies {
		switch {
		case r.Err != nil:
			failure = httpapi.Err{Code: 502, Text: "UPSTREAM_ERROR: " + r.Addr + ": " + r.Err.Error()}
		case r.Code == http.StatusOK:
			var m map[string]any
			if json.Unmarshal(r.Body, &m) != nil {
				continue
			}
			merged = addUp(merged, m)
		case r.Code == http.StatusNotFound:
			notFound = true
		default:
			return nil, httpapi.Err{Code: r.Code, Text: upstreamMessage(r.Body)}
		}
	}
	switch {
	case merged != nil:
		return merged, nil
	case notFound || failure == nil:
		return nil, httpapi.Err{Code: 404, Text: "NOT_FOUND"}
	}
	return nil, failure
}

// addUp returns acc with m's summed fields added (m itself when acc is nil).
func addUp(acc, m map[string]any) map[string]any {
	if acc == nil {
		return m
	}
	for _, k := range summed {
		a, _ := acc[k].(float64)
		b, ok := m[k].(float64)
		if ok {
			acc[k] = a + b
		}
	}
	return acc
}

// upstreamMessage is the message of an nsqd error answer, or its body.
func upstreamMessage(body []byte) string {
	var doc struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Message != "" {
		return doc.Message
	}
	return string(body)
}
