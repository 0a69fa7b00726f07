package nsqlookupd

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/lg"
)

// The write endpoints: they change this lookupd's view only, never the
// nsqd nodes.

func (s *httpServer) doCreateTopic(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	_, topic, err := topicParam(req, true)
	if err != nil {
		return nil, err
	}
	s.l.logf(lg.INFO, "DB: adding topic(%s)", topic)
	s.l.db.AddRegistration(Registration{categoryTopic, topic, ""})
	return nil, nil
}

func (s *httpServer) doDeleteTopic(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	_, topic, err := topicParam(req, false)
	if err != nil {
		return nil, err
	}
	s.l.logf(lg.INFO, "DB: removing topic(%s) and its channels", topic)
	s.l.db.DeleteTopic(topic)
	return nil, nil
}

func (s *httpServer) doTombstoneTopicProducer(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	q, topic, err := topicParam(req, false)
	if err != nil {
		return nil, err
	}
	node, err := q.get("node", errMissingNode)
	if err != nil {
		return nil, err
	}
	s.l.logf(lg.INFO, "DB: setting tombstone for producer@%s of topic(%s)", node, topic)
	s.l.db.Tombstone(topic, node, time.Now())
	return nil, nil
}

func (s *httpServer) doCreateChannel(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	topic, channel, err := topicChannelParams(req)
	if err != nil {
		return nil, err
	}
	s.l.logf(lg.INFO, "DB: adding channel(%s) in topic(%s)", channel, topic)
	s.l.db.AddRegistration(Registration{categoryChannel, topic, channel})
	s.l.logf(lg.INFO, "DB: adding topic(%s)", topic)
	s.l.db.AddRegistration(Registration{categoryTopic, topic, ""})
	return nil, nil
}

func (s *httpServer) doDeleteChannel(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	topic, channel, err := topicChannelParams(req)
	if err != nil {
		return nil, err
	}
	if !s.l.db.DeleteChannel(topic, channel) {
		return nil, errChannelNotFound
	}
	s.l.logf(lg.INFO, "DB: removed channel(%s) in topic(%s)", channel, topic)
	return nil, nil
}
