// Package httpapi holds the HTTP plumbing shared by the daemons: handlers
// that return (any, error), the decorators that turn them into the
// reference's "V1" responses, and its JSON error bodies; gzip/deflate
// response compression; and the outbound client nsqadmin and the apps use
// to query nsqd and nsqlookupd.
package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/lg"
)

// Handler is an endpoint returning data (string, []byte, nil or a value
// to marshal as JSON) or an error.
type Handler func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error)

// Decorator wraps a Handler.
type Decorator func(Handler) Handler

// Err is an HTTP error: status code and the message of {"message":"..."}.
type Err struct {
	Code int
	Text string
}

// Error implements error.
func (e Err) Error() string { return e.Text }

// Decorate applies ds to f, outermost last.
func Decorate(f Handler, ds ...Decorator) httprouter.Handle {
	for _, d := range ds {
		f = d(f)
	}
	return func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) {
		f(w, req, ps)
	}
}

// V1 renders the result as the reference's version-1.0 response: raw text
// for strings and bytes, JSON for values (a json.RawMessage is sent as the
// already-encoded JSON it is), empty 200 for nil, and
// {"message":"<TEXT>"} with the status for errors; it always sets
// X-NSQ-Content-Type.
func V1(f Handler) Handler {
	return func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
		data, err := f(w, req, ps)
		if err != nil {
			RespondV1(w, statusOf(err), err)
			return nil, nil
		}
		RespondV1(w, 200, data)
		return nil, nil
	}
}

func statusOf(err error) int {
	if e, ok := err.(Err); ok {
		return e.Code
	}
	return 500
}

// Header values RespondV1 sets, shared by every response (net/http only
// reads them): Header().Set would allocate each one per response.
var (
	nsqContentType  = []string{"nsq; version=1.0"}
	jsonContentType = []string{"application/json; charset=utf-8"}
)

// RespondV1 writes one V1 response.
func RespondV1(w http.ResponseWriter, code int, data any) {
	var body []byte
	isJSON := false
	switch d := data.(type) {
	case nil:
	case string:
		respondText(w, code, d)
		return
	case []byte:
		body = d
	case json.RawMessage:
		body, isJSON = d, true
	case error:
		body, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{d.Error()})
		isJSON = true
	default:
		var err error
		if body, err = json.Marshal(data); err != nil {
			body, code, isJSON = []byte(`{"message":"INTERNAL_ERROR"}`), 500, true
		} else {
			isJSON = true
		}
	}
	h := w.Header()
	h["X-Nsq-Content-Type"] = nsqContentType
	if isJSON {
		h["Content-Type"] = jsonContentType
	}
	w.WriteHeader(code)
	w.Write(body)
}

// respondText writes a string body without converting it to bytes first.
func respondText(w http.ResponseWriter, code int, s string) {
	w.Header()["X-Nsq-Content-Type"] = nsqContentType
	w.WriteHeader(code)
	io.WriteString(w, s)
}

// PlainText writes strings and bytes as-is, with no NSQ header (/ping).
func PlainText(f Handler) Handler {
	return func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
		code := 200
		data, err := f(w, req, ps)
		if err != nil {
			code = statusOf(err)
			data = err.Error()
		}
		switch d := data.(type) {
		case string:
			w.WriteHeader(code)
			fmt.Fprint(w, d)
		case []byte:
			w.WriteHeader(code)
			w.Write(d)
		default:
			panic(fmt.Sprintf("unknown response type %T", data))
		}
		return nil, nil
	}
}

// Log logs each request with its status-independent duration.
func Log(logf lg.AppLogFunc) Decorator { return LogIf(logf, nil) }

// LogIf is Log for a daemon whose log level can change while it runs:
// while debugEnabled reports false the request is neither timed nor its
// line formatted, as the logger would drop it anyway. A nil debugEnabled
// always logs.
func LogIf(logf lg.AppLogFunc, debugEnabled func() bool) Decorator {
	return func(f Handler) Handler {
		return func(w http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
			if debugEnabled != nil && !debugEnabled() {
				return f(w, req, ps)
			}
			start := time.Now()
			resp, err := f(w, req, ps)
			logf(lg.DEBUG, "%s %s (%s) %s", req.Method, req.URL.RequestURI(), req.RemoteAddr, time.Since(start))
			return resp, err
		}
	}
}

// NewRouter returns a router whose 404, 405 and panic responses have the
// reference's JSON bodies and which redirects on trailing slash and case.
func NewRouter(logf lg.AppLogFunc) *httprouter.Router {
	r := httprouter.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = true
	r.RedirectFixedPath = true
	r.PanicHandler = func(w http.ResponseWriter, req *http.Request, p any) {
		logf(lg.ERROR, "panic in HTTP handler - %v", p)
		RespondV1(w, 500, Err{500, "INTERNAL_ERROR"})
	}
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		RespondV1(w, 404, Err{404, "NOT_FOUND"})
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		RespondV1(w, 405, Err{405, "METHOD_NOT_ALLOWED"})
	})
	return r
}
