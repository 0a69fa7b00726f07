package nsqd

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

func fatal(code, desc string) error { return protocol.NewFatalClientErr(nil, code, desc) }
func fatalf(code, f string, args ...any) error {
	return protocol.NewFatalClientErr(nil, code, fmt.Sprintf(f, args...))
}

// fatalCause is fatalf keeping err, the internal cause, for the log: the
// client sees only the wire text.
func fatalCause(err error, code, f string, args ...any) error {
	return protocol.NewFatalClientErr(err, code, fmt.Sprintf(f, args...))
}

// Exec dispatches one command line. With TLS required, only IDENTIFY is
// accepted before the connection is upgraded.
func (p *protocolV2) Exec(c *clientV2, params [][]byte) ([]byte, error) {
	if string(params[0]) == "IDENTIFY" {
		return p.IDENTIFY(c, params)
	}
	if p.nsqd.getOpts().TLSRequired != TLSNotRequired && !c.TLS.Load() {
		return nil, fatalf(protocol.EInvalid, "cannot %s in current state (TLS required)", params[0])
	}
	switch string(params[0]) {
	case "FIN":
		return p.FIN(c, params)
	case "RDY":
		return p.RDY(c, params)
	case "REQ":
		return p.REQ(c, params)
	case "PUB":
		return p.PUB(c, params)
	case "MPUB":
		return p.MPUB(c, params)
	case "DPUB":
		return p.DPUB(c, params)
	case "NOP":
		return nil, nil
	case "TOUCH":
		return p.TOUCH(c, params)
	case "SUB":
		return p.SUB(c, params)
	case "CLS":
		return p.CLS(c)
	case "AUTH":
		return p.AUTH(c, params)
	}
	return nil, fatalf(protocol.EInvalid, "invalid command %s", params[0])
}

// readLen reads a 4-byte big-endian signed size.
func readLen(c *clientV2) (int32, error) { return readLenFrom(c.Reader, c.lenBuf[:]) }

// readBody reads a size-prefixed body for IDENTIFY and AUTH.
func (p *protocolV2) readBody(c *clientV2, cmd string) ([]byte, error) {
	size, err := readLen(c)
	if err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "%s failed to read body size", cmd)
	}
	max := p.nsqd.getOpts().MaxBodySize
	if int64(size) > max {
		return nil, fatalf(protocol.EBadBody, "%s body too big %d > %d", cmd, size, max)
	}
	if size <= 0 {
		return nil, fatalf(protocol.EBadBody, "%s invalid body size %d", cmd, size)
	}
	body, err := readN(c.Reader, int(size))
	if err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "%s failed to read body", cmd)
	}
	return body, nil
}

// identifyResponse is the IDENTIFY JSON reply; field order is the wire order.
type identifyResponse struct {
	MaxRdyCount         int64  `json:"max_rdy_count"`
	Version             string `json:"version"`
	MaxMsgTimeout       int64  `json:"max_msg_timeout"`
	MsgTimeout          int64  `json:"msg_timeout"`
	TLSv1               bool   `json:"tls_v1"`
	Deflate             bool   `json:"deflate"`
	DeflateLevel        int    `json:"deflate_level"`
	MaxDeflateLevel     int    `json:"max_deflate_level"`
	Snappy              bool   `json:"snappy"`
	SampleRate          int32  `json:"sample_rate"`
	AuthRequired        bool   `json:"auth_required"`
	OutputBufferSize    int    `json:"output_buffer_size"`
	OutputBufferTimeout int64  `json:"output_buffer_timeout"`
	TopologyRegion      string `json:"topology_region"`
	TopologyZone        string `json:"topology_zone"`
}

// IDENTIFY applies client settings and negotiates features (TLS, deflate,
// snappy); the OK or JSON reply goes out before the connection is upgraded.
func (p *protocolV2) IDENTIFY(c *clientV2, params [][]byte) ([]byte, error) {
	if c.State.Load() != stateInit {
		return nil, fatal(protocol.EInvalid, "cannot IDENTIFY in current state")
	}
	body, err := p.readBody(c, "IDENTIFY")
	if err != nil {
		return nil, err
	}
	var d identifyData
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "IDENTIFY failed to decode JSON body")
	}
	if err := c.identify(d); err != nil {
		return nil, fatalCause(err, protocol.EBadBody, "IDENTIFY %s", err)
	}
	if !d.FeatureNegotiation {
		return protocol.OKBytes, nil
	}
	return nil, p.negotiate(c, d)
}

func (p *protocolV2) negotiate(c *clientV2, d identifyData) error {
	opts := p.nsqd.getOpts()
	tlsv1 := p.nsqd.tlsConfig != nil && d.TLSv1
	deflate := opts.DeflateEnabled && d.Deflate
	level := 6
	if deflate && d.DeflateLevel > 0 {
		level = d.DeflateLevel
	}
	level = min(level, opts.MaxDeflateLevel)
	snappy := opts.SnappyEnabled && d.Snappy
	if deflate && snappy {
		return fatal(protocol.EIdentifyFailed, "cannot enable both deflate and snappy compression")
	}
	resp, err := json.Marshal(identifyResponse{
		MaxRdyCount: opts.MaxRdyCount, Version: version.Binary,
		MaxMsgTimeout: int64(opts.MaxMsgTimeout / time.Millisecond),
		MsgTimeout:    int64(c.MsgTimeout / time.Millisecond),
		TLSv1:         tlsv1, Deflate: deflate, DeflateLevel: level,
		MaxDeflateLevel: opts.MaxDeflateLevel, Snappy: snappy,
		SampleRate: c.SampleRate, AuthRequired: len(opts.AuthHTTPAddresses) > 0,
		OutputBufferSize:    c.OutputBufferSize,
		OutputBufferTimeout: int64(c.OutputBufferTimeout / time.Millisecond),
		TopologyRegion:      opts.TopologyRegion, TopologyZone: opts.TopologyZone,
	})
	if err != nil {
		return fatalCause(err, protocol.EIdentifyFailed, "IDENTIFY failed %s", err)
	}
	if err := p.sendNow(c, resp); err != nil {
		return fatalCause(err, protocol.EIdentifyFailed, "IDENTIFY failed %s", err)
	}
	return p.upgrade(c, tlsv1, snappy, deflate, level)
}

// sendNow writes a response frame and flushes regardless of pending input.
func (p *protocolV2) sendNow(c *clientV2, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := writeFrame(c, protocol.FrameTypeResponse, data); err != nil {
		return err
	}
	return c.Flush()
}

// upgrade switches to TLS, then snappy or deflate, answering OK after each.
func (p *protocolV2) upgrade(c *clientV2, tlsv1, snappy, deflate bool, level int) error {
	steps := []struct {
		on bool
		do func() error
	}{
		{tlsv1, c.UpgradeTLS},
		{snappy, c.UpgradeSnappy},
		{deflate, func() error { return c.UpgradeDeflate(level) }},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := s.do(); err != nil {
			return fatalCause(err, protocol.EIdentifyFailed, "IDENTIFY failed %s", err)
		}
		if err := p.sendNow(c, protocol.OKBytes); err != nil {
			return fatalCause(err, protocol.EIdentifyFailed, "IDENTIFY failed %s", err)
		}
	}
	return nil
}

var errParseDigits = errors.New("not a non-negative base-10 integer")

// parseDigits accepts ASCII digits only (no sign); empty is 0.
func parseDigits(b []byte) (int64, error) {
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, errParseDigits
		}
		if n > (1<<63-1-int64(d-'0'))/10 {
			return 0, errParseDigits
		}
		n = n*10 + int64(d-'0')
	}
	return n, nil
}
