package nsqd_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	nsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Black-box tests of the TCP protocol V2. Every expectation is the exact
// frame NSQ v1.3.0 sends.

const (
	// v2Quiet is how long a test watches a connection to assert that
	// nothing is delivered. Subscribers use a 25 ms output buffer timeout,
	// so a buffered message would show up well within it.
	v2Quiet = 200 * time.Millisecond
	// v2Wait bounds every Eventually.
	v2Wait = 5 * time.Second
	// v2NoID is a well-formed message ID that is never in flight.
	v2NoID = "0000000000000000"
)

var v2HexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// v2Case is a command sequence that must end in a fatal error frame.
type v2Case struct {
	name string
	send func(t *testing.T, c *test.Conn)
	want string
}

// v2RunFatal runs each case on a fresh connection to n, in parallel, and
// expects the error frame followed by the server closing the connection.
func v2RunFatal(t *testing.T, n *testcluster.NSQD, cases []v2Case) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustConnect(t, n)
			tc.send(t, c)
			c.ExpectFatal(t, tc.want)
		})
	}
}

func v2Line(line string) func(*testing.T, *test.Conn) {
	return func(t *testing.T, c *test.Conn) { c.Cmd(line) }
}

func v2Body(line string, body []byte) func(*testing.T, *test.Conn) {
	return func(t *testing.T, c *test.Conn) { c.CmdBody(line, body) }
}

func v2Sized(line string, size uint32, body []byte) func(*testing.T, *test.Conn) {
	return func(t *testing.T, c *test.Conn) { c.CmdSizedBody(line, size, body) }
}

// v2Short sends raw and half-closes, so the server hits EOF mid-command.
func v2Short(raw string) func(*testing.T, *test.Conn) {
	return func(t *testing.T, c *test.Conn) {
		c.Send([]byte(raw))
		c.CloseWrite()
	}
}

// v2Subscribed runs then after a successful SUB.
func v2Subscribed(then func(*testing.T, *test.Conn)) func(*testing.T, *test.Conn) {
	return func(t *testing.T, c *test.Conn) {
		c.Cmd("SUB t c")
		c.ExpectOK(t)
		then(t, c)
	}
}

// v2Closing runs then after SUB and CLS.
func v2Closing(then func(*testing.T, *test.Conn)) func(*testing.T, *test.Conn) {
	return v2Subscribed(func(t *testing.T, c *test.Conn) {
		c.Cmd("CLS")
		c.ExpectResponse(t, "CLOSE_WAIT")
		then(t, c)
	})
}

// v2ExpectAlive proves a subscribed connection is open and in sync: a FIN of
// an unknown ID must produce exactly the non-fatal error as the next frame.
func v2ExpectAlive(t *testing.T, c *test.Conn) {
	t.Helper()
	c.Cmd("FIN " + v2NoID)
	c.ExpectError(t, "E_FIN_FAILED FIN "+v2NoID+" failed ID not in flight")
}

// v2MPUB publishes bodies with one MPUB over a new connection.
func v2MPUB(t *testing.T, n *testcluster.NSQD, topic string, bodies []string) {
	t.Helper()
	msgs := make([][]byte, len(bodies))
	for i, b := range bodies {
		msgs[i] = []byte(b)
	}
	c := mustConnect(t, n)
	c.CmdBody("MPUB "+topic, test.MPUBBody(msgs))
	c.ExpectOK(t)
	c.Close()
}

func v2Bodies(prefix string, count int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

func v2SortedBodies(msgs []test.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	slices.Sort(out)
	return out
}

func v2Params(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// ---------------------------------------------------------------------------
// Connection start and command syntax

func TestV2Magic(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	for _, magic := range []string{"  V1", "GET ", "  v2", "\x00\x00\x00\x00"} {
		c := test.Dial(t, n.RealTCPAddr().String())
		c.Send([]byte(magic))
		c.ExpectFatal(t, "E_BAD_PROTOCOL")
	}

	// A good magic, then NOP: NOP has no response, so the next frame is
	// the answer to IDENTIFY.
	c := mustConnect(t, n)
	c.Cmd("NOP")
	c.Cmd("NOP extra params")
	c.CmdBody("IDENTIFY", []byte("{}"))
	c.ExpectOK(t)
}

func TestV2CommandSyntaxErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	v2RunFatal(t, n, []v2Case{
		{"double space gives empty topic", v2Line("PUB  t"), `E_BAD_TOPIC PUB topic name "" is not valid`},
		{"double space gives empty channel", v2Line("SUB t  c"), `E_BAD_CHANNEL SUB channel name "" is not valid`},
		{"leading space gives empty command", v2Line(" NOP"), "E_INVALID invalid command "},
		{"empty line", v2Line(""), "E_INVALID invalid command "},
		{"empty CRLF line", func(t *testing.T, c *test.Conn) { c.Send([]byte("\r\n")) }, "E_INVALID invalid command "},
		{"lower case", v2Line("nop"), "E_INVALID invalid command nop"},
		{"lower case pub", v2Line("pub t"), "E_INVALID invalid command pub"},
		{"unknown", v2Line("FOO bar baz"), "E_INVALID invalid command FOO"},
		{"tab is not a separator", v2Line("NOP\tx"), "E_INVALID invalid command NOP\tx"},
		{"quoted topic", v2Line(`SUB a"b\ c`), `E_BAD_TOPIC SUB topic name "a\"b\\" is not valid`},
		{"CR only stripped before LF", v2Line("SUB t c\r\r"), "E_BAD_CHANNEL SUB channel name \"c\\r\" is not valid"},
	})
}

func TestV2CommandSyntaxAccepted(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)

	// CRLF line endings, for a command with and without a body.
	c := mustConnect(t, n)
	c.Send([]byte("IDENTIFY\r\n\x00\x00\x00\x02{}"))
	c.ExpectOK(t)
	c.Send([]byte("SUB crlf ch\r\n"))
	c.ExpectOK(t)
	v2ExpectAlive(t, c)

	// Extra trailing parameters (even an empty one) are ignored.
	c = mustConnect(t, n)
	c.Cmd("SUB extra ch more params ")
	c.ExpectOK(t)
	c.Cmd("RDY 1 2")
	c.Cmd("FIN " + v2NoID + " x")
	c.ExpectError(t, "E_FIN_FAILED FIN "+v2NoID+" failed ID not in flight")

	for _, topic := range []string{"crlf", "extra"} {
		assert.NotNil(t, mustTopicStats(t, n, topic).channel("ch"), "channel ch of %s missing", topic)
	}
}

func TestV2LineLength(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)

	// A long line that still fits the 16 KiB buffer is a normal command.
	c := mustConnect(t, n)
	c.Cmd("NOP " + strings.Repeat("x", 16000))
	c.CmdBody("IDENTIFY", []byte("{}"))
	c.ExpectOK(t)

	// Over 16 KiB: dropped without an error frame. The server may close
	// while we are still writing, so write errors are expected.
	c = mustConnect(t, n)
	c.NetConn().Write([]byte("PUB " + strings.Repeat("t", 17*1024) + "\n"))
	c.ExpectClosed(t)
}

// ---------------------------------------------------------------------------
// IDENTIFY

// v2IdentifyResp renders an IDENTIFY response in the spec's key order.
type v2IdentifyResp struct {
	MaxRdyCount, MaxMsgTimeout, MsgTimeout int64
	TLS, Deflate                           bool
	DeflateLevel, MaxDeflateLevel          int
	Snappy                                 bool
	SampleRate                             int
	AuthRequired                           bool
	OutputBufferSize, OutputBufferTimeout  int
	Region, Zone                           string
}

func v2DefaultIdentify() v2IdentifyResp {
	return v2IdentifyResp{
		MaxRdyCount: 2500, MaxMsgTimeout: 900000, MsgTimeout: 60000,
		DeflateLevel: 6, MaxDeflateLevel: 6,
		OutputBufferSize: 16384, OutputBufferTimeout: 250,
	}
}

func (r v2IdentifyResp) String() string {
	return fmt.Sprintf(`{"max_rdy_count":%d,"version":"1.3.0","max_msg_timeout":%d,"msg_timeout":%d,`+
		`"tls_v1":%t,"deflate":%t,"deflate_level":%d,"max_deflate_level":%d,"snappy":%t,`+
		`"sample_rate":%d,"auth_required":%t,"output_buffer_size":%d,"output_buffer_timeout":%d,`+
		`"topology_region":%q,"topology_zone":%q}`,
		r.MaxRdyCount, r.MaxMsgTimeout, r.MsgTimeout, r.TLS, r.Deflate, r.DeflateLevel,
		r.MaxDeflateLevel, r.Snappy, r.SampleRate, r.AuthRequired, r.OutputBufferSize,
		r.OutputBufferTimeout, r.Region, r.Zone)
}

func TestV2IdentifyDefaultResponse(t *testing.T) {
	t.Parallel()
	const want = `{"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":60000,"tls_v1":false,"deflate":false,"deflate_level":6,"max_deflate_level":6,"snappy":false,"sample_rate":0,"auth_required":false,"output_buffer_size":16384,"output_buffer_timeout":250,"topology_region":"","topology_zone":""}`
	require.Equal(t, want, v2DefaultIdentify().String(), "response builder is off:\n")
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	c.CmdBody("IDENTIFY", []byte(`{"feature_negotiation":true}`))
	c.ExpectResponse(t, want)
	// No upgrade was negotiated: the stream stays plain.
	c.Cmd("SUB t c")
	c.ExpectOK(t)
}

func TestV2IdentifyResponseFromOptions(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) {
		o.MaxRdyCount = 100
		o.MaxMsgTimeout = 10 * time.Minute
		o.MsgTimeout = 5 * time.Second
		o.MaxDeflateLevel = 3
		o.OutputBufferTimeout = 100 * time.Millisecond
		o.TopologyRegion = "eu-1"
		o.TopologyZone = "eu-1a"
		o.AuthHTTPAddresses = []string{"127.0.0.1:1"}
	})
	want := v2IdentifyResp{
		MaxRdyCount: 100, MaxMsgTimeout: 600000, MsgTimeout: 5000,
		DeflateLevel: 3, MaxDeflateLevel: 3, AuthRequired: true,
		OutputBufferSize: 16384, OutputBufferTimeout: 100,
		Region: "eu-1", Zone: "eu-1a",
	}
	c := mustConnect(t, n)
	c.CmdBody("IDENTIFY", []byte(`{"feature_negotiation":true}`))
	c.ExpectResponse(t, want.String())
}

func TestV2IdentifyNegotiation(t *testing.T) {
	t.Parallel()
	// Compression disabled on the server, so nothing is upgraded and every
	// connection stays readable after the response.
	n := startNSQD(t, func(o *nsqd.Options) {
		o.DeflateEnabled = false
		o.SnappyEnabled = false
	})
	def := v2DefaultIdentify
	cases := []struct {
		name string
		body string
		want v2IdentifyResp
	}{
		{"client values, deprecated and unknown keys",
			`{"feature_negotiation":true,"msg_timeout":2000,"sample_rate":10,"output_buffer_size":-1,` +
				`"deflate":true,"deflate_level":9,"snappy":true,"tls_v1":true,"short_id":"s","long_id":"l","unknown":[1]}`,
			func() v2IdentifyResp {
				r := def()
				r.MsgTimeout, r.SampleRate, r.OutputBufferSize, r.OutputBufferTimeout = 2000, 10, 1, 0
				return r
			}()},
		{"case-insensitive keys and explicit buffer",
			`{"Feature_Negotiation":true,"OUTPUT_BUFFER_SIZE":64,"output_buffer_timeout":1000,"heartbeat_interval":0}`,
			func() v2IdentifyResp { r := def(); r.OutputBufferSize, r.OutputBufferTimeout = 64, 1000; return r }()},
		{"timed flush disabled",
			`{"feature_negotiation":true,"output_buffer_timeout":-1}`,
			func() v2IdentifyResp { r := def(); r.OutputBufferTimeout = 0; return r }()},
		{"upper bounds",
			`{"feature_negotiation":true,"msg_timeout":900000,"sample_rate":99,"output_buffer_size":65536,` +
				`"output_buffer_timeout":30000,"heartbeat_interval":60000}`,
			func() v2IdentifyResp {
				r := def()
				r.MsgTimeout, r.SampleRate, r.OutputBufferSize, r.OutputBufferTimeout = 900000, 99, 65536, 30000
				return r
			}()},
		{"lower bounds",
			`{"feature_negotiation":true,"msg_timeout":1000,"output_buffer_size":64,` +
				`"output_buffer_timeout":25,"heartbeat_interval":1000}`,
			func() v2IdentifyResp {
				r := def()
				r.MsgTimeout, r.OutputBufferSize, r.OutputBufferTimeout = 1000, 64, 25
				return r
			}()},
		{"client fields", `{"feature_negotiation":true,"client_id":"x","hostname":"h","user_agent":"u"}`, def()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustConnect(t, n)
			c.CmdBody("IDENTIFY", []byte(tc.body))
			c.ExpectResponse(t, tc.want.String())
			c.Cmd("SUB t c")
			c.ExpectOK(t)
		})
	}
}

func TestV2IdentifyCompressionResponse(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	cases := []struct {
		body string
		want func(r *v2IdentifyResp)
	}{
		{`{"feature_negotiation":true,"deflate":true,"deflate_level":3}`, func(r *v2IdentifyResp) { r.Deflate, r.DeflateLevel = true, 3 }},
		{`{"feature_negotiation":true,"deflate":true,"deflate_level":0}`, func(r *v2IdentifyResp) { r.Deflate = true }},
		{`{"feature_negotiation":true,"deflate":true,"deflate_level":9}`, func(r *v2IdentifyResp) { r.Deflate = true }},
		{`{"feature_negotiation":true,"deflate_level":2}`, func(r *v2IdentifyResp) {}},
		{`{"feature_negotiation":true,"snappy":true}`, func(r *v2IdentifyResp) { r.Snappy = true }},
		{`{"feature_negotiation":true,"tls_v1":true}`, func(r *v2IdentifyResp) {}},
	}
	for _, tc := range cases {
		want := v2DefaultIdentify()
		tc.want(&want)
		c := mustConnect(t, n)
		c.CmdBody("IDENTIFY", []byte(tc.body))
		c.ExpectResponse(t, want.String())
		c.Close()
	}
}

func TestV2IdentifyWithoutFeatureNegotiation(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustConnect(t, n)
	// Upgrades requested but not negotiated are ignored, even the
	// contradictory pair.
	c.CmdBody("IDENTIFY", []byte(`{"tls_v1":true,"snappy":true,"deflate":true}`))
	c.ExpectOK(t)
	// IDENTIFY may be repeated while in the init state.
	c.CmdBody("IDENTIFY", []byte(`{"client_id":"second"}`))
	c.ExpectOK(t)
	c.CmdBody("IDENTIFY", []byte(`{"feature_negotiation":true}`))
	c.ExpectResponse(t, v2DefaultIdentify().String())
	c.Cmd("SUB t c")
	c.ExpectOK(t)
	v2ExpectAlive(t, c)
}

func TestV2IdentifyErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxBodySize = 1000 })
	id := func(body string) func(*testing.T, *test.Conn) { return v2Body("IDENTIFY", []byte(body)) }
	bad := func(rule string) string { return "E_BAD_BODY IDENTIFY " + rule }
	v2RunFatal(t, n, []v2Case{
		{"after SUB", v2Subscribed(v2Line("IDENTIFY")), "E_INVALID cannot IDENTIFY in current state"},
		{"short size", v2Short("IDENTIFY\n\x00\x00"), bad("failed to read body size")},
		{"too big", v2Sized("IDENTIFY", 1001, nil), bad("body too big 1001 > 1000")},
		{"size zero", v2Sized("IDENTIFY", 0, nil), bad("invalid body size 0")},
		{"size negative", v2Sized("IDENTIFY", 0xFFFFFFFF, nil), bad("invalid body size -1")},
		{"short body", v2Short("IDENTIFY\n\x00\x00\x00\x64{}"), bad("failed to read body")},
		{"not JSON", id("{"), bad("failed to decode JSON body")},
		{"JSON array", id("[]"), bad("failed to decode JSON body")},
		{"string for int", id(`{"heartbeat_interval":"1000"}`), bad("failed to decode JSON body")},
		{"float for int", id(`{"msg_timeout":1000.5}`), bad("failed to decode JSON body")},
		{"int for string", id(`{"client_id":5}`), bad("failed to decode JSON body")},
		{"string for bool", id(`{"feature_negotiation":"true"}`), bad("failed to decode JSON body")},
		{"heartbeat low", id(`{"heartbeat_interval":500}`), bad("heartbeat interval (500) is invalid")},
		{"heartbeat 999", id(`{"heartbeat_interval":999}`), bad("heartbeat interval (999) is invalid")},
		{"heartbeat high", id(`{"heartbeat_interval":60001}`), bad("heartbeat interval (60001) is invalid")},
		{"heartbeat -2", id(`{"heartbeat_interval":-2}`), bad("heartbeat interval (-2) is invalid")},
		{"buffer timeout low", id(`{"output_buffer_timeout":24}`), bad("output buffer timeout (24) is invalid")},
		{"buffer timeout high", id(`{"output_buffer_timeout":30001}`), bad("output buffer timeout (30001) is invalid")},
		{"buffer timeout -2", id(`{"output_buffer_timeout":-2}`), bad("output buffer timeout (-2) is invalid")},
		{"buffer size low", id(`{"output_buffer_size":63}`), bad("output buffer size (63) is invalid")},
		{"buffer size high", id(`{"output_buffer_size":65537}`), bad("output buffer size (65537) is invalid")},
		{"buffer size -2", id(`{"output_buffer_size":-2}`), bad("output buffer size (-2) is invalid")},
		{"sample rate high", id(`{"sample_rate":100}`), bad("sample rate (100) is invalid")},
		{"sample rate negative", id(`{"sample_rate":-1}`), bad("sample rate (-1) is invalid")},
		{"msg timeout low", id(`{"msg_timeout":999}`), bad("msg timeout (999) is invalid")},
		{"msg timeout high", id(`{"msg_timeout":900001}`), bad("msg timeout (900001) is invalid")},
		{"msg timeout negative", id(`{"msg_timeout":-1}`), bad("msg timeout (-1) is invalid")},
		{"heartbeat before sample rate", id(`{"sample_rate":100,"heartbeat_interval":1}`), bad("heartbeat interval (1) is invalid")},
		{"buffer timeout before size", id(`{"output_buffer_size":1,"output_buffer_timeout":1}`), bad("output buffer timeout (1) is invalid")},
		{"buffer size before sample rate", id(`{"sample_rate":100,"output_buffer_size":1}`), bad("output buffer size (1) is invalid")},
		{"sample rate before msg timeout", id(`{"msg_timeout":1,"sample_rate":100}`), bad("sample rate (100) is invalid")},
		{"both compressions", id(`{"feature_negotiation":true,"snappy":true,"deflate":true}`),
			"E_IDENTIFY_FAILED cannot enable both deflate and snappy compression"},
	})
	t.Run("body of exactly max size", func(t *testing.T) {
		t.Parallel()
		body := `{"client_id":"` + strings.Repeat("x", 1000-len(`{"client_id":""}`)) + `"}`
		c := mustConnect(t, n)
		c.CmdBody("IDENTIFY", []byte(body))
		c.ExpectOK(t)
	})
}

func TestV2IdentifyClientFields(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	named := mustSubscribe(t, n, "t", "named", map[string]any{
		"client_id": "cid-1", "hostname": "host.example", "user_agent": "probe/1.0",
	})
	anon := mustConnect(t, n)
	anon.Cmd("SUB t anon")
	anon.ExpectOK(t)

	got := mustChannelStats(t, n, "t", "named").Clients
	if assert.Len(t, got, 1, "identified client stats") {
		assert.Equal(t, "cid-1", got[0].ClientID, "identified client stats: %+v", got[0])
		assert.Equal(t, "host.example", got[0].Hostname, "identified client stats: %+v", got[0])
		assert.Equal(t, "probe/1.0", got[0].UserAgent, "identified client stats: %+v", got[0])
		assert.Equal(t, "V2", got[0].Version, "identified client stats: %+v", got[0])
		assert.EqualValues(t, 3, got[0].State, "identified client stats: %+v", got[0])
	}
	got = mustChannelStats(t, n, "t", "anon").Clients
	if assert.Len(t, got, 1, "anonymous client stats") {
		assert.Equal(t, "127.0.0.1", got[0].ClientID, "anonymous client stats: %+v", got[0])
		assert.Equal(t, "127.0.0.1", got[0].Hostname, "anonymous client stats: %+v", got[0])
		assert.EqualValues(t, 3, got[0].State, "anonymous client stats: %+v", got[0])
	}
	// Closing removes the client from its channel.
	named.Close()
	test.Eventually(t, v2Wait, func() bool { return mustChannelStats(t, n, "t", "named").ClientCount == 0 })
}

// ---------------------------------------------------------------------------
// AUTH without an auth server

func TestV2AuthDisabled(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxBodySize = 1000 })
	v2RunFatal(t, n, []v2Case{
		{"disabled", v2Body("AUTH", []byte("secret")), "E_AUTH_DISABLED AUTH disabled"},
		{"parameters", v2Line("AUTH secret"), "E_INVALID AUTH invalid number of parameters"},
		{"empty parameter", v2Line("AUTH "), "E_INVALID AUTH invalid number of parameters"},
		{"short size", v2Short("AUTH\n\x00"), "E_BAD_BODY AUTH failed to read body size"},
		{"size zero", v2Sized("AUTH", 0, nil), "E_BAD_BODY AUTH invalid body size 0"},
		{"too big", v2Sized("AUTH", 1001, nil), "E_BAD_BODY AUTH body too big 1001 > 1000"},
		{"short body", v2Short("AUTH\n\x00\x00\x00\x09secret"), "E_BAD_BODY AUTH failed to read body"},
	})
}

// ---------------------------------------------------------------------------
// State checks

func TestV2CannotInCurrentState(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	const id = "0123456789abcdef"
	cannot := func(cmd string) string { return "E_INVALID cannot " + cmd + " in current state" }
	v2RunFatal(t, n, []v2Case{
		{"RDY before SUB", v2Line("RDY 1"), cannot("RDY")},
		{"FIN before SUB", v2Line("FIN " + id), cannot("FIN")},
		{"REQ before SUB", v2Line("REQ " + id + " 0"), cannot("REQ")},
		{"TOUCH before SUB", v2Line("TOUCH " + id), cannot("TOUCH")},
		{"CLS before SUB", v2Line("CLS"), cannot("CLS")},
		{"SUB after SUB", v2Subscribed(v2Line("SUB t c")), cannot("SUB")},
		{"SUB after SUB other channel", v2Subscribed(v2Line("SUB t other")), cannot("SUB")},
		{"IDENTIFY after SUB", v2Subscribed(v2Line("IDENTIFY")), cannot("IDENTIFY")},
		{"AUTH after SUB", v2Subscribed(v2Line("AUTH")), cannot("AUTH")},
		{"SUB after CLS", v2Closing(v2Line("SUB t c")), cannot("SUB")},
		{"IDENTIFY after CLS", v2Closing(v2Line("IDENTIFY")), cannot("IDENTIFY")},
		{"AUTH after CLS", v2Closing(v2Line("AUTH")), cannot("AUTH")},
		{"CLS after CLS", v2Closing(v2Line("CLS")), cannot("CLS")},
	})
}

// ---------------------------------------------------------------------------
// SUB

func TestV2SubErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	long := strings.Repeat("a", 65)
	noHeartbeat := func(line string) func(*testing.T, *test.Conn) {
		return func(t *testing.T, c *test.Conn) {
			c.Identify(t, map[string]any{"heartbeat_interval": -1})
			c.Cmd(line)
		}
	}
	v2RunFatal(t, n, []v2Case{
		{"no params", v2Line("SUB"), "E_INVALID SUB insufficient number of parameters"},
		{"one param", v2Line("SUB t"), "E_INVALID SUB insufficient number of parameters"},
		{"bad topic", v2Line("SUB bad! c"), `E_BAD_TOPIC SUB topic name "bad!" is not valid`},
		{"topic checked first", v2Line("SUB bad! bad!"), `E_BAD_TOPIC SUB topic name "bad!" is not valid`},
		{"long topic", v2Line("SUB " + long + " c"), `E_BAD_TOPIC SUB topic name "` + long + `" is not valid`},
		{"topic with colon", v2Line("SUB a:b c"), `E_BAD_TOPIC SUB topic name "a:b" is not valid`},
		{"bad channel", v2Line("SUB t bad!"), `E_BAD_CHANNEL SUB channel name "bad!" is not valid`},
		{"long channel", v2Line("SUB t " + long), `E_BAD_CHANNEL SUB channel name "` + long + `" is not valid`},
		{"double ephemeral", v2Line("SUB t c#ephemeral#ephemeral"), `E_BAD_CHANNEL SUB channel name "c#ephemeral#ephemeral" is not valid`},
		{"heartbeats disabled", noHeartbeat("SUB t c"), "E_INVALID cannot SUB with heartbeats disabled"},
		{"heartbeats checked before params", noHeartbeat("SUB"), "E_INVALID cannot SUB with heartbeats disabled"},
	})
	t.Run("valid names", func(t *testing.T) {
		t.Parallel()
		name64 := strings.Repeat("b", 64)
		for _, line := range []string{
			"SUB " + name64 + " " + name64,
			"SUB a.b-c_D9 x#ephemeral",
			"SUB " + strings.Repeat("e", 54) + "#ephemeral c",
		} {
			c := mustConnect(t, n)
			c.Cmd(line)
			c.ExpectOK(t)
		}
	})
}

func TestV2SubMaxChannelConsumers(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxChannelConsumers = 1 })
	first := mustSubscribe(t, n, "t", "c", nil)
	c := mustConnect(t, n)
	c.Cmd("SUB t c")
	c.ExpectFatal(t, "E_SUB_FAILED SUB failed consumers for t:c exceeds limit of 1")

	// Another channel has its own limit.
	mustSubscribe(t, n, "t", "c2", nil)

	// Once the consumer leaves, the slot is free again.
	first.Close()
	test.Eventually(t, v2Wait, func() bool { return mustChannelStats(t, n, "t", "c").ClientCount == 0 })
	mustSubscribe(t, n, "t", "c", nil)
}

func TestV2SubStartsWithRdyZero(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustPublish(t, n, "t", "hello")
	c := mustSubscribe(t, n, "t", "c", nil)
	c.ExpectNoFrame(t, v2Quiet)
	cl := mustChannelStats(t, n, "t", "c").Clients
	require.Len(t, cl, 1, "clients")
	require.Zero(t, cl[0].ReadyCount, "ready_count")
	c.Cmd("RDY 1")
	require.Equal(t, "hello", string(c.ReadMessage(t).Body))
}

// ---------------------------------------------------------------------------
// RDY

func TestV2RdyErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxRdyCount = 50 })
	sub := func(line string) func(*testing.T, *test.Conn) { return v2Subscribed(v2Line(line)) }
	v2RunFatal(t, n, []v2Case{
		{"negative", sub("RDY -1"), "E_INVALID RDY could not parse count -1"},
		{"plus sign", sub("RDY +5"), "E_INVALID RDY could not parse count +5"},
		{"not a number", sub("RDY abc"), "E_INVALID RDY could not parse count abc"},
		{"over max", sub("RDY 51"), "E_INVALID RDY count 51 out of range 0-50"},
		{"way over max", sub("RDY 1000000"), "E_INVALID RDY count 1000000 out of range 0-50"},
	})
	t.Run("max accepted", func(t *testing.T) {
		t.Parallel()
		c := mustSubscribe(t, n, "t", "max", nil)
		c.Cmd("RDY 50")
		v2ExpectAlive(t, c)
		test.Eventually(t, v2Wait, func() bool {
			cl := mustChannelStats(t, n, "t", "max").Clients
			return len(cl) == 1 && cl[0].ReadyCount == 50
		})
	})
}

func TestV2RdyWithoutCountIsOne(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustPublish(t, n, "t", "a", "b")
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY")
	m := c.ReadMessage(t)
	c.ExpectNoFrame(t, v2Quiet)
	c.Cmd("FIN " + m.ID)
	m2 := c.ReadMessage(t)
	require.Equal(t, []string{"a", "b"}, v2SortedBodies([]test.Message{m, m2}), "bodies")
}

func TestV2RdyLimitsInFlight(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustPublish(t, n, "t", "m0", "m1", "m2", "m3", "m4")
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 2")
	got := c.ReadMessages(t, 2)
	c.ExpectNoFrame(t, v2Quiet)
	ch := mustChannelStats(t, n, "t", "c")
	require.EqualValues(t, 2, ch.InFlightCount, "stats")
	require.EqualValues(t, 3, ch.Depth, "stats")
	require.EqualValues(t, 2, ch.Clients[0].ReadyCount, "stats")

	// RDY is a window, not a budget: each FIN lets one more through.
	c.Cmd("FIN " + got[0].ID)
	got = append(got, c.ReadMessage(t))
	c.ExpectNoFrame(t, v2Quiet)

	// RDY 0 stops delivery; messages in flight stay in flight.
	c.Cmd("RDY 0")
	test.Eventually(t, v2Wait, func() bool { return mustChannelStats(t, n, "t", "c").Clients[0].ReadyCount == 0 })
	require.EqualValues(t, 2, mustChannelStats(t, n, "t", "c").InFlightCount, "in flight after RDY 0")
	c.Cmd("FIN " + got[1].ID)
	c.Cmd("FIN " + got[2].ID)
	c.ExpectNoFrame(t, v2Quiet)
	ch = mustChannelStats(t, n, "t", "c")
	require.Zero(t, ch.InFlightCount, "stats after RDY 0: %+v", ch)
	require.EqualValues(t, 2, ch.Depth, "stats after RDY 0: %+v", ch)

	c.Cmd("RDY 10")
	got = append(got, c.ReadMessages(t, 2)...)
	require.Equal(t, []string{"m0", "m1", "m2", "m3", "m4"}, v2SortedBodies(got), "bodies")
}

// ---------------------------------------------------------------------------
// PUB, DPUB, MPUB

func TestV2PubErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 100 })
	big := bytes.Repeat([]byte("x"), 101)
	t.Run("cases", func(t *testing.T) {
		v2RunFatal(t, n, []v2Case{
			{"PUB no topic", v2Line("PUB"), "E_INVALID PUB insufficient number of parameters"},
			{"PUB bad topic", v2Line("PUB bad!"), `E_BAD_TOPIC PUB topic name "bad!" is not valid`},
			{"PUB short size", v2Short("PUB p1\n\x00\x00"), "E_BAD_MESSAGE PUB failed to read message body size"},
			{"PUB size zero", v2Sized("PUB p2", 0, nil), "E_BAD_MESSAGE PUB invalid message body size 0"},
			{"PUB size -1", v2Sized("PUB p3", 0xFFFFFFFF, nil), "E_BAD_MESSAGE PUB invalid message body size -1"},
			{"PUB size min int32", v2Sized("PUB p4", 0x80000000, nil), "E_BAD_MESSAGE PUB invalid message body size -2147483648"},
			{"PUB too big", v2Sized("PUB p5", 101, nil), "E_BAD_MESSAGE PUB message too big 101 > 100"},
			{"PUB too big with body", v2Body("PUB p6", big), "E_BAD_MESSAGE PUB message too big 101 > 100"},
			{"PUB short body", v2Short("PUB p7\n\x00\x00\x00\x0aabc"), "E_BAD_MESSAGE PUB failed to read message body"},

			{"DPUB no params", v2Line("DPUB"), "E_INVALID DPUB insufficient number of parameters"},
			{"DPUB no timeout", v2Line("DPUB t"), "E_INVALID DPUB insufficient number of parameters"},
			{"DPUB bad topic", v2Line("DPUB bad! 10"), `E_BAD_TOPIC DPUB topic name "bad!" is not valid`},
			{"DPUB topic checked first", v2Line("DPUB bad! x"), `E_BAD_TOPIC DPUB topic name "bad!" is not valid`},
			{"DPUB negative", v2Line("DPUB d1 -1"), "E_INVALID DPUB could not parse timeout -1"},
			{"DPUB not a number", v2Line("DPUB d1 1s"), "E_INVALID DPUB could not parse timeout 1s"},
			{"DPUB over max", v2Line("DPUB d1 3600001"), "E_INVALID DPUB timeout 3600001 out of range 0-3600000"},
			{"DPUB short size", v2Short("DPUB d2 10\n\x00"), "E_BAD_MESSAGE DPUB failed to read message body size"},
			{"DPUB size zero", v2Sized("DPUB d3 10", 0, nil), "E_BAD_MESSAGE DPUB invalid message body size 0"},
			{"DPUB size -1", v2Sized("DPUB d4 10", 0xFFFFFFFF, nil), "E_BAD_MESSAGE DPUB invalid message body size -1"},
			{"DPUB too big", v2Sized("DPUB d5 10", 101, nil), "E_BAD_MESSAGE DPUB message too big 101 > 100"},
			{"DPUB short body", v2Short("DPUB d6 10\n\x00\x00\x00\x0aabc"), "E_BAD_MESSAGE DPUB failed to read message body"},
		})
	})
	// PUB and DPUB create the topic only once the body is valid.
	s := mustStats(t, n)
	for _, name := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "d1", "d2", "d3", "d4", "d5", "d6"} {
		assert.Nil(t, s.topic(name), "topic %s was created by a failed publish", name)
	}
}

func TestV2MPUBErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) {
		o.MaxMsgSize = 100
		o.MaxBodySize = 1000
	})
	u32 := func(v uint32) string { return string(test.Uint32(v)) }
	mpub := func(msgs ...string) []byte {
		b := make([][]byte, len(msgs))
		for i, m := range msgs {
			b[i] = []byte(m)
		}
		return test.MPUBBody(b)
	}
	cases := []v2Case{
		{"no topic", v2Line("MPUB"), "E_INVALID MPUB insufficient number of parameters"},
		{"bad topic", v2Line("MPUB bad!"), `E_BAD_TOPIC E_BAD_TOPIC MPUB topic name "bad!" is not valid`},
		{"short size", v2Short("MPUB m1\n\x00"), "E_BAD_BODY MPUB failed to read body size"},
		{"size zero", v2Sized("MPUB m2", 0, nil), "E_BAD_BODY MPUB invalid body size 0"},
		{"size -1", v2Sized("MPUB m3", 0xFFFFFFFF, nil), "E_BAD_BODY MPUB invalid body size -1"},
		{"too big", v2Sized("MPUB m4", 1001, nil), "E_BAD_BODY MPUB body too big 1001 > 1000"},
		{"short count", v2Short("MPUB m5\n" + u32(8) + "\x00\x00"), "E_BAD_BODY MPUB failed to read message count"},
		{"count zero", v2Body("MPUB m6", mpub()), "E_BAD_BODY MPUB invalid message count 0"},
		{"count -1", v2Body("MPUB m7", test.Uint32(0xFFFFFFFF)), "E_BAD_BODY MPUB invalid message count -1"},
		{"count over (max-4)/5", v2Body("MPUB m8", test.Uint32(200)), "E_BAD_BODY MPUB invalid message count 200"},
		{"message size zero", v2Body("MPUB m9", mpub("a", "")), "E_BAD_MESSAGE MPUB invalid message(1) body size 0"},
		{"message size -1", v2Body("MPUB m10", []byte(u32(1)+u32(0xFFFFFFFF))), "E_BAD_MESSAGE MPUB invalid message(0) body size -1"},
		{"message too big", v2Body("MPUB m11", mpub("a", strings.Repeat("x", 101))), "E_BAD_MESSAGE MPUB message too big 101 > 100"},
		{"short message size", v2Short("MPUB m12\n" + u32(100) + u32(2) + u32(1) + "a\x00"), "E_BAD_MESSAGE MPUB failed to read message(1) body size"},
		{"short message body", v2Short("MPUB m13\n" + u32(100) + u32(1) + u32(10) + "abc"), "E_BAD_MESSAGE MPUB failed to read message body"},
	}
	t.Run("cases", func(t *testing.T) { v2RunFatal(t, n, cases) })

	// MPUB creates the topic before reading the body, and queues nothing
	// unless every message is valid.
	s := mustStats(t, n)
	for i := 1; i <= 13; i++ {
		name := fmt.Sprintf("m%d", i)
		tp := s.topic(name)
		if !assert.NotNil(t, tp, "topic %s not created by MPUB with a bad body", name) {
			continue
		}
		assert.Zero(t, tp.Depth, "topic %s: nothing queued", name)
		assert.Zero(t, tp.MessageCount, "topic %s: nothing queued", name)
	}
}

func TestV2PublishSuccess(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgSize = 100 })
	max := strings.Repeat("m", 100)
	topic64 := strings.Repeat("T", 64)
	c := mustConnect(t, n)
	c.CmdBody("PUB t", []byte("one"))
	c.ExpectOK(t)
	c.CmdBody("PUB t extra-param", []byte(max))
	c.ExpectOK(t)
	c.CmdBody("DPUB t 0", []byte("two"))
	c.ExpectOK(t)
	c.CmdBody("MPUB t", test.MPUBBody([][]byte{[]byte("three"), []byte("four"), []byte(max)}))
	c.ExpectOK(t)
	c.CmdBody("PUB "+topic64, []byte("x"))
	c.ExpectOK(t)

	tp := mustTopicStats(t, n, "t")
	require.EqualValues(t, 6, tp.MessageCount, "topic stats")
	require.Equal(t, uint64(3+100+3+5+4+100), tp.MessageBytes, "topic stats")
	s := mustStats(t, n)
	require.Len(t, s.Producers, 1, "producers")
	require.Equal(t, "127.0.0.1", s.Producers[0].ClientID, "producers")
	require.Equal(t, "V2", s.Producers[0].Version, "producers")
	require.NotNil(t, s.topic(topic64), "64-byte topic name not created")

	sub := mustSubscribe(t, n, "t", "c", nil)
	sub.Cmd("RDY 10")
	got := v2SortedBodies(sub.ReadMessages(t, 6))
	want := []string{"four", max, max, "one", "three", "two"}
	slices.Sort(want)
	require.True(t, slices.Equal(got, want), "bodies %q, want %q", got, want)
}

// A declared body size larger than the messages is accepted (as NSQ does)
// and the rest left unread; one too small for them is refused (NSQ would
// read past it), see TestMPUBReadsNoMoreThanDeclared.
func TestV2MPUBDeclaredSizeLargerThanMessages(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	body := test.MPUBBody([][]byte{[]byte("message")}) // 15 bytes
	c := mustConnect(t, n)
	c.CmdSizedBody("MPUB t", 100, body)
	c.ExpectOK(t)
	// The stream is still in sync.
	c.CmdBody("PUB t", []byte("next"))
	c.ExpectOK(t)
	tp := mustTopicStats(t, n, "t")
	require.EqualValues(t, 2, tp.Depth, "topic stats %+v", tp)
	require.EqualValues(t, 2, tp.MessageCount, "topic stats %+v", tp)
	c.CmdSizedBody("MPUB t", 5, body)
	c.ExpectFatal(t, "E_BAD_BODY MPUB invalid message count 1")
}

func TestV2DPUBDelay(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 5")
	const delay = 500 * time.Millisecond
	start := time.Now()
	p := mustConnect(t, n)
	p.CmdBody("DPUB t 500", []byte("later"))
	p.ExpectOK(t)
	test.Eventually(t, v2Wait, func() bool { return mustChannelStats(t, n, "t", "c").DeferredCount == 1 })
	m := c.ReadMessage(t)
	require.GreaterOrEqual(t, time.Since(start), delay, "deferred message delivered before its delay")
	require.Equal(t, "later", string(m.Body), "message")
	require.EqualValues(t, 1, m.Attempts, "message")
}

// ---------------------------------------------------------------------------
// Delivery, FIN, REQ, TOUCH

func TestV2MessageFrameAndReq(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	p := mustConnect(t, n)
	before := time.Now().UnixNano()
	p.CmdBody("PUB t", []byte("payload \x00\xff bytes"))
	p.ExpectOK(t)
	after := time.Now().UnixNano()

	m := c.ReadMessage(t)
	assert.True(t, m.Timestamp >= before && m.Timestamp <= after, "timestamp %d outside the publish window [%d, %d]", m.Timestamp, before, after)
	assert.EqualValues(t, 1, m.Attempts, "attempts")
	assert.True(t, v2HexID.MatchString(m.ID), "ID %q is not 16 lowercase hex chars", m.ID)
	assert.Equal(t, "payload \x00\xff bytes", string(m.Body), "body %q", m.Body)

	// REQ 0: back in the queue at once, attempts incremented on redelivery.
	c.Cmd("REQ " + m.ID + " 0")
	m2 := c.ReadMessage(t)
	require.Equal(t, m.ID, m2.ID, "redelivered")
	require.Equal(t, m.Timestamp, m2.Timestamp, "redelivered")
	require.Equal(t, m.Body, m2.Body, "redelivered")
	require.EqualValues(t, 2, m2.Attempts, "redelivered")
	c.Cmd("FIN " + m.ID)
	test.Eventually(t, v2Wait, func() bool {
		ch := mustChannelStats(t, n, "t", "c")
		return ch.InFlightCount == 0 && len(ch.Clients) == 1 && ch.Clients[0].FinishCount == 1
	})
	ch := mustChannelStats(t, n, "t", "c")
	cl := ch.Clients[0]
	require.EqualValues(t, 1, ch.RequeueCount, "channel stats %+v", ch)
	require.EqualValues(t, 1, ch.MessageCount, "channel stats %+v", ch)
	require.Zero(t, ch.TimeoutCount, "channel stats %+v", ch)
	require.Zero(t, ch.Depth, "channel stats %+v", ch)
	require.EqualValues(t, 2, cl.MessageCount, "client stats %+v", cl)
	require.EqualValues(t, 1, cl.RequeueCount, "client stats %+v", cl)
	require.Zero(t, cl.InFlightCount, "client stats %+v", cl)
}

func TestV2FinReqTouchFailures(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	mustPublish(t, n, "t", "a")
	m := c.ReadMessage(t)
	c.Cmd("FIN " + m.ID)

	// Non-fatal failures; the connection carries on after each.
	notInFlight := func(cmd, id string) string {
		return "E_" + cmd + "_FAILED " + cmd + " " + id + " failed ID not in flight"
	}
	c.Cmd("FIN " + m.ID)
	c.ExpectError(t, notInFlight("FIN", m.ID))
	c.Cmd("REQ " + m.ID + " 0")
	c.ExpectError(t, notInFlight("REQ", m.ID))
	c.Cmd("TOUCH " + m.ID)
	c.ExpectError(t, notInFlight("TOUCH", m.ID))
	// IDs are only length-checked, not hex-checked.
	c.Cmd("FIN zzzzzzzzzzzzzzzz")
	c.ExpectError(t, notInFlight("FIN", "zzzzzzzzzzzzzzzz"))

	// Still subscribed and receiving.
	mustPublish(t, n, "t", "b")
	m2 := c.ReadMessage(t)
	require.Equal(t, "b", string(m2.Body), "body %q", m2.Body)
	c.Cmd("FIN " + m2.ID)
	v2ExpectAlive(t, c)
	cl := mustChannelStats(t, n, "t", "c").Clients
	require.Len(t, cl, 1, "clients")
	require.EqualValues(t, 2, cl[0].FinishCount, "clients")
	require.EqualValues(t, 0, cl[0].InFlightCount, "clients")
}

func TestV2MessageIDErrors(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	const id = "0123456789abcdef"
	sub := func(line string) func(*testing.T, *test.Conn) { return v2Subscribed(v2Line(line)) }
	v2RunFatal(t, n, []v2Case{
		{"FIN short ID", sub("FIN abc"), "E_INVALID invalid message ID"},
		{"FIN long ID", sub("FIN " + id + "0"), "E_INVALID invalid message ID"},
		{"FIN empty ID", sub("FIN "), "E_INVALID invalid message ID"},
		{"REQ short ID", sub("REQ abc 0"), "E_INVALID invalid message ID"},
		{"REQ ID checked before timeout", sub("REQ abc -1"), "E_INVALID invalid message ID"},
		{"TOUCH short ID", sub("TOUCH abc"), "E_INVALID invalid message ID"},
		{"FIN no ID", sub("FIN"), "E_INVALID FIN insufficient number of params"},
		{"REQ no timeout", sub("REQ " + id), "E_INVALID REQ insufficient number of params"},
		{"REQ no params", sub("REQ"), "E_INVALID REQ insufficient number of params"},
		{"TOUCH no ID", sub("TOUCH"), "E_INVALID TOUCH insufficient number of params"},
		{"REQ negative timeout", sub("REQ " + id + " -1"), "E_INVALID REQ could not parse timeout -1"},
		{"REQ fractional timeout", sub("REQ " + id + " 1.5"), "E_INVALID REQ could not parse timeout 1.5"},
	})
}

func TestV2ClientDoesNotOwnMessage(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	owner := mustSubscribe(t, n, "t", "c", nil)
	other := mustSubscribe(t, n, "t", "c", nil) // RDY 0: never gets anything
	owner.Cmd("RDY 1")
	mustPublish(t, n, "t", "mine")
	m := owner.ReadMessage(t)

	notOwner := func(cmd string) string {
		return "E_" + cmd + "_FAILED " + cmd + " " + m.ID + " failed client does not own message"
	}
	other.Cmd("FIN " + m.ID)
	other.ExpectError(t, notOwner("FIN"))
	other.Cmd("REQ " + m.ID + " 0")
	other.ExpectError(t, notOwner("REQ"))
	other.Cmd("TOUCH " + m.ID)
	other.ExpectError(t, notOwner("TOUCH"))
	v2ExpectAlive(t, other)

	owner.Cmd("FIN " + m.ID)
	v2ExpectAlive(t, owner)
	ch := mustChannelStats(t, n, "t", "c")
	require.EqualValues(t, 0, ch.InFlightCount, "channel stats")
	require.EqualValues(t, 0, ch.RequeueCount, "channel stats")
}

func TestV2ReqWithDelay(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	mustPublish(t, n, "t", "x")
	m := c.ReadMessage(t)
	const delay = 500 * time.Millisecond
	start := time.Now()
	c.Cmd("REQ " + m.ID + " 500")
	test.Eventually(t, v2Wait, func() bool {
		ch := mustChannelStats(t, n, "t", "c")
		return ch.DeferredCount == 1 && ch.InFlightCount == 0 && ch.RequeueCount == 1
	})
	m2 := c.ReadMessage(t)
	require.GreaterOrEqual(t, time.Since(start), delay, "requeued message back before its delay")
	requireRedelivered(t, m, m2)
}

func TestV2ReqTimeoutClamped(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxReqTimeout = time.Second })
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	mustPublish(t, n, "t", "x")
	m := c.ReadMessage(t)
	start := time.Now()
	c.Cmd("REQ " + m.ID + " 3600000") // far above the 1s maximum: clamped, no error
	m2 := c.ReadMessage(t)
	d := time.Since(start)
	// Back after the 1 s maximum, nowhere near the hour asked for.
	require.True(t, d >= time.Second && d < time.Minute, "requeued message back after %s, want the 1s maximum", d)
	requireRedelivered(t, m, m2)
}

func TestV2MsgTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     func(*nsqd.Options)
		identify map[string]any
	}{
		{"from options", func(o *nsqd.Options) { o.MsgTimeout = time.Second }, nil},
		{"from IDENTIFY", nil, map[string]any{"msg_timeout": 1000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := startNSQD(t, tc.opts)
			c := mustSubscribe(t, n, "t", "c", tc.identify)
			c.Cmd("RDY 2") // room to receive the timed-out message again
			mustPublish(t, n, "t", "x")
			m := c.ReadMessage(t)
			start := time.Now()
			m2 := c.ReadMessage(t)
			require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "message timed out before the 1s msg timeout")
			requireRedelivered(t, m, m2)
			ch := mustChannelStats(t, n, "t", "c")
			require.EqualValues(t, 1, ch.TimeoutCount, "channel stats")
			require.EqualValues(t, 0, ch.RequeueCount, "channel stats")
			require.EqualValues(t, 1, ch.InFlightCount, "channel stats")
			c.Cmd("FIN " + m2.ID)
			v2ExpectAlive(t, c)
		})
	}
}

func TestV2Touch(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", map[string]any{"msg_timeout": 1000})
	c.Cmd("RDY 2") // a timed-out message would come straight back
	mustPublish(t, n, "t", "x")
	m := c.ReadMessage(t)
	// Keep the message for 1.5 s, well past its 1 s timeout.
	for range 5 {
		c.ExpectNoFrame(t, 300*time.Millisecond)
		c.Cmd("TOUCH " + m.ID)
	}
	c.Cmd("FIN " + m.ID)
	v2ExpectAlive(t, c)
	ch := mustChannelStats(t, n, "t", "c")
	require.EqualValues(t, 0, ch.TimeoutCount, "channel stats")
	require.EqualValues(t, 0, ch.InFlightCount, "channel stats")
	require.EqualValues(t, 1, ch.Clients[0].FinishCount, "channel stats")
}

func TestV2TouchCappedByMaxMsgTimeout(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MaxMsgTimeout = time.Second })
	c := mustSubscribe(t, n, "t", "c", map[string]any{"msg_timeout": 1000})
	c.Cmd("RDY 2")
	mustPublish(t, n, "t", "x")
	m := c.ReadMessage(t)
	start := time.Now()
	c.ExpectNoFrame(t, 700*time.Millisecond)
	// Uncapped, this would move the deadline to at least 1.7 s after
	// delivery; delivery + max-msg-timeout (1 s) caps it.
	c.Cmd("TOUCH " + m.ID)
	m2 := c.ReadMessage(t)
	d := time.Since(start)
	require.True(t, d >= 900*time.Millisecond && d < 1600*time.Millisecond, "message timed out %s after delivery, want about 1s", d)
	requireRedelivered(t, m, m2)
}

func TestV2DisconnectLeavesMessagesInFlight(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MsgTimeout = time.Second })
	a := mustSubscribe(t, n, "t", "c", nil)
	a.Cmd("RDY 1")
	mustPublish(t, n, "t", "x")
	m := a.ReadMessage(t)
	start := time.Now()
	b := mustSubscribe(t, n, "t", "c", nil)
	b.Cmd("RDY 1")
	a.Close()
	test.Eventually(t, v2Wait, func() bool { return mustChannelStats(t, n, "t", "c").ClientCount == 1 })
	ch := mustChannelStats(t, n, "t", "c")
	require.EqualValues(t, 1, ch.InFlightCount, "after disconnect: %+v, want the message still in flight", ch)
	require.Zero(t, ch.Depth, "after disconnect: %+v, want the message still in flight", ch)
	m2 := b.ReadMessage(t)
	require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "message requeued before its 1s timeout")
	requireRedelivered(t, m, m2)
	require.EqualValues(t, 1, mustChannelStats(t, n, "t", "c").TimeoutCount, "timeout_count")
}

// ---------------------------------------------------------------------------
// CLS

func TestV2Cls(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	mustPublish(t, n, "t", "first")
	m := c.ReadMessage(t)

	c.Cmd("CLS")
	c.ExpectResponse(t, "CLOSE_WAIT")
	// RDY is ignored from now on: no error, and nothing new is delivered.
	c.Cmd("RDY 5")
	mustPublish(t, n, "t", "second")
	// In-flight handling still works.
	c.Cmd("TOUCH " + m.ID)
	c.Cmd("FIN " + m.ID)
	v2ExpectAlive(t, c)
	c.ExpectNoFrame(t, v2Quiet)

	ch := mustChannelStats(t, n, "t", "c")
	require.Len(t, ch.Clients, 1, "clients")
	cl := ch.Clients[0]
	require.EqualValues(t, 4, cl.State, "channel stats")
	require.EqualValues(t, 0, cl.ReadyCount, "channel stats")
	require.EqualValues(t, 1, cl.FinishCount, "channel stats")
	require.EqualValues(t, 0, cl.InFlightCount, "channel stats")
	require.EqualValues(t, 1, ch.Depth, "channel stats")
}

func TestV2ClsThenReq(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 1")
	mustPublish(t, n, "t", "x")
	m := c.ReadMessage(t)
	c.Cmd("CLS")
	c.ExpectResponse(t, "CLOSE_WAIT")
	c.Cmd("REQ " + m.ID + " 0")
	v2ExpectAlive(t, c)
	// Requeued, but not delivered back to the closing client.
	c.ExpectNoFrame(t, v2Quiet)
	ch := mustChannelStats(t, n, "t", "c")
	require.EqualValues(t, 1, ch.Depth, "channel stats %+v", ch)
	require.EqualValues(t, 1, ch.RequeueCount, "channel stats %+v", ch)
	require.Zero(t, ch.InFlightCount, "channel stats %+v", ch)
}

// ---------------------------------------------------------------------------
// Heartbeats

func TestV2Heartbeats(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)

	t.Run("idle connection closed without error", func(t *testing.T) {
		t.Parallel()
		c := mustConnect(t, n)
		c.Identify(t, map[string]any{"heartbeat_interval": 1000})
		start := time.Now()
		c.KeepHeartbeats = true
		heartbeats := 0
		for {
			ft, data, err := c.ReadFrame()
			if test.IsClosedError(err) {
				break
			}
			require.NoError(t, err, "after %d heartbeats", heartbeats)
			require.EqualValues(t, 0, ft, "got")
			require.Equal(t, "_heartbeat_", string(data), "got")
			heartbeats++
		}
		d := time.Since(start)
		assert.GreaterOrEqual(t, heartbeats, 1, "heartbeats before the close")
		assert.True(t, d >= 1500*time.Millisecond && d <= 3500*time.Millisecond, "closed after %s, want about two 1s heartbeat intervals", d)
	})

	t.Run("answered heartbeats keep the connection", func(t *testing.T) {
		t.Parallel()
		c := mustConnect(t, n)
		c.Identify(t, map[string]any{"heartbeat_interval": 1000})
		c.Cmd("SUB t c")
		c.ExpectOK(t)
		c.KeepHeartbeats = true
		start := time.Now()
		for range 3 {
			c.ExpectResponse(t, "_heartbeat_")
			c.Cmd("NOP")
		}
		require.GreaterOrEqual(t, time.Since(start), 2500*time.Millisecond, "three heartbeats, want one per second")
		v2ExpectAlive(t, c)
	})
}

// ---------------------------------------------------------------------------
// Sampling

func TestV2Sampling(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	const total = 500
	c := mustSubscribe(t, n, "t", "c", map[string]any{"sample_rate": 10})
	require.EqualValues(t, 10, mustChannelStats(t, n, "t", "c").Clients[0].SampleRate, "client sample_rate")
	c.Cmd("RDY 2500")
	v2MPUB(t, n, "t", v2Bodies("s", total))

	// Every message leaves the channel: sampled ones to us, the rest discarded.
	test.Eventually(t, v2Wait, func() bool {
		ch := mustChannelStats(t, n, "t", "c")
		return ch.MessageCount == total && ch.Depth == 0
	})
	delivered := 0
	for {
		ok, err := c.Pending(v2Quiet)
		require.NoError(t, err)
		if !ok {
			break
		}
		c.ReadMessage(t)
		delivered++
	}
	// Expected about 11% (r in [0,99] delivered when r <= 10): ~55 of 500.
	require.True(t, delivered >= 20 && delivered <= 110, "sample rate 10 delivered %d of %d", delivered, total)
	ch := mustChannelStats(t, n, "t", "c")
	require.Equal(t, delivered, ch.InFlightCount, "delivered")
	require.EqualValues(t, 0, ch.Depth, "delivered")
	require.EqualValues(t, 0, ch.DeferredCount, "delivered")
	// The rest is gone for every consumer of the channel.
	other := mustSubscribe(t, n, "t", "c", nil)
	other.Cmd("RDY 100")
	other.ExpectNoFrame(t, v2Quiet)
}

// ---------------------------------------------------------------------------
// Topics and channels seen through the protocol

func TestV2EphemeralChannelDeletedWithLastClient(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	a := mustSubscribe(t, n, "t", "c#ephemeral", nil)
	b := mustSubscribe(t, n, "t", "c#ephemeral", nil)
	d := mustSubscribe(t, n, "t", "durable", nil)
	e := mustSubscribe(t, n, "e#ephemeral", "c#ephemeral", nil)
	require.EqualValues(t, 2, mustChannelStats(t, n, "t", "c#ephemeral").ClientCount, "client_count")
	a.Close()
	test.Eventually(t, v2Wait, func() bool { return channelClientCount(t, n, "t", "c#ephemeral") == 1 })
	b.Close()
	d.Close()
	e.Close()
	test.Eventually(t, v2Wait, func() bool {
		s := mustStats(t, n)
		tp := s.topic("t")
		return tp != nil && tp.channel("c#ephemeral") == nil && s.topic("e#ephemeral") == nil
	}, "ephemeral channel and ephemeral topic should be deleted")
	// A durable channel stays without clients.
	require.Zero(t, mustChannelStats(t, n, "t", "durable").ClientCount, "durable channel client_count")
}

func TestV2FanOutToEveryChannel(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	c1 := mustSubscribe(t, n, "t", "c1", nil)
	c2 := mustSubscribe(t, n, "t", "c2", nil)
	c1.Cmd("RDY 10")
	c2.Cmd("RDY 10")
	mustPublish(t, n, "t", "a")
	v2MPUB(t, n, "t", []string{"b", "c"})

	key := func(m test.Message) string {
		return fmt.Sprintf("%s/%d/%s/%d", m.ID, m.Timestamp, m.Body, m.Attempts)
	}
	var got [2][]string
	for i, c := range []*test.Conn{c1, c2} {
		for _, m := range c.ReadMessages(t, 3) {
			got[i] = append(got[i], key(m))
		}
		slices.Sort(got[i])
		c.ExpectNoFrame(t, v2Quiet)
	}
	require.True(t, slices.Equal(got[0], got[1]), "channels got different copies:\n%q\n%q", got[0], got[1])
	tp := mustTopicStats(t, n, "t")
	for _, ch := range tp.Channels {
		assert.EqualValues(t, 3, ch.MessageCount, "channel %s message_count %d", ch.ChannelName, ch.MessageCount)
	}
}

func TestV2MessagesBeforeFirstChannel(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustPublish(t, n, "t", "a", "b", "c")
	tp := mustTopicStats(t, n, "t")
	require.EqualValues(t, 3, tp.Depth, "topic before any channel")
	require.Len(t, tp.Channels, 0, "topic before any channel")
	first := mustSubscribe(t, n, "t", "first", nil)
	first.Cmd("RDY 10")
	require.Equal(t, []string{"a", "b", "c"}, v2SortedBodies(first.ReadMessages(t, 3)), "first channel")

	// A later channel only gets what is published after it exists.
	later := mustSubscribe(t, n, "t", "later", nil)
	later.Cmd("RDY 10")
	mustPublish(t, n, "t", "d")
	require.Equal(t, "d", string(later.ReadMessage(t).Body), "later channel")
	require.Equal(t, "d", string(first.ReadMessage(t).Body), "first channel")
	later.ExpectNoFrame(t, v2Quiet)
	require.Zero(t, mustTopicStats(t, n, "t").Depth, "topic depth")
}

func TestV2ChannelPause(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	mustHTTPPost(t, n, "/topic/create", v2Params("topic", "t"))
	mustHTTPPost(t, n, "/channel/create", v2Params("topic", "t", "channel", "c"))
	mustHTTPPost(t, n, "/channel/pause", v2Params("topic", "t", "channel", "c"))
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 10")
	mustPublish(t, n, "t", "x")
	c.ExpectNoFrame(t, v2Quiet)
	ch := mustChannelStats(t, n, "t", "c")
	require.True(t, ch.Paused, "paused channel")
	require.EqualValues(t, 1, ch.Depth, "paused channel")
	require.EqualValues(t, 0, ch.InFlightCount, "paused channel")
	mustHTTPPost(t, n, "/channel/unpause", v2Params("topic", "t", "channel", "c"))
	require.Equal(t, "x", string(c.ReadMessage(t).Body))
}

func TestV2MessageIDs(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.ID = 617 })
	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 100")
	bodies := v2Bodies("", 60)
	mustPublish(t, n, "t", bodies[:10]...)
	v2MPUB(t, n, "t", bodies[10:50])
	mustPublish(t, n, "t", bodies[50:]...)

	ids := make([]uint64, len(bodies))
	seen := map[string]bool{}
	for _, m := range c.ReadMessages(t, len(bodies)) {
		require.Regexp(t, v2HexID, m.ID, "ID")
		require.False(t, seen[m.ID], "ID %q repeated", m.ID)
		seen[m.ID] = true
		raw, _ := hex.DecodeString(m.ID)
		id, _ := strconv.ParseUint(hex.EncodeToString(raw), 16, 64)
		require.EqualValues(t, 617, (id>>12)&0x3ff, "node of ID %s", m.ID)
		i, err := strconv.Atoi(string(m.Body))
		require.NoError(t, err)
		ids[i] = id
	}
	for i := 1; i < len(ids); i++ {
		require.Greater(t, ids[i], ids[i-1], "ID of message %d (%016x) not above message %d (%016x)", i, ids[i], i-1, ids[i-1])
	}
}

func TestV2MemQueueSizeZero(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, func(o *nsqd.Options) { o.MemQueueSize = 0 })
	mustPublish(t, n, "t", v2Bodies("early", 10)...)
	test.Eventually(t, v2Wait, func() bool {
		tp := mustTopicStats(t, n, "t")
		return tp.Depth == 10 && tp.BackendDepth == 10
	}, "messages go straight to the topic's disk queue")

	c := mustSubscribe(t, n, "t", "c", nil)
	c.Cmd("RDY 100")
	got := c.ReadMessages(t, 10)
	v2MPUB(t, n, "t", v2Bodies("late", 10))
	got = append(got, c.ReadMessages(t, 10)...)

	// A requeued message goes back through the disk queue too.
	c.Cmd("REQ " + got[0].ID + " 0")
	again := c.ReadMessage(t)
	require.Equal(t, got[0].ID, again.ID, "requeued")
	require.EqualValues(t, 2, again.Attempts, "requeued")
	for _, m := range got {
		c.Cmd("FIN " + m.ID)
	}
	c.ExpectNoFrame(t, v2Quiet)

	want := append(v2Bodies("early", 10), v2Bodies("late", 10)...)
	slices.Sort(want)
	require.Equal(t, want, v2SortedBodies(got), "bodies")
	test.Eventually(t, v2Wait, func() bool {
		ch := mustChannelStats(t, n, "t", "c")
		return ch.InFlightCount == 0 && ch.Depth == 0 && ch.Clients[0].FinishCount == 20
	})
}

func TestV2OutputBufferSettings(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	for i, fields := range []map[string]any{
		{"output_buffer_size": 64, "output_buffer_timeout": 1000},
		{"output_buffer_size": -1},
		{"output_buffer_timeout": -1, "output_buffer_size": 65536},
	} {
		ch := fmt.Sprintf("c%d", i)
		c := mustSubscribe(t, n, "t", ch, fields)
		c.Cmd("RDY 1")
		body := strings.Repeat("b", 100+i)
		mustPublish(t, n, "t", body)
		// RDY 1 with one message in flight: the client stops being ready,
		// which flushes the buffer whatever its size and timeout.
		require.Equal(t, body, string(c.ReadMessage(t).Body), "%v", fields)
		c.Cmd("FIN " + v2NoID)
		c.ExpectError(t, "E_FIN_FAILED FIN "+v2NoID+" failed ID not in flight")
		c.Close()
	}
}

// ---------------------------------------------------------------------------
// go-nsq as an independent peer

func v2GoNSQConsumer(t *testing.T, n *testcluster.NSQD, topic, channel string, cfg *nsq.Config, h nsq.Handler, concurrency int) {
	t.Helper()
	cons, err := nsq.NewConsumer(topic, channel, cfg)
	require.NoError(t, err)
	cons.SetLogger(test.NewLogger(t), nsq.LogLevelInfo)
	cons.AddConcurrentHandlers(h, concurrency)
	require.NoError(t, cons.ConnectToNSQD(n.RealTCPAddr().String()))
	t.Cleanup(func() {
		cons.Stop()
		select {
		case <-cons.StopChan:
		case <-time.After(v2Wait):
			assert.Fail(t, "go-nsq consumer did not stop")
		}
	})
}

func v2GoNSQProducer(t *testing.T, n *testcluster.NSQD) *nsq.Producer {
	t.Helper()
	p, err := nsq.NewProducer(n.RealTCPAddr().String(), nsq.NewConfig())
	require.NoError(t, err)
	p.SetLogger(test.NewLogger(t), nsq.LogLevelInfo)
	t.Cleanup(p.Stop)
	return p
}

func v2GoNSQConfig() *nsq.Config {
	cfg := nsq.NewConfig()
	cfg.MaxInFlight = 5
	cfg.MaxBackoffDuration = 0 // a requeue must not pause the consumer
	return cfg
}

// v2Seen records, under a lock, the attempts of every delivery by body.
type v2Seen struct {
	mu       sync.Mutex
	attempts map[string][]uint16
	at       map[string]time.Time
}

func (s *v2Seen) add(m *nsq.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.attempts == nil {
		s.attempts, s.at = map[string][]uint16{}, map[string]time.Time{}
	}
	s.attempts[string(m.Body)] = append(s.attempts[string(m.Body)], m.Attempts)
	s.at[string(m.Body)] = time.Now()
}

func (s *v2Seen) get(body string) ([]uint16, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts[body]), s.at[body]
}

func (s *v2Seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, a := range s.attempts {
		total += len(a)
	}
	return total
}

func TestV2GoNSQ(t *testing.T) {
	t.Parallel()

	t.Run("publish, consume, requeue", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, nil)
		var seen v2Seen
		v2GoNSQConsumer(t, n, "t", "c", v2GoNSQConfig(), nsq.HandlerFunc(func(m *nsq.Message) error {
			seen.add(m)
			if string(m.Body) == "requeue" && m.Attempts == 1 {
				m.Requeue(0)
			}
			return nil
		}), 1)
		test.Eventually(t, v2Wait, func() bool { return channelClientCount(t, n, "t", "c") == 1 })

		p := v2GoNSQProducer(t, n)
		require.NoError(t, p.Publish("t", []byte("one")))
		require.NoError(t, p.MultiPublish("t", [][]byte{[]byte("two"), []byte("three")}))
		deferredAt := time.Now()
		require.NoError(t, p.DeferredPublish("t", 500*time.Millisecond, []byte("deferred")))
		require.NoError(t, p.Publish("t", []byte("requeue")))

		test.Eventually(t, v2Wait, func() bool { return seen.count() == 6 }, "six deliveries")
		for _, b := range []string{"one", "two", "three", "deferred"} {
			a, _ := seen.get(b)
			assert.Equal(t, []uint16{1}, a, "%s delivered with attempts", b)
		}
		a, _ := seen.get("requeue")
		assert.Equal(t, []uint16{1, 2}, a, "requeued message delivered with attempts")
		_, at := seen.get("deferred")
		assert.GreaterOrEqual(t, at.Sub(deferredAt), 500*time.Millisecond, "deferred message arrived early")
		test.Eventually(t, v2Wait, func() bool {
			ch := mustChannelStats(t, n, "t", "c")
			return ch.InFlightCount == 0 && len(ch.Clients) == 1 && ch.Clients[0].FinishCount == 5
		})
		ch := mustChannelStats(t, n, "t", "c")
		assert.EqualValues(t, 1, ch.RequeueCount, "channel stats %+v", ch)
		assert.Zero(t, ch.TimeoutCount, "channel stats %+v", ch)
	})

	t.Run("touch and timeout", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, nil)
		cfg := v2GoNSQConfig()
		cfg.MsgTimeout = time.Second
		var seen v2Seen
		touched := make(chan struct{})
		abandoned := make(chan *nsq.Message, 1)
		v2GoNSQConsumer(t, n, "t", "c", cfg, nsq.HandlerFunc(func(m *nsq.Message) error {
			seen.add(m)
			switch {
			case string(m.Body) == "touch":
				// Simulated slow work, 1.2 s against a 1 s timeout.
				tick := time.NewTicker(300 * time.Millisecond)
				defer tick.Stop()
				for range 4 {
					<-tick.C
					m.Touch()
				}
				close(touched)
			case m.Attempts == 1:
				m.DisableAutoResponse() // not answered in time: must time out
				abandoned <- m
			}
			return nil
		}), 2)
		p := v2GoNSQProducer(t, n)
		for _, b := range []string{"touch", "timeout"} {
			require.NoError(t, p.Publish("t", []byte(b)))
		}
		<-touched
		test.Eventually(t, v2Wait, func() bool {
			a, _ := seen.get("timeout")
			return len(a) == 2
		}, "timed-out message redelivered")
		test.Eventually(t, v2Wait, func() bool {
			ch := mustChannelStats(t, n, "t", "c")
			return ch.InFlightCount == 0 && len(ch.Clients) == 1 && ch.Clients[0].FinishCount == 2
		})
		a, _ := seen.get("timeout")
		assert.Equal(t, []uint16{1, 2}, a, "timeout message attempts")
		a, _ = seen.get("touch")
		assert.Equal(t, []uint16{1}, a, "touched message attempts")
		assert.EqualValues(t, 1, mustChannelStats(t, n, "t", "c").TimeoutCount, "timeout_count")
		// go-nsq waits for every message it handed out to be answered
		// before it stops; the late FIN gets a non-fatal E_FIN_FAILED.
		(<-abandoned).Finish()
	})

	t.Run("two consumers share a channel", func(t *testing.T) {
		t.Parallel()
		n := startNSQD(t, nil)
		const total = 200
		var mu sync.Mutex
		counts := map[string]int{}
		perConsumer := [2]int{}
		for i := range 2 {
			v2GoNSQConsumer(t, n, "t", "c", v2GoNSQConfig(), nsq.HandlerFunc(func(m *nsq.Message) error {
				mu.Lock()
				defer mu.Unlock()
				counts[string(m.Body)]++
				perConsumer[i]++
				return nil
			}), 1)
		}
		test.Eventually(t, v2Wait, func() bool {
			cl := mustChannelStats(t, n, "t", "c").Clients
			return len(cl) == 2 && cl[0].ReadyCount > 0 && cl[1].ReadyCount > 0
		}, "both consumers ready")
		msgs := make([][]byte, total)
		for i := range msgs {
			msgs[i] = []byte(strconv.Itoa(i))
		}
		require.NoError(t, v2GoNSQProducer(t, n).MultiPublish("t", msgs))
		test.Eventually(t, v2Wait, func() bool {
			ch := mustChannelStats(t, n, "t", "c")
			if ch.InFlightCount != 0 || ch.Depth != 0 || len(ch.Clients) != 2 {
				return false
			}
			return ch.Clients[0].FinishCount+ch.Clients[1].FinishCount == total
		}, "all messages finished")
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, counts, total)
		for b, k := range counts {
			assert.EqualValues(t, 1, k, "message %s delivered %d times", b, k)
		}
		assert.NotZero(t, perConsumer[0], "load not shared: %v", perConsumer)
		assert.NotZero(t, perConsumer[1], "load not shared: %v", perConsumer)
	})
}

// requireRedelivered checks that m2 is m delivered a second time.
func requireRedelivered(t *testing.T, m, m2 test.Message) {
	t.Helper()
	require.Equal(t, m.ID, m2.ID, "redelivered")
	require.EqualValues(t, 2, m2.Attempts, "redelivered")
}
