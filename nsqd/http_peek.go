package nsqd

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
)

// The message browser's endpoints. GET /topic/peek and /channel/peek show
// up to n messages (default 10, at most 1,000) without consuming them;
// POST /channel/deferred/deliver and /channel/deferred/delete act on one
// deferred message. Arguments are checked as the other topic and channel
// endpoints check theirs, then n, state or id, then whether the topic,
// channel and message exist.

const (
	peekDefault = 10
	peekMax     = 1000
)

var (
	errInvalidPeekN     = httpapi.Err{Code: 400, Text: "INVALID_ARG_N"}
	errInvalidPeekState = httpapi.Err{Code: 400, Text: "INVALID_ARG_STATE"}
	errMissingMsgID     = httpapi.Err{Code: 400, Text: "MISSING_ARG_ID"}
	errInvalidMsgID     = httpapi.Err{Code: 400, Text: "INVALID_ARG_ID"}
	errMsgNotFound      = httpapi.Err{Code: 404, Text: "MESSAGE_NOT_FOUND"}
	errPeekFailed       = httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
)

func (s *httpServer) addPeekRoutes(r *httprouter.Router, v1 func(httpapi.Handler) httprouter.Handle) {
	r.GET("/topic/peek", v1(s.doTopicPeek))
	r.GET("/channel/peek", v1(s.doChannelPeek))
	r.POST("/channel/deferred/deliver", v1(s.doDeferredAction))
	r.POST("/channel/deferred/delete", v1(s.doDeferredAction))
}

// peekCount reads n.
func peekCount(v url.Values) (int, error) {
	s, ok := v["n"]
	if !ok {
		return peekDefault, nil
	}
	n, err := strconv.Atoi(s[0])
	if err != nil || n < 1 || n > peekMax {
		return 0, errInvalidPeekN
	}
	return n, nil
}

func (s *httpServer) doTopicPeek(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	name, err := topicName(req, true)
	if err != nil {
		return nil, err
	}
	v, _ := queryValues(req)
	n, err := peekCount(v)
	if err != nil {
		return nil, err
	}
	t, err := s.nsqd.GetExistingTopic(name)
	if err != nil {
		return nil, errTopicNotFoundHTTP()
	}
	entries, err := t.peekQueued(n)
	if err != nil {
		return nil, errPeekFailed
	}
	return answerOf(entries, t.Name(), false), nil
}

func (s *httpServer) doChannelPeek(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	var n int
	state := "queued"
	t, c, err := s.channelRequest(req, func(v url.Values) (err error) {
		if st, ok := v["state"]; ok {
			state = st[0]
		}
		if n, err = peekCount(v); err != nil {
			return err
		}
		if state != "queued" && state != "in_flight" && state != "deferred" {
			return errInvalidPeekState
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var entries []peekEntry
	switch state {
	case "queued":
		if entries, err = c.peekQueued(n); err != nil {
			return nil, errPeekFailed
		}
	case "in_flight":
		entries = c.peekInFlight(n)
	default:
		entries = c.peekDeferred(n)
	}
	return answerOf(entries, t.Name(), state == "in_flight"), nil
}

// doDeferredAction delivers now (…/deliver) or deletes (…/delete) one
// deferred message.
func (s *httpServer) doDeferredAction(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	var id MessageID
	_, c, err := s.channelRequest(req, func(v url.Values) (err error) {
		id, err = messageIDArg(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	act := c.deliverDeferred
	if req.URL.Path == "/channel/deferred/delete" {
		act = c.deleteDeferred
	}
	switch err := act(id); err {
	case nil:
		return nil, nil
	case errNotDeferred:
		return nil, errMsgNotFound
	case errExiting:
		return nil, httpapi.Err{Code: 503, Text: "EXITING"}
	default:
		return nil, errPeekFailed
	}
}

// messageIDArg reads id: the 16 hex characters of a message ID.
func messageIDArg(v url.Values) (MessageID, error) {
	var id MessageID
	s, ok := v["id"]
	if !ok {
		return id, errMissingMsgID
	}
	if len(s[0]) != MsgIDLength {
		return id, errInvalidMsgID
	}
	copy(id[:], s[0])
	return id, nil
}
