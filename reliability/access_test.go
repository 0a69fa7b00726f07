package reliability

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/nsqgo/nsq/testcluster"
	nsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Access control: whatever a client that is not allowed tries, nothing is
// published, subscribed or changed. Covers --tls-required, auth and
// nsqadmin's --admin-user.

// accessAttempt is one command an unauthorised client may try.
type accessAttempt struct {
	cmd  string
	send func(c *test.Conn, topic, channel string)
}

func accessAttempts() []accessAttempt {
	return []accessAttempt{
		{"PUB", func(c *test.Conn, topic, _ string) { c.CmdBody("PUB "+topic, []byte("m")) }},
		{"MPUB", func(c *test.Conn, topic, _ string) {
			c.CmdBody("MPUB "+topic, test.MPUBBody([][]byte{[]byte("m1"), []byte("m2")}))
		}},
		{"DPUB", func(c *test.Conn, topic, _ string) { c.CmdBody("DPUB "+topic+" 10", []byte("m")) }},
		{"SUB", func(c *test.Conn, topic, channel string) { c.Cmd("SUB " + topic + " " + channel) }},
	}
}

func TestAccessTLSRequired(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	for _, mode := range []struct {
		name  string
		level int
	}{{"tcp-https", nsqd.TLSRequiredExceptHTTP}, {"true", nsqd.TLSRequired}} {
		t.Run(mode.name, func(t *testing.T) {
			n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) {
				o.TLSCert, o.TLSKey, o.TLSRootCAFile = certs.CertFile, certs.KeyFile, certs.CAFile
				o.HTTPSAddress = "127.0.0.1:0"
				o.TLSRequired = mode.level
			})
			for _, a := range accessAttempts() {
				// Straight after the magic, and after an IDENTIFY that
				// does not ask for TLS.
				for _, identify := range []bool{false, true} {
					c := test.DialV2(t, n.TCPAddr)
					if identify {
						c.Identify(t, map[string]any{"feature_negotiation": true, "tls_v1": false})
					}
					a.send(c, "t", "c")
					c.ExpectFatal(t, "E_INVALID cannot "+a.cmd+" in current state (TLS required)")
				}
			}
			require.Empty(t, n.GetStats("", "", true).Topics, "plaintext clients reached topics")
			r := test.HTTPGet(t, "http://"+n.HTTPAddr+"/stats?format=json")
			if mode.level == nsqd.TLSRequired {
				require.Equal(t, http.StatusForbidden, r.Code, "plain HTTP /stats: %s", r)
				require.True(t, strings.HasPrefix(string(r.Body), `{"message": "TLS_REQUIRED"`), "plain HTTP /stats: %s", r)
			} else {
				require.Equal(t, http.StatusOK, r.Code, "plain HTTP /stats: %s", r)
				require.NotContains(t, string(r.Body), `"topic_name"`, "plain HTTP /stats")
			}
			// A client that upgrades to TLS is served.
			accessTLSPublish(t, n.TCPAddr, certs.CAFile, "ok")
			ts, ok := n.TopicStats("ok")
			require.True(t, ok, "after a TLS PUB")
			require.EqualValues(t, 1, ts.MessageCount, "after a TLS PUB")
			require.Len(t, n.GetStats("", "", false).Topics, 1, "after a TLS PUB")
		})
	}
}

// accessTLSPublish publishes one message to topic over TLS with go-nsq.
func accessTLSPublish(t *testing.T, addr, caFile, topic string) {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem), "no CA certificate")
	cfg := nsq.NewConfig()
	cfg.TlsV1 = true
	cfg.TlsConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	p, err := nsq.NewProducer(addr, cfg)
	require.NoError(t, err)
	p.SetLogger(nil, nsq.LogLevelError)
	defer p.Stop()
	require.NoError(t, p.Publish(topic, []byte("over tls")))
}

// accessAuthz is one authorization of an auth server answer.
type accessAuthz struct {
	Topic       string   `json:"topic"`
	Channels    []string `json:"channels"`
	Permissions []string `json:"permissions"`
}

// accessIdentities maps AUTH secrets to the authorizations the auth
// server grants them.
var accessIdentities = map[string][]accessAuthz{
	"pub-a":     {{Topic: "^a$", Channels: []string{".*"}, Permissions: []string{"publish"}}},
	"sub-a-c1":  {{Topic: "^a$", Channels: []string{"^c1$"}, Permissions: []string{"subscribe"}}},
	"both-b-c1": {{Topic: "^b$", Channels: []string{"^c1$"}, Permissions: []string{"subscribe", "publish"}}},
	"sub-any-c2": {
		{Topic: "b", Channels: []string{"c2"}, Permissions: []string{"subscribe"}},
		{Topic: "^a", Channels: []string{"^$"}, Permissions: []string{"subscribe"}},
	},
}

// accessAllowed is the auth server's rule: some authorization has the
// permission, its topic regex matches and one channel regex matches the
// channel ("" for publishing).
func accessAllowed(secret, cmd, topic, channel string) bool {
	perm := "subscribe"
	if cmd != "SUB" {
		perm, channel = "publish", ""
	}
	for _, a := range accessIdentities[secret] {
		if !strings.Contains(strings.Join(a.Permissions, ","), perm) || !regexp.MustCompile(a.Topic).MatchString(topic) {
			continue
		}
		for _, c := range a.Channels {
			if regexp.MustCompile(c).MatchString(channel) {
				return true
			}
		}
	}
	return false
}

func accessAuthServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := r.URL.Query().Get("secret")
		authz, ok := accessIdentities[secret]
		switch {
		case secret == "empty":
			authz, ok = []accessAuthz{}, true
		case !ok:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"FORBIDDEN"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ttl": 3600, "identity": secret, "identity_url": "", "authorizations": authz})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestAccessAuthMatrix(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t, testcluster.WithLogLevel(lg.WARN), func(o *nsqd.Options) { o.AuthHTTPAddresses = []string{accessAuthServer(t)} })
	topics, channels := []string{"a", "b", "ab"}, []string{"c1", "c2"}
	wantMsgs := map[string]uint64{}
	wantChannels := map[string]bool{}
	var allowed, denied int
	for secret := range accessIdentities {
		for _, topic := range topics {
			for _, channel := range channels {
				for _, a := range accessAttempts() {
					ok := accessAllowed(secret, a.cmd, topic, channel)
					accessTry(t, n, secret, a, topic, channel, ok)
					switch {
					case !ok:
						denied++
						continue
					case a.cmd == "SUB":
						wantChannels[topic+"/"+channel] = true
					case a.cmd == "MPUB":
						wantMsgs[topic] += 2
					default:
						wantMsgs[topic]++
					}
					allowed++
				}
			}
		}
	}
	// Without a valid AUTH nothing is reachable at all.
	for _, a := range accessAttempts() {
		c := test.DialV2(t, n.TCPAddr)
		a.send(c, "a", "c1")
		c.ExpectFatal(t, "E_AUTH_FIRST AUTH required before "+a.cmd)
	}
	for secret, want := range map[string]string{
		"unknown": "E_AUTH_FAILED AUTH failed",
		"empty":   "E_UNAUTHORIZED AUTH no authorizations found",
	} {
		c := test.DialV2(t, n.TCPAddr)
		c.CmdBody("AUTH", []byte(secret))
		c.ExpectFatal(t, want)
	}

	gotChannels := map[string]bool{}
	for _, ts := range n.GetStats("", "", false).Topics {
		assert.Equal(t, wantMsgs[ts.TopicName], ts.MessageCount, "topic %s: %d messages, want %d", ts.TopicName, ts.MessageCount, wantMsgs[ts.TopicName])
		delete(wantMsgs, ts.TopicName)
		for _, cs := range ts.Channels {
			gotChannels[ts.TopicName+"/"+cs.ChannelName] = true
		}
	}
	assert.Empty(t, wantMsgs, "topics missing")
	assert.Equal(t, fmt.Sprint(wantChannels), fmt.Sprint(gotChannels), "channels %v, want %v", gotChannels, wantChannels)
	t.Logf("%d identities × %d topics × %d channels × PUB/MPUB/DPUB/SUB: %d allowed, %d refused; channels %v",
		len(accessIdentities), len(topics), len(channels), allowed, denied, gotChannels)
}

// accessTry authenticates as secret and tries a on topic/channel.
func accessTry(t *testing.T, n *testcluster.NSQD, secret string, a accessAttempt, topic, channel string, ok bool) {
	t.Helper()
	c := test.DialV2(t, n.TCPAddr)
	c.CmdBody("AUTH", []byte(secret))
	_, data := c.NextFrame(t)
	require.Contains(t, string(data), `"identity":"`+secret+`"`, "AUTH %s: %s", secret, data)
	a.send(c, topic, channel)
	if ok {
		c.ExpectOK(t)
		c.Close()
		return
	}
	ch := ""
	if a.cmd == "SUB" {
		ch = channel
	}
	c.ExpectFatal(t, fmt.Sprintf("E_UNAUTHORIZED AUTH failed for %s on %q %q", a.cmd, topic, ch))
}

// accessState is what nsqadmin actions could change: per nsqd, each
// topic's paused flag and depth and each channel's paused flag and depth;
// the lookupd's topics and the producers it lists for "t".
func accessState(t *testing.T, c *testcluster.Cluster) string {
	t.Helper()
	var b strings.Builder
	for _, n := range c.NSQDs {
		for _, ts := range n.GetStats("", "", false).Topics {
			fmt.Fprintf(&b, "%s %s paused=%v depth=%d;", n.HTTPAddr, ts.TopicName, ts.Paused, ts.Depth)
			for _, cs := range ts.Channels {
				fmt.Fprintf(&b, " %s paused=%v depth=%d;", cs.ChannelName, cs.Paused, cs.Depth)
			}
		}
	}
	var doc struct {
		Producers []struct {
			TCPPort int `json:"tcp_port"`
		} `json:"producers"`
	}
	if r := test.HTTPGet(t, "http://"+c.Lookupd.HTTPAddr+"/lookup?topic=t"); r.Code == http.StatusOK {
		require.NoError(t, json.Unmarshal(r.Body, &doc))
	}
	topics := test.HTTPGet(t, "http://"+c.Lookupd.HTTPAddr+"/topics").Body
	fmt.Fprintf(&b, " lookupd topics %s; lookupd producers of t: %d", topics, len(doc.Producers))
	return b.String()
}

func TestAccessAdminActions(t *testing.T) {
	t.Parallel()
	c := testcluster.StartCluster(t, 2)
	for i, n := range c.NSQDs {
		n.CreateChannel(t, "t", "c")
		n.PublishN(t, "t", 3+i)
	}
	c.Lookupd.WaitRegistered(t, "t")
	test.Eventually(t, 10*time.Second, func() bool { return strings.HasSuffix(accessState(t, c), "producers of t: 2") },
		"both nsqds registered")
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = test.NewLogger(t)
	opts.NSQLookupdHTTPAddresses = []string{c.Lookupd.HTTPAddr}
	opts.AdminUsers = []string{"alice"}
	adm, err := nsqadmin.New(opts)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- adm.Main() }()
	t.Cleanup(func() { adm.Exit(); <-done })
	base := "http://" + adm.RealHTTPAddr().String()

	// In an order where each one, done by the admin, changes what
	// accessState shows.
	actions := []struct{ name, method, path, body string }{
		{"pause channel", "POST", "/api/topics/t/c", `{"action":"pause"}`},
		{"empty channel", "POST", "/api/topics/t/c", `{"action":"empty"}`},
		{"delete channel", "DELETE", "/api/topics/t/c", ""},
		{"empty topic", "POST", "/api/topics/t", `{"action":"empty"}`},
		{"pause topic", "POST", "/api/topics/t", `{"action":"pause"}`},
		{"create", "POST", "/api/topics", `{"topic":"new","channel":"x"}`},
		{"tombstone", "DELETE", "/api/nodes/" + c.NSQDs[0].HTTPAddr, `{"topic":"t"}`},
		{"delete topic", "DELETE", "/api/topics/t", ""},
	}
	before := accessState(t, c)
	for _, user := range []string{"", "bob", "Alice", "alice,bob"} {
		for _, a := range actions {
			r := accessAdminDo(t, a.method, base+a.path, a.body, user)
			assert.Equal(t, http.StatusForbidden, r.Code, "%s as %q: %s", a.name, user, r)
			assert.Equal(t, `{"message":"FORBIDDEN"}`, string(r.Body), "%s as %q", a.name, user)
		}
	}
	// Every refusal has been answered, and nsqadmin refuses before it
	// starts anything (its actions are done before it answers), so the
	// state can be compared at once.
	require.Equal(t, before, accessState(t, c), "refused actions changed the cluster")
	// The admin may do each of them, and each shows.
	for _, a := range actions {
		if a.name == "empty topic" { // with no channel, messages stay in the topic
			c.NSQDs[0].PublishN(t, "t", 2)
			before = accessState(t, c)
		}
		r := accessAdminDo(t, a.method, base+a.path, a.body, "alice")
		require.Equal(t, http.StatusOK, r.Code, "%s as alice: %s", a.name, r)
		prev := before
		test.Eventually(t, 10*time.Second, func() bool { before = accessState(t, c); return before != prev },
			fmt.Sprintf("%s as alice changes the cluster", a.name))
	}
	t.Logf("final state after the admin's actions: %s", before)
}

// accessAdminDo sends an nsqadmin request with body ("" for none), as
// user when user is not "".
func accessAdminDo(t *testing.T, method, u, body, user string) test.HTTPResponse {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	h := http.Header{}
	if user != "" {
		h.Set("X-Forwarded-User", user)
	}
	return test.HTTPSend(t, method, u, b, h)
}
