package nsqd

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/flate"
)

// identifyData is the IDENTIFY JSON body. Unknown keys, such as
// the deprecated short_id and long_id, are ignored.
type identifyData struct {
	ClientID            string `json:"client_id"`
	Hostname            string `json:"hostname"`
	HeartbeatInterval   int    `json:"heartbeat_interval"`
	OutputBufferSize    int    `json:"output_buffer_size"`
	OutputBufferTimeout int    `json:"output_buffer_timeout"`
	FeatureNegotiation  bool   `json:"feature_negotiation"`
	TLSv1               bool   `json:"tls_v1"`
	Deflate             bool   `json:"deflate"`
	DeflateLevel        int    `json:"deflate_level"`
	Snappy              bool   `json:"snappy"`
	SampleRate          int32  `json:"sample_rate"`
	UserAgent           string `json:"user_agent"`
	MsgTimeout          int    `json:"msg_timeout"`
	TopologyRegion      string `json:"topology_region"`
	TopologyZone        string `json:"topology_zone"`
}

// identify applies the fields in the reference's order; identity fields
// stick even when a later check fails.
func (c *clientV2) identify(d identifyData) error {
	opts := c.nsqd.getOpts()
	c.metaMu.Lock()
	c.ClientID, c.Hostname, c.UserAgent = d.ClientID, d.Hostname, d.UserAgent
	c.TopologyRegion, c.TopologyZone = d.TopologyRegion, d.TopologyZone
	c.IsZoneLocal = d.TopologyZone == opts.TopologyZone
	c.IsRegionLocal = d.TopologyRegion == opts.TopologyRegion
	c.metaMu.Unlock()
	if err := c.setHeartbeatInterval(d.HeartbeatInterval); err != nil {
		return err
	}
	if err := c.setOutputBuffer(d.OutputBufferSize, d.OutputBufferTimeout); err != nil {
		return err
	}
	if err := c.setSampleRate(d.SampleRate); err != nil {
		return err
	}
	if err := c.setMsgTimeout(d.MsgTimeout); err != nil {
		return err
	}
	c.notifyPump(identifyEvent{
		OutputBufferTimeout: c.OutputBufferTimeout,
		HeartbeatInterval:   c.HeartbeatInterval,
		SampleRate:          c.SampleRate,
		MsgTimeout:          c.MsgTimeout,
		IsZoneLocal:         c.IsZoneLocal,
		IsRegionLocal:       c.IsRegionLocal,
	})
	return nil
}

// notifyPump hands ev to the message pump without blocking, replacing an
// event the pump has not taken yet so that the latest settings win. Only
// the IOLoop sends, so the loop ends after at most one replacement.
func (c *clientV2) notifyPump(ev identifyEvent) {
	for {
		select {
		case c.IdentifyEventChan <- ev:
			return
		default:
		}
		select {
		case <-c.IdentifyEventChan:
		default:
		}
	}
}

// msDuration converts a client-supplied number of milliseconds; fits is
// false when it does not fit in a time.Duration (converting it anyway would
// wrap around, possibly into the accepted range).
func msDuration(ms int) (d time.Duration, fits bool) {
	const limit = math.MaxInt64 / int64(time.Millisecond)
	if int64(ms) > limit || int64(ms) < -limit {
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

func (c *clientV2) setHeartbeatInterval(ms int) error {
	max := c.nsqd.getOpts().MaxHeartbeatInterval
	d, fits := msDuration(ms)
	switch {
	case ms == -1:
		d = 0
	case ms == 0:
		return nil
	case ms >= 1000 && fits && d <= max:
	default:
		return fmt.Errorf("heartbeat interval (%d) is invalid", ms)
	}
	c.metaMu.Lock()
	c.HeartbeatInterval = d
	c.metaMu.Unlock()
	c.writeTimeout.Store(int64(d))
	c.readsSinceDeadline = deadlineEvery // the next read takes the new interval
	return nil
}

func (c *clientV2) setOutputBuffer(size, timeoutMS int) error {
	opts := c.nsqd.getOpts()
	timeout, fits := msDuration(timeoutMS)
	bufSize, bufTimeout := c.OutputBufferSize, c.OutputBufferTimeout
	switch {
	case timeoutMS == -1:
		bufTimeout = 0
	case timeoutMS == 0:
	case fits && timeout >= opts.MinOutputBufferTimeout && timeout <= opts.MaxOutputBufferTimeout:
		bufTimeout = timeout
	default:
		return fmt.Errorf("output buffer timeout (%d) is invalid", timeoutMS)
	}
	switch {
	case size == -1:
		bufSize, bufTimeout = unbufferedSize, 0
	case size == 0:
	case size >= 64 && int64(size) <= opts.MaxOutputBufferSize:
		bufSize = size
	default:
		c.setOutputBufferTimeout(bufTimeout) // a valid timeout sticks
		return fmt.Errorf("output buffer size (%d) is invalid", size)
	}
	c.setOutputBufferTimeout(bufTimeout)
	if size == 0 {
		return nil
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.Writer.Flush(); err != nil {
		return err
	}
	c.metaMu.Lock()
	c.OutputBufferSize = bufSize
	c.metaMu.Unlock()
	c.unbuffered.Store(bufSize == unbufferedSize)
	c.Writer = c.newWriter(c.sink())
	return nil
}

// unbufferedSize is the output buffer size an IDENTIFY of -1 (no
// buffering) reports.
const unbufferedSize = 1

// newWriter is the output buffer over w. An unbuffered client gets one of
// the default size all the same: its message pump flushes it after every
// delivery (see messagePump), so the messages ready together leave in one
// write, and a compressed stream is flushed too.
func (c *clientV2) newWriter(w io.Writer) *bufio.Writer {
	size := c.OutputBufferSize
	if c.unbuffered.Load() {
		size = defaultBufferSize
	}
	return bufio.NewWriterSize(w, size)
}

func (c *clientV2) setOutputBufferTimeout(d time.Duration) {
	c.metaMu.Lock()
	c.OutputBufferTimeout = d
	c.metaMu.Unlock()
}

func (c *clientV2) setSampleRate(rate int32) error {
	if rate < 0 || rate > 99 {
		return fmt.Errorf("sample rate (%d) is invalid", rate)
	}
	c.metaMu.Lock()
	c.SampleRate = rate
	c.metaMu.Unlock()
	return nil
}

func (c *clientV2) setMsgTimeout(ms int) error {
	max := c.nsqd.getOpts().MaxMsgTimeout
	d, fits := msDuration(ms)
	switch {
	case ms == 0:
	case ms >= 1000 && fits && d <= max:
		c.metaMu.Lock()
		c.MsgTimeout = d
		c.metaMu.Unlock()
	default:
		return fmt.Errorf("msg timeout (%d) is invalid", ms)
	}
	return nil
}

// UpgradeTLS performs the server side of the TLS handshake on the raw
// connection and layers reader and writer over it.
func (c *clientV2) UpgradeTLS() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	conn := tls.Server(c.Conn, c.nsqd.tlsConfig)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := conn.Handshake(); err != nil {
		return err
	}
	conn.SetDeadline(time.Time{})
	c.tlsConn = conn
	st := conn.ConnectionState()
	c.tlsState.Store(&st)
	c.Reader = bufio.NewReaderSize(conn, defaultBufferSize)
	c.Writer = c.newWriter(c.sink())
	c.TLS.Store(true)
	return nil
}

// rawConn is the connection decompression layers read from (TLS if
// upgraded); writers go through sink.
func (c *clientV2) rawConn() io.Reader {
	if c.tlsConn != nil {
		return c.tlsConn
	}
	return c.Conn
}

// UpgradeDeflate switches both directions to raw DEFLATE at level.
func (c *clientV2) UpgradeDeflate(level int) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	conn := c.rawConn()
	c.Reader = bufio.NewReaderSize(flate.NewReader(conn), defaultBufferSize)
	fw, err := flate.NewWriter(c.sink(), level)
	if err != nil {
		return err
	}
	c.flateWriter = fw
	c.Writer = c.newWriter(fw)
	c.Deflate.Store(true)
	return nil
}

// UpgradeSnappy switches both directions to the snappy framing format.
func (c *clientV2) UpgradeSnappy() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	conn := c.rawConn()
	c.Reader = bufio.NewReaderSize(snappy.NewReader(conn), defaultBufferSize)
	c.snappyW = snappy.NewBufferedWriter(c.sink())
	c.Writer = c.newWriter(c.snappyW)
	c.Snappy.Store(true)
	return nil
}
