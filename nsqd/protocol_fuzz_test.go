package nsqd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// The fuzz targets of this package share one daemon per fuzz process: it
// is started on first use and lives until the process ends. Its limits are
// small so that the size checks are reachable with short inputs, and
// compression is off so the server never switches the stream encoding in
// the middle of a fuzz input.
const (
	fuzzMaxMsgSize  = 1024
	fuzzMaxBodySize = 8192
)

var fuzzDaemon struct {
	once  sync.Once
	n     *NSQD
	dir   string
	err   error
	execs atomic.Int64
}

// TestMain stops the fuzz daemon, if a test started it, and removes its
// data directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if n := fuzzDaemon.n; n != nil {
		n.Exit()
		os.RemoveAll(fuzzDaemon.dir)
	}
	os.Exit(code)
}

func fuzzNSQD(t testing.TB) *NSQD {
	t.Helper()
	fuzzDaemon.once.Do(func() {
		dir, err := os.MkdirTemp("", "nsqd-fuzz-")
		if err != nil {
			fuzzDaemon.err = err
			return
		}
		fuzzDaemon.dir = dir
		n, err := runInternalNSQD(dir, func(o *Options) {
			o.LogLevel = lg.FATAL
			o.SnappyEnabled = false
			o.DeflateEnabled = false
			o.MaxMsgSize = fuzzMaxMsgSize
			o.MaxBodySize = fuzzMaxBodySize
			o.MemQueueSize = 100
		})
		if err != nil {
			fuzzDaemon.err = err
			return
		}
		fuzzDaemon.n = n
	})
	require.Nil(t, fuzzDaemon.err, "starting the fuzz nsqd")
	return fuzzDaemon.n
}

// fuzzHousekeeping deletes every topic now and then so that a long fuzz run
// does not accumulate topics, channels and queued messages.
func fuzzHousekeeping(n *NSQD) {
	if fuzzDaemon.execs.Add(1)%256 != 0 && len(n.topics()) < 32 {
		return
	}
	for _, t := range n.topics() {
		n.DeleteExistingTopic(t.name)
	}
}

// fuzzErrorCodes maps each error code of the spec to whether it ends the
// connection (only FIN, REQ and TOUCH failures leave it open).
var fuzzErrorCodes = map[string]bool{
	protocol.EBadProtocol: true, protocol.EInvalid: true, protocol.EBadBody: true,
	protocol.EBadTopic: true, protocol.EBadChannel: true, protocol.EBadMessage: true,
	protocol.EPubFailed: true, protocol.EMPubFailed: true, protocol.EDPubFailed: true,
	protocol.ESubFailed: true, protocol.EIdentifyFailed: true, protocol.EAuthDisabled: true,
	protocol.EAuthFailed: true, protocol.EAuthFirst: true, protocol.EAuthError: true,
	protocol.EUnauthorized: true,
	protocol.EFinFailed:    false, protocol.EReqFailed: false, protocol.ETouchFailed: false,
}

// checkServerFrames reads frames until the server closes the connection and
// fails on a malformed frame, an unknown error code, or a response or error
// frame after a fatal error.
func checkServerFrames(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	var hdr [8]byte
	fatalSeen := ""
	for {
		if _, err := io.ReadFull(r, hdr[:4]); err != nil {
			checkEnd(t, err, 0)
			return
		}
		size := binary.BigEndian.Uint32(hdr[:4])
		require.True(t, size >= 4 && size <= 1<<16, "frame size %d", size)
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			checkEnd(t, err, int(size))
			return
		}
		ft := int32(binary.BigEndian.Uint32(data[:4]))
		data = data[4:]
		if fatalSeen != "" {
			require.Equal(t, protocol.FrameTypeMessage, ft, "frame %q after fatal error %q", data, fatalSeen)
		}
		switch ft {
		case protocol.FrameTypeResponse:
			checkResponseFrame(t, data)
		case protocol.FrameTypeError:
			code, _, _ := strings.Cut(string(data), " ")
			fatal, ok := fuzzErrorCodes[code]
			require.True(t, ok, "error frame with unknown code: %q", data)
			if fatal {
				fatalSeen = string(data)
			}
		case protocol.FrameTypeMessage:
			require.True(t, len(data) >= 26 && len(data)-26 <= fuzzMaxMsgSize, "message frame of %d bytes", len(data))
		default:
			require.FailNow(t, "unknown frame type", "%d", ft)
		}
	}
}

func checkResponseFrame(t *testing.T, data []byte) {
	t.Helper()
	switch string(data) {
	case "OK", "CLOSE_WAIT", "_heartbeat_":
		return
	}
	require.True(t, json.Valid(data) && data[0] == '{', "unexpected response frame %q", data)
}

// checkEnd accepts a clean close or a reset (the server may close with
// unread input pending) and fails on a timeout or a frame cut short.
func checkEnd(t *testing.T, err error, partial int) {
	t.Helper()
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "server did not close the connection: %v", err)
	if partial > 0 {
		require.NotErrorIs(t, err, io.ErrUnexpectedEOF, "frame of %d bytes cut short", partial)
	}
}

// checkAlive requires a fresh connection to be served: NOP gives no
// answer, and PUB answers OK.
func checkAlive(t *testing.T, n *NSQD) {
	t.Helper()
	c, err := test.DialRaw(n.RealTCPAddr().String())
	require.NoError(t, err, "daemon no longer accepts connections")
	defer c.Close()
	require.NoError(t, c.WriteCmd("NOP", nil), "write to a fresh connection")
	require.NoError(t, c.Request("PUB fuzz_alive", []byte("x")), "PUB on a fresh connection")
}

func fuzzV2Seeds() []string {
	id := "0123456789abcdef"
	identify := `{"client_id":"c","hostname":"h","user_agent":"fuzz","heartbeat_interval":1000,` +
		`"output_buffer_size":64,"output_buffer_timeout":10,"sample_rate":5,"msg_timeout":1000,` +
		`"feature_negotiation":true}`
	return []string{
		"NOP\n",
		"NOP\r\nNOP\n",
		"PUB t\n" + sized("hello"),
		"PUB t\n\x00\x00\x00\x00",
		"PUB t\n\x7f\xff\xff\xff",
		"PUB t\n\x00\x00\x04\x01",
		"PUB t\n\x00\x00\x00\x10short",
		"PUB\n",
		"PUB  t\n",
		"PUB bad/topic\n",
		"DPUB t 1000\n" + sized("later"),
		"DPUB t -1\n",
		"DPUB t 3600001\n" + sized("x"),
		"DPUB t\n",
		"MPUB t\n" + mpubBody("a", "bb"),
		"MPUB t\n\x00\x00\x00\x04\x00\x00\x00\x00",
		"MPUB t\n\x00\x00\x00\x09\x00\x00\x00\x01\x00\x00\x00\x05ab",
		"MPUB t\n\xff\xff\xff\xff",
		"MPUB x!\n",
		"IDENTIFY\n" + sized(identify),
		"IDENTIFY\n" + sized(`{"heartbeat_interval":500}`),
		"IDENTIFY\n" + sized(`{"output_buffer_size":-1,"output_buffer_timeout":-1}`),
		"IDENTIFY\n" + sized(`{"sample_rate":100}`),
		"IDENTIFY\n" + sized(`{"msg_timeout":999}`),
		"IDENTIFY\n" + sized(`{"client_id":5}`),
		"IDENTIFY\n" + sized(`not json`),
		"IDENTIFY\n\x00\x00\x00\x00",
		"IDENTIFY\n" + sized(`{}`) + "IDENTIFY\n" + sized(`{"feature_negotiation":true}`),
		"AUTH\n" + sized("secret"),
		"AUTH x\n",
		"SUB t c\nRDY 10\n",
		"SUB t c#ephemeral\nRDY\nCLS\nRDY 1\n",
		"SUB t\n",
		"SUB t c\nSUB t c\n",
		"SUB t bad/channel\n",
		"RDY 1\n",
		"SUB t c\nRDY -1\n",
		"SUB t c\nRDY 2501\n",
		"PUB q\n" + sized("m") + "SUB q c\nRDY 1\nFIN " + id + "\nREQ " + id + " 0\nTOUCH " + id + "\n",
		"SUB t c\nFIN abc\n",
		"SUB t c\nFIN\nREQ\n",
		"SUB t c\nREQ " + id + " x\n",
		"SUB t c\nREQ " + id + " 99999999999\n",
		"SUB t c\nTOUCH " + id + "\nCLS\nFIN " + id + "\n",
		"FIN " + id + "\n",
		"CLS\n",
		"\n",
		" NOP\n",
		"nop\n",
		"BOGUS\n",
		"NOP\tx\n",
		"NOP",
		strings.Repeat("A", 17000) + "\n",
	}
}

// sized prefixes s with its 4-byte big-endian length.
func sized(s string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(len(s)))
	return string(b[:]) + s
}

// mpubBody is a TCP MPUB body: total size, count, then sized messages.
func mpubBody(msgs ...string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(len(msgs)))
	body := string(b[:])
	for _, m := range msgs {
		body += sized(m)
	}
	return sized(body)
}

// FuzzProtocolV2 sends the input after the V2 magic to a running nsqd,
// half-closes, and checks every frame of the answer, then that the daemon
// still serves a fresh connection.
func FuzzProtocolV2(f *testing.F) {
	for _, s := range fuzzV2Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		n := fuzzNSQD(t)
		// The raw socket: the fuzz input is written as it is.
		conn := test.Dial(t, n.RealTCPAddr().String()).NetConn()
		go func() {
			// Write errors are expected once the server closes after a
			// fatal error; the reader below sees the close.
			conn.Write(append([]byte(protocol.MagicV2), input...))
			conn.(*net.TCPConn).CloseWrite()
		}()
		checkServerFrames(t, conn)
		checkAlive(t, n)
		fuzzHousekeeping(n)
	})
}

var identifyErrorText = regexp.MustCompile(
	`^(heartbeat interval|output buffer timeout|output buffer size|sample rate|msg timeout) \(-?[0-9]+\) is invalid$`)

// FuzzIdentify runs the IDENTIFY command on a client whose input is the
// size-prefixed fuzz input and checks the settings it leaves and the JSON
// reply it sends.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"client_id":"c","hostname":"h","user_agent":"u","topology_region":"r","topology_zone":"z"}`,
		`{"heartbeat_interval":-1}`, `{"heartbeat_interval":0}`, `{"heartbeat_interval":999}`,
		`{"heartbeat_interval":60000}`, `{"heartbeat_interval":60001}`,
		`{"output_buffer_timeout":-1}`, `{"output_buffer_timeout":1}`, `{"output_buffer_timeout":1001}`,
		`{"output_buffer_size":-1}`, `{"output_buffer_size":63}`, `{"output_buffer_size":65536}`,
		`{"output_buffer_size":65537}`, `{"sample_rate":-1}`, `{"sample_rate":99}`, `{"sample_rate":100}`,
		`{"msg_timeout":1000}`, `{"msg_timeout":900001}`,
		`{"feature_negotiation":true,"tls_v1":true,"snappy":true,"deflate":true,"deflate_level":9}`,
		`{"feature_negotiation":true,"msg_timeout":5000,"sample_rate":10}`,
		`{"FEATURE_NEGOTIATION":true,"short_id":"x","long_id":"y"}`,
		`{"sample_rate":2147483648}`, `{"heartbeat_interval":1e3}`, `{"client_id":null}`,
		`[]`, `null`, `"x"`, `{"heartbeat_interval":"1000"}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n := fuzzNSQD(t)
		opts := n.getOpts()
		server, client := net.Pipe()
		var out bytes.Buffer
		drained := make(chan struct{})
		go func() {
			io.Copy(&out, client)
			close(drained)
		}()
		c := newClientV2(1, server, n)
		c.Reader = bufio.NewReader(strings.NewReader(sized(string(body))))
		p := &protocolV2{nsqd: n}
		var d identifyData
		decodeErr := json.Unmarshal(body, &d)
		resp, err := p.IDENTIFY(c, [][]byte{[]byte("IDENTIFY")})
		server.Close()
		<-drained

		if len(body) == 0 {
			checkClientErr(t, err, "E_BAD_BODY IDENTIFY invalid body size 0")
			return
		}
		if len(body) > fuzzMaxBodySize {
			checkClientErrPrefix(t, err, "E_BAD_BODY IDENTIFY body too big ")
			return
		}
		if decodeErr != nil {
			checkClientErr(t, err, "E_BAD_BODY IDENTIFY failed to decode JSON body")
			return
		}
		if err != nil {
			var ce *protocol.ClientErr
			require.True(t, errors.As(err, &ce) && ce.Code == protocol.EBadBody &&
				identifyErrorText.MatchString(strings.TrimPrefix(ce.Desc, "IDENTIFY ")), "IDENTIFY %q: unexpected error %v", body, err)
			return
		}
		checkIdentifySettings(t, c, d, opts)
		if !d.FeatureNegotiation {
			require.Equal(t, "OK", string(resp), "IDENTIFY")
			require.EqualValues(t, 0, out.Len(), "IDENTIFY")
			return
		}
		checkIdentifyReply(t, c, out.Bytes())
	})
}

func checkClientErr(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err, "error")
	require.Equal(t, want, err.Error(), "error")
}

func checkClientErrPrefix(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err, "error")
	require.True(t, strings.HasPrefix(err.Error(), want), "error")
}

// checkIdentifySettings: every setting is its default, a documented special
// value, or exactly the requested number of milliseconds inside its range.
func checkIdentifySettings(t *testing.T, c *clientV2, d identifyData, opts *Options) {
	t.Helper()
	ms := func(want int, got, lo, hi time.Duration) bool {
		return got >= lo && got <= hi && got.Milliseconds() == int64(want) && got%time.Millisecond == 0
	}
	switch hb := c.HeartbeatInterval; d.HeartbeatInterval {
	case -1, 0:
		require.Contains(t, []time.Duration{0, opts.ClientTimeout / 2}, hb, "heartbeat interval %d gave", d.HeartbeatInterval)
	default:
		require.True(t, ms(d.HeartbeatInterval, hb, time.Second, opts.MaxHeartbeatInterval), "heartbeat interval %d accepted as %v", d.HeartbeatInterval, hb)
	}
	switch ob := c.OutputBufferTimeout; {
	case d.OutputBufferTimeout == -1 || d.OutputBufferTimeout == 0 || d.OutputBufferSize == -1:
		require.Contains(t, []time.Duration{0, opts.OutputBufferTimeout}, ob, "output buffer timeout %d gave", d.OutputBufferTimeout)
	default:
		require.True(t, ms(d.OutputBufferTimeout, ob, opts.MinOutputBufferTimeout, opts.MaxOutputBufferTimeout), "output buffer timeout %d accepted as %v", d.OutputBufferTimeout, ob)
	}
	s := c.OutputBufferSize
	require.True(t, s == 1 || s == defaultBufferSize || s >= 64 && int64(s) <= opts.MaxOutputBufferSize, "output buffer size %d accepted", s)
	require.True(t, c.SampleRate >= 0 && c.SampleRate <= 99, "sample rate %d accepted", c.SampleRate)
	if d.MsgTimeout == 0 {
		require.Equal(t, opts.MsgTimeout, c.MsgTimeout, "msg timeout 0 gave")
	} else {
		require.True(t, ms(d.MsgTimeout, c.MsgTimeout, time.Second, opts.MaxMsgTimeout), "msg timeout %d accepted as %v", d.MsgTimeout, c.MsgTimeout)
	}
}

// checkIdentifyReply: one response frame whose JSON reports the client's
// effective settings and no upgrade (the fuzz daemon offers none).
func checkIdentifyReply(t *testing.T, c *clientV2, out []byte) {
	t.Helper()
	require.GreaterOrEqual(t, len(out), 8, "IDENTIFY reply is not one response frame: %q", out)
	require.Equal(t, len(out)-4, int(binary.BigEndian.Uint32(out)), "IDENTIFY reply is not one response frame: %q", out)
	require.Equal(t, protocol.FrameTypeResponse, int32(binary.BigEndian.Uint32(out[4:])), "IDENTIFY reply is not one response frame: %q", out)
	var r identifyResponse
	require.NoError(t, json.Unmarshal(out[8:], &r), "IDENTIFY reply %q", out[8:])
	require.False(t, r.TLSv1, "IDENTIFY reply negotiated")
	require.False(t, r.Snappy, "IDENTIFY reply negotiated")
	require.False(t, r.Deflate, "IDENTIFY reply negotiated")
	require.Equal(t, min(6, r.MaxDeflateLevel), r.DeflateLevel, "IDENTIFY reply negotiated")
	require.Equal(t, int64(c.MsgTimeout/time.Millisecond), r.MsgTimeout, "IDENTIFY reply %+v: msg_timeout", r)
	require.Equal(t, c.SampleRate, r.SampleRate, "IDENTIFY reply %+v: sample_rate", r)
	require.Equal(t, c.OutputBufferSize, r.OutputBufferSize, "IDENTIFY reply %+v: output_buffer_size", r)
	require.Equal(t, int64(c.OutputBufferTimeout/time.Millisecond), r.OutputBufferTimeout, "IDENTIFY reply %+v: output_buffer_timeout", r)
}
