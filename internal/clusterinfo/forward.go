package clusterinfo

import (
	"net/url"

	"github.com/nsqgo/nsq/internal/lg"
)

// NodeReply is one nsqd's answer to a forwarded request: its status code
// and body, or the error that kept it from answering.
type NodeReply struct {
	Addr string
	Code int
	Body []byte
	Err  error
}

// Forward sends method path?q, without a body, to the nsqd at addr.
func (c *ClusterInfo) Forward(method, addr, path string, q url.Values) NodeReply {
	ep := endpoint(addr, path, q)
	c.logf(lg.DEBUG, "CI: forwarding %s %s", method, ep)
	code, body, err := c.client.Forward(method, ep)
	return NodeReply{Addr: addr, Code: code, Body: body, Err: err}
}

// ForwardToProducers sends method path?q to every producer of topic, one
// after another, and returns their replies in producer order.
func (c *ClusterInfo) ForwardToProducers(topic, method, path string, q url.Values,
	lookupdHTTPAddrs, nsqdHTTPAddrs []string) ([]NodeReply, error) {
	producers, err := c.GetTopicProducers(topic, lookupdHTTPAddrs, nsqdHTTPAddrs)
	if err != nil && !IsPartial(err) {
		return nil, err
	}
	var out []NodeReply
	for _, addr := range producers.HTTPAddrs() {
		out = append(out, c.Forward(method, addr, path, q))
	}
	return out, nil
}
