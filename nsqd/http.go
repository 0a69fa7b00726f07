package nsqd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

// httpServer holds the route table of the HTTP and HTTPS listeners.
type httpServer struct {
	nsqd        *NSQD
	tlsEnabled  bool
	tlsRequired bool
	router      http.Handler
}

func newHTTPServer(n *NSQD, tlsEnabled, tlsRequired bool) *httpServer {
	s := &httpServer{nsqd: n, tlsEnabled: tlsEnabled, tlsRequired: tlsRequired}
	r := httpapi.NewRouter(n.logf)
	log := httpapi.LogIf(n.logf, func() bool { return n.getOpts().LogLevel <= lg.DEBUG })
	v1 := func(h httpapi.Handler) httprouter.Handle { return httpapi.Decorate(h, log, httpapi.V1) }
	r.GET("/ping", httpapi.Decorate(s.doPing, log, httpapi.PlainText))
	r.GET("/info", v1(s.doInfo))
	r.POST("/pub", v1(s.doPUB))
	r.POST("/mpub", v1(s.doMPUB))
	r.GET("/stats", v1(s.doStats))
	r.POST("/topic/create", v1(s.doCreateTopic))
	r.POST("/topic/delete", v1(s.doDeleteTopic))
	r.POST("/topic/empty", v1(s.doEmptyTopic))
	r.POST("/topic/pause", v1(s.doPauseTopic))
	r.POST("/topic/unpause", v1(s.doPauseTopic))
	r.POST("/channel/create", v1(s.doCreateChannel))
	r.POST("/channel/delete", v1(s.doDeleteChannel))
	r.POST("/channel/empty", v1(s.doEmptyChannel))
	r.POST("/channel/pause", v1(s.doPauseChannel))
	r.POST("/channel/unpause", v1(s.doPauseChannel))
	r.GET("/metrics", s.doMetrics)
	r.GET("/config/:opt", v1(s.doConfig))
	r.PUT("/config/:opt", v1(s.doConfig))
	s.addPeekRoutes(r, v1)
	s.addPolicyRoutes(r, v1)
	s.addDebugRoutes(r, v1)
	s.router = r
	return s
}

func (s *httpServer) addDebugRoutes(r *httprouter.Router, v1 func(httpapi.Handler) httprouter.Handle) {
	r.HandlerFunc("GET", "/debug/pprof/", pprof.Index)
	r.HandlerFunc("GET", "/debug/pprof/cmdline", pprof.Cmdline)
	r.HandlerFunc("GET", "/debug/pprof/symbol", pprof.Symbol)
	r.HandlerFunc("POST", "/debug/pprof/symbol", pprof.Symbol)
	r.HandlerFunc("GET", "/debug/pprof/profile", pprof.Profile)
	for _, p := range []string{"heap", "goroutine", "block", "threadcreate"} {
		r.Handler("GET", "/debug/pprof/"+p, pprof.Handler(p))
	}
	r.HandlerFunc("PUT", "/debug/setblockrate", s.doBlockRate)
	r.POST("/debug/freememory", v1(s.doFreeMemory))
}

// ServeHTTP refuses plain HTTP when TLS is fully required (--tls-required=true,
// not tcp-https) with 403 and the HTTPS port, on every path.
func (s *httpServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !s.tlsEnabled && s.tlsRequired {
		port := tcpPort(s.nsqd.httpsListener)
		w.Header().Set("X-NSQ-Content-Type", "nsq; version=1.0")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"message": "TLS_REQUIRED", "https_port": %d}`, port)
		return
	}
	s.router.ServeHTTP(w, req)
}

func (s *httpServer) doPing(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if err := s.nsqd.pingRefusal(); err != nil {
		return nil, err
	}
	if !s.nsqd.IsHealthy() {
		return nil, httpapi.Err{Code: 500, Text: s.nsqd.GetHealth()}
	}
	return "OK", nil
}

func (s *httpServer) doInfo(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	opts := s.nsqd.getOpts()
	return struct {
		Version              string `json:"version"`
		BroadcastAddress     string `json:"broadcast_address"`
		Hostname             string `json:"hostname"`
		HTTPPort             int    `json:"http_port"`
		TCPPort              int    `json:"tcp_port"`
		StartTime            int64  `json:"start_time"`
		MaxHeartBeatInterval int64  `json:"max_heartbeat_interval"`
		MaxOutBufferSize     int64  `json:"max_output_buffer_size"`
		MaxOutBufferTimeout  int64  `json:"max_output_buffer_timeout"`
		MaxDeflateLevel      int    `json:"max_deflate_level"`
		TopologyZone         string `json:"topology_zone"`
		TopologyRegion       string `json:"topology_region"`
	}{
		Version: version.Binary, BroadcastAddress: opts.BroadcastAddress, Hostname: hostname(),
		HTTPPort: infoPort(s.nsqd.httpListener), TCPPort: infoPort(s.nsqd.tcpListener),
		StartTime:            s.nsqd.startTime.Unix(),
		MaxHeartBeatInterval: int64(opts.MaxHeartbeatInterval),
		MaxOutBufferSize:     opts.MaxOutputBufferSize,
		MaxOutBufferTimeout:  int64(opts.MaxOutputBufferTimeout),
		MaxDeflateLevel:      opts.MaxDeflateLevel,
		TopologyZone:         opts.TopologyZone, TopologyRegion: opts.TopologyRegion,
	}, nil
}

// infoPort is the listener's port for /info: -1 for a unix socket.
func infoPort(l interface{ Addr() net.Addr }) int {
	if l == nil {
		return 0
	}
	if _, ok := l.Addr().(*net.UnixAddr); ok {
		return -1
	}
	return tcpPort(l.(net.Listener))
}

var errInvalidRequest = httpapi.Err{Code: 400, Text: "INVALID_REQUEST"}

// queryValues parses the URL query; repeated parameters use the first value.
func queryValues(req *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return nil, errInvalidRequest
	}
	return v, nil
}

// topicFromQuery validates the topic parameter (errors as /pub).
func (s *httpServer) topicFromQuery(req *http.Request) (url.Values, *Topic, error) {
	v, err := queryValues(req)
	if err != nil {
		return nil, nil, err
	}
	name, ok := v["topic"]
	if !ok {
		return nil, nil, httpapi.Err{Code: 400, Text: "MISSING_ARG_TOPIC"}
	}
	if !protocol.IsValidTopicName(name[0]) {
		return nil, nil, httpapi.Err{Code: 400, Text: "INVALID_TOPIC"}
	}
	return v, s.nsqd.GetTopic(name[0]), nil
}

func (s *httpServer) doPUB(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	max := s.nsqd.getOpts().MaxMsgSize
	if req.ContentLength > max {
		return nil, httpapi.Err{Code: 413, Text: "MSG_TOO_BIG"}
	}
	body, err := readHTTPBody(req, max)
	if err != nil {
		return nil, httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
	}
	if int64(len(body)) > max {
		return nil, httpapi.Err{Code: 413, Text: "MSG_TOO_BIG"}
	}
	if len(body) == 0 {
		return nil, httpapi.Err{Code: 400, Text: "MSG_EMPTY"}
	}
	v, t, err := s.topicFromQuery(req)
	if err != nil {
		return nil, err
	}
	var deferred time.Duration
	if ds, ok := v["defer"]; ok {
		ms, err := strconv.ParseInt(ds[0], 10, 64)
		if err != nil || ms < 0 || ms > int64(s.nsqd.getOpts().MaxReqTimeout/time.Millisecond) {
			return nil, httpapi.Err{Code: 400, Text: "INVALID_DEFER"}
		}
		deferred = time.Duration(ms) * time.Millisecond
	}
	if err := publishHTTP(t, body, deferred); err != nil {
		return nil, err
	}
	return "OK", nil
}

// publishHTTP is the publishing step of /pub (shared with the fast path):
// one message owning body, with its delay; errors are HTTP answers.
func publishHTTP(t *Topic, body []byte, deferred time.Duration) error {
	m := newPubMessage(t, body)
	m.deferred = deferred
	if err := t.PutMessage(m); err != nil {
		if errors.Is(err, errDeferredFull) {
			return httpapi.Err{Code: 503, Text: "DEFERRED_FULL"}
		}
		return pubFailedHTTP(err)
	}
	return nil
}

func (s *httpServer) doMPUB(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	opts := s.nsqd.getOpts()
	if req.ContentLength > opts.MaxBodySize {
		return nil, httpapi.Err{Code: 413, Text: "BODY_TOO_BIG"}
	}
	v, t, err := s.topicFromQuery(req)
	if err != nil {
		return nil, err
	}
	var msgs []*Message
	if isBinaryMPUB(v) {
		msgs, err = readBinaryMPUB(req.Body, opts, t)
	} else {
		msgs, err = readTextMPUB(req, opts, t)
	}
	if err != nil {
		return nil, err
	}
	if err := t.PutMessages(msgs); err != nil {
		return nil, pubFailedHTTP(err)
	}
	return "OK", nil
}

// isBinaryMPUB: binary=true/1 binary, false/0 text, other values binary,
// absent text.
func isBinaryMPUB(v url.Values) bool {
	b, ok := v["binary"]
	if !ok {
		return false
	}
	return b[0] != "false" && b[0] != "0"
}

func readBinaryMPUB(body io.Reader, opts *Options, t *Topic) ([]*Message, error) {
	r := bufio.NewReader(io.LimitReader(body, opts.MaxBodySize))
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, httpapi.Err{Code: 413, Text: "BAD_BODY"}
	}
	count := int32(binary.BigEndian.Uint32(lenBuf[:]))
	if count <= 0 || int64(count) > (opts.MaxBodySize-4)/5 {
		return nil, httpapi.Err{Code: 413, Text: "BAD_BODY"}
	}
	batch := newMsgBatch(int(count), opts.MaxBodySize-4)
	msgs, err := readMPUBMessages(r, lenBuf[:], batch, opts.MaxMsgSize, t, "MPUB")
	if err != nil {
		return nil, httpapi.Err{Code: 413, Text: "BAD_MESSAGE"}
	}
	return msgs, nil
}

// readTextMPUB reads a newline-separated /mpub body: empty lines are
// skipped, every message aliases the one body buffer.
func readTextMPUB(req *http.Request, opts *Options, t *Topic) ([]*Message, error) {
	data, err := readHTTPBody(req, opts.MaxBodySize)
	if err != nil {
		return nil, httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
	}
	if int64(len(data)) > opts.MaxBodySize {
		return nil, httpapi.Err{Code: 413, Text: "BODY_TOO_BIG"}
	}
	return splitTextMPUB(data, opts, t)
}

// splitTextMPUB cuts a text /mpub body into its messages.
func splitTextMPUB(data []byte, opts *Options, t *Topic) ([]*Message, error) {
	batch := newMsgBatch(bytes.Count(data, []byte("\n"))+1, 0)
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		if int64(len(line)) > opts.MaxMsgSize {
			return nil, httpapi.Err{Code: 413, Text: "MSG_TOO_BIG"}
		}
		batch.add(line)
	}
	return batch.stamp(t), nil
}

// readHTTPBody reads a request body of at most max bytes; a longer body
// gives max+1 bytes. A declared Content-Length (already checked against
// max) is read into a buffer of that size, grown as the bytes arrive.
func readHTTPBody(req *http.Request, max int64) ([]byte, error) {
	if n := req.ContentLength; n >= 0 && n <= max {
		return readN(req.Body, int(n))
	}
	return io.ReadAll(io.LimitReader(req.Body, max+1))
}

func (s *httpServer) doBlockRate(w http.ResponseWriter, req *http.Request) {
	req.ParseForm()
	rate, err := strconv.Atoi(req.FormValue("rate"))
	if err != nil {
		w.WriteHeader(400)
		fmt.Fprintf(w, "invalid block rate : %s", err)
		return
	}
	runtime.SetBlockProfileRate(rate)
	httpapi.RespondV1(w, 200, nil)
}

func (s *httpServer) doFreeMemory(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	debug.FreeOSMemory()
	return nil, nil
}
