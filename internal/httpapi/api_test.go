package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	nsqCT  = "nsq; version=1.0"
	jsonCT = "application/json; charset=utf-8"
)

// serve runs h (already decorated) on one request and returns the recorder.
func serve(t *testing.T, h httprouter.Handle, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest(method, target, nil), nil)
	return w
}

func returning(data any, err error) Handler {
	return func(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) { return data, err }
}

type response struct {
	code int
	ct   string // Content-Type, "" when not set
	nsq  string // X-NSQ-Content-Type, "" when not set
	body string
}

func (r response) check(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	// The recorder's HeaderMap reflects what the handler set explicitly;
	// net/http's sniffing of text/plain happens later, on a real server.
	got := response{w.Code, w.Header().Get("Content-Type"), w.Header().Get("X-NSQ-Content-Type"), w.Body.String()}
	require.Equal(t, r, got, "response = %+v", got)
}

func TestV1(t *testing.T) {
	type payload struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	cases := []struct {
		name string
		data any
		err  error
		want response
	}{
		{"string", "OK", nil, response{200, "", nsqCT, "OK"}},
		{"empty string", "", nil, response{200, "", nsqCT, ""}},
		{"bytes", []byte("raw\x00bytes"), nil, response{200, "", nsqCT, "raw\x00bytes"}},
		{"nil", nil, nil, response{200, "", nsqCT, ""}},
		{"struct", payload{"t", 3}, nil, response{200, jsonCT, nsqCT, `{"name":"t","count":3}`}},
		{"pointer", &payload{"p", 0}, nil, response{200, jsonCT, nsqCT, `{"name":"p","count":0}`}},
		{"map", map[string]any{"a": []string{}}, nil, response{200, jsonCT, nsqCT, `{"a":[]}`}},
		{"int", 2, nil, response{200, jsonCT, nsqCT, `2`}},
		{"bool", true, nil, response{200, jsonCT, nsqCT, `true`}},
		{"raw json", json.RawMessage(`{"pre": "encoded" }`), nil, response{200, jsonCT, nsqCT, `{"pre": "encoded" }`}},
		{"unmarshalable", make(chan int), nil, response{500, jsonCT, nsqCT, `{"message":"INTERNAL_ERROR"}`}},
		{"Err", nil, Err{404, "TOPIC_NOT_FOUND"}, response{404, jsonCT, nsqCT, `{"message":"TOPIC_NOT_FOUND"}`}},
		{"Err with data", "ignored", Err{400, "MISSING_ARG_TOPIC"}, response{400, jsonCT, nsqCT, `{"message":"MISSING_ARG_TOPIC"}`}},
		{"plain error", nil, errors.New("boom"), response{500, jsonCT, nsqCT, `{"message":"boom"}`}},
		{"escaped message", nil, Err{500, `a "quoted" <tag>`}, response{500, jsonCT, nsqCT, `{"message":"a \"quoted\" \u003ctag\u003e"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(t, Decorate(returning(c.data, c.err), V1), "GET", "/x")
			c.want.check(t, w)
		})
	}
}

func TestV1ReturnsNothingUpward(t *testing.T) {
	h := V1(returning("x", Err{400, "BAD"}))
	data, err := h(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil)
	require.Nil(t, data, "V1 returned (%v, %v)", data, err)
	require.NoError(t, err, "V1 returned (%v, %v)", data, err)
}

// TestV1OnRealServer checks the headers a client sees once net/http has
// had its say: a string is sniffed as text, nil gets no Content-Type.
func TestV1OnRealServer(t *testing.T) {
	cases := []struct {
		data   any
		wantCT string
	}{
		{"OK", "text/plain; charset=utf-8"},
		{nil, ""},
		{struct{}{}, jsonCT},
	}
	for _, c := range cases {
		srv := httptest.NewServer(asHandler(Decorate(returning(c.data, nil), V1)))
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		srv.Close()
		assert.Equal(t, c.wantCT, resp.Header.Get("Content-Type"), "%#v: Content-Type", c.data)
		assert.Equal(t, nsqCT, resp.Header.Get("X-NSQ-Content-Type"), "%#v: X-NSQ-Content-Type", c.data)
	}
}

// asHandler turns a httprouter.Handle into an http.Handler.
func asHandler(h httprouter.Handle) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, nil) })
}

func TestRespondV1(t *testing.T) {
	w := httptest.NewRecorder()
	RespondV1(w, 201, map[string]int{"n": 1})
	response{201, jsonCT, nsqCT, `{"n":1}`}.check(t, w)
}

func TestErr(t *testing.T) {
	var err error = Err{403, "FORBIDDEN"}
	require.EqualError(t, err, "FORBIDDEN", "Error() = %q", err.Error())
}

func TestPlainText(t *testing.T) {
	cases := []struct {
		name string
		data any
		err  error
		want response
	}{
		{"string", "OK", nil, response{200, "", "", "OK"}},
		{"bytes", []byte("pong"), nil, response{200, "", "", "pong"}},
		{"Err", nil, Err{500, "NOK - unhealthy"}, response{500, "", "", "NOK - unhealthy"}},
		{"plain error", nil, errors.New("bad"), response{500, "", "", "bad"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(t, Decorate(returning(c.data, c.err), PlainText), "GET", "/ping")
			c.want.check(t, w)
		})
	}
}

func TestPlainTextPanicsOnOtherTypes(t *testing.T) {
	defer func() {
		p := recover()
		require.NotNil(t, p, "no panic")
		require.Contains(t, fmt.Sprint(p), "unknown response type int")
	}()
	serve(t, Decorate(returning(5, nil), PlainText), "GET", "/ping")
}

func TestDecorateOrder(t *testing.T) {
	var order []string
	mark := func(name string) Decorator {
		return func(f Handler) Handler {
			return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) (any, error) {
				order = append(order, name)
				return f(w, r, ps)
			}
		}
	}
	serve(t, Decorate(returning("x", nil), mark("inner"), mark("outer"), V1), "GET", "/")
	require.Equal(t, "outer,inner", strings.Join(order, ","), "order = %v", order)
}

// logRecorder is an lg.AppLogFunc that keeps its lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) logf(lvl lg.Level, f string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, lvl.String()+": "+fmt.Sprintf(f, args...))
}

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func TestLog(t *testing.T) {
	var rec logRecorder
	w := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/pub?topic=a", nil)
	req.RemoteAddr = "10.0.0.1:1234"
	Decorate(returning("OK", nil), Log(rec.logf), V1)(w, req, nil)
	lines := rec.all()
	require.Len(t, lines, 1, "log = %q", lines)
	require.True(t, strings.HasPrefix(lines[0], "DEBUG: POST /pub?topic=a (10.0.0.1:1234) "), "log = %q", lines)
	require.Equal(t, "OK", w.Body.String(), "body = %q", w.Body.String())
}

func newTestRouter(t *testing.T) (*httprouter.Router, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	r := NewRouter(rec.logf)
	r.GET("/stats", Decorate(returning("stats", nil), V1))
	r.POST("/topic/create", Decorate(returning(nil, nil), V1))
	r.GET("/config/:opt", Decorate(returning("cfg", nil), V1))
	r.PUT("/config/:opt", Decorate(returning("cfg", nil), V1))
	r.GET("/panic", Decorate(func(http.ResponseWriter, *http.Request, httprouter.Params) (any, error) {
		panic("kaboom")
	}, V1))
	return r, rec
}

func route(r http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

func TestRouterNotFound(t *testing.T) {
	r, _ := newTestRouter(t)
	for _, target := range []string{"/nope", "/", "/stats/extra", "/put"} {
		w := route(r, "GET", target)
		response{404, jsonCT, nsqCT, `{"message":"NOT_FOUND"}`}.check(t, w)
	}
}

func TestRouterMethodNotAllowed(t *testing.T) {
	r, _ := newTestRouter(t)
	cases := []struct{ method, target, allow string }{
		{"POST", "/stats", "GET, OPTIONS"},
		{"GET", "/topic/create", "OPTIONS, POST"},
		{"DELETE", "/config/log_level", "GET, OPTIONS, PUT"},
	}
	for _, c := range cases {
		w := route(r, c.method, c.target)
		response{405, jsonCT, nsqCT, `{"message":"METHOD_NOT_ALLOWED"}`}.check(t, w)
		assert.Equal(t, c.allow, w.Header().Get("Allow"), "%s %s: Allow", c.method, c.target)
	}
}

func TestRouterOptions(t *testing.T) {
	r, _ := newTestRouter(t)
	w := route(r, "OPTIONS", "/topic/create")
	require.EqualValues(t, 200, w.Code, "OPTIONS = %d %q Allow %q", w.Code, w.Body.String(), w.Header().Get("Allow"))
	require.EqualValues(t, 0, w.Body.Len(), "OPTIONS = %d %q Allow %q", w.Code, w.Body.String(), w.Header().Get("Allow"))
	require.Equal(t, "OPTIONS, POST", w.Header().Get("Allow"), "OPTIONS = %d %q Allow %q", w.Code, w.Body.String(), w.Header().Get("Allow"))
}

func TestRouterPanic(t *testing.T) {
	r, rec := newTestRouter(t)
	w := route(r, "GET", "/panic")
	response{500, jsonCT, nsqCT, `{"message":"INTERNAL_ERROR"}`}.check(t, w)
	lines := rec.all()
	require.Len(t, lines, 1, "log = %q", lines)
	require.Equal(t, "ERROR: panic in HTTP handler - kaboom", lines[0], "log = %q", lines)
}

func TestRouterRedirects(t *testing.T) {
	r, _ := newTestRouter(t)
	cases := []struct {
		method, target string
		code           int
		location       string
	}{
		{"GET", "/stats/", 301, "/stats"},
		{"GET", "/stats/?format=json", 301, "/stats?format=json"},
		{"GET", "/STATS", 301, "/stats"},
		{"GET", "/Stats?format=json&topic=a", 301, "/stats?format=json&topic=a"},
		{"POST", "/topic/create/", 307, "/topic/create"},
		{"POST", "/Topic/Create?topic=t", 307, "/topic/create?topic=t"},
		{"PUT", "/config/log_level/", 307, "/config/log_level"},
	}
	for _, c := range cases {
		w := route(r, c.method, c.target)
		assert.Equal(t, c.code, w.Code, "%s %s", c.method, c.target)
		assert.Equal(t, c.location, w.Header().Get("Location"), "%s %s: Location", c.method, c.target)
	}
}

func TestRouterServesV1(t *testing.T) {
	r, _ := newTestRouter(t)
	response{200, "", nsqCT, "stats"}.check(t, route(r, "GET", "/stats"))
	response{200, "", nsqCT, ""}.check(t, route(r, "POST", "/topic/create"))
}
