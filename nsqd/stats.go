package nsqd

import (
	"crypto/tls"
	"sort"
	"time"

	"github.com/nsqgo/nsq/internal/quantile"
	"github.com/nsqgo/nsq/internal/version"
)

// Stats is the /stats JSON document; field order is NSQ's wire order.
type Stats struct {
	Version   string        `json:"version"`
	Health    string        `json:"health"`
	StartTime int64         `json:"start_time"`
	Topics    []TopicStats  `json:"topics"`
	Memory    *MemStats     `json:"memory,omitempty"`
	Producers []ClientStats `json:"producers"`
	// Draining is set while POST /drain is under way.
	Draining bool `json:"draining,omitempty"`
}

// TopicStats describes one topic.
type TopicStats struct {
	TopicName    string         `json:"topic_name"`
	Channels     []ChannelStats `json:"channels"`
	Depth        int64          `json:"depth"`
	BackendDepth int64          `json:"backend_depth"`
	MessageCount uint64         `json:"message_count"`
	MessageBytes uint64         `json:"message_bytes"`
	Paused       bool           `json:"paused"`
	E2E          *LatencyStats  `json:"e2e_processing_latency"`
	PolicyCounts
}

// ChannelStats describes one channel.
type ChannelStats struct {
	ChannelName         string        `json:"channel_name"`
	Depth               int64         `json:"depth"`
	BackendDepth        int64         `json:"backend_depth"`
	InFlightCount       int           `json:"in_flight_count"`
	DeferredCount       int           `json:"deferred_count"`
	MessageCount        uint64        `json:"message_count"`
	ZoneLocalMsgCount   uint64        `json:"zone_local_msg_count,omitempty"`
	RegionLocalMsgCount uint64        `json:"region_local_msg_count,omitempty"`
	GlobalMsgCount      uint64        `json:"global_msg_count,omitempty"`
	RequeueCount        uint64        `json:"requeue_count"`
	TimeoutCount        uint64        `json:"timeout_count"`
	ClientCount         int           `json:"client_count"`
	Clients             []ClientStats `json:"clients"`
	Paused              bool          `json:"paused"`
	E2E                 *LatencyStats `json:"e2e_processing_latency"`
	DeadLetterCount     uint64        `json:"dead_letter_count,omitempty"`
	PolicyCounts
}

// PolicyCounts counts messages discarded by a queue's limits: dropped by
// the drop_oldest overflow policy, expired by msg_ttl. Omitted while 0, so
// /stats stays NSQ's document when no limit is set.
type PolicyCounts struct {
	DroppedCount uint64 `json:"dropped_count,omitempty"`
	ExpiredCount uint64 `json:"expired_count,omitempty"`
}

// PubCount is one entry of a producer's pub_counts.
type PubCount struct {
	Topic string `json:"topic"`
	Count uint64 `json:"count"`
}

// ClientStats describes one TCP connection.
type ClientStats struct {
	ClientID                      string     `json:"client_id"`
	Hostname                      string     `json:"hostname"`
	Version                       string     `json:"version"`
	RemoteAddress                 string     `json:"remote_address"`
	State                         int32      `json:"state"`
	ReadyCount                    int64      `json:"ready_count"`
	InFlightCount                 int64      `json:"in_flight_count"`
	MessageCount                  uint64     `json:"message_count"`
	ZoneLocalMsgCount             uint64     `json:"zone_local_msg_count,omitempty"`
	RegionLocalMsgCount           uint64     `json:"region_local_msg_count,omitempty"`
	GlobalMsgCount                uint64     `json:"global_msg_count,omitempty"`
	FinishCount                   uint64     `json:"finish_count"`
	RequeueCount                  uint64     `json:"requeue_count"`
	ConnectTime                   int64      `json:"connect_ts"`
	SampleRate                    int32      `json:"sample_rate"`
	Deflate                       bool       `json:"deflate"`
	Snappy                        bool       `json:"snappy"`
	UserAgent                     string     `json:"user_agent"`
	Authed                        bool       `json:"authed,omitempty"`
	AuthIdentity                  string     `json:"auth_identity,omitempty"`
	AuthIdentityURL               string     `json:"auth_identity_url,omitempty"`
	TopologyZone                  string     `json:"topology_zone"`
	TopologyRegion                string     `json:"topology_region"`
	PubCounts                     []PubCount `json:"pub_counts,omitempty"`
	TLS                           bool       `json:"tls"`
	CipherSuite                   string     `json:"tls_cipher_suite"`
	TLSVersion                    string     `json:"tls_version"`
	TLSNegotiatedProtocol         string     `json:"tls_negotiated_protocol"`
	TLSNegotiatedProtocolIsMutual bool       `json:"tls_negotiated_protocol_is_mutual"`
}

// GetStats collects stats; topic and channel filter as /stats does.
func (n *NSQD) GetStats(topic, channel string, includeClients bool) Stats {
	st := Stats{Version: version.Binary, Health: n.GetHealth(), StartTime: n.startTime.Unix()}
	st.Topics = n.topicStats(topic, channel, includeClients)
	st.Draining = n.isDraining()
	if includeClients {
		st.Producers = n.producerStats(topic)
	}
	return st
}

func (n *NSQD) topicStats(topic, channel string, includeClients bool) []TopicStats {
	var topics []*Topic
	if topic == "" {
		topics = n.topics()
		sort.Slice(topics, func(i, j int) bool { return topics[i].name < topics[j].name })
	} else if t, err := n.GetExistingTopic(topic); err == nil {
		topics = []*Topic{t}
	} else {
		return nil
	}
	out := make([]TopicStats, 0, len(topics))
	for _, t := range topics {
		chans := t.channels()
		if channel != "" {
			c, err := t.GetExistingChannel(channel)
			if err != nil {
				continue
			}
			chans = []*Channel{c}
		}
		out = append(out, t.stats(chans, includeClients))
	}
	return out
}

func (t *Topic) stats(chans []*Channel, includeClients bool) TopicStats {
	ts := TopicStats{
		TopicName: t.name, Channels: make([]ChannelStats, 0, len(chans)),
		Depth: t.Depth(), BackendDepth: t.BackendDepth(),
		MessageCount: t.messageCount.Load(), MessageBytes: t.messageBytes.Load(),
		Paused:       t.IsPaused(),
		PolicyCounts: PolicyCounts{t.policy.dropped.Load(), t.policy.expired.Load()},
	}
	results := make([]*LatencyStats, 0, len(chans))
	for _, c := range chans {
		cs := c.stats(includeClients)
		ts.Channels = append(ts.Channels, cs)
		results = append(results, cs.E2E)
	}
	ts.E2E = quantile.MergeResults(results...)
	return ts
}

func (c *Channel) stats(includeClients bool) ChannelStats {
	cs := ChannelStats{
		ChannelName: c.name, Depth: c.Depth(), BackendDepth: c.BackendDepth(),
		InFlightCount: c.inFlightCount(), DeferredCount: c.deferredCount(),
		MessageCount:        c.messageCount.Load(),
		ZoneLocalMsgCount:   c.zoneLocalMsgCount.Load(),
		RegionLocalMsgCount: c.regionLocalMsgCount.Load(),
		GlobalMsgCount:      c.globalMsgCount.Load(),
		RequeueCount:        c.requeueCount.Load(), TimeoutCount: c.timeoutCount.Load(),
		Paused:          c.IsPaused(),
		E2E:             c.latency.Result(),
		DeadLetterCount: c.policy.deadLettered.Load(),
		PolicyCounts:    PolicyCounts{c.policy.dropped.Load(), c.policy.expired.Load()},
	}
	c.mu.RLock()
	cs.ClientCount = len(c.clients)
	if includeClients {
		cs.Clients = make([]ClientStats, 0, len(c.clients))
		for _, cl := range c.clients {
			cs.Clients = append(cs.Clients, cl.Stats(""))
		}
	}
	c.mu.RUnlock()
	return cs
}

// producerStats lists every connection that has published.
func (n *NSQD) producerStats(topic string) []ClientStats {
	var out []ClientStats
	n.tcpServer.conns.Range(func(_, v any) bool {
		c, ok := v.(*clientV2)
		if !ok {
			return true
		}
		c.metaMu.RLock()
		published := len(c.pubCounts) > 0
		_, hasTopic := c.pubCounts[topic]
		c.metaMu.RUnlock()
		if published && (topic == "" || hasTopic) {
			out = append(out, c.Stats(topic))
		}
		return true
	})
	return out
}

// Stats snapshots the client; pub_counts covers topicName, or every
// topic when it is empty.
func (c *clientV2) Stats(topicName string) ClientStats {
	c.metaMu.RLock()
	cs := ClientStats{
		ClientID: c.ClientID, Hostname: c.Hostname, UserAgent: c.UserAgent,
		TopologyZone: c.TopologyZone, TopologyRegion: c.TopologyRegion,
		SampleRate: c.SampleRate,
	}
	if c.AuthState != nil {
		cs.Authed = true
		cs.AuthIdentity, cs.AuthIdentityURL = c.AuthState.Identity, c.AuthState.IdentityURL
	}
	for t, n := range c.pubCounts {
		if topicName == "" || t == topicName {
			cs.PubCounts = append(cs.PubCounts, PubCount{Topic: t, Count: n.Load()})
		}
	}
	c.metaMu.RUnlock()
	sort.Slice(cs.PubCounts, func(i, j int) bool { return cs.PubCounts[i].Topic < cs.PubCounts[j].Topic })
	cs.Version = "V2"
	cs.RemoteAddress = c.RemoteAddr().String()
	cs.State = c.State.Load()
	cs.ReadyCount = c.ReadyCount.Load()
	cs.InFlightCount = c.InFlightCount.Load()
	cs.MessageCount = c.MessageCount.Load()
	cs.FinishCount = c.FinishCount.Load()
	cs.RequeueCount = c.RequeueCount.Load()
	cs.ConnectTime = c.ConnectTime.Unix()
	cs.Deflate, cs.Snappy = c.Deflate.Load(), c.Snappy.Load()
	c.tlsStats(&cs)
	return cs
}

func (c *clientV2) tlsStats(cs *ClientStats) {
	st := c.tlsState.Load()
	if st == nil {
		return
	}
	cs.TLS = true
	cs.TLSVersion = tlsVersionName(st.Version)
	cs.CipherSuite = cipherSuiteName(st.CipherSuite)
	cs.TLSNegotiatedProtocol = st.NegotiatedProtocol
	cs.TLSNegotiatedProtocolIsMutual = true
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS1.0"
	case tls.VersionTLS11:
		return "TLS1.1"
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	}
	return ""
}

// connectedFor is the connection age truncated to whole seconds.
func connectedFor(ts int64) time.Duration {
	return time.Since(time.Unix(ts, 0)).Truncate(time.Second)
}
