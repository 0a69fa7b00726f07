package nsqd

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

const (
	nsqV1HeaderLine = "X-Nsq-Content-Type: nsq; version=1.0\r\n"
	sniffedText     = "text/plain; charset=utf-8"
)

var okBody = []byte("OK")

// serve answers a request whose head was accepted; false hands it over
// untouched (nothing published, no answer written).
func (fc *fastConn) serve(req *fastReq) bool {
	if req.route == routePing {
		return fc.servePing(req)
	}
	opts := fc.l.s.nsqd.getOpts()
	limit := opts.MaxMsgSize
	if req.route == routeMPUB {
		limit = opts.MaxBodySize
	}
	// An empty or oversized body is an error answer: net/http gives it.
	if req.clen == 0 || req.clen > limit || !fc.readBody(req.headLen, int(req.clen)) {
		return false
	}
	start := fc.debugStart()
	err := fc.publish(req, opts)
	if err == errLeaveToNetHTTP {
		return false
	}
	fc.r += req.headLen + int(req.clen)
	fc.lastPOST = true
	if err != nil {
		fc.out = appendV1Error(fc.out, err, fc.dateNow())
	} else {
		fc.out = appendResponse(fc.out, 200, nsqV1HeaderLine, fc.dateNow(), okBody, sniffedText)
	}
	fc.answered(req, start)
	return true
}

// errLeaveToNetHTTP: an /mpub body the handler rejects before publishing
// anything; net/http gives the answer.
var errLeaveToNetHTTP = errors.New("left to net/http")

// publish publishes the body read, as the handler does, and returns the
// handler's error answer, if any. A panic is answered as the router
// answers a handler's.
func (fc *fastConn) publish(req *fastReq, opts *Options) (err error) {
	defer func() {
		if p := recover(); p != nil {
			fc.l.s.nsqd.logf(lg.ERROR, "panic in HTTP handler - %v", p)
			err = httpapi.Err{Code: 500, Text: "INTERNAL_ERROR"}
		}
	}()
	off := fc.r + req.headLen
	body := bytes.Clone(fc.buf[off : off+int(req.clen)])
	t := fc.l.s.nsqd.GetTopic(string(req.topic))
	if req.route == routePub {
		return publishHTTP(t, body, 0)
	}
	msgs, err := fc.mpubMessages(req, body, opts, t)
	if err != nil {
		return errLeaveToNetHTTP
	}
	if err := t.PutMessages(msgs); err != nil {
		return pubFailedHTTP(err)
	}
	return nil
}

// mpubMessages parses an /mpub body as the handler does; an error is
// answered by net/http.
func (fc *fastConn) mpubMessages(req *fastReq, body []byte, opts *Options, t *Topic) ([]*Message, error) {
	if req.binary {
		return readBinaryMPUB(bytes.NewReader(body), opts, t)
	}
	return splitTextMPUB(body, opts, t)
}

// servePing answers a healthy node's GET /ping; the refusals are left to
// net/http.
func (fc *fastConn) servePing(req *fastReq) bool {
	n := fc.l.s.nsqd
	start := fc.debugStart()
	if n.pingRefusal() != nil || !n.IsHealthy() {
		return false
	}
	fc.r += req.headLen
	fc.lastPOST = false
	fc.out = appendResponse(fc.out, 200, "", fc.dateNow(), okBody, sniffedText)
	fc.answered(req, start)
	return true
}

// appendResponse appends what net/http writes for an HTTP/1.1 request
// whose handler set the header lines head (sorted, "Key: value\r\n"), the
// status code and a short body: the status line, those lines, Date,
// Content-Length, and the Content-Type net/http sniffed when the handler
// set none (sniffed, "" if it did).
func appendResponse(out []byte, code int, head string, date, body []byte, sniffed string) []byte {
	out = strconv.AppendInt(append(out, "HTTP/1.1 "...), int64(code), 10)
	if text := http.StatusText(code); text != "" {
		out = append(append(out, ' '), text...)
	} else {
		out = strconv.AppendInt(append(out, " status code "...), int64(code), 10)
	}
	out = append(out, "\r\n"...)
	out = append(out, head...)
	out = append(out, "Date: "...)
	out = append(out, date...)
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\n"...)
	if sniffed != "" && len(body) > 0 {
		out = append(out, "Content-Type: "...)
		out = append(out, sniffed...)
		out = append(out, "\r\n"...)
	}
	out = append(out, "\r\n"...)
	return append(out, body...)
}

// appendV1Error appends the answer the V1 decorator gives for err.
func appendV1Error(out []byte, err error, date []byte) []byte {
	code := 500
	if e, ok := err.(httpapi.Err); ok {
		code = e.Code
	}
	rec := &fastRecorder{h: http.Header{}}
	httpapi.RespondV1(rec, code, err)
	var head []byte
	keys := make([]string, 0, len(rec.h))
	for k := range rec.h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range rec.h[k] {
			head = append(head, k+": "+v+"\r\n"...)
		}
	}
	sniffed := ""
	if rec.h.Get("Content-Type") == "" {
		sniffed = http.DetectContentType(rec.body)
	}
	return appendResponse(out, rec.code, string(head), date, rec.body, sniffed)
}

// fastRecorder keeps what a handler wrote.
type fastRecorder struct {
	h    http.Header
	code int
	body []byte
}

func (r *fastRecorder) Header() http.Header { return r.h }

func (r *fastRecorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *fastRecorder) Write(p []byte) (int, error) {
	r.WriteHeader(200)
	r.body = append(r.body, p...)
	return len(p), nil
}
