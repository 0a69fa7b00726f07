package nsqlookupd_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

func TestHTTPPing(t *testing.T) {
	t.Parallel()
	l := start(t)
	r := test.HTTPSend(t, "GET", l.url+"/ping", nil)
	require.EqualValues(t, 200, r.Code)
	require.EqualValues(t, "OK", string(r.Body))
	require.EqualValues(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
	require.EqualValues(t, "", r.Header.Get("X-NSQ-Content-Type"))
}

func TestHTTPInfo(t *testing.T) {
	t.Parallel()
	l := start(t)
	require.EqualValues(t, `{"version":"1.3.0"}`, l.get(t, "/info"))
}

func TestHTTPRouting(t *testing.T) {
	t.Parallel()
	l := start(t)
	for _, p := range []string{"/nope", "/delete_topic", "/tombstone_topic_producer", "/create_topic", "/create_channel", "/delete_channel"} {
		l.expectErr(t, "GET", p, 404, "NOT_FOUND")
	}
	l.expectErr(t, "POST", "/lookup?topic=t", 405, "METHOD_NOT_ALLOWED")
	l.expectErr(t, "GET", "/topic/create?topic=t", 405, "METHOD_NOT_ALLOWED")
	r := test.HTTPSend(t, "HEAD", l.url+"/ping", nil)
	require.EqualValues(t, 405, r.Code)
	r = test.HTTPSend(t, "POST", l.url+"/topics", nil)
	require.EqualValues(t, "GET, OPTIONS", r.Header.Get("Allow"))
	r = test.HTTPSend(t, "OPTIONS", l.url+"/topic/create", nil)
	require.EqualValues(t, 200, r.Code)
	require.EqualValues(t, "OPTIONS, POST", r.Header.Get("Allow"))
}

func TestHTTPRedirects(t *testing.T) {
	t.Parallel()
	l := start(t)
	for path, want := range map[string]string{
		"/topics/":         "/topics",
		"/TOPICS":          "/topics",
		"/lookup/?topic=a": "/lookup?topic=a",
		"/debug/pprof/":    "/debug/pprof",
	} {
		r := test.HTTPSend(t, "GET", l.url+path, nil)
		require.EqualValues(t, 301, r.Code)
		require.EqualValues(t, want, r.Header.Get("Location"))
	}
	r := test.HTTPSend(t, "POST", l.url+"/topic/create/?topic=a", nil)
	require.EqualValues(t, 307, r.Code)
	require.EqualValues(t, "/topic/create?topic=a", r.Header.Get("Location"))
}

func TestHTTPLookupErrors(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.expectErr(t, "GET", "/lookup", 400, "MISSING_ARG_TOPIC")
	l.expectErr(t, "GET", "/lookup?topic=%zz", 400, "INVALID_REQUEST")
	l.expectErr(t, "GET", "/lookup?topic=nope", 404, "TOPIC_NOT_FOUND")
	l.expectErr(t, "GET", "/lookup?topic=", 404, "TOPIC_NOT_FOUND")
}

func TestHTTPLookupFirstValueWins(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.post(t, "/topic/create?topic=a")
	require.EqualValues(t, `{"channels":[],"producers":[]}`, l.get(t, "/lookup?topic=a&topic=b"))
	l.expectErr(t, "GET", "/lookup?topic=b&topic=a", 404, "TOPIC_NOT_FOUND")
}

func TestHTTPLookupTopology(t *testing.T) {
	t.Parallel()
	l := start(t)
	p := defaultPeer(1)
	p.Zone, p.Region, p.Hostname = "z1", "r1", "h<&>"
	c := connectPeer(t, l, p, "t1")
	want := `{"channels":[],"producers":[` + c.producerJSON(p) + `]}`
	want = strings.Replace(want, `"h<&>"`, `"h\u003c\u0026\u003e"`, 1) // as encoding/json escapes
	require.EqualValues(t, want, l.get(t, "/lookup?topic=t1"))
}

func TestHTTPTopicsAndChannels(t *testing.T) {
	t.Parallel()
	l := start(t)
	require.EqualValues(t, `{"topics":[]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":[]}`, l.get(t, "/channels?topic=nope"))
	l.expectErr(t, "GET", "/channels", 400, "MISSING_ARG_TOPIC")
	l.expectErr(t, "GET", "/channels?topic=%zz", 400, "INVALID_REQUEST")
	connectPeer(t, l, defaultPeer(1), "b c2", "b c1")
	l.post(t, "/topic/create?topic=a")
	l.post(t, "/channel/create?topic=c&channel=x")
	require.EqualValues(t, `{"topics":["a","b","c"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":["c1","c2"]}`, l.get(t, "/channels?topic=b"))
	require.EqualValues(t, `{"channels":["x"]}`, l.get(t, "/channels?topic=c"))
}

func TestHTTPNodes(t *testing.T) {
	t.Parallel()
	l := start(t)
	require.EqualValues(t, `{"producers":[]}`, l.get(t, "/nodes"))
	p1, p2 := defaultPeer(1), defaultPeer(2)
	a := connectPeer(t, l, p1)
	b := connectPeer(t, l, p2, "t1 c1", "t2")
	l.post(t, "/topic/tombstone?topic=t2&node=127.0.0.1:4171")
	got := nodeSummaries(t, l)
	require.EqualValues(t, 2, len(got))
	require.EqualValues(t, `[] []`, got[a.conn.LocalAddr().String()])
	require.Contains(t, got[b.conn.LocalAddr().String()], "t1:false")
	require.Contains(t, got[b.conn.LocalAddr().String()], "t2:true")
	// exact shape: producer keys in order, then tombstones and topics
	a.conn.Close()
	b.cmd("UNREGISTER t2", "OK")
	want := `{"producers":[` + strings.TrimSuffix(b.producerJSON(p2), "}") + `,"tombstones":[false],"topics":["t1"]}]}`
	eventuallyEqual(t, want, func() string { return l.get(t, "/nodes") })
}

// nodeSummaries returns nodeSummary of each /nodes entry by remote address.
func nodeSummaries(t testing.TB, l *lookupd) map[string]string {
	t.Helper()
	var resp struct{ Producers []map[string]json.RawMessage }
	require.NoError(t, json.Unmarshal([]byte(l.get(t, "/nodes")), &resp))
	got := map[string]string{}
	for _, n := range resp.Producers {
		var addr string
		json.Unmarshal(n["remote_address"], &addr)
		got[addr] = nodeSummary(n)
	}
	return got
}

// nodeSummary renders a /nodes entry as "topic:tombstoned ..." or "[] []".
func nodeSummary(n map[string]json.RawMessage) string {
	var topics []string
	var tombs []bool
	json.Unmarshal(n["topics"], &topics)
	json.Unmarshal(n["tombstones"], &tombs)
	if len(topics) == 0 {
		return string(n["tombstones"]) + " " + string(n["topics"])
	}
	var parts []string
	for i, tp := range topics {
		if tombs[i] {
			parts = append(parts, tp+":true")
		} else {
			parts = append(parts, tp+":false")
		}
	}
	return strings.Join(parts, " ")
}

func TestHTTPTopicCreate(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.expectErr(t, "POST", "/topic/create", 400, "MISSING_ARG_TOPIC")
	l.expectErr(t, "POST", "/topic/create?topic=", 400, "INVALID_ARG_TOPIC")
	l.expectErr(t, "POST", "/topic/create?topic=a*b", 400, "INVALID_ARG_TOPIC")
	l.expectErr(t, "POST", "/topic/create?topic=%zz", 400, "INVALID_REQUEST")
	l.post(t, "/topic/create?topic=t1")
	l.post(t, "/topic/create?topic=t1")
	require.EqualValues(t, `{"topics":["t1"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{}`, l.get(t, "/debug")) // keys without producers are not dumped
}

func TestHTTPTopicDelete(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.expectErr(t, "POST", "/topic/delete", 400, "MISSING_ARG_TOPIC")
	l.post(t, "/topic/delete?topic=unknown")
	l.post(t, "/topic/delete?topic=in*valid!")
	c := connectPeer(t, l, defaultPeer(1), "t1 c1", "t1 c2", "t2 c1")
	l.post(t, "/topic/delete?topic=t1")
	require.EqualValues(t, `{"topics":["t2"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":[]}`, l.get(t, "/channels?topic=t1"))
	require.EqualValues(t, `{"channels":["c1"]}`, l.get(t, "/channels?topic=t2"))
	// the nsqd is not told; its next REGISTER brings the topic back
	c.cmd("REGISTER t1 c3", "OK")
	require.EqualValues(t, `{"channels":["c3"]}`, l.get(t, "/channels?topic=t1"))
	require.EqualValues(t, 1, len(l.lookupProducers(t, "t1")))
}

func TestHTTPChannelCreateDelete(t *testing.T) {
	t.Parallel()
	l := start(t)
	for _, path := range []string{"/channel/create", "/channel/delete"} {
		l.expectErr(t, "POST", path, 400, "MISSING_ARG_TOPIC")
		l.expectErr(t, "POST", path+"?channel=c", 400, "MISSING_ARG_TOPIC")
		l.expectErr(t, "POST", path+"?topic=b!d&channel=b!d", 400, "INVALID_ARG_TOPIC")
		l.expectErr(t, "POST", path+"?topic=t", 400, "MISSING_ARG_CHANNEL")
		l.expectErr(t, "POST", path+"?topic=t&channel=", 400, "INVALID_ARG_CHANNEL")
		l.expectErr(t, "POST", path+"?topic=t&channel=b!d", 400, "INVALID_ARG_CHANNEL")
		l.expectErr(t, "POST", path+"?%zz", 400, "INVALID_REQUEST")
	}
	l.expectErr(t, "POST", "/channel/delete?topic=t&channel=c", 404, "CHANNEL_NOT_FOUND")
	l.post(t, "/channel/create?topic=t&channel=c")
	require.EqualValues(t, `{"topics":["t"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":["c"],"producers":[]}`, l.get(t, "/lookup?topic=t"))
	l.post(t, "/channel/delete?topic=t&channel=c")
	require.EqualValues(t, `{"channels":[],"producers":[]}`, l.get(t, "/lookup?topic=t"))
	l.expectErr(t, "POST", "/channel/delete?topic=t&channel=c", 404, "CHANNEL_NOT_FOUND")
}

func TestHTTPTombstoneErrors(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.expectErr(t, "POST", "/topic/tombstone", 400, "MISSING_ARG_TOPIC")
	l.expectErr(t, "POST", "/topic/tombstone?node=n:1", 400, "MISSING_ARG_TOPIC")
	l.expectErr(t, "POST", "/topic/tombstone?topic=t", 400, "MISSING_ARG_NODE")
	l.expectErr(t, "POST", "/topic/tombstone?%zz", 400, "INVALID_REQUEST")
	l.post(t, "/topic/tombstone?topic=unknown&node=n:1")
}

func TestHTTPDebug(t *testing.T) {
	t.Parallel()
	l := start(t)
	require.EqualValues(t, `{}`, l.get(t, "/debug"))
	p := defaultPeer(1)
	p.Zone, p.Region = "z", "r"
	c := connectPeer(t, l, p, "t1 c1")
	l.post(t, "/topic/tombstone?topic=t1&node=127.0.0.1:4161")
	var dump map[string][]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(l.get(t, "/debug")), &dump))
	require.EqualValues(t, 3, len(dump))
	id := `"` + c.conn.LocalAddr().String() + `"`
	for _, key := range []string{"client::", "topic:t1:", "channel:t1:c1"} {
		ps := dump[key]
		require.Len(t, ps, 1, "%s: %v", key, ps)
		e := ps[0]
		require.EqualValues(t, 11, len(e))
		require.EqualValues(t, id, string(e["id"]))
		require.EqualValues(t, `"host1"`, string(e["hostname"]))
		require.EqualValues(t, `"127.0.0.1"`, string(e["broadcast_address"]))
		require.EqualValues(t, `4160 4161 "1.3.0" "z" "r"`, strings.Join([]string{string(e["tcp_port"]), string(e["http_port"]), string(e["version"]), string(e["topology_zone"]), string(e["topology_region"])}, " "))
		tomb := key == "topic:t1:"
		require.EqualValues(t, tomb, string(e["tombstoned"]) == "true")
		require.EqualValues(t, tomb, string(e["tombstoned_at"]) != "-6795364578871345152")
	}
	// the raw text keeps the alphabetical key order of the reference
	require.Contains(t, l.get(t, "/debug"), `[{"broadcast_address":"127.0.0.1","hostname":"host1","http_port":4161,"id":`+id+`,"last_update":`)
}

func TestHTTPPprof(t *testing.T) {
	t.Parallel()
	l := start(t)
	for _, p := range []string{"/debug/pprof", "/debug/pprof/cmdline", "/debug/pprof/symbol", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1", "/debug/pprof/block", "/debug/pprof/threadcreate"} {
		require.EqualValues(t, 200, test.HTTPSend(t, "GET", l.url+p, nil).Code)
	}
	require.EqualValues(t, 200, test.HTTPSend(t, "POST", l.url+"/debug/pprof/symbol", nil).Code)
	require.Contains(t, string(test.HTTPSend(t, "GET", l.url+"/debug/pprof", nil).Body), "goroutine")
}

func TestHTTPFormBodyIgnored(t *testing.T) {
	t.Parallel()
	l := start(t)
	resp, err := http.Post(l.url+"/topic/create", "application/x-www-form-urlencoded", strings.NewReader("topic=t1"))
	require.NoError(t, err)
	resp.Body.Close()
	require.EqualValues(t, 400, resp.StatusCode)
	require.EqualValues(t, `{"topics":[]}`, l.get(t, "/topics"))
}
