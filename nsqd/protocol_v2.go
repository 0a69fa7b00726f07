package nsqd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// protocolV2 serves one client connection of the V2 TCP protocol.
type protocolV2 struct {
	nsqd *NSQD
}

// IOLoop reads and executes commands until the connection ends, with the
// message pump running beside it.
func (p *protocolV2) IOLoop(c *clientV2) error {
	started := make(chan struct{})
	go func() {
		defer close(c.pumpDone)
		p.messagePump(c, started)
	}()
	<-started
	err := p.readLoop(c)
	if err != nil {
		p.nsqd.logf(lg.ERROR, "PROTOCOL(V2): [%s] exiting ioloop - %s", c, err)
	}
	close(c.ExitChan)
	<-c.pumpDone
	c.Close()
	requeueOnClientGone(c.Channel, c.ID)
	if c.Channel != nil {
		c.Channel.RemoveClient(c.ID)
	}
	return nil
}

func (p *protocolV2) readLoop(c *clientV2) error {
	for {
		if err := p.flushResponses(c, false); err != nil {
			return fmt.Errorf("failed to flush responses - %w", err)
		}
		p.refreshReadDeadline(c)
		line, err := c.Reader.ReadSlice('\n')
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("failed to read command - %w", err)
		}
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		c.params = splitParams(c.params[:0], line)
		resp, err := p.Exec(c, c.params)
		if err != nil {
			if fatal := p.sendError(c, err); fatal {
				return err
			}
			continue
		}
		if resp != nil {
			if err := p.Send(c, protocol.FrameTypeResponse, resp); err != nil {
				return fmt.Errorf("failed to send response - %w", err)
			}
		}
	}
}

// deadlineEvery is how many commands may be read from the buffer, without
// going to the socket, before the read deadline is moved again anyway.
const deadlineEvery = 64

// refreshReadDeadline gives the client two heartbeat intervals (none with
// heartbeats off) to send its next command. Moving the deadline costs a
// clock reading and a timer update, so while the next command line is
// already buffered (a pipelined burst) the deadline set when the socket
// was last read stands, for up to deadlineEvery commands.
func (p *protocolV2) refreshReadDeadline(c *clientV2) {
	if c.readsSinceDeadline < deadlineEvery && c.Reader.Buffered() > 0 {
		if b, _ := c.Reader.Peek(c.Reader.Buffered()); bytes.IndexByte(b, '\n') >= 0 {
			c.readsSinceDeadline++
			return
		}
	}
	c.readsSinceDeadline = 0
	if hb := c.HeartbeatInterval; hb > 0 {
		c.SetReadDeadline(time.Now().Add(hb * 2))
	} else {
		c.SetReadDeadline(time.Time{})
	}
}

// splitParams splits line on every single space into dst (reused across
// commands, so parsing a command does not allocate).
func splitParams(dst [][]byte, line []byte) [][]byte {
	for {
		i := bytes.IndexByte(line, ' ')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// sendError writes an error frame; it reports whether the connection must
// now close (fatal error or failed write).
func (p *protocolV2) sendError(c *clientV2, err error) bool {
	var ce *protocol.ClientErr
	if !errors.As(err, &ce) {
		ce = protocol.NewFatalClientErr(err, protocol.EInvalid, err.Error())
	}
	lvl := lg.ERROR
	if !ce.Fatal {
		lvl = lg.WARN
	}
	// The log gets the internal cause too (an auth server's outage, a read
	// error), unless the wire text already carries it.
	p.nsqd.logf(lvl, "[%s] - %s", c, ce.LogText())
	if werr := p.Send(c, protocol.FrameTypeError, ce.Wire()); werr != nil {
		return true
	}
	if ce.Fatal {
		p.flushResponses(c, true)
	}
	return ce.Fatal
}

// Send writes a response or error frame into the output buffer without
// flushing: readLoop flushes once the client has no further command
// buffered, so a pipelined burst is answered with one write.
func (p *protocolV2) Send(c *clientV2, frameType int32, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.respPending = true
	return writeFrame(c, frameType, data)
}

// flushResponses flushes answered commands once no further input is
// buffered (or always, when force is set).
func (p *protocolV2) flushResponses(c *clientV2, force bool) error {
	if !c.respPending || (!force && c.Reader.Buffered() > 0) {
		return nil
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.respPending = false
	return c.Flush()
}

func writeFrame(c *clientV2, frameType int32, data []byte) error {
	// The common case, a frame that fits in the buffer, is assembled in
	// place: a header array passed to Write would escape and cost an
	// allocation per frame.
	if b := c.Writer.AvailableBuffer(); cap(b) >= protocol.FrameHeaderLen+len(data) {
		b = b[:protocol.FrameHeaderLen]
		protocol.PutFrameHeader(b, frameType, len(data))
		_, err := c.Writer.Write(append(b, data...))
		return err
	}
	var hdr [protocol.FrameHeaderLen]byte
	protocol.PutFrameHeader(hdr[:], frameType, len(data))
	if _, err := c.Writer.Write(hdr[:]); err != nil {
		return err
	}
	_, err := c.Writer.Write(data)
	return err
}

// sendMessage writes a message frame into the client's buffer (no flush).
// A frame that does not fit in the buffer's free space is assembled first
// and written with one call, so a client with a small buffer gets it in a
// single write rather than header and body apart.
func (p *protocolV2) sendMessage(c *clientV2, m *Message) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	const hdrLen = protocol.FrameHeaderLen + minValidMsgLength
	size := protocol.FrameHeaderLen + m.encodedLen()
	if size <= c.Writer.Available() {
		// Assembled in the buffer's own free space: a header array handed
		// to Write would escape and cost an allocation per delivery.
		b := c.Writer.AvailableBuffer()[:hdrLen]
		putMessageHeader(b, m)
		_, err := c.Writer.Write(append(b, m.Body...))
		return err
	}
	c.frameBuf = append(c.frameBuf[:0], make([]byte, hdrLen)...)
	putMessageHeader(c.frameBuf, m)
	if size > maxAssembledFrame {
		if _, err := c.Writer.Write(c.frameBuf); err != nil {
			return err
		}
		_, err := c.Writer.Write(m.Body)
		return err
	}
	c.frameBuf = append(c.frameBuf, m.Body...)
	_, err := c.Writer.Write(c.frameBuf)
	if cap(c.frameBuf) > maxAssembledFrame {
		c.frameBuf = nil
	}
	return err
}

// maxAssembledFrame bounds the per-client scratch buffer of sendMessage.
const maxAssembledFrame = 64 * 1024

// putMessageHeader writes the frame header and the message's fixed fields
// (timestamp, attempts, ID) into b[:34].
func putMessageHeader(b []byte, m *Message) {
	protocol.PutFrameHeader(b, protocol.FrameTypeMessage, m.encodedLen())
	m.putHeader(b[protocol.FrameHeaderLen:])
}

// heartbeat writes a _heartbeat_ frame and flushes.
func (p *protocolV2) heartbeat(c *clientV2) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := writeFrame(c, protocol.FrameTypeResponse, protocol.HeartbeatBytes); err != nil {
		return err
	}
	return c.Flush()
}

func (p *protocolV2) flush(c *clientV2) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.Flush()
}

// sampled reports whether a message survives the client's sample rate.
func sampled(rate int32) bool {
	return rate <= 0 || rand.Int32N(100) <= rate
}
