package httpapi

import (
	"net/http"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// Timeouts bound how long a client may hold a connection to a daemon's
// HTTP server, so that stuck or hostile clients cannot pile up: Header to
// send the request headers (a slowloris client trickles them), Read to
// send the whole request with its body, Idle between two requests on a
// keep-alive connection. Responses have no deadline: /stats of a large
// node and nsqadmin's cluster-wide answers may take long to compute.
type Timeouts struct {
	Header time.Duration
	Read   time.Duration
	Idle   time.Duration
}

// DefaultTimeouts are generous for honest clients: a 5 MiB /mpub body has
// a minute to arrive.
func DefaultTimeouts() Timeouts {
	return Timeouts{Header: 10 * time.Second, Read: time.Minute, Idle: 2 * time.Minute}
}

// NewServer returns a server for h with the timeouts applied, cross-origin
// browser requests refused (see ProtectCrossOrigin) and net/http's own
// errors logged through logger.
func NewServer(h http.Handler, logger lg.Logger, t Timeouts) *http.Server {
	return &http.Server{
		Handler:           ProtectCrossOrigin(h),
		ErrorLog:          lg.StdLogger(logger, "http"),
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
	}
}

// ProtectCrossOrigin refuses, with 403 {"message":"CROSS_ORIGIN_REQUEST"},
// a request with an unsafe method (anything but GET, HEAD, OPTIONS) that a
// browser sent on behalf of another site: a page elsewhere could otherwise
// pause, empty, delete or create topics and channels, or publish, through
// a form or a "simple" fetch (text/plain needs no preflight). Every route
// that changes state uses an unsafe method. Requests without the browser's
// Sec-Fetch-Site or Origin header (curl, the daemons and tools talking to
// each other) and same-origin requests (nsqadmin's own UI) pass.
func ProtectCrossOrigin(h http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		RespondV1(w, http.StatusForbidden, Err{Code: http.StatusForbidden, Text: "CROSS_ORIGIN_REQUEST"})
	}))
	return p.Handler(h)
}
