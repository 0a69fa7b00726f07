package clusterinfo

import (
	"net"
	"sort"
	"strconv"
	"time"
)

// Producer is an nsqd as nsqlookupd (or its own /info) describes it.
type Producer struct {
	RemoteAddresses  []string       `json:"remote_addresses"`
	RemoteAddress    string         `json:"remote_address"`
	Version          string         `json:"version"`
	BroadcastAddress string         `json:"broadcast_address"`
	Hostname         string         `json:"hostname"`
	HTTPPort         int            `json:"http_port"`
	TCPPort          int            `json:"tcp_port"`
	TopologyZone     string         `json:"topology_zone,omitempty"`
	TopologyRegion   string         `json:"topology_region,omitempty"`
	Topics           ProducerTopics `json:"topics"`
	OutOfDate        bool           `json:"out_of_date"`
}

// HTTPAddress is broadcast_address:http_port (IPv6 in brackets).
func (p *Producer) HTTPAddress() string {
	return net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort))
}

// TCPAddress is broadcast_address:tcp_port (IPv6 in brackets).
func (p *Producer) TCPAddress() string {
	return net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort))
}

// Producers is a list of nsqd.
type Producers []*Producer

// HTTPAddrs lists the HTTP address of each producer.
func (ps Producers) HTTPAddrs() []string {
	addrs := make([]string, len(ps))
	for i, p := range ps {
		addrs[i] = p.HTTPAddress()
	}
	return addrs
}

// Search returns the producer whose HTTP address is addr, or nil.
func (ps Producers) Search(addr string) *Producer {
	for _, p := range ps {
		if p.HTTPAddress() == addr {
			return p
		}
	}
	return nil
}

// ProducerTopic is one topic a producer has, and whether lookupd
// tombstoned it for that producer.
type ProducerTopic struct {
	Topic      string `json:"topic"`
	Tombstoned bool   `json:"tombstoned"`
}

// ProducerTopics is sorted by topic name.
type ProducerTopics []ProducerTopic

func sortProducersByHostname(ps Producers) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Hostname < ps[j].Hostname })
}

// TopicStats is one topic: on one node, or merged over nodes (Node "*").
type TopicStats struct {
	Node                string          `json:"node"`
	Hostname            string          `json:"hostname"`
	TopicName           string          `json:"topic_name"`
	Depth               int64           `json:"depth"`
	MemoryDepth         int64           `json:"memory_depth"`
	BackendDepth        int64           `json:"backend_depth"`
	MessageCount        int64           `json:"message_count"`
	DeliveryMsgCount    int64           `json:"delivery_msg_count"`
	ZoneLocalMsgCount   int64           `json:"zone_local_msg_count,omitempty"`
	RegionLocalMsgCount int64           `json:"region_local_msg_count,omitempty"`
	GlobalMsgCount      int64           `json:"global_msg_count,omitempty"`
	NodeStats           []*TopicStats   `json:"nodes"`
	Channels            []*ChannelStats `json:"channels"`
	Paused              bool            `json:"paused"`
	E2E                 *E2ELatency     `json:"e2e_processing_latency"`
}

// ChannelStats is one channel: on one node, or merged over nodes (Node "*").
type ChannelStats struct {
	Node                string          `json:"node"`
	Hostname            string          `json:"hostname"`
	TopicName           string          `json:"topic_name"`
	ChannelName         string          `json:"channel_name"`
	Depth               int64           `json:"depth"`
	MemoryDepth         int64           `json:"memory_depth"`
	BackendDepth        int64           `json:"backend_depth"`
	InFlightCount       int64           `json:"in_flight_count"`
	DeferredCount       int64           `json:"deferred_count"`
	RequeueCount        int64           `json:"requeue_count"`
	TimeoutCount        int64           `json:"timeout_count"`
	MessageCount        int64           `json:"message_count"`
	DeliveryMsgCount    int64           `json:"delivery_msg_count,omitempty"`
	ZoneLocalMsgCount   int64           `json:"zone_local_msg_count,omitempty"`
	RegionLocalMsgCount int64           `json:"region_local_msg_count,omitempty"`
	GlobalMsgCount      int64           `json:"global_msg_count,omitempty"`
	ClientCount         int             `json:"client_count"`
	NodeStats           []*ChannelStats `json:"nodes"`
	Clients             []*ClientStats  `json:"clients"`
	Paused              bool            `json:"paused"`
	E2E                 *E2ELatency     `json:"e2e_processing_latency"`
}

// ClientStats is one consumer connection of a channel.
type ClientStats struct {
	Node                          string        `json:"node"`
	RemoteAddress                 string        `json:"remote_address"`
	Version                       string        `json:"version"`
	ClientID                      string        `json:"client_id"`
	Hostname                      string        `json:"hostname"`
	UserAgent                     string        `json:"user_agent"`
	ConnectTs                     int64         `json:"connect_ts"`
	ConnectedDuration             time.Duration `json:"connected"`
	InFlightCount                 int           `json:"in_flight_count"`
	ReadyCount                    int           `json:"ready_count"`
	FinishCount                   int64         `json:"finish_count"`
	RequeueCount                  int64         `json:"requeue_count"`
	MessageCount                  int64         `json:"message_count"`
	SampleRate                    int32         `json:"sample_rate"`
	Deflate                       bool          `json:"deflate"`
	Snappy                        bool          `json:"snappy"`
	Authed                        bool          `json:"authed"`
	AuthIdentity                  string        `json:"auth_identity"`
	AuthIdentityURL               string        `json:"auth_identity_url"`
	NodeTopologyRegion            string        `json:"node_topology_region,omitempty"`
	NodeTopologyZone              string        `json:"node_topology_zone,omitempty"`
	TopologyRegion                string        `json:"topology_region,omitempty"`
	TopologyZone                  string        `json:"topology_zone,omitempty"`
	TLS                           bool          `json:"tls"`
	CipherSuite                   string        `json:"tls_cipher_suite"`
	TLSVersion                    string        `json:"tls_version"`
	TLSNegotiatedProtocol         string        `json:"tls_negotiated_protocol"`
	TLSNegotiatedProtocolIsMutual bool          `json:"tls_negotiated_protocol_is_mutual"`
}
