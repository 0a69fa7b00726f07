package nsqlookupd

import (
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// unregister removes the peer from a channel, or from a topic and all of
// its channels. An ephemeral registration left without producers is
// deleted.
func (p *protocolV1) unregister(c *client, params []string) ([]byte, error) {
	if c.peer == nil {
		return nil, invalid("client must IDENTIFY")
	}
	topic, channel, err := topicChannel("UNREGISTER", params)
	if err != nil {
		return nil, err
	}
	if channel != "" {
		p.remove(c, Registration{categoryChannel, topic, channel}, channel)
		return protocol.OKBytes, nil
	}
	// nsqd unregisters a topic's channels before the topic itself, so
	// anything removed here is unexpected.
	for _, r := range p.l.db.FindRegistrations(categoryChannel, topic, wildcard) {
		if removed, _ := p.l.db.RemoveProducer(r, c.id); removed {
			p.l.logf(lg.WARN, "client(%s) unexpected UNREGISTER category:%s key:%s subkey:%s", c, r.Category, r.Key, r.SubKey)
		}
	}
	p.remove(c, Registration{categoryTopic, topic, ""}, topic)
	return protocol.OKBytes, nil
}

// remove takes the peer out of k and deletes k when name is ephemeral and
// no producer is left.
func (p *protocolV1) remove(c *client, k Registration, name string) {
	if p.l.db.Unregister(k, c.id, protocol.IsEphemeral(name)) {
		p.l.logf(lg.INFO, "DB: client(%s) UNREGISTER category:%s key:%s subkey:%s", c, k.Category, k.Key, k.SubKey)
	}
}
