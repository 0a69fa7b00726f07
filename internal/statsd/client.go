// Package statsd formats nsqd's metrics as statsd lines and sends them over
// UDP: a Client writes one "<prefix><stat>:<value>|<type>\n" line per call,
// a Packer packs lines into datagrams of bounded size without splitting
// lines, and Spread sends the datagrams evenly over a push interval.
//
// A push typically looks like:
//
//	p := statsd.NewPacker(packetSize)
//	c := statsd.NewClient(p, prefix)
//	c.Incr("topic.t.message_count", delta) // ... every metric
//	err := statsd.Spread(conn, p.Packets(), statsd.SpreadDuration(interval), stop)
package statsd

import (
	"io"
	"net"
	"strconv"
	"strings"
)

// Client writes statsd lines to w, one Write per line, so writing straight
// to a UDP connection sends one datagram per metric. A Client is not safe
// for concurrent use.
type Client struct {
	w      io.Writer
	prefix string
	line   []byte
}

// NewClient returns a Client that puts prefix (see Prefix) before every
// stat name.
func NewClient(w io.Writer, prefix string) *Client {
	return &Client{w: w, prefix: prefix}
}

// Incr writes the counter line <prefix><stat>:<count>|c.
func (c *Client) Incr(stat string, count int64) error {
	return c.send(stat, count, 'c')
}

// Gauge writes the gauge line <prefix><stat>:<value>|g.
func (c *Client) Gauge(stat string, value int64) error {
	return c.send(stat, value, 'g')
}

func (c *Client) send(stat string, value int64, kind byte) error {
	b := append(c.line[:0], c.prefix...)
	b = append(b, stat...)
	b = append(b, ':')
	b = strconv.AppendInt(b, value, 10)
	b = append(b, '|', kind, '\n')
	c.line = b
	_, err := c.w.Write(b)
	return err
}

// Prefix computes the metric prefix from the --statsd-prefix template: every
// "%s" becomes the host key (broadcastAddress:broadcastHTTPPort with each
// '.' and ':' replaced by '_') and a '.' is appended unless the result
// already ends with one. An empty template gives no prefix.
//
//	Prefix("nsq.%s", "myhost.example", 37231) == "nsq.myhost_example_37231."
func Prefix(template, broadcastAddress string, broadcastHTTPPort int) string {
	if template == "" {
		return ""
	}
	hostPort := net.JoinHostPort(broadcastAddress, strconv.Itoa(broadcastHTTPPort))
	hostKey := strings.NewReplacer(".", "_", ":", "_").Replace(hostPort)
	prefix := strings.ReplaceAll(template, "%s", hostKey)
	if !strings.HasSuffix(prefix, ".") {
		prefix += "."
	}
	return prefix
}
