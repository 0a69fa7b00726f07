package nsqlookupd

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"net/url"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

// httpServer holds the route table of the HTTP listener.
type httpServer struct {
	l      *NSQLookupd
	router http.Handler
}

func newHTTPServer(l *NSQLookupd) *httpServer {
	s := &httpServer{l: l}
	r := httpapi.NewRouter(l.logf)
	log := httpapi.Log(l.logf)
	v1 := func(h httpapi.Handler) httprouter.Handle { return httpapi.Decorate(h, log, httpapi.V1) }
	r.GET("/ping", httpapi.Decorate(s.doPing, log, httpapi.PlainText))
	r.GET("/info", v1(s.doInfo))
	r.GET("/debug", v1(s.doDebug))
	r.GET("/lookup", v1(s.doLookup))
	r.GET("/topics", v1(s.doTopics))
	r.GET("/channels", v1(s.doChannels))
	r.GET("/nodes", v1(s.doNodes))
	r.POST("/topic/create", v1(s.doCreateTopic))
	r.POST("/topic/delete", v1(s.doDeleteTopic))
	r.POST("/topic/tombstone", v1(s.doTombstoneTopicProducer))
	r.POST("/channel/create", v1(s.doCreateChannel))
	r.POST("/channel/delete", v1(s.doDeleteChannel))
	addDebugRoutes(r)
	s.router = r
	return s
}

// addDebugRoutes mounts Go's profiler; the index has no trailing slash.
func addDebugRoutes(r *httprouter.Router) {
	r.HandlerFunc("GET", "/debug/pprof", pprof.Index)
	r.HandlerFunc("GET", "/debug/pprof/cmdline", pprof.Cmdline)
	r.HandlerFunc("GET", "/debug/pprof/symbol", pprof.Symbol)
	r.HandlerFunc("POST", "/debug/pprof/symbol", pprof.Symbol)
	r.HandlerFunc("GET", "/debug/pprof/profile", pprof.Profile)
	for _, p := range []string{"heap", "goroutine", "block", "threadcreate"} {
		r.Handler("GET", "/debug/pprof/"+p, pprof.Handler(p))
	}
}

func (s *httpServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.router.ServeHTTP(w, req)
}

var (
	errInvalidRequest    = httpapi.Err{Code: 400, Text: "INVALID_REQUEST"}
	errMissingTopic      = httpapi.Err{Code: 400, Text: "MISSING_ARG_TOPIC"}
	errInvalidTopic      = httpapi.Err{Code: 400, Text: "INVALID_ARG_TOPIC"}
	errMissingChannel    = httpapi.Err{Code: 400, Text: "MISSING_ARG_CHANNEL"}
	errInvalidChannel    = httpapi.Err{Code: 400, Text: "INVALID_ARG_CHANNEL"}
	errMissingNode       = httpapi.Err{Code: 400, Text: "MISSING_ARG_NODE"}
	errTopicNotFound     = httpapi.Err{Code: 404, Text: "TOPIC_NOT_FOUND"}
	errChannelNotFound   = httpapi.Err{Code: 404, Text: "CHANNEL_NOT_FOUND"}
	infoResponse         = json.RawMessage(`{"version":"` + version.Binary + `"}`)
	topicsResponsePrefix = `{"topics":`
)

// query holds the URL query parameters; form bodies are ignored.
type query url.Values

func parseQuery(req *http.Request) (query, error) {
	v, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	return query(v), nil
}

// get returns the first value of key, or missing when key is absent.
func (q query) get(key string, missing error) (string, error) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return "", missing
	}
	return vs[0], nil
}

// topicParam returns the topic parameter, validated when validate is set.
func topicParam(req *http.Request, validate bool) (query, string, error) {
	q, err := parseQuery(req)
	if err != nil {
		return nil, "", err
	}
	topic, err := q.get("topic", errMissingTopic)
	if err == nil && validate && !protocol.IsValidTopicName(topic) {
		err = errInvalidTopic
	}
	return q, topic, err
}

// topicChannelParams returns the validated topic and channel parameters.
func topicChannelParams(req *http.Request) (string, string, error) {
	q, topic, err := topicParam(req, true)
	if err != nil {
		return "", "", err
	}
	channel, err := q.get("channel", errMissingChannel)
	if err == nil && !protocol.IsValidChannelName(channel) {
		err = errInvalidChannel
	}
	return topic, channel, err
}

func (s *httpServer) doPing(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	return "OK", nil
}

func (s *httpServer) doInfo(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	return infoResponse, nil
}

func (s *httpServer) doDebug(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	return s.l.db.Debug(), nil
}

func (s *httpServer) doLookup(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	_, topic, err := topicParam(req, false)
	if err != nil {
		return nil, err
	}
	o := s.l.opts
	res, ok := s.l.db.Lookup(topic, time.Now(), o.InactiveProducerTimeout, o.TombstoneLifetime)
	if !ok {
		return nil, errTopicNotFound
	}
	return json.RawMessage(res.lookupJSON()), nil
}

func (s *httpServer) doTopics(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	topics := s.l.db.Keys(categoryTopic, wildcard, "")
	b := appendStrings([]byte(topicsResponsePrefix), topics)
	return json.RawMessage(append(b, '}')), nil
}

func (s *httpServer) doChannels(_ http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	_, topic, err := topicParam(req, false)
	if err != nil {
		return nil, err
	}
	channels := s.l.db.SubKeys(categoryChannel, topic, wildcard)
	b := appendStrings([]byte(`{"channels":`), channels)
	return json.RawMessage(append(b, '}')), nil
}

func (s *httpServer) doNodes(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	o := s.l.opts
	nodes := s.l.db.Nodes(time.Now(), o.InactiveProducerTimeout, o.TombstoneLifetime)
	return json.RawMessage(nodesJSON(nodes)), nil
}
