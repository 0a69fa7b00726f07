package test

import (
	"fmt"
	"net"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// The methods in this file report failures as errors instead of failing a
// test: a Conn from DialRaw may run in a goroutine of its own, and a test
// that expects a write or read to fail can look at the error.

// FrameError is an answer other than the response "OK".
type FrameError struct {
	FrameType int32
	Data      string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("%s frame %q", FrameTypeName(e.FrameType), e.Data)
}

// DialRaw connects to addr and sends the V2 magic, like DialV2, without a
// test: only the methods that return errors may be used, and the caller
// closes the connection.
func DialRaw(addr string) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	c := newConn(nc)
	if err := c.write([]byte(protocol.MagicV2)); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// WriteCmd sends line and "\n", then, unless body is nil, the 4-byte
// big-endian length of body and body.
func (c *Conn) WriteCmd(line string, body []byte) error {
	b := make([]byte, 0, len(line)+5+len(body))
	b = append(append(b, line...), '\n')
	if body != nil {
		b = append(append(b, Uint32(uint32(len(body)))...), body...)
	}
	return c.write(b)
}

// IsHeartbeat reports whether a frame is the server's heartbeat.
func IsHeartbeat(frameType int32, data []byte) bool { return isHeartbeat(frameType, data) }

// Frame reads the next frame that is not a heartbeat, each read within d.
// Heartbeats are answered with NOP, so a connection can wait longer than
// the heartbeat interval.
func (c *Conn) Frame(d time.Duration) (int32, []byte, error) {
	for {
		if err := c.conn.SetReadDeadline(time.Now().Add(d)); err != nil {
			return 0, nil, err
		}
		ft, data, err := protocol.ReadFrame(c.r, MaxFrameSize)
		if err != nil {
			return 0, nil, err
		}
		if !isHeartbeat(ft, data) {
			return ft, data, nil
		}
		if err := c.WriteCmd("NOP", nil); err != nil {
			return 0, nil, err
		}
	}
}

// AwaitOK reads the next frame within Timeout and returns nil if it is the
// response "OK", else a *FrameError or the read error.
func (c *Conn) AwaitOK() error {
	ft, data, err := c.Frame(c.Timeout)
	if err != nil {
		return err
	}
	if ft != protocol.FrameTypeResponse || string(data) != "OK" {
		return &FrameError{FrameType: ft, Data: string(data)}
	}
	return nil
}

// Request sends a command (see WriteCmd) and waits for its "OK" (see
// AwaitOK).
func (c *Conn) Request(line string, body []byte) error {
	if err := c.WriteCmd(line, body); err != nil {
		return err
	}
	return c.AwaitOK()
}
