package nsqlookupd

import (
	"encoding/json"
	"strconv"
)

// The hot responses (/lookup, /nodes) are assembled from bytes: each peer's
// producer object is encoded once at IDENTIFY and copied into every
// response. The output is byte-for-byte what encoding/json produces.

// producerJSON encodes the producer object of /lookup, keys in the
// reference's order.
func (p *peerInfo) producerJSON() []byte {
	b := make([]byte, 0, 192)
	b = append(b, `{"remote_address":`...)
	b = appendJSONString(b, p.RemoteAddress)
	b = append(b, `,"hostname":`...)
	b = appendJSONString(b, p.Hostname)
	b = append(b, `,"broadcast_address":`...)
	b = appendJSONString(b, p.BroadcastAddress)
	b = append(b, `,"tcp_port":`...)
	b = strconv.AppendInt(b, int64(p.TCPPort), 10)
	b = append(b, `,"http_port":`...)
	b = strconv.AppendInt(b, int64(p.HTTPPort), 10)
	b = append(b, `,"version":`...)
	b = appendJSONString(b, p.Version)
	b = append(b, `,"topology_zone":`...)
	b = appendJSONString(b, p.TopologyZone)
	b = append(b, `,"topology_region":`...)
	b = appendJSONString(b, p.TopologyRegion)
	return append(b, '}')
}

// appendJSONString appends s as encoding/json would encode it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendStrings appends a JSON array of strings.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendBools appends a JSON array of booleans.
func appendBools(b []byte, bs []bool) []byte {
	b = append(b, '[')
	for i, v := range bs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendBool(b, v)
	}
	return append(b, ']')
}

// lookupJSON encodes {"channels":[…],"producers":[…]}.
func (r lookupResult) lookupJSON() []byte {
	n := 32
	for _, c := range r.channels {
		n += len(c) + 3
	}
	for _, p := range r.producers {
		n += len(p.json) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"channels":`...)
	b = appendStrings(b, r.channels)
	b = append(b, `,"producers":[`...)
	for i, p := range r.producers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.json...)
	}
	return append(b, "]}"...)
}

// nodesJSON encodes {"producers":[…]} of /nodes: each producer object
// followed by its "tombstones" and "topics" arrays.
func nodesJSON(nodes []nodeResult) []byte {
	n := 16
	for _, nd := range nodes {
		n += len(nd.peer.json) + 32 + 6*len(nd.tombstones)
		for _, t := range nd.topics {
			n += len(t) + 3
		}
	}
	b := make([]byte, 0, n)
	b = append(b, `{"producers":[`...)
	for i, nd := range nodes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, nd.peer.json[:len(nd.peer.json)-1]...)
		b = append(b, `,"tombstones":`...)
		b = appendBools(b, nd.tombstones)
		b = append(b, `,"topics":`...)
		b = appendStrings(b, nd.topics)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
