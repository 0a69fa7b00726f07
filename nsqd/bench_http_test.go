package nsqd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchHTTP sends the same POST on one keep-alive connection, one request
// in flight, b.N/perReq times, and checks every answer is 200 OK. It
// writes raw HTTP/1.1 so that no client's cost is measured; testify is
// called only once a check has failed (see readOKs).
func benchHTTP(b *testing.B, path string, body []byte, perReq int, setup ...func(*NSQD)) {
	n := benchNSQD(b, 10000000, setup...)
	conn, err := net.Dial("tcp", n.RealHTTPAddr().String())
	require.NoError(b, err)
	b.Cleanup(func() { conn.Close() })
	req := []byte("POST " + path + " HTTP/1.1\r\nHost: bench\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n")
	req = append(req, body...)
	r := bufio.NewReader(conn)
	b.SetBytes(int64(len(body) / perReq))
	b.ReportAllocs()
	for i := 0; i < b.N; i += perReq {
		if _, err := conn.Write(req); err != nil {
			require.NoError(b, err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			require.NoError(b, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != "OK" {
			require.Equal(b, "200 OK", fmt.Sprintf("%d %s", resp.StatusCode, got))
		}
	}
}

// BenchmarkHTTPPub posts 100-byte messages to /pub.
func BenchmarkHTTPPub(b *testing.B) {
	benchHTTP(b, "/pub?topic=bench", make([]byte, 100), 1)
}

// BenchmarkHTTPMPUB posts batches of 100 × 100-byte lines to /mpub.
func BenchmarkHTTPMPUB(b *testing.B) {
	line := append(bytes.Repeat([]byte{'a'}, 100), '\n')
	benchHTTP(b, "/mpub?topic=bench", bytes.Repeat(line, 100), 100)
}

// netHTTPOnly leaves every request to net/http, to compare with the fast
// path the two benchmarks above take.
func netHTTPOnly(n *NSQD) { n.slowHTTPOnly = true }

// BenchmarkHTTPPubNetHTTP is BenchmarkHTTPPub without the fast path.
func BenchmarkHTTPPubNetHTTP(b *testing.B) {
	benchHTTP(b, "/pub?topic=bench", make([]byte, 100), 1, netHTTPOnly)
}

// BenchmarkHTTPMPUBNetHTTP is BenchmarkHTTPMPUB without the fast path.
func BenchmarkHTTPMPUBNetHTTP(b *testing.B) {
	line := append(bytes.Repeat([]byte{'a'}, 100), '\n')
	benchHTTP(b, "/mpub?topic=bench", bytes.Repeat(line, 100), 100, netHTTPOnly)
}
