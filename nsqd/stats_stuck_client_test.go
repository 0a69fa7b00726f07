package nsqd_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatsAnswersWhileTLSClientStuck: a TLS consumer stops reading while
// big messages fill its socket, so the server's write to it blocks (its
// heartbeat interval, hence its write deadline, is an hour). /stats, which
// reports that client's TLS state, must still answer.
func TestStatsAnswersWhileTLSClientStuck(t *testing.T) {
	t.Parallel()
	certs := test.GenerateCerts(t)
	n := startNSQD(t, xTLSOptions(certs, func(o *nsqd.Options) { o.MaxHeartbeatInterval = 2 * time.Hour }))
	c := test.DialV2(t, n.RealTCPAddr().String())
	xUpgradeTLS(t, c, xClientTLS(t, certs), map[string]any{"heartbeat_interval": time.Hour.Milliseconds()})
	c.Cmd("SUB stuck c")
	c.ExpectOK(t)
	c.Cmd("RDY 100")
	body := string(bytes.Repeat([]byte("x"), 512<<10))
	bodies := make([]string, 32) // 16 MiB: more than the socket buffers hold
	for i := range bodies {
		bodies[i] = body
	}
	mustPublish(t, n, "stuck", bodies...)
	test.Eventually(t, xWait, func() bool { return goroutinesIn(").sendMessage(", "waitWrite") == 1 },
		"the message pump blocked writing to the client")

	// The client's timeout only keeps a broken server from hanging the test.
	r := test.HTTPGet(t, n.URL()+"/stats?format=json")
	require.Equal(t, http.StatusOK, r.Code, "%s", r)
	var doc struct {
		Topics []struct {
			Channels []struct {
				Clients []struct {
					TLS        bool   `json:"tls"`
					TLSVersion string `json:"tls_version"`
				} `json:"clients"`
			} `json:"channels"`
		} `json:"topics"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	require.Len(t, doc.Topics, 1)
	require.Len(t, doc.Topics[0].Channels, 1)
	clients := doc.Topics[0].Channels[0].Clients
	require.Len(t, clients, 1)
	assert.True(t, clients[0].TLS)
	assert.Equal(t, "TLS1.3", clients[0].TLSVersion)
}
