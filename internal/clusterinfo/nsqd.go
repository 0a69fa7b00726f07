package clusterinfo

import (
	"net"
	"net/url"
	"strconv"
	"time"
)

// nsqdInfo is the part of nsqd's /info a Producer needs.
type nsqdInfo struct {
	Version          string `json:"version"`
	BroadcastAddress string `json:"broadcast_address"`
	Hostname         string `json:"hostname"`
	HTTPPort         int    `json:"http_port"`
	TCPPort          int    `json:"tcp_port"`
	TopologyZone     string `json:"topology_zone"`
	TopologyRegion   string `json:"topology_region"`
}

// nsqdStats is the part of nsqd's /stats?format=json that is aggregated.
type nsqdStats struct {
	Topics []*TopicStats `json:"topics"`
}

func statsQuery(topic, channel string, includeClients bool) url.Values {
	q := url.Values{"format": {"json"}}
	if topic != "" {
		q.Set("topic", topic)
		if channel != "" {
			q.Set("channel", channel)
		}
	}
	if !includeClients {
		q.Set("include_clients", "false")
	}
	return q
}

func (c *ClusterInfo) getStats(addr string, q url.Values) (*nsqdStats, error) {
	var doc nsqdStats
	if err := c.get(endpoint(addr, "/stats", q), &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// producerFromInfo asks addr for /info; a missing broadcast address or
// hostname falls back to the configured address.
func (c *ClusterInfo) producerFromInfo(addr string) (*Producer, error) {
	var info nsqdInfo
	if err := c.get(endpoint(addr, "/info", nil), &info); err != nil {
		return nil, err
	}
	p := &Producer{
		Version: info.Version, BroadcastAddress: info.BroadcastAddress, Hostname: info.Hostname,
		HTTPPort: info.HTTPPort, TCPPort: info.TCPPort,
		TopologyZone: info.TopologyZone, TopologyRegion: info.TopologyRegion,
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if p.BroadcastAddress == "" {
		p.BroadcastAddress = host
		p.HTTPPort, _ = strconv.Atoi(port)
	}
	if p.Hostname == "" {
		p.Hostname = host
	}
	return p, nil
}

// GetNSQDTopics returns the sorted union of the topics of every nsqd.
func (c *ClusterInfo) GetNSQDTopics(nsqdHTTPAddrs []string) ([]string, error) {
	lists, _, errs := fanout(nsqdHTTPAddrs, func(addr string) ([]string, error) {
		stats, err := c.getStats(addr, statsQuery("", "", false))
		if err != nil {
			return nil, err
		}
		names := make([]string, len(stats.Topics))
		for i, t := range stats.Topics {
			names[i] = t.TopicName
		}
		return names, nil
	})
	return union(lists...), stepErr("nsqd", len(nsqdHTTPAddrs), errs)
}

// GetNSQDProducers describes every nsqd from its /info and /stats, sorted
// by hostname.
func (c *ClusterInfo) GetNSQDProducers(nsqdHTTPAddrs []string) (Producers, error) {
	ps, ok, errs := fanout(nsqdHTTPAddrs, func(addr string) (*Producer, error) {
		p, err := c.producerFromInfo(addr)
		if err != nil {
			return nil, err
		}
		stats, err := c.getStats(addr, statsQuery("", "", false))
		if err != nil {
			return nil, err
		}
		p.Topics = ProducerTopics{}
		for _, t := range stats.Topics {
			p.Topics = append(p.Topics, ProducerTopic{Topic: t.TopicName})
		}
		return p, nil
	})
	out := pick(ps, ok)
	sortProducersByHostname(out)
	return out, stepErr("nsqd", len(nsqdHTTPAddrs), errs)
}

// GetNSQDTopicProducers returns the nsqd, among nsqdHTTPAddrs, that have
// topic.
func (c *ClusterInfo) GetNSQDTopicProducers(topic string, nsqdHTTPAddrs []string) (Producers, error) {
	ps, ok, errs := fanout(nsqdHTTPAddrs, func(addr string) (*Producer, error) {
		stats, err := c.getStats(addr, statsQuery(topic, "", false))
		if err != nil || !hasTopic(stats, topic) {
			return nil, err
		}
		return c.producerFromInfo(addr)
	})
	return pick(ps, ok), stepErr("nsqd", len(nsqdHTTPAddrs), errs)
}

func hasTopic(stats *nsqdStats, topic string) bool {
	for _, t := range stats.Topics {
		if t.TopicName == topic {
			return true
		}
	}
	return false
}

// pick keeps the non-nil results of successful calls.
func pick(ps []*Producer, ok []bool) Producers {
	var out Producers
	for i, p := range ps {
		if ok[i] && p != nil {
			out = append(out, p)
		}
	}
	return out
}

// GetTopicProducers returns the producers of topic from the lookupds when
// any are given, else by scanning the nsqds.
func (c *ClusterInfo) GetTopicProducers(topic string, lookupdHTTPAddrs, nsqdHTTPAddrs []string) (Producers, error) {
	if len(lookupdHTTPAddrs) > 0 {
		return c.GetLookupdTopicProducers(topic, lookupdHTTPAddrs)
	}
	return c.GetNSQDTopicProducers(topic, nsqdHTTPAddrs)
}

// GetProducers returns every nsqd from the lookupds when any are given,
// else from the nsqds themselves.
func (c *ClusterInfo) GetProducers(lookupdHTTPAddrs, nsqdHTTPAddrs []string) (Producers, error) {
	if len(lookupdHTTPAddrs) > 0 {
		return c.GetLookupdProducers(lookupdHTTPAddrs)
	}
	return c.GetNSQDProducers(nsqdHTTPAddrs)
}

// GetTopics returns the topic list from the lookupds when any are given,
// else from the nsqds.
func (c *ClusterInfo) GetTopics(lookupdHTTPAddrs, nsqdHTTPAddrs []string) ([]string, error) {
	if len(lookupdHTTPAddrs) > 0 {
		return c.GetLookupdTopics(lookupdHTTPAddrs)
	}
	return c.GetNSQDTopics(nsqdHTTPAddrs)
}

// now is the clock a client's connected duration is measured against:
// whole seconds, as connect_ts is.
func now() time.Time { return time.Now().Truncate(time.Second) }
