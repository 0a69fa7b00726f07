package nsqd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func errTopicNotFoundHTTP() error   { return httpapi.Err{Code: 404, Text: "TOPIC_NOT_FOUND"} }
func errChannelNotFoundHTTP() error { return httpapi.Err{Code: 404, Text: "CHANNEL_NOT_FOUND"} }

// topicName returns the topic parameter; validate adds INVALID_TOPIC.
func topicName(req *http.Request, validate bool) (string, error) {
	io.Copy(io.Discard, req.Body)
	v, err := queryValues(req)
	if err != nil {
		return "", err
	}
	name, ok := v["topic"]
	if !ok {
		return "", httpapi.Err{Code: 400, Text: "MISSING_ARG_TOPIC"}
	}
	if validate && !protocol.IsValidTopicName(name[0]) {
		return "", httpapi.Err{Code: 400, Text: "INVALID_TOPIC"}
	}
	return name[0], nil
}

// topicChannelNames returns and validates topic and channel, failing in
// this order: MISSING_ARG_TOPIC, INVALID_ARG_TOPIC, MISSING_ARG_CHANNEL,
// INVALID_ARG_CHANNEL. The request body is read and ignored.
func topicChannelNames(req *http.Request) (string, string, error) {
	io.Copy(io.Discard, req.Body)
	v, err := queryValues(req)
	if err != nil {
		return "", "", err
	}
	checks := []struct{ key, missing, invalid string }{
		{"topic", "MISSING_ARG_TOPIC", "INVALID_ARG_TOPIC"},
		{"channel", "MISSING_ARG_CHANNEL", "INVALID_ARG_CHANNEL"},
	}
	var names [2]string
	for i, c := range checks {
		val, ok := v[c.key]
		if !ok {
			return "", "", httpapi.Err{Code: 400, Text: c.missing}
		}
		if !protocol.IsValidName(val[0]) {
			return "", "", httpapi.Err{Code: 400, Text: c.invalid}
		}
		names[i] = val[0]
	}
	return names[0], names[1], nil
}

func (s *httpServer) existingChannel(req *http.Request) (*Topic, *Channel, error) {
	return s.channelRequest(req, func(url.Values) error { return nil })
}

// channelRequest checks the topic and channel arguments, then the
// endpoint's own with check, then finds the channel.
func (s *httpServer) channelRequest(req *http.Request, check func(url.Values) error) (*Topic, *Channel, error) {
	tn, cn, err := topicChannelNames(req)
	if err != nil {
		return nil, nil, err
	}
	v, _ := queryValues(req) // parsed once already
	if err := check(v); err != nil {
		return nil, nil, err
	}
	t, err := s.nsqd.GetExistingTopic(tn)
	if err != nil {
		return nil, nil, errTopicNotFoundHTTP()
	}
	c, err := t.GetExistingChannel(cn)
	if err != nil {
		return nil, nil, errChannelNotFoundHTTP()
	}
	return t, c, nil
}

func (s *httpServer) doCreateTopic(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	name, err := topicName(req, true)
	if err != nil {
		return nil, err
	}
	s.nsqd.GetTopic(name)
	return nil, nil
}

func (s *httpServer) doDeleteTopic(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	name, err := topicName(req, false)
	if err != nil {
		return nil, err
	}
	if err := s.nsqd.DeleteExistingTopic(name); err != nil {
		return nil, errTopicNotFoundHTTP()
	}
	return nil, nil
}

// existingTopic returns the topic named by the topic parameter (validated
// when validate is set), or the HTTP error.
func (s *httpServer) existingTopic(req *http.Request, validate bool) (*Topic, error) {
	name, err := topicName(req, validate)
	if err != nil {
		return nil, err
	}
	t, err := s.nsqd.GetExistingTopic(name)
	if err != nil {
		return nil, errTopicNotFoundHTTP()
	}
	return t, nil
}

func (s *httpServer) doEmptyTopic(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	t, err := s.existingTopic(req, true)
	if err != nil {
		return nil, err
	}
	if err := t.Empty(); err != nil {
		return nil, httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
	}
	return nil, nil
}

func (s *httpServer) doPauseTopic(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	t, err := s.existingTopic(req, false)
	if err != nil {
		return nil, err
	}
	if strings.Contains(req.URL.Path, "unpause") {
		t.UnPause()
	} else {
		t.Pause()
	}
	s.nsqd.persistOrLog()
	return nil, nil
}

func (s *httpServer) doCreateChannel(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	tn, cn, err := topicChannelNames(req)
	if err != nil {
		return nil, err
	}
	t, err := s.nsqd.GetExistingTopic(tn)
	if err != nil {
		return nil, errTopicNotFoundHTTP()
	}
	t.GetChannel(cn)
	return nil, nil
}

func (s *httpServer) doDeleteChannel(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	t, c, err := s.existingChannel(req)
	if err != nil {
		return nil, err
	}
	if err := t.DeleteExistingChannel(c.name); err != nil {
		return nil, errChannelNotFoundHTTP()
	}
	return nil, nil
}

func (s *httpServer) doEmptyChannel(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	_, c, err := s.existingChannel(req)
	if err != nil {
		return nil, err
	}
	if err := c.Empty(); err != nil {
		return nil, httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
	}
	return nil, nil
}

func (s *httpServer) doPauseChannel(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	_, c, err := s.existingChannel(req)
	if err != nil {
		return nil, err
	}
	if strings.Contains(req.URL.Path, "unpause") {
		c.UnPause()
	} else {
		c.Pause()
	}
	s.nsqd.persistOrLog()
	return nil, nil
}

// doConfig reads (GET) or changes (PUT) one option by its config key.
func (s *httpServer) doConfig(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	opt := ps.ByName("opt")
	if req.Method == "PUT" {
		if err := s.putConfig(req, opt); err != nil {
			return nil, err
		}
	}
	v, ok := config.Value(s.nsqd.getOpts(), opt)
	if !ok {
		return nil, httpapi.Err{Code: 400, Text: "INVALID_OPTION"}
	}
	return v, nil
}

func (s *httpServer) putConfig(req *http.Request, opt string) error {
	max := s.nsqd.getOpts().MaxMsgSize
	body, err := io.ReadAll(io.LimitReader(req.Body, max+1))
	if err != nil || int64(len(body)) == max+1 || len(body) == 0 {
		return httpapi.Err{Code: 413, Text: "INVALID_VALUE"}
	}
	opts := *s.nsqd.getOpts()
	switch opt {
	case "nsqlookupd_tcp_addresses":
		var addrs []string
		if err := json.Unmarshal(body, &addrs); err != nil {
			return httpapi.Err{Code: 400, Text: "INVALID_VALUE"}
		}
		opts.NSQLookupdTCPAddresses = addrs
	case "log_level":
		level, err := lg.ParseLevel(string(body))
		if err != nil {
			return httpapi.Err{Code: 400, Text: "INVALID_VALUE"}
		}
		opts.LogLevel = level
	default:
		return httpapi.Err{Code: 400, Text: "INVALID_OPTION"}
	}
	s.nsqd.swapOpts(&opts)
	s.nsqd.optionsChanged()
	return nil
}
