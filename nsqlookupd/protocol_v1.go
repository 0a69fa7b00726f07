package nsqlookupd

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

// maxIdentifyBodySize bounds the IDENTIFY body. nsqd's is a few hundred
// bytes; the reference trusts the declared size (and crashes on a
// negative one).
const maxIdentifyBodySize = 1 << 20

// protocolV1 executes the commands of one connection.
type protocolV1 struct {
	l *NSQLookupd
}

// IOLoop reads and executes commands until the peer goes away or a command
// fails (every lookupd error is fatal), then removes the peer's producer
// entries.
func (p *protocolV1) IOLoop(c *client) {
	defer p.cleanup(c)
	for {
		line, err := c.readLine()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				p.l.logf(lg.ERROR, "client(%s) - %s", c, err)
			}
			return
		}
		params := strings.Split(strings.TrimSpace(string(line)), " ")
		resp, err := p.exec(c, params)
		if err != nil {
			p.l.logf(lg.ERROR, "[%s] - %s", c, logText(err))
			protocol.SendResponse(c.conn, []byte(err.Error()))
			return
		}
		if _, err := protocol.SendResponse(c.conn, resp); err != nil {
			p.l.logf(lg.ERROR, "client(%s) failed to send response - %s", c, err)
			return
		}
	}
}

// logText is a client error's wire text with its internal cause.
func logText(err error) string {
	var ce *protocol.ClientErr
	if errors.As(err, &ce) {
		return ce.LogText()
	}
	return err.Error()
}

// cleanup removes every producer entry of the peer; registrations stay.
func (p *protocolV1) cleanup(c *client) {
	p.l.logf(lg.INFO, "CLIENT(%s): closing", c)
	if c.peer == nil {
		return
	}
	for _, r := range p.l.db.RemovePeer(c.id) {
		p.l.logf(lg.INFO, "DB: client(%s) UNREGISTER category:%s key:%s subkey:%s", c, r.Category, r.Key, r.SubKey)
	}
}

func (p *protocolV1) exec(c *client, params []string) ([]byte, error) {
	switch params[0] {
	case "PING":
		return p.ping(c), nil
	case "IDENTIFY":
		return p.identify(c)
	case "REGISTER":
		return p.register(c, params[1:])
	case "UNREGISTER":
		return p.unregister(c, params[1:])
	}
	return nil, invalid("invalid command " + params[0])
}

func invalid(desc string) error {
	return protocol.NewFatalClientErr(nil, protocol.EInvalid, desc)
}

func badBody(err error, desc string) error {
	return protocol.NewFatalClientErr(err, protocol.EBadBody, desc)
}

// ping refreshes an identified peer's last-update time.
func (p *protocolV1) ping(c *client) []byte {
	if c.peer != nil {
		c.peer.Touch(time.Now())
		p.l.logf(lg.DEBUG, "CLIENT(%s): pinged", c)
	}
	return protocol.OKBytes
}

// identifyBody is the IDENTIFY request; unknown keys are ignored.
type identifyBody struct {
	BroadcastAddress string `json:"broadcast_address"`
	Hostname         string `json:"hostname"`
	TCPPort          int    `json:"tcp_port"`
	HTTPPort         int    `json:"http_port"`
	Version          string `json:"version"`
	TopologyZone     string `json:"topology_zone"`
	TopologyRegion   string `json:"topology_region"`
}

// identifyReply is the IDENTIFY response, keys in alphabetical order.
type identifyReply struct {
	BroadcastAddress string `json:"broadcast_address"`
	Hostname         string `json:"hostname"`
	HTTPPort         int    `json:"http_port"`
	TCPPort          int    `json:"tcp_port"`
	Version          string `json:"version"`
}

func (p *protocolV1) identify(c *client) ([]byte, error) {
	if c.peer != nil {
		return nil, invalid("cannot IDENTIFY again")
	}
	body, err := readIdentifyBody(c)
	if err != nil {
		return nil, err
	}
	var req identifyBody
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badBody(err, "IDENTIFY failed to decode JSON body")
	}
	if req.BroadcastAddress == "" || req.TCPPort == 0 || req.HTTPPort == 0 || req.Version == "" {
		return nil, badBody(nil, "IDENTIFY missing fields")
	}
	c.peer = newPeerInfo(c.id, req)
	p.l.logf(lg.INFO, "CLIENT(%s): IDENTIFY Address:%s TCP:%d HTTP:%d Version:%s",
		c, req.BroadcastAddress, req.TCPPort, req.HTTPPort, req.Version)
	if p.l.db.AddProducer(clientReg, c.peer) {
		p.l.logf(lg.INFO, "DB: client(%s) REGISTER category:%s key:%s subkey:%s", c, categoryClient, "", "")
	}
	return json.Marshal(identifyReply{
		BroadcastAddress: p.l.opts.BroadcastAddress,
		Hostname:         p.l.hostname,
		HTTPPort:         p.l.RealHTTPAddr().Port,
		TCPPort:          p.l.RealTCPAddr().Port,
		Version:          version.Binary,
	})
}

// readIdentifyBody reads the 4-byte signed size and the body, refusing
// negative and oversized lengths.
func readIdentifyBody(c *client) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.r, hdr[:]); err != nil {
		return nil, badBody(err, "IDENTIFY failed to read body size")
	}
	size := int32(binary.BigEndian.Uint32(hdr[:]))
	if size < 0 || size > maxIdentifyBodySize {
		return nil, badBody(errors.New("body size out of range"), "IDENTIFY failed to read body")
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return nil, badBody(err, "IDENTIFY failed to read body")
	}
	return body, nil
}

func newPeerInfo(id string, req identifyBody) *peerInfo {
	pi := &peerInfo{
		id:               id,
		RemoteAddress:    id,
		Hostname:         req.Hostname,
		BroadcastAddress: req.BroadcastAddress,
		TCPPort:          req.TCPPort,
		HTTPPort:         req.HTTPPort,
		Version:          req.Version,
		TopologyZone:     req.TopologyZone,
		TopologyRegion:   req.TopologyRegion,
	}
	pi.json = pi.producerJSON()
	pi.Touch(time.Now())
	return pi
}

// topicChannel validates the params of REGISTER and UNREGISTER; channel is
// "" when none was given.
func topicChannel(cmd string, params []string) (string, string, error) {
	if len(params) == 0 {
		return "", "", invalid(cmd + " insufficient number of params")
	}
	topic, channel := params[0], ""
	if len(params) > 1 {
		channel = params[1]
	}
	if !protocol.IsValidTopicName(topic) {
		return "", "", protocol.NewFatalClientErr(nil, protocol.EBadTopic, cmd+" topic name '"+topic+"' is not valid")
	}
	if channel != "" && !protocol.IsValidChannelName(channel) {
		return "", "", protocol.NewFatalClientErr(nil, protocol.EBadChannel, cmd+" channel name '"+channel+"' is not valid")
	}
	return topic, channel, nil
}

func (p *protocolV1) register(c *client, params []string) ([]byte, error) {
	if c.peer == nil {
		return nil, invalid("client must IDENTIFY")
	}
	topic, channel, err := topicChannel("REGISTER", params)
	if err != nil {
		return nil, err
	}
	if channel != "" {
		p.add(c, Registration{categoryChannel, topic, channel})
	}
	p.add(c, Registration{categoryTopic, topic, ""})
	return protocol.OKBytes, nil
}

func (p *protocolV1) add(c *client, k Registration) {
	if p.l.db.AddProducer(k, c.peer) {
		p.l.logf(lg.INFO, "DB: client(%s) REGISTER category:%s key:%s subkey:%s", c, k.Category, k.Key, k.SubKey)
	}
}
