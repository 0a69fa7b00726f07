package nsqd

import (
	"bytes"
	"strings"

	"github.com/nsqgo/nsq/internal/protocol"
)

// fastRoute is a request the fast path serves.
type fastRoute int

const (
	routePub fastRoute = iota + 1
	routeMPUB
	routePing
)

// fastReq is a request head the fast path accepted.
type fastReq struct {
	route   fastRoute
	target  []byte // the request target as sent (for the debug log)
	topic   []byte
	binary  bool  // /mpub?binary=
	clen    int64 // Content-Length, -1 when absent
	host    bool
	headLen int
}

func (r *fastReq) method() string {
	if r.route == routePing {
		return "GET"
	}
	return "POST"
}

type parseStatus int

const (
	parseMore parseStatus = iota
	parseDone
	parseNotFast
)

// parseHead reads a request head from b: done when it is complete and
// every line of it is one the fast path serves exactly as net/http would,
// not fast as soon as a line is not, more while it is incomplete.
func parseHead(b []byte, req *fastReq) parseStatus {
	*req = fastReq{clen: -1}
	line, rest, st := cutLine(b)
	if st != parseDone {
		return st
	}
	if !req.requestLine(line) {
		return parseNotFast
	}
	for {
		line, rest, st = cutLine(rest)
		if st != parseDone {
			return st
		}
		if len(line) == 0 {
			break
		}
		if !req.header(line) {
			return parseNotFast
		}
	}
	req.headLen = len(b) - len(rest)
	if !req.host || (req.route == routePing) != (req.clen < 0) {
		return parseNotFast
	}
	return parseDone
}

// cutLine cuts a CRLF-terminated line; a bare LF is left to net/http.
func cutLine(b []byte) (line, rest []byte, st parseStatus) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, parseMore
	}
	if i == 0 || b[i-1] != '\r' {
		return nil, b, parseNotFast
	}
	return b[:i-1], b[i+1:], parseDone
}

const httpVersionSuffix = " HTTP/1.1"

// requestLine accepts "POST /pub?<query> HTTP/1.1",
// "POST /mpub?<query> HTTP/1.1" and "GET /ping HTTP/1.1".
func (req *fastReq) requestLine(line []byte) bool {
	line, ok := bytes.CutSuffix(line, []byte(httpVersionSuffix))
	if !ok {
		return false
	}
	if target, ok := bytes.CutPrefix(line, []byte("GET ")); ok {
		req.route, req.target = routePing, target
		return string(target) == "/ping"
	}
	target, ok := bytes.CutPrefix(line, []byte("POST "))
	if !ok {
		return false
	}
	req.target = target
	if q, ok := bytes.CutPrefix(target, []byte("/pub?")); ok {
		req.route = routePub
		return req.query(q)
	}
	if q, ok := bytes.CutPrefix(target, []byte("/mpub?")); ok {
		req.route = routeMPUB
		return req.query(q)
	}
	return false
}

// query accepts parameters of plain characters only (nothing to
// unescape): a valid topic and, for /mpub, binary. Anything else, defer
// included, is left to net/http.
func (req *fastReq) query(q []byte) bool {
	haveTopic, haveBinary := false, false
	for len(q) > 0 {
		var part []byte
		part, q, _ = bytes.Cut(q, []byte("&"))
		k, v, ok := bytes.Cut(part, []byte("="))
		if !ok || len(k) == 0 || !plainQueryBytes(k) || !plainQueryBytes(v) {
			return false
		}
		switch {
		case string(k) == "topic":
			if !haveTopic {
				req.topic, haveTopic = v, true
			}
		case string(k) == "binary" && req.route == routeMPUB:
			if !haveBinary {
				req.binary = string(v) != "false" && string(v) != "0"
				haveBinary = true
			}
		default:
			return false
		}
	}
	return haveTopic && protocol.IsValidTopicName(req.topic)
}

func plainQueryBytes(b []byte) bool {
	for _, c := range b {
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// header accepts the few headers that change nothing in how nsqd answers
// /pub, /mpub and /ping: Host, one Content-Length, Connection: keep-alive
// (the HTTP/1.1 default), User-Agent, Accept, Accept-Encoding (nsqd does
// not compress) and Content-Type. Cross-origin headers (Origin,
// Sec-Fetch-Site), Expect, Transfer-Encoding, Upgrade and every other
// header are left to net/http.
func (req *fastReq) header(line []byte) bool {
	name, v, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(name) == 0 || !tokenBytes(name) {
		return false
	}
	v = bytes.Trim(v, " \t")
	if !plainHeaderValue(v) {
		return false
	}
	switch {
	case asciiEqualFold(name, "host"):
		if req.host || len(v) == 0 || !plainHost(v) {
			return false
		}
		req.host = true
	case asciiEqualFold(name, "content-length"):
		if req.clen >= 0 {
			return false
		}
		req.clen = parseContentLength(v)
		return req.clen >= 0
	case asciiEqualFold(name, "connection"):
		return asciiEqualFold(v, "keep-alive")
	case asciiEqualFold(name, "user-agent"), asciiEqualFold(name, "accept"),
		asciiEqualFold(name, "accept-encoding"), asciiEqualFold(name, "content-type"):
	default:
		return false
	}
	return true
}

// parseContentLength: 1 to 10 digits, -1 otherwise.
func parseContentLength(v []byte) int64 {
	if len(v) == 0 || len(v) > 10 {
		return -1
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func tokenBytes(b []byte) bool {
	for _, c := range b {
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// plainHeaderValue: printable ASCII, spaces and tabs.
func plainHeaderValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

func plainHost(b []byte) bool {
	for _, c := range b {
		if !isAlnum(c) && strings.IndexByte(".-:_[]", c) < 0 {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
