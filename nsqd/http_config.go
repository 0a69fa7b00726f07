package nsqd

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
)

// addPolicyRoutes registers the per-topic and per-channel settings, the
// dead-letter redrive and the node drain.
func (s *httpServer) addPolicyRoutes(r *httprouter.Router, v1 func(httpapi.Handler) httprouter.Handle) {
	r.GET("/channel/config", v1(s.doChannelConfig))
	r.POST("/channel/config", v1(s.doChannelConfig))
	r.POST("/channel/redrive", v1(s.doRedrive))
	r.GET("/topic/config", v1(s.doTopicConfig))
	r.POST("/topic/config", v1(s.doTopicConfig))
	r.POST("/drain", v1(s.doDrain))
}

// channelConfigView is the answer of /channel/config: the channel's
// effective settings, with the node's defaults filled in, and what they
// have done so far.
type channelConfigView struct {
	Topic               string `json:"topic"`
	Channel             string `json:"channel"`
	MaxAttempts         int    `json:"max_attempts"`
	DeadLetterTopic     string `json:"dead_letter_topic"`
	DeadLetterDepth     int64  `json:"dead_letter_depth"`
	RequeueOnDisconnect bool   `json:"requeue_on_disconnect"`
	limitsView
	DeadLetterCount uint64 `json:"dead_letter_count"`
	DroppedCount    uint64 `json:"dropped_count"`
	ExpiredCount    uint64 `json:"expired_count"`
}

// limitsView shows QueueLimits with every field spelled out.
type limitsView struct {
	MaxDepth int64  `json:"max_depth"`
	Overflow string `json:"overflow"`
	MsgTTL   string `json:"msg_ttl"`
}

func viewLimits(l QueueLimits) limitsView {
	return limitsView{MaxDepth: l.MaxDepth, Overflow: l.overflowName(), MsgTTL: time.Duration(l.MsgTTL).String()}
}

func (c *Channel) configView() channelConfigView {
	v := channelConfigView{
		Topic: c.topicName, Channel: c.name,
		MaxAttempts: c.maxAttempts(), DeadLetterTopic: c.deadLetterTopic(),
		RequeueOnDisconnect: c.requeueOnDisconnect(),
		limitsView:          viewLimits(c.limits()),
		DeadLetterCount:     c.policy.deadLettered.Load(),
		DroppedCount:        c.policy.dropped.Load(),
		ExpiredCount:        c.policy.expired.Load(),
	}
	if t := c.existingDeadLetterTopic(); t != nil {
		v.DeadLetterDepth = t.Depth()
	}
	return v
}

// badSetting turns a validation error into a 400.
func badSetting(err error) error {
	var bs errBadSetting
	if errors.As(err, &bs) {
		return httpapi.Err{Code: 400, Text: bs.Error()}
	}
	return err
}

// doChannelConfig shows (GET) or changes (POST) a channel's settings; a
// POST changes the parameters present, all or none, and keeps them in
// nsqd.dat.
func (s *httpServer) doChannelConfig(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	_, c, err := s.existingChannel(req)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodPost {
		q, err := queryValues(req)
		if err != nil {
			return nil, err
		}
		u, err := parseChannelUpdate(q, c.topicName)
		if err != nil {
			return nil, badSetting(err)
		}
		c.setConfig(u.apply(c.config()))
		s.nsqd.persistOrLog()
	}
	return c.configView(), nil
}

// topicConfigView is the answer of /topic/config.
type topicConfigView struct {
	Topic string `json:"topic"`
	limitsView
	DroppedCount uint64 `json:"dropped_count"`
	ExpiredCount uint64 `json:"expired_count"`
}

// doTopicConfig shows (GET) or changes (POST) the limits on a topic's own
// backlog.
func (s *httpServer) doTopicConfig(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	t, err := s.existingTopic(req, true)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodPost {
		q, err := queryValues(req)
		if err != nil {
			return nil, err
		}
		u, err := parseLimitsUpdate(q)
		if err != nil {
			return nil, badSetting(err)
		}
		t.setLimits(u.apply(t.limits()))
		s.nsqd.persistOrLog()
	}
	return topicConfigView{
		Topic: t.name, limitsView: viewLimits(t.limits()),
		DroppedCount: t.policy.dropped.Load(), ExpiredCount: t.policy.expired.Load(),
	}, nil
}

// doRedrive moves up to n (default: all) messages waiting in a channel's
// dead-letter topic back into that channel.
func (s *httpServer) doRedrive(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	_, c, err := s.existingChannel(req)
	if err != nil {
		return nil, err
	}
	q, err := queryValues(req)
	if err != nil {
		return nil, err
	}
	limit := 0
	if v, ok := first(q, "n"); ok {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 0 {
			return nil, httpapi.Err{Code: 400, Text: errBadSetting{"n", v, "must be a whole number of messages (0: all)"}.Error()}
		}
	}
	moved, err := c.redrive(limit)
	if err != nil {
		return nil, httpapi.Err{Code: 500, Text: "REDRIVE_FAILED after " + strconv.Itoa(moved) + " messages: " + err.Error()}
	}
	return struct {
		Moved int `json:"moved"`
		Count int `json:"count"`
	}{moved, moved}, nil
}
