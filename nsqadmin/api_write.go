package nsqadmin

import (
	"encoding/json"
	"net/http"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/protocol"
)

var (
	errForbidden      = httpapi.Err{Code: 403, Text: "FORBIDDEN"}
	errInvalidTopic   = httpapi.Err{Code: 400, Text: "INVALID_TOPIC"}
	errInvalidChannel = httpapi.Err{Code: 400, Text: "INVALID_CHANNEL"}
	errInvalidAction  = httpapi.Err{Code: 400, Text: "INVALID_ACTION"}
	errInvalidBody    = httpapi.Err{Code: 400, Text: "INVALID_BODY"}
)

// readBody decodes the JSON body into v; a decoding error is a 400 with
// its text.
func readBody(req *http.Request, v any) error {
	if err := json.NewDecoder(req.Body).Decode(v); err != nil {
		return httpapi.Err{Code: 400, Text: err.Error()}
	}
	return nil
}

// doCreateTopicChannel creates a topic, and optionally one of its
// channels, through the lookupds.
func (s *httpServer) doCreateTopicChannel(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	var body struct {
		Topic   string `json:"topic"`
		Channel string `json:"channel"`
	}
	if err := readBody(req, &body); err != nil {
		return nil, err
	}
	if !protocol.IsValidTopicName(body.Topic) {
		return nil, errInvalidTopic
	}
	if body.Channel != "" && !protocol.IsValidChannelName(body.Channel) {
		return nil, errInvalidChannel
	}
	w := &warnings{n: s.n}
	lookupds, _ := s.addrs()
	if err := w.check(s.n.ci.CreateTopicChannel(body.Topic, body.Channel, lookupds)); err != nil {
		return nil, err
	}
	s.n.notify(req, "create_topic", body.Topic, "", "")
	if body.Channel != "" {
		s.n.notify(req, "create_channel", body.Topic, body.Channel, "")
	}
	return messageOnly{w.message()}, nil
}

func (s *httpServer) doTopicAction(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	return s.topicChannelAction(req, ps.ByName("topic"), "")
}

func (s *httpServer) doChannelAction(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	return s.topicChannelAction(req, ps.ByName("topic"), ps.ByName("channel"))
}

// topicChannelAction pauses, unpauses or empties a topic (channel "") or
// a channel on every producer of the topic. The notification goes out
// before the outcome is known, as the reference does.
func (s *httpServer) topicChannelAction(req *http.Request, topic, channel string) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	var body struct {
		Action string `json:"action"`
	}
	if err := readBody(req, &body); err != nil {
		return nil, err
	}
	run := s.actionFunc(body.Action, topic, channel)
	if run == nil {
		return nil, errInvalidAction
	}
	kind := "_topic"
	if channel != "" {
		kind = "_channel"
	}
	s.n.notify(req, body.Action+kind, topic, channel, "")
	w := &warnings{n: s.n}
	if err := w.check(run()); err != nil {
		return nil, err
	}
	return messageOnly{w.message()}, nil
}

// actionFunc returns the cluster call of action, or nil for an unknown one.
func (s *httpServer) actionFunc(action, topic, channel string) func() error {
	ci := s.n.ci
	l, n := s.addrs()
	if channel == "" {
		switch action {
		case "pause":
			return func() error { return ci.PauseTopic(topic, l, n) }
		case "unpause":
			return func() error { return ci.UnPauseTopic(topic, l, n) }
		case "empty":
			return func() error { return ci.EmptyTopic(topic, l, n) }
		}
		return nil
	}
	switch action {
	case "pause":
		return func() error { return ci.PauseChannel(topic, channel, l, n) }
	case "unpause":
		return func() error { return ci.UnPauseChannel(topic, channel, l, n) }
	case "empty":
		return func() error { return ci.EmptyChannel(topic, channel, l, n) }
	}
	return nil
}

func (s *httpServer) doDeleteTopic(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	topic := ps.ByName("topic")
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	if err := w.check(s.n.ci.DeleteTopic(topic, lookupds, nsqds)); err != nil {
		return nil, err
	}
	s.n.notify(req, "delete_topic", topic, "", "")
	return messageOnly{w.message()}, nil
}

func (s *httpServer) doDeleteChannel(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	topic, channel := ps.ByName("topic"), ps.ByName("channel")
	w := &warnings{n: s.n}
	lookupds, nsqds := s.addrs()
	if err := w.check(s.n.ci.DeleteChannel(topic, channel, lookupds, nsqds)); err != nil {
		return nil, err
	}
	s.n.notify(req, "delete_channel", topic, channel, "")
	return messageOnly{w.message()}, nil
}

// doTombstoneTopicNode tombstones the body's topic for the node on every
// lookupd and deletes the topic on that node.
func (s *httpServer) doTombstoneTopicNode(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	node := ps.ByName("node")
	var body struct {
		Topic string `json:"topic"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		return nil, errInvalidBody
	}
	if !protocol.IsValidTopicName(body.Topic) {
		return nil, errInvalidTopic
	}
	w := &warnings{n: s.n}
	lookupds, _ := s.addrs()
	if err := w.check(s.n.ci.TombstoneNodeForTopic(body.Topic, node, lookupds)); err != nil {
		return nil, err
	}
	s.n.notify(req, "tombstone_topic_producer", body.Topic, "", node)
	return messageOnly{w.message()}, nil
}
