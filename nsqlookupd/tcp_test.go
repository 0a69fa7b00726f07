package nsqlookupd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

func TestBadMagic(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dial(t, l.tcpAddr)
	c.send("  V2")
	c.expect("E_BAD_PROTOCOL")
	c.expectClosed()
}

func TestShortMagicClosesSilently(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dial(t, l.tcpAddr)
	c.send("  V")
	c.closeWrite()
	c.expectClosed()
}

func TestPing(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dialV1(t, l.tcpAddr)
	c.cmd("PING", "OK")
	c.cmd("PING extra params", "OK")
	c.cmd("PING\r", "OK") // \r\n line ending
	c.identify(l, defaultPeer(1))
	c.cmd("PING", "OK")
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dialV1(t, l.tcpAddr)
	c.send(identifyBody(`{"broadcast_address":"10.0.0.1","tcp_port":1,"http_port":2,"version":"1.2.1","remote_address":"spoofed","unknown":[1]}`))
	c.expect(identifyReply(t, l))
	c.expectFatal(identifyBody(`{}`)[:len("IDENTIFY")], "E_INVALID cannot IDENTIFY again")
}

func TestIdentifyPipelined(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dial(t, l.tcpAddr)
	body, _ := json.Marshal(defaultPeer(1))
	c.send("  V1" + identifyBody(string(body)) + "REGISTER t1 c1\nPING\n")
	c.expect(identifyReply(t, l))
	c.expect("OK")
	c.expect("OK")
	require.EqualValues(t, `{"channels":["c1"],"producers":[`+c.producerJSON(defaultPeer(1))+`]}`, l.get(t, "/lookup?topic=t1"))
}

func TestIdentifyErrors(t *testing.T) {
	t.Parallel()
	l := start(t)
	const missing = "E_BAD_BODY IDENTIFY missing fields"
	for _, c := range []struct {
		name, send, want string
		closeWrite       bool
	}{
		{"no broadcast_address", identifyBody(`{"tcp_port":1,"http_port":2,"version":"v"}`), missing, false},
		{"empty broadcast_address", identifyBody(`{"broadcast_address":"","tcp_port":1,"http_port":2,"version":"v"}`), missing, false},
		{"no tcp_port", identifyBody(`{"broadcast_address":"a","http_port":2,"version":"v"}`), missing, false},
		{"no http_port", identifyBody(`{"broadcast_address":"a","tcp_port":1,"version":"v"}`), missing, false},
		{"no version", identifyBody(`{"broadcast_address":"a","tcp_port":1,"http_port":2}`), missing, false},
		{"null body", identifyBody(`null`), missing, false},
		{"not JSON", identifyBody(`{nope`), "E_BAD_BODY IDENTIFY failed to decode JSON body", false},
		{"wrong type", identifyBody(`{"broadcast_address":"a","tcp_port":"1","http_port":2,"version":"v"}`), "E_BAD_BODY IDENTIFY failed to decode JSON body", false},
		{"array", identifyBody(`[]`), "E_BAD_BODY IDENTIFY failed to decode JSON body", false},
		{"short size", "IDENTIFY\n\x00\x00", "E_BAD_BODY IDENTIFY failed to read body size", true},
		{"short body", sizedBody(100, `{"broadcast_address":`), "E_BAD_BODY IDENTIFY failed to read body", true},
		{"negative size", sizedBody(0xFFFFFFFF, `{}`), "E_BAD_BODY IDENTIFY failed to read body", false},
		{"min int32 size", sizedBody(0x80000000, `{}`), "E_BAD_BODY IDENTIFY failed to read body", false},
		{"huge size", sizedBody(0x7FFFFFFF, `{}`), "E_BAD_BODY IDENTIFY failed to read body", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := dialV1(t, l.tcpAddr)
			conn.send(c.send)
			if c.closeWrite {
				conn.closeWrite()
			}
			conn.expect(c.want)
			conn.expectClosed()
		})
	}
	require.EqualValues(t, "OK", string(test.HTTPSend(t, "GET", l.url+"/ping", nil).Body)) // still alive
	require.EqualValues(t, `{"producers":[]}`, l.get(t, "/nodes"))
}

func TestInvalidCommands(t *testing.T) {
	t.Parallel()
	l := start(t)
	for line, want := range map[string]string{
		"FOO":           "E_INVALID invalid command FOO",
		"":              "E_INVALID invalid command ",
		"   ":           "E_INVALID invalid command ",
		"register t":    "E_INVALID invalid command register",
		"ping":          "E_INVALID invalid command ping",
		" PING":         "OK", // leading blanks are trimmed
		"IDENTIFY2 x y": "E_INVALID invalid command IDENTIFY2",
	} {
		c := dialV1(t, l.tcpAddr)
		if want == "OK" {
			c.cmd(line, want)
			continue
		}
		c.expectFatal(line, want)
	}
}

func TestCommandsBeforeIdentify(t *testing.T) {
	t.Parallel()
	l := start(t)
	dialV1(t, l.tcpAddr).expectFatal("REGISTER t1", "E_INVALID client must IDENTIFY")
	dialV1(t, l.tcpAddr).expectFatal("UNREGISTER t1 c1", "E_INVALID client must IDENTIFY")
	dialV1(t, l.tcpAddr).expectFatal("REGISTER", "E_INVALID client must IDENTIFY")
}

func TestRegisterParamErrors(t *testing.T) {
	t.Parallel()
	l := start(t)
	long := strings.Repeat("a", 65)
	for _, cmd := range []string{"REGISTER", "UNREGISTER"} {
		for line, want := range map[string]string{
			cmd:                    "E_INVALID " + cmd + " insufficient number of params",
			cmd + "  t c":          "E_BAD_TOPIC " + cmd + " topic name '' is not valid",
			cmd + " bad!":          "E_BAD_TOPIC " + cmd + " topic name 'bad!' is not valid",
			cmd + " " + long:       "E_BAD_TOPIC " + cmd + " topic name '" + long + "' is not valid",
			cmd + " t#ephemeral#x": "E_BAD_TOPIC " + cmd + " topic name 't#ephemeral#x' is not valid",
			cmd + " t bad*":        "E_BAD_CHANNEL " + cmd + " channel name 'bad*' is not valid",
			cmd + " t " + long:     "E_BAD_CHANNEL " + cmd + " channel name '" + long + "' is not valid",
		} {
			c := connectPeer(t, l, defaultPeer(1))
			c.expectFatal(line, want)
		}
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	c := connectPeer(t, l, p, "t1", "t2 c1", "t2 c2", "t2  c3", "t2 c1 extra")
	prod := c.producerJSON(p)
	require.EqualValues(t, `{"channels":[],"producers":[`+prod+`]}`, l.get(t, "/lookup?topic=t1"))
	require.EqualValues(t, `{"channels":["c1","c2"],"producers":[`+prod+`]}`, l.get(t, "/lookup?topic=t2"))
	require.EqualValues(t, `{"topics":["t1","t2"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":["c1","c2"]}`, l.get(t, "/channels?topic=t2"))
}

func TestTwoConnectionsAreTwoProducers(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	connectPeer(t, l, p, "t1")
	connectPeer(t, l, p, "t1")
	require.EqualValues(t, 2, len(l.lookupProducers(t, "t1")))
}

func TestUnregisterChannel(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	c := connectPeer(t, l, p, "t1 c1", "t1 eph#ephemeral")
	c.cmd("UNREGISTER t1 c1", "OK")
	c.cmd("UNREGISTER t1 eph#ephemeral", "OK")
	// the durable channel's key stays without producers, the ephemeral one goes
	require.EqualValues(t, `{"channels":["c1"],"producers":[`+c.producerJSON(p)+`]}`, l.get(t, "/lookup?topic=t1"))
	debug := l.get(t, "/debug")
	require.NotContains(t, debug, `"channel:t1:`, "/debug %s", debug)
	require.Contains(t, debug, `"topic:t1:"`, "/debug %s", debug)
}

func TestUnregisterEphemeralChannelWithOtherProducer(t *testing.T) {
	t.Parallel()
	l := start(t)
	a := connectPeer(t, l, defaultPeer(1), "t1 eph#ephemeral")
	connectPeer(t, l, defaultPeer(2), "t1 eph#ephemeral")
	a.cmd("UNREGISTER t1 eph#ephemeral", "OK")
	require.EqualValues(t, `{"channels":["eph#ephemeral"]}`, l.get(t, "/channels?topic=t1"))
}

func TestUnregisterTopic(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	c := connectPeer(t, l, p, "t1 c1", "t1 c2", "t2 c1")
	c.cmd("UNREGISTER t1", "OK")
	require.EqualValues(t, `{"channels":["c1","c2"],"producers":[]}`, l.get(t, "/lookup?topic=t1"))
	require.EqualValues(t, `{"channels":["c1"],"producers":[`+c.producerJSON(p)+`]}`, l.get(t, "/lookup?topic=t2"))
	debug := l.get(t, "/debug")
	require.NotContains(t, debug, `:t1:`, "/debug still lists t1 producers: %s", debug)
}

func TestUnregisterEphemeralTopic(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := connectPeer(t, l, defaultPeer(1), "t#ephemeral c1")
	c.cmd("UNREGISTER t#ephemeral", "OK")
	require.EqualValues(t, `{"topics":[]}`, l.get(t, "/topics"))
	// channel keys of the deleted ephemeral topic remain
	require.EqualValues(t, `{"channels":["c1"]}`, l.get(t, "/channels?topic=t%23ephemeral"))
	l.expectErr(t, "GET", "/lookup?topic=t%23ephemeral", 404, "TOPIC_NOT_FOUND")
}

func TestUnregisterUnknownIsOK(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := connectPeer(t, l, defaultPeer(1))
	c.cmd("UNREGISTER nope", "OK")
	c.cmd("UNREGISTER nope c", "OK")
	c.cmd("UNREGISTER nope#ephemeral c#ephemeral", "OK")
	c.cmd("PING", "OK")
}

func TestDisconnectRemovesProducersKeepsKeys(t *testing.T) {
	t.Parallel()
	l := start(t)
	p1, p2 := defaultPeer(1), defaultPeer(2)
	a := connectPeer(t, l, p1, "t1 c1", "e#ephemeral x#ephemeral")
	b := connectPeer(t, l, p2, "t1 c1")
	a.conn.Close()
	test.Eventually(t, test.DefaultTimeout, func() bool { return len(l.lookupProducers(t, "t1")) == 1 })
	require.EqualValues(t, `{"channels":["c1"],"producers":[`+b.producerJSON(p2)+`]}`, l.get(t, "/lookup?topic=t1"))
	require.EqualValues(t, `{"topics":["e#ephemeral","t1"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":["x#ephemeral"]}`, l.get(t, "/channels?topic=e%23ephemeral"))
	require.EqualValues(t, `{"channels":["x#ephemeral"],"producers":[]}`, l.get(t, "/lookup?topic=e%23ephemeral"))
	var debug map[string][]map[string]any
	json.Unmarshal([]byte(l.get(t, "/debug")), &debug)
	require.EqualValues(t, 3, len(debug)) // client::, topic:t1:, channel:t1:c1 — b only
	for k, ps := range debug {
		require.Len(t, ps, 1, "%s: %v", k, ps)
		require.Equal(t, b.conn.LocalAddr().String(), ps[0]["id"], "%s: %v", k, ps)
	}
}

func TestErrorDisconnectCleansUp(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := connectPeer(t, l, defaultPeer(1), "t1")
	c.expectFatal("BOGUS", "E_INVALID invalid command BOGUS")
	test.Eventually(t, test.DefaultTimeout, func() bool { return len(l.lookupProducers(t, "t1")) == 0 })
	require.EqualValues(t, `{}`, l.get(t, "/debug"))
}

func TestLongLineClosesConnection(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dialV1(t, l.tcpAddr)
	c.send("PING" + strings.Repeat(" ", 100<<10) + "\n")
	c.expectClosed()
	dialV1(t, l.tcpAddr).cmd("PING", "OK")
}

func TestLineWithoutNewlineAtEOF(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := dialV1(t, l.tcpAddr)
	c.send("PING")
	c.closeWrite()
	c.expectClosed()
}

func TestExitClosesClients(t *testing.T) {
	t.Parallel()
	l := start(t)
	c := connectPeer(t, l, defaultPeer(1), "t1")
	l.Exit()
	c.expectClosed()
	l.Exit() // idempotent
}
