package nsqadmin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

var (
	errInvalidRequest  = httpapi.Err{Code: 400, Text: "INVALID_REQUEST"}
	errNodeNotFound    = httpapi.Err{Code: 404, Text: "NODE_NOT_FOUND"}
	errChannelNotFound = httpapi.Err{Code: 404, Text: "CHANNEL_NOT_FOUND"}
)

// warnings collects the partial upstream failures of one API request.
type warnings struct {
	n    *NSQAdmin
	msgs []string
}

// check passes a nil error, records a partial one and returns nil, and
// turns a total one into 502 UPSTREAM_ERROR.
func (w *warnings) check(err error) error {
	if err == nil {
		return nil
	}
	if clusterinfo.IsPartial(err) {
		w.n.logf(lg.WARN, "%s", err)
		w.msgs = append(w.msgs, err.Error())
		return nil
	}
	w.n.logf(lg.ERROR, "%s", err)
	return httpapi.Err{Code: 502, Text: "UPSTREAM_ERROR: " + err.Error()}
}

// message is the "message" field: "" or "WARNING: " and the failures.
func (w *warnings) message() string {
	if len(w.msgs) == 0 {
		return ""
	}
	return "WARNING: " + strings.Join(w.msgs, "; ")
}

// messageOnly is the body of the write actions.
type messageOnly struct {
	Message string `json:"message"`
}

func (s *httpServer) addrs() (lookupds, nsqds []string) {
	o := s.n.getOpts()
	return o.NSQLookupdHTTPAddresses, o.NSQDHTTPAddresses
}

func (s *httpServer) doTopics(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	topics, err := s.n.ci.GetTopics(lookupds, nsqds)
	if err := w.check(err); err != nil {
		return nil, err
	}
	if q.Get("inactive") == "true" {
		return struct {
			Topics  map[string][]string `json:"topics"`
			Message string              `json:"message"`
		}{s.inactiveTopics(topics, lookupds), w.message()}, nil
	}
	return struct {
		Topics  []string `json:"topics"`
		Message string   `json:"message"`
	}{topics, w.message()}, nil
}

// inactiveTopics maps each topic no lookupd knows a producer of to its
// channels (nil when none). Upstream errors are ignored.
func (s *httpServer) inactiveTopics(topics, lookupds []string) map[string][]string {
	out := map[string][]string{}
	if len(lookupds) == 0 {
		return out
	}
	for _, t := range topics {
		producers, _ := s.n.ci.GetLookupdTopicProducers(t, lookupds)
		if len(producers) > 0 {
			continue
		}
		channels, _ := s.n.ci.GetLookupdTopicChannels(t, lookupds)
		if len(channels) == 0 {
			channels = nil
		}
		out[t] = channels
	}
	return out
}

// topicProducers returns the nsqd that have topic; a partial failure is
// recorded in w.
func (s *httpServer) topicProducers(w *warnings, topic string) (clusterinfo.Producers, error) {
	lookupds, nsqds := s.addrs()
	producers, err := s.n.ci.GetTopicProducers(topic, lookupds, nsqds)
	return producers, w.check(err)
}

func (s *httpServer) doTopic(_ http.ResponseWriter, _ *http.Request, ps httprouter.Params) (any, error) {
	topic := ps.ByName("topic")
	w := &warnings{n: s.n}
	producers, err := s.topicProducers(w, topic)
	if err != nil {
		return nil, err
	}
	stats, _, err := s.n.ci.GetNSQDStats(producers, topic, "", false)
	if err := w.check(err); err != nil {
		return nil, err
	}
	return struct {
		*clusterinfo.TopicStats
		Message string `json:"message"`
	}{clusterinfo.AggregateTopic(topic, stats), w.message()}, nil
}

func (s *httpServer) doChannel(_ http.ResponseWriter, _ *http.Request, ps httprouter.Params) (any, error) {
	topic, channel := ps.ByName("topic"), ps.ByName("channel")
	w := &warnings{n: s.n}
	producers, err := s.topicProducers(w, topic)
	if err != nil {
		return nil, err
	}
	_, channels, err := s.n.ci.GetNSQDStats(producers, topic, channel, true)
	if err := w.check(err); err != nil {
		return nil, err
	}
	cs := channels[channel]
	if cs == nil {
		return nil, errChannelNotFound
	}
	return struct {
		*clusterinfo.ChannelStats
		Message string `json:"message"`
	}{cs, w.message()}, nil
}

func (s *httpServer) doNodes(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	producers, err := s.n.ci.GetProducers(lookupds, nsqds)
	if err := w.check(err); err != nil {
		return nil, err
	}
	if producers == nil {
		producers = clusterinfo.Producers{}
	}
	return struct {
		Nodes   clusterinfo.Producers `json:"nodes"`
		Message string                `json:"message"`
	}{producers, w.message()}, nil
}

func (s *httpServer) doNode(_ http.ResponseWriter, _ *http.Request, ps httprouter.Params) (any, error) {
	node := ps.ByName("node")
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	producers, err := s.n.ci.GetProducers(lookupds, nsqds)
	if err := w.check(err); err != nil {
		return nil, err
	}
	p := producers.Search(node)
	if p == nil {
		return nil, errNodeNotFound
	}
	topics, _, err := s.n.ci.GetNSQDStats(clusterinfo.Producers{p}, "", "", true)
	if err != nil {
		s.n.logf(lg.ERROR, "%s", err)
		return nil, httpapi.Err{Code: 502, Text: "UPSTREAM_ERROR: " + err.Error()}
	}
	var totalMessages, totalClients int64
	for _, t := range topics {
		totalMessages += t.MessageCount
		for _, ch := range t.Channels {
			totalClients += int64(len(ch.Clients))
		}
	}
	if topics == nil {
		topics = []*clusterinfo.TopicStats{}
	}
	return struct {
		Node          string                    `json:"node"`
		Topics        []*clusterinfo.TopicStats `json:"topics"`
		TotalMessages int64                     `json:"total_messages"`
		TotalClients  int64                     `json:"total_clients"`
		Message       string                    `json:"message"`
	}{node, topics, totalMessages, totalClients, w.message()}, nil
}

// counterStats is one channel on one node in /api/counter.
type counterStats struct {
	Node         string `json:"node"`
	TopicName    string `json:"topic_name"`
	ChannelName  string `json:"channel_name"`
	MessageCount int64  `json:"message_count"`
}

func (s *httpServer) doCounter(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	producers, err := s.n.ci.GetProducers(lookupds, nsqds)
	if err := w.check(err); err != nil {
		return nil, err
	}
	_, channels, err := s.n.ci.GetNSQDStats(producers, "", "", false)
	if err := w.check(err); err != nil {
		return nil, err
	}
	stats := map[string]*counterStats{}
	for _, ch := range channels {
		for _, nc := range ch.NodeStats {
			key := ch.TopicName + ":" + ch.ChannelName + ":" + nc.Node
			cs := stats[key]
			if cs == nil {
				cs = &counterStats{Node: nc.Node, TopicName: ch.TopicName, ChannelName: ch.ChannelName}
				stats[key] = cs
			}
			cs.MessageCount += nc.MessageCount
		}
	}
	return struct {
		Stats   map[string]*counterStats `json:"stats"`
		Message string                   `json:"message"`
	}{stats, w.message()}, nil
}
