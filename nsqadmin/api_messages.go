package nsqadmin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
)

// The message browser: GET /api/messages/:topic[/:channel] shows the
// messages every producer of the topic holds (queued at topic level, or in
// a channel queued, in flight or deferred) without consuming them; POST
// /api/messages/:topic/:channel delivers now or deletes one deferred
// message on one node. Bodies are data: with --admin-user set, only admins
// receive them.

const (
	messagesDefault = 100
	messagesMax     = 1000
)

var (
	errInvalidN       = httpapi.Err{Code: 400, Text: "INVALID_ARG_N"}
	errInvalidState   = httpapi.Err{Code: 400, Text: "INVALID_ARG_STATE"}
	errInvalidMsgID   = httpapi.Err{Code: 400, Text: "INVALID_ARG_ID"}
	errMessageMissing = httpapi.Err{Code: 404, Text: "MESSAGE_NOT_FOUND"}
)

// messagesDoc is the body of GET /api/messages/...
type messagesDoc struct {
	Messages     []*clusterinfo.PeekedMessage `json:"messages"`
	BodiesHidden bool                         `json:"bodies_hidden"`
	Message      string                       `json:"message"`
}

func (s *httpServer) doTopicMessages(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	return s.peekMessages(req, ps.ByName("topic"), "")
}

func (s *httpServer) doChannelMessages(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	return s.peekMessages(req, ps.ByName("topic"), ps.ByName("channel"))
}

// peekArgs reads n (default 100, at most 1,000) and state (default
// queued; a topic has only queued messages).
func peekArgs(req *http.Request, channel string) (int, string, error) {
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return 0, "", errInvalidRequest
	}
	n := messagesDefault
	if v := q.Get("n"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > messagesMax {
			return 0, "", errInvalidN
		}
	}
	state := q.Get("state")
	switch {
	case state == "":
		state = "queued"
	case state == "queued":
	case channel != "" && (state == "in_flight" || state == "deferred"):
	default:
		return 0, "", errInvalidState
	}
	return n, state, nil
}

func (s *httpServer) peekMessages(req *http.Request, topic, channel string) (any, error) {
	n, state, err := peekArgs(req, channel)
	if err != nil {
		return nil, err
	}
	w := &warnings{n: s.n}
	producers, err := s.topicProducers(w, topic)
	if err != nil {
		return nil, err
	}
	msgs, err := s.n.ci.PeekMessages(topic, channel, state, n, producers)
	if err := w.check(err); err != nil {
		return nil, err
	}
	doc := messagesDoc{Messages: msgs, Message: w.message()}
	if doc.Messages == nil {
		doc.Messages = []*clusterinfo.PeekedMessage{}
	}
	if !s.n.isAdmin(req) {
		doc.BodiesHidden = true
		for _, m := range doc.Messages {
			m.Body = nil
		}
	}
	return doc, nil
}

// doDeferredMessage delivers now or deletes one deferred message; the
// node must be a producer of the topic, so nsqadmin relays to no other
// address.
func (s *httpServer) doDeferredMessage(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if !s.n.isAdmin(req) {
		return nil, errForbidden
	}
	var body struct {
		Action string `json:"action"`
		ID     string `json:"id"`
		Node   string `json:"node"`
	}
	if err := readBody(req, &body); err != nil {
		return nil, err
	}
	if body.Action != "deliver" && body.Action != "delete" {
		return nil, errInvalidAction
	}
	if len(body.ID) != 16 {
		return nil, errInvalidMsgID
	}
	topic, channel := ps.ByName("topic"), ps.ByName("channel")
	w := &warnings{n: s.n}
	producers, err := s.topicProducers(w, topic)
	if err != nil {
		return nil, err
	}
	if producers.Search(body.Node) == nil {
		return nil, errNodeNotFound
	}
	s.n.notify(req, body.Action+"_deferred_message", topic, channel, body.Node)
	err = s.n.ci.DeferredMessage(body.Node, topic, channel, body.ID, body.Action)
	if errors.Is(err, clusterinfo.ErrMessageNotFound) {
		return nil, errMessageMissing
	}
	if err != nil {
		return nil, w.check(err)
	}
	return messageOnly{w.message()}, nil
}
