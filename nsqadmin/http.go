package nsqadmin

import (
	"bytes"
	"net/http"
	"path"
	"slices"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
)

// httpServer holds the route table; every route sits under the base path.
type httpServer struct {
	n      *NSQAdmin
	router http.Handler
}

// uiRoutes are the client-side routes of the UI: each serves the shell.
var uiRoutes = []string{
	"/", "/topics", "/topics/:topic", "/topics/:topic/:channel",
	"/nodes", "/nodes/:node", "/counter", "/lookup",
}

func newHTTPServer(n *NSQAdmin) *httpServer {
	s := &httpServer{n: n}
	o := n.getOpts()
	bp := func(p string) string { return path.Join(o.BasePath, p) }
	r := httpapi.NewRouter(n.logf)
	log := httpapi.Log(n.logf)
	v1 := func(h httpapi.Handler) httprouter.Handle { return httpapi.Decorate(h, log, httpapi.V1) }
	plain := func(h httpapi.Handler) httprouter.Handle { return httpapi.Decorate(h, log, httpapi.PlainText) }

	for _, p := range uiRoutes {
		r.GET(bp(p), plain(s.doIndex))
	}
	r.GET(bp("/ping"), plain(s.doPing))
	r.GET(bp("/static/*asset"), plain(s.doStatic))
	r.GET(bp("/fonts/*asset"), plain(s.doStatic))
	if o.ProxyGraphite {
		r.Handler(http.MethodGet, bp("/render"), n.graphiteProxy())
	}

	r.GET(bp("/api/topics"), v1(s.doTopics))
	r.POST(bp("/api/topics"), v1(s.doCreateTopicChannel))
	r.GET(bp("/api/topics/:topic"), v1(s.doTopic))
	r.POST(bp("/api/topics/:topic"), v1(s.doTopicAction))
	r.DELETE(bp("/api/topics/:topic"), v1(s.doDeleteTopic))
	r.GET(bp("/api/topics/:topic/:channel"), v1(s.doChannel))
	r.POST(bp("/api/topics/:topic/:channel"), v1(s.doChannelAction))
	r.DELETE(bp("/api/topics/:topic/:channel"), v1(s.doDeleteChannel))
	r.GET(bp("/api/messages/:topic"), v1(s.doTopicMessages))
	r.GET(bp("/api/messages/:topic/:channel"), v1(s.doChannelMessages))
	r.POST(bp("/api/messages/:topic/:channel"), v1(s.doDeferredMessage))
	r.GET(bp("/api/nodes"), v1(s.doNodes))
	r.GET(bp("/api/nodes/:node"), v1(s.doNode))
	r.DELETE(bp("/api/nodes/:node"), v1(s.doTombstoneTopicNode))
	r.GET(bp("/api/counter"), v1(s.doCounter))
	r.GET(bp("/api/graphite"), v1(s.doGraphite))
	r.GET(bp("/api/history"), v1(s.doHistory))
	s.addPolicyRoutes(r, bp, v1)
	r.GET(bp("/config/:opt"), v1(s.doConfig))
	r.PUT(bp("/config/:opt"), v1(s.doConfig))
	s.router = r
	return s
}

func (s *httpServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.router.ServeHTTP(w, req)
}

func (s *httpServer) doPing(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
	return "OK", nil
}

// shellData is what index.html is rendered with.
type shellData struct {
	UserAgent           string
	Version             string
	GraphiteURL         string
	GraphEnabled        bool
	StatsdCounterFormat string
	StatsdGaugeFormat   string
	StatsdPrefix        string
	StatsdInterval      int
	NSQLookupd          []string
	IsAdmin             bool
	BasePath            string
	HistoryInterval     int
}

// doIndex renders the UI shell.
func (s *httpServer) doIndex(w http.ResponseWriter, req *http.Request, _ httprouter.Params) (any, error) {
	o := s.n.getOpts()
	data := shellData{
		UserAgent:           "nsqadmin/v" + version.Binary,
		Version:             version.Binary,
		GraphiteURL:         o.GraphiteURL,
		GraphEnabled:        o.GraphiteURL != "",
		StatsdCounterFormat: o.StatsdCounterFormat,
		StatsdGaugeFormat:   o.StatsdGaugeFormat,
		StatsdPrefix:        o.StatsdPrefix,
		StatsdInterval:      int(o.StatsdInterval.Seconds()),
		NSQLookupd:          append([]string{}, o.NSQLookupdHTTPAddresses...),
		IsAdmin:             s.n.isAdmin(req),
		BasePath:            o.BasePath,
		HistoryInterval:     int(o.StatsInterval.Seconds()),
	}
	if o.ProxyGraphite {
		data.GraphiteURL = ""
	}
	var buf bytes.Buffer
	if err := s.n.index.Execute(&buf, data); err != nil {
		s.n.logf(lg.ERROR, "failed to render the UI template - %s", err)
		return nil, httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
	}
	w.Header().Set("Content-Type", "text/html")
	return buf.Bytes(), nil
}

// isAdmin is the ACL: with no admin users everyone is an admin, else the
// ACL header must name one of them.
func (n *NSQAdmin) isAdmin(req *http.Request) bool {
	o := n.getOpts()
	if len(o.AdminUsers) == 0 {
		return true
	}
	return slices.Contains(o.AdminUsers, req.Header.Get(o.ACLHTTPHeader))
}
