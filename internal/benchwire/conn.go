package benchwire

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// maxFrameSize bounds the size a frame header may declare, so that a corrupt
// stream fails instead of allocating gigabytes.
const maxFrameSize = 256 << 20

// bufSize is the size of the read and write buffers of a Conn.
const bufSize = 64 << 10

// ErrFrame is returned (wrapped) by ExpectOK when nsqd answers with an error
// frame.
var ErrFrame = errors.New("nsqd sent an error frame")

// Conn is one V2 connection. It is not safe for concurrent use: one goroutine
// writes and reads it.
type Conn struct {
	nc  net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	hdr [8]byte
	buf []byte
}

// Dial connects to addr within timeout and sends the V2 magic (buffered:
// the first Flush sends it).
func Dial(addr string, timeout time.Duration) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &Conn{
		nc: nc,
		r:  bufio.NewReaderSize(nc, bufSize),
		w:  bufio.NewWriterSize(nc, bufSize),
	}
	c.w.WriteString(protocol.MagicV2)
	return c, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// SetReadDeadline sets the deadline of the reads that follow.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// Flush sends what is buffered.
func (c *Conn) Flush() error { return c.w.Flush() }

// Buffered reports how many received bytes are waiting to be read: when it is
// zero, the next ReadFrame may block.
func (c *Conn) Buffered() int { return c.r.Buffered() }

// Write buffers raw bytes, e.g. a pre-encoded command.
func (c *Conn) Write(b []byte) error {
	_, err := c.w.Write(b)
	return err
}

// Identify buffers IDENTIFY with fields as its JSON body.
func (c *Conn) Identify(fields map[string]any) error {
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	c.w.WriteString("IDENTIFY\n")
	binary.BigEndian.PutUint32(c.hdr[:4], uint32(len(body)))
	c.w.Write(c.hdr[:4])
	_, err = c.w.Write(body)
	return err
}

// Sub buffers SUB topic channel.
func (c *Conn) Sub(topic, channel string) error {
	_, err := c.w.WriteString("SUB " + topic + " " + channel + "\n")
	return err
}

// Rdy buffers RDY n.
func (c *Conn) Rdy(n int) error {
	c.w.WriteString("RDY ")
	c.w.Write(strconv.AppendInt(c.hdr[:0], int64(n), 10))
	return c.w.WriteByte('\n')
}

// Fin buffers FIN id.
func (c *Conn) Fin(id []byte) error {
	c.w.WriteString("FIN ")
	c.w.Write(id)
	return c.w.WriteByte('\n')
}

// Nop buffers NOP.
func (c *Conn) Nop() error {
	_, err := c.w.WriteString("NOP\n")
	return err
}

// ReadFrame reads one frame. data is only valid until the next call.
func (c *Conn) ReadFrame() (frameType int32, data []byte, err error) {
	if _, err := io.ReadFull(c.r, c.hdr[:4]); err != nil {
		return 0, nil, err
	}
	size := binary.BigEndian.Uint32(c.hdr[:4])
	if size < 4 || size > maxFrameSize {
		return 0, nil, fmt.Errorf("invalid frame size %d", size)
	}
	if int(size) > cap(c.buf) {
		c.buf = make([]byte, size)
	}
	buf := c.buf[:size]
	if _, err := io.ReadFull(c.r, buf); err != nil {
		return 0, nil, err
	}
	return int32(binary.BigEndian.Uint32(buf[:4])), buf[4:], nil
}

// ExpectOK flushes, then reads frames until a response: nil if it is OK. It
// answers heartbeats with NOP and fails on an error frame or a message.
func (c *Conn) ExpectOK() error {
	if err := c.Flush(); err != nil {
		return err
	}
	for {
		ft, data, err := c.ReadFrame()
		if err != nil {
			return err
		}
		switch {
		case IsHeartbeat(ft, data):
			if err := c.Nop(); err != nil {
				return err
			}
		case ft == protocol.FrameTypeError:
			return fmt.Errorf("%w: %s", ErrFrame, data)
		case ft == protocol.FrameTypeResponse && string(data) == "OK":
			return nil
		default:
			return fmt.Errorf("expected OK, got frame type %d: %q", ft, data)
		}
	}
}

// IsHeartbeat reports whether a frame is nsqd's heartbeat.
func IsHeartbeat(frameType int32, data []byte) bool {
	return frameType == protocol.FrameTypeResponse && string(data) == string(protocol.HeartbeatBytes)
}
