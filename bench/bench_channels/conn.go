package main

import (
	"bufio"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	nsq "github.com/nsqio/go-nsq"
)

// subConn is one subscribed connection.
type subConn struct {
	nc net.Conn
	rw *bufio.ReadWriter
}

// subscribe connects, identifies and subscribes to topic/channel, and waits
// for both answers.
func subscribe(addr, topic, channel string) (*subConn, error) {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	c := &subConn{nc: nc, rw: bufio.NewReadWriter(bufio.NewReader(nc), bufio.NewWriter(nc))}
	if err := c.handshake(topic, channel); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *subConn) handshake(topic, channel string) error {
	identify, err := nsq.Identify(map[string]any{"client_id": "test"})
	if err != nil {
		return err
	}
	c.rw.Write(nsq.MagicV2)
	identify.WriteTo(c.rw)
	nsq.Subscribe(topic, channel).WriteTo(c.rw)
	if err := c.rw.Flush(); err != nil {
		return err
	}
	for _, cmd := range []string{"IDENTIFY", "SUB"} {
		ft, data, err := c.read()
		if err != nil {
			return err
		}
		if ft != nsq.FrameTypeResponse || string(data) != "OK" {
			return fmt.Errorf("%s: nsqd answered %q", cmd, data)
		}
	}
	return nil
}

// read reads and unpacks one frame.
func (c *subConn) read() (int32, []byte, error) {
	resp, err := nsq.ReadResponse(c.rw)
	if err != nil {
		return 0, nil, err
	}
	return nsq.UnpackResponse(resp)
}

// consume sends RDY 1, then finishes each message and sends RDY 1 again,
// answering heartbeats with NOP, until the connection fails or is closed.
func (c *subConn) consume(finished *atomic.Int64) error {
	nsq.Ready(1).WriteTo(c.rw)
	for {
		if err := c.rw.Flush(); err != nil {
			return err
		}
		ft, data, err := c.read()
		if err != nil {
			return err
		}
		switch ft {
		case nsq.FrameTypeError:
			return fmt.Errorf("nsqd sent an error: %s", data)
		case nsq.FrameTypeResponse:
			nsq.Nop().WriteTo(c.rw)
		case nsq.FrameTypeMessage:
			if err := c.finish(data); err != nil {
				return err
			}
			finished.Add(1)
		}
	}
}

// finish buffers FIN for the message in data and RDY 1.
func (c *subConn) finish(data []byte) error {
	msg, err := nsq.DecodeMessage(data)
	if err != nil {
		return err
	}
	nsq.Finish(msg.ID).WriteTo(c.rw)
	_, err = nsq.Ready(1).WriteTo(c.rw)
	return err
}
