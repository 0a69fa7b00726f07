package nsqd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// readMessageBody reads [size][body] of PUB and DPUB with their errors.
func (p *protocolV2) readMessageBody(c *clientV2, cmd string) ([]byte, error) {
	size, err := readLen(c)
	if err != nil {
		return nil, fatalCause(err, protocol.EBadMessage, "%s failed to read message body size", cmd)
	}
	if size <= 0 {
		return nil, fatalf(protocol.EBadMessage, "%s invalid message body size %d", cmd, size)
	}
	if max := p.nsqd.getOpts().MaxMsgSize; int64(size) > max {
		return nil, fatalf(protocol.EBadMessage, "%s message too big %d > %d", cmd, size, max)
	}
	body, err := readN(c.Reader, int(size))
	if err != nil {
		return nil, fatalCause(err, protocol.EBadMessage, "%s failed to read message body", cmd)
	}
	return body, nil
}

// PUB publishes one message.
func (p *protocolV2) PUB(c *clientV2, params [][]byte) ([]byte, error) {
	if len(params) < 2 {
		return nil, fatal(protocol.EInvalid, "PUB insufficient number of parameters")
	}
	if !protocol.IsValidTopicName(params[1]) {
		return nil, fatalf(protocol.EBadTopic, "PUB topic name %q is not valid", params[1])
	}
	// The name aliases the read buffer, which reading the body reuses:
	// resolve it first (a new topic is created only once the body is valid).
	t := p.pubTopic(c, params[1])
	var name string
	if t == nil {
		name = string(params[1])
	}
	body, err := p.readMessageBody(c, "PUB")
	if err != nil {
		return nil, err
	}
	if t != nil {
		name = t.name
	}
	if err := p.checkAuth(c, "PUB", name, ""); err != nil {
		return nil, err
	}
	if t == nil {
		t = p.nsqd.GetTopic(name)
	}
	msgs := p.pubRun(c, t, body)
	n, err := t.PutMessageRun(msgs)
	clear(msgs)
	c.pubRun = msgs[:0]
	if n > 0 {
		c.PublishedMessage(t.name, uint64(n))
	}
	// Every PUB published is answered OK, the last one by the command
	// loop when the whole run was; a failure answers the PUB it stopped.
	answered := n
	if err == nil {
		answered--
	}
	for range answered {
		if serr := p.Send(c, protocol.FrameTypeResponse, protocol.OKBytes); serr != nil {
			return nil, fmt.Errorf("failed to send response - %w", serr)
		}
	}
	if err != nil {
		return nil, fatalCause(err, protocol.EPubFailed, "PUB failed %s", err)
	}
	c.lastPubT = t
	return protocol.OKBytes, nil
}

// pubRunMax is the most pipelined PUBs published together.
const pubRunMax = 64

// pubRun is the message of the PUB just read followed by those of the
// PUBs to the same topic already waiting whole in the read buffer, up to
// pubRunMax, stamped in order: publishing them together costs a durable
// queue one disk write instead of one each, and their structs and bodies
// come from a few shared allocations (see msgBatch). A command that is
// anything else, or that the command loop would refuse, ends the run and
// is left in the buffer for the loop. With auth on, every PUB goes through
// the loop, which checks it on its own.
func (p *protocolV2) pubRun(c *clientV2, t *Topic, body []byte) []*Message {
	var found [pubRunMax - 1][]byte
	var n, span, total int
	if !p.nsqd.authEnabled() {
		buf, _ := c.Reader.Peek(c.Reader.Buffered())
		n, span, total = bufferedPUBs(buf, t.name, p.nsqd.getOpts().MaxMsgSize, found[:])
	}
	b := msgBatch{msgs: c.pubRun[:0], left: n + 1, bytes: int64(total)}
	b.add(body)
	for _, src := range found[:n] {
		dst := b.cut(len(src))
		copy(dst, src)
		b.add(dst)
	}
	_, _ = c.Reader.Discard(span)
	return b.stamp(t)
}

// bufferedPUBs finds the "PUB <topic>\n" commands with valid bodies that
// lie whole at the start of buf, at most len(bodies) of them. It fills
// bodies with theirs (aliasing buf) and returns how many it found, the
// bytes those commands span and the bytes of their bodies.
func bufferedPUBs(buf []byte, topic string, maxSize int64, bodies [][]byte) (n, span, total int) {
	head := len("PUB ") + len(topic) + 1
	for n < len(bodies) {
		b := buf[span:]
		if len(b) < head+4 || string(b[:4]) != "PUB " || string(b[4:head-1]) != topic || b[head-1] != '\n' {
			break
		}
		size := int64(int32(binary.BigEndian.Uint32(b[head:])))
		if size <= 0 || size > maxSize || int64(len(b)-head-4) < size {
			break
		}
		bodies[n] = b[head+4 : head+4+int(size)]
		n++
		span += head + 4 + int(size)
		total += int(size)
	}
	return n, span, total
}

// pubTopic is the existing topic named name, or nil. The topic the client
// last published to is kept, so a run of PUBs to one topic does not take
// the registry's lock each time; a kept topic being deleted (or the daemon
// exiting) is looked up again, as a PUB racing with the delete would have.
func (p *protocolV2) pubTopic(c *clientV2, name []byte) *Topic {
	if t := c.lastPubT; t != nil && t.name == string(name) && !t.Exiting() {
		return t
	}
	return p.nsqd.lookupTopic(name)
}

// DPUB publishes one message that becomes visible after a delay.
func (p *protocolV2) DPUB(c *clientV2, params [][]byte) ([]byte, error) {
	if len(params) < 3 {
		return nil, fatal(protocol.EInvalid, "DPUB insufficient number of parameters")
	}
	topicName := string(params[1])
	if !protocol.IsValidTopicName(topicName) {
		return nil, fatalf(protocol.EBadTopic, "DPUB topic name %q is not valid", topicName)
	}
	ms, err := parseDigits(params[2])
	if err != nil {
		return nil, fatalf(protocol.EInvalid, "DPUB could not parse timeout %s", params[2])
	}
	maxMS := int64(p.nsqd.getOpts().MaxReqTimeout / time.Millisecond)
	if ms > maxMS {
		return nil, fatalf(protocol.EInvalid, "DPUB timeout %d out of range 0-%d", ms, maxMS)
	}
	body, err := p.readMessageBody(c, "DPUB")
	if err != nil {
		return nil, err
	}
	if err := p.checkAuth(c, "DPUB", topicName, ""); err != nil {
		return nil, err
	}
	t := p.nsqd.GetTopic(topicName)
	m := newPubMessage(t, body)
	m.deferred = time.Duration(ms) * time.Millisecond
	if err := t.PutMessage(m); err != nil {
		return nil, fatalCause(err, protocol.EDPubFailed, "DPUB failed %s", err)
	}
	c.PublishedMessage(topicName, 1)
	return protocol.OKBytes, nil
}

// MPUB publishes a batch. Checks run in NSQ's order: parameters, topic
// name, auth, then the topic is created before the body is validated, so a
// bad body still creates it; nothing is queued unless the whole body is valid.
func (p *protocolV2) MPUB(c *clientV2, params [][]byte) ([]byte, error) {
	if len(params) < 2 {
		return nil, fatal(protocol.EInvalid, "MPUB insufficient number of parameters")
	}
	topicName := string(params[1])
	if !protocol.IsValidTopicName(topicName) {
		return nil, fatalf(protocol.EBadTopic, "E_BAD_TOPIC MPUB topic name %q is not valid", topicName)
	}
	if err := p.checkAuth(c, "MPUB", topicName, ""); err != nil {
		return nil, err
	}
	t := p.nsqd.GetTopic(topicName)
	msgs, err := p.readMPUB(c, t)
	if err != nil {
		return nil, err
	}
	if err := t.PutMessages(msgs); err != nil {
		return nil, fatalCause(err, protocol.EMPubFailed, "MPUB failed %s", err)
	}
	c.PublishedMessage(topicName, uint64(len(msgs)))
	return protocol.OKBytes, nil
}

func (p *protocolV2) readMPUB(c *clientV2, t *Topic) ([]*Message, error) {
	opts := p.nsqd.getOpts()
	size, err := readLen(c)
	if err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "MPUB failed to read body size")
	}
	if size <= 0 {
		return nil, fatalf(protocol.EBadBody, "MPUB invalid body size %d", size)
	}
	if int64(size) > opts.MaxBodySize {
		return nil, fatalf(protocol.EBadBody, "MPUB body too big %d > %d", size, opts.MaxBodySize)
	}
	// Nothing past the declared size is read (NSQ reads whatever the count
	// and message sizes say): the count and every message must fit in it,
	// and each message takes at least its 4-byte size. A body declared
	// longer than its messages is accepted and the rest left unread, as NSQ
	// does.
	body := io.LimitReader(c.Reader, int64(size))
	count, err := readLenFrom(body, c.lenBuf[:])
	if err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "MPUB failed to read message count")
	}
	if count <= 0 || int64(count) > (opts.MaxBodySize-4)/5 || int64(count) > (int64(size)-4)/4 {
		return nil, fatalf(protocol.EBadBody, "MPUB invalid message count %d", count)
	}
	batch := newMsgBatch(int(count), int64(size)-4)
	return readMPUBMessages(body, c.lenBuf[:], batch, opts.MaxMsgSize, t, "MPUB")
}

// readMPUBMessages reads the batch's count [size][body] records (TCP MPUB
// and the binary HTTP /mpub share it); r ends where the body ends. The
// messages get their ids once all are read.
func readMPUBMessages(r io.Reader, lenBuf []byte, batch *msgBatch, maxMsgSize int64, t *Topic, cmd string) ([]*Message, error) {
	for i, count := 0, batch.left; i < count; i++ {
		size, err := readLenFrom(r, lenBuf)
		if err != nil {
			return nil, fatalCause(err, protocol.EBadMessage, "%s failed to read message(%d) body size", cmd, i)
		}
		if size <= 0 {
			return nil, fatalf(protocol.EBadMessage, "%s invalid message(%d) body size %d", cmd, i, size)
		}
		if int64(size) > maxMsgSize {
			return nil, fatalf(protocol.EBadMessage, "%s message too big %d > %d", cmd, size, maxMsgSize)
		}
		body, err := batch.readBody(r, int(size))
		if lr, ok := r.(*io.LimitedReader); ok && lr.N == 0 && errors.Is(err, io.ErrUnexpectedEOF) {
			err = errBodyExhausted
		}
		if err != nil {
			return nil, fatalCause(err, protocol.EBadMessage, "%s failed to read message body", cmd)
		}
		batch.add(body)
	}
	return batch.stamp(t), nil
}
