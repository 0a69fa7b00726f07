package nsqlookupd_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/require"
)

const (
	benchTopics    = 1000
	benchProducers = 10
)

// startPopulated runs a quiet lookupd where benchProducers fake nsqds each
// registered benchTopics topics with one channel each.
func startPopulated(b *testing.B) *lookupd {
	b.Helper()
	l := start(b, func(o *nsqlookupd.Options) { o.LogLevel = lg.ERROR })
	var regs strings.Builder
	for i := range benchTopics {
		fmt.Fprintf(&regs, "REGISTER topic%d ch\n", i)
	}
	for p := range benchProducers {
		c := connectPeer(b, l, defaultPeer(p))
		c.send(regs.String()) // pipelined
		for range benchTopics {
			c.expect("OK")
		}
	}
	return l
}

// benchGet GETs url b.N times on a keep-alive connection.
func benchGet(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := client.Get(url)
		require.NoError(b, err)
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.EqualValues(b, 200, resp.StatusCode, "status %d", resp.StatusCode)
		b.SetBytes(n)
	}
}

func BenchmarkHTTPLookup(b *testing.B) {
	l := startPopulated(b)
	benchGet(b, l.url+"/lookup?topic=topic500")
}

func BenchmarkHTTPNodes(b *testing.B) {
	l := startPopulated(b)
	benchGet(b, l.url+"/nodes")
}

func BenchmarkHTTPTopics(b *testing.B) {
	l := startPopulated(b)
	benchGet(b, l.url+"/topics")
}

// BenchmarkTCPRegister measures REGISTER round trips on one connection, the
// way nsqd sends them (one command, one reply).
func BenchmarkTCPRegister(b *testing.B) {
	l := start(b, func(o *nsqlookupd.Options) { o.LogLevel = lg.ERROR })
	c := connectPeer(b, l, defaultPeer(1))
	lines := make([]string, benchTopics)
	for i := range lines {
		lines[i] = fmt.Sprintf("REGISTER topic%d ch%d\n", i, i%7)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.send(lines[i%benchTopics])
		c.expect("OK")
		i++
	}
}
