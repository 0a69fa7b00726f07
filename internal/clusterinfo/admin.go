package clusterinfo

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/nsqgo/nsq/internal/lg"
)

// The admin writes below fan out to nsqlookupd and to the producers of a
// topic. Their POSTs go out one at a time. A step that fails everywhere
// ends the write with its "failed to query any …" error; failures of some
// upstreams are collected and, once every step ran, returned together as a
// *PartialErr. A step with nothing to ask succeeds.

// errCollector gathers the partial failures of the steps of one write.
type errCollector struct {
	errs []NodeError
}

// add records the failures of a partial err and returns nil, or returns
// any other (total) error unchanged.
func (e *errCollector) add(err error) error {
	if err == nil {
		return nil
	}
	var pe *PartialErr
	if errors.As(err, &pe) {
		e.errs = append(e.errs, pe.Errors...)
		return nil
	}
	return err
}

func (e *errCollector) result() error {
	if len(e.errs) == 0 {
		return nil
	}
	return &PartialErr{Errors: e.errs}
}

// postAll POSTs path?q to every address, sequentially.
func (c *ClusterInfo) postAll(kind string, addrs []string, path string, q url.Values) error {
	var errs []NodeError
	for _, addr := range addrs {
		ep := endpoint(addr, path, q)
		c.logf(lg.DEBUG, "CI: querying %s", ep)
		if err := c.client.POSTV1(ep); err != nil {
			errs = append(errs, NodeError{Addr: addr, Err: err})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == len(addrs) {
		return fmt.Errorf("failed to query any %s: %s", kind, joinErrs(errs))
	}
	return &PartialErr{Errors: errs}
}

func topicQuery(topic string) url.Values { return url.Values{"topic": {topic}} }

func channelQuery(topic, channel string) url.Values {
	return url.Values{"topic": {topic}, "channel": {channel}}
}

// CreateTopicChannel creates topic on every lookupd and, when channel is
// not empty, the channel on every lookupd and on every producer of topic.
func (c *ClusterInfo) CreateTopicChannel(topic, channel string, lookupdHTTPAddrs []string) error {
	var ec errCollector
	if err := ec.add(c.postAll("nsqlookupd", lookupdHTTPAddrs, "/topic/create", topicQuery(topic))); err != nil {
		return err
	}
	if channel == "" {
		return ec.result()
	}
	q := channelQuery(topic, channel)
	if err := ec.add(c.postAll("nsqlookupd", lookupdHTTPAddrs, "/channel/create", q)); err != nil {
		return err
	}
	producers, err := c.GetLookupdTopicProducers(topic, lookupdHTTPAddrs)
	if err := ec.add(err); err != nil {
		return err
	}
	if err := ec.add(c.postAll("nsqd", producers.HTTPAddrs(), "/channel/create", q)); err != nil {
		return err
	}
	return ec.result()
}

// DeleteTopic deletes topic from every lookupd and from each of its
// producers (found before anything is deleted).
func (c *ClusterInfo) DeleteTopic(topic string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	return c.deleteEverywhere(topic, "/topic/delete", topicQuery(topic), lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// DeleteChannel deletes a channel of topic from every lookupd and from
// each producer of topic.
func (c *ClusterInfo) DeleteChannel(topic, channel string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	q := channelQuery(topic, channel)
	return c.deleteEverywhere(topic, "/channel/delete", q, lookupdHTTPAddrs, nsqdHTTPAddrs)
}

func (c *ClusterInfo) deleteEverywhere(topic, path string, q url.Values, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	var ec errCollector
	producers, err := c.GetTopicProducers(topic, lookupdHTTPAddrs, nsqdHTTPAddrs)
	if err := ec.add(err); err != nil {
		return err
	}
	if err := ec.add(c.postAll("nsqlookupd", lookupdHTTPAddrs, path, q)); err != nil {
		return err
	}
	if err := ec.add(c.postAll("nsqd", producers.HTTPAddrs(), path, q)); err != nil {
		return err
	}
	return ec.result()
}

// producersAction POSTs path?q to every producer of topic.
func (c *ClusterInfo) producersAction(topic, path string, q url.Values, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	var ec errCollector
	producers, err := c.GetTopicProducers(topic, lookupdHTTPAddrs, nsqdHTTPAddrs)
	if err := ec.add(err); err != nil {
		return err
	}
	if err := ec.add(c.postAll("nsqd", producers.HTTPAddrs(), path, q)); err != nil {
		return err
	}
	return ec.result()
}

// PauseTopic pauses topic on each of its producers.
func (c *ClusterInfo) PauseTopic(topic string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	return c.producersAction(topic, "/topic/pause", topicQuery(topic), lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// UnPauseTopic unpauses topic on each of its producers.
func (c *ClusterInfo) UnPauseTopic(topic string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	return c.producersAction(topic, "/topic/unpause", topicQuery(topic), lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// EmptyTopic empties topic on each of its producers.
func (c *ClusterInfo) EmptyTopic(topic string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	return c.producersAction(topic, "/topic/empty", topicQuery(topic), lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// PauseChannel pauses a channel of topic on each producer of topic.
func (c *ClusterInfo) PauseChannel(topic, channel string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	q := channelQuery(topic, channel)
	return c.producersAction(topic, "/channel/pause", q, lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// UnPauseChannel unpauses a channel of topic on each producer of topic.
func (c *ClusterInfo) UnPauseChannel(topic, channel string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	q := channelQuery(topic, channel)
	return c.producersAction(topic, "/channel/unpause", q, lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// EmptyChannel empties a channel of topic on each producer of topic.
func (c *ClusterInfo) EmptyChannel(topic, channel string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) error {
	q := channelQuery(topic, channel)
	return c.producersAction(topic, "/channel/empty", q, lookupdHTTPAddrs, nsqdHTTPAddrs)
}

// TombstoneNodeForTopic tombstones topic for node (an nsqd's
// broadcast_address:http_port) on every lookupd, then deletes topic on
// that nsqd. lookupd receives the node as plain host:port, without IPv6
// brackets, which is the form every nsqlookupd matches.
func (c *ClusterInfo) TombstoneNodeForTopic(topic, node string, lookupdHTTPAddrs []string) error {
	var ec errCollector
	q := url.Values{"topic": {topic}, "node": {unbracketed(node)}}
	if err := ec.add(c.postAll("nsqlookupd", lookupdHTTPAddrs, "/topic/tombstone", q)); err != nil {
		return err
	}
	producers, err := c.GetNSQDProducers([]string{node})
	if err := ec.add(err); err != nil {
		return err
	}
	if err := ec.add(c.postAll("nsqd", producers.HTTPAddrs(), "/topic/delete", topicQuery(topic))); err != nil {
		return err
	}
	return ec.result()
}

// unbracketed turns "[::1]:4151" into "::1:4151"; other forms are kept.
func unbracketed(node string) string {
	host, port, err := net.SplitHostPort(node)
	if err != nil {
		return node
	}
	return host + ":" + port
}
