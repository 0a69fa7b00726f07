package nsqadmin

import (
	"encoding/json"
	"io"
	"net"
	"net/http"

	"github.com/julienschmidt/httprouter"
	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

var (
	errInvalidOption     = httpapi.Err{Code: 400, Text: "INVALID_OPTION"}
	errInvalidValue      = httpapi.Err{Code: 400, Text: "INVALID_VALUE"}
	errValueSize         = httpapi.Err{Code: 413, Text: "INVALID_VALUE"}
	errInvalidRemoteAddr = httpapi.Err{Code: 400, Text: "INVALID_REMOTE_ADDR"}
)

// maxConfigBody is the largest PUT /config body accepted.
const maxConfigBody = 1024 * 1024

// doConfig reads (GET) or changes (PUT) one option by its config-file
// key. Only nsqlookupd_http_addresses and log_level can be changed.
func (s *httpServer) doConfig(_ http.ResponseWriter, req *http.Request, ps httprouter.Params) (any, error) {
	if err := s.n.allowConfig(req); err != nil {
		return nil, err
	}
	key := ps.ByName("opt")
	if req.Method == http.MethodPut {
		if err := s.n.putConfig(req, key); err != nil {
			return nil, err
		}
	}
	v, ok := config.Value(s.n.getOpts(), key)
	if !ok {
		return nil, errInvalidOption
	}
	return v, nil
}

// allowConfig applies --allow-config-from-cidr to the request's peer.
func (n *NSQAdmin) allowConfig(req *http.Request) error {
	cidr := n.getOpts().AllowConfigFromCIDR
	if cidr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return errInvalidRemoteAddr
	}
	_, ipnet, _ := net.ParseCIDR(cidr)
	ip := net.ParseIP(host)
	if ip == nil || ipnet == nil || !ipnet.Contains(ip) {
		return errForbidden
	}
	return nil
}

// putConfig replaces the options with a copy carrying the new value.
func (n *NSQAdmin) putConfig(req *http.Request, key string) error {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxConfigBody+1))
	if err != nil {
		return errInternal
	}
	if len(body) == 0 || len(body) > maxConfigBody {
		return errValueSize
	}
	o := *n.getOpts()
	switch key {
	case "nsqlookupd_http_addresses":
		var addrs []string
		if err := json.Unmarshal(body, &addrs); err != nil {
			return errInvalidValue
		}
		o.NSQLookupdHTTPAddresses = addrs
	case "log_level":
		level, err := lg.ParseLevel(string(body))
		if err != nil {
			return errInvalidValue
		}
		o.LogLevel = level
	default:
		return errInvalidOption
	}
	n.opts.Store(&o)
	return nil
}
