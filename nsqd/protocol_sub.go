package nsqd

import (
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// SUB subscribes the client to topic/channel; only one SUB per connection,
// and only with heartbeats enabled.
func (p *protocolV2) SUB(c *clientV2, params [][]byte) ([]byte, error) {
	if c.State.Load() != stateInit {
		return nil, fatal(protocol.EInvalid, "cannot SUB in current state")
	}
	if c.HeartbeatInterval <= 0 {
		return nil, fatal(protocol.EInvalid, "cannot SUB with heartbeats disabled")
	}
	if len(params) < 3 {
		return nil, fatal(protocol.EInvalid, "SUB insufficient number of parameters")
	}
	topicName, channelName := string(params[1]), string(params[2])
	if !protocol.IsValidTopicName(topicName) {
		return nil, fatalf(protocol.EBadTopic, "SUB topic name %q is not valid", topicName)
	}
	if !protocol.IsValidChannelName(channelName) {
		return nil, fatalf(protocol.EBadChannel, "SUB channel name %q is not valid", channelName)
	}
	if err := p.checkAuth(c, "SUB", topicName, channelName); err != nil {
		return nil, err
	}
	ch, err := p.join(c, topicName, channelName)
	if err != nil {
		return nil, err
	}
	c.State.Store(stateSubscribed)
	c.Channel = ch
	c.SubEventChan <- ch
	return protocol.OKBytes, nil
}

// join adds the client to the channel, retrying once if an ephemeral
// topic or channel was being deleted underneath.
func (p *protocolV2) join(c *clientV2, topicName, channelName string) (*Channel, error) {
	for attempt := 1; ; attempt++ {
		t := p.nsqd.GetTopic(topicName)
		ch := t.GetChannel(channelName)
		if err := ch.AddClient(c.ID, c); err != nil {
			return nil, fatalCause(err, protocol.ESubFailed, "SUB failed %s", err)
		}
		if !(ch.ephemeral && ch.Exiting()) && !(t.ephemeral && t.Exiting()) {
			return ch, nil
		}
		ch.RemoveClient(c.ID)
		if attempt >= 2 {
			return nil, fatal(protocol.ESubFailed, "SUB failed to deleted topic/channel")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// RDY sets how many messages may be in flight to this client.
func (p *protocolV2) RDY(c *clientV2, params [][]byte) ([]byte, error) {
	state := c.State.Load()
	if state == stateClosing {
		return nil, nil
	}
	if state != stateSubscribed {
		return nil, fatal(protocol.EInvalid, "cannot RDY in current state")
	}
	count := int64(1)
	if len(params) > 1 {
		n, err := parseDigits(params[1])
		if err != nil {
			return nil, fatalf(protocol.EInvalid, "RDY could not parse count %s", params[1])
		}
		count = n
	}
	if max := p.nsqd.getOpts().MaxRdyCount; count < 0 || count > max {
		return nil, fatalf(protocol.EInvalid, "RDY count %d out of range 0-%d", count, max)
	}
	c.SetReadyCount(count)
	return nil, nil
}

// msgIDParam validates the message-ID parameter of FIN, REQ and TOUCH.
func (p *protocolV2) msgIDParam(c *clientV2, params [][]byte, cmd string, need int) (MessageID, error) {
	var id MessageID
	if st := c.State.Load(); st != stateSubscribed && st != stateClosing {
		return id, fatalf(protocol.EInvalid, "cannot %s in current state", cmd)
	}
	if len(params) < need {
		return id, fatalf(protocol.EInvalid, "%s insufficient number of params", cmd)
	}
	if len(params[1]) != MsgIDLength {
		return id, fatal(protocol.EInvalid, "invalid message ID")
	}
	copy(id[:], params[1])
	return id, nil
}

// FIN acknowledges a message.
func (p *protocolV2) FIN(c *clientV2, params [][]byte) ([]byte, error) {
	id, err := p.msgIDParam(c, params, "FIN", 2)
	if err != nil {
		return nil, err
	}
	if err := c.Channel.FinishMessage(c.ID, id); err != nil {
		return nil, protocol.NewClientErr(err, protocol.EFinFailed, "FIN "+string(id[:])+" failed "+err.Error())
	}
	c.FinishedMessage()
	return nil, nil
}

// REQ puts a message back, at once or after a delay.
func (p *protocolV2) REQ(c *clientV2, params [][]byte) ([]byte, error) {
	id, err := p.msgIDParam(c, params, "REQ", 3)
	if err != nil {
		return nil, err
	}
	ms, err := parseDigits(params[2])
	if err != nil {
		return nil, fatalf(protocol.EInvalid, "REQ could not parse timeout %s", params[2])
	}
	timeout := time.Duration(ms) * time.Millisecond
	if max := p.nsqd.getOpts().MaxReqTimeout; ms > int64(max/time.Millisecond) {
		timeout = max
	}
	if err := c.Channel.RequeueMessage(c.ID, id, timeout); err != nil {
		return nil, protocol.NewClientErr(err, protocol.EReqFailed, "REQ "+string(id[:])+" failed "+err.Error())
	}
	c.RequeuedMessage()
	return nil, nil
}

// TOUCH extends a message's in-flight deadline.
func (p *protocolV2) TOUCH(c *clientV2, params [][]byte) ([]byte, error) {
	id, err := p.msgIDParam(c, params, "TOUCH", 2)
	if err != nil {
		return nil, err
	}
	c.metaMu.RLock()
	timeout := c.MsgTimeout
	c.metaMu.RUnlock()
	if err := c.Channel.TouchMessage(c.ID, id, timeout); err != nil {
		return nil, protocol.NewClientErr(err, protocol.ETouchFailed, "TOUCH "+string(id[:])+" failed "+err.Error())
	}
	return nil, nil
}

// CLS starts a clean close: RDY 0 and CLOSE_WAIT.
func (p *protocolV2) CLS(c *clientV2) ([]byte, error) {
	if c.State.Load() != stateSubscribed {
		return nil, fatal(protocol.EInvalid, "cannot CLS in current state")
	}
	c.StartClose()
	return protocol.CloseWaitBytes, nil
}
