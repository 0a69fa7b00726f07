package nsqd_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/require"
)

// logCapture is a logger that keeps every line (and passes it to t.Log).
type logCapture struct {
	*test.Logger
	mu    sync.Mutex
	lines []string
}

func newLogCapture(t *testing.T) *logCapture { return &logCapture{Logger: test.NewLogger(t)} }

func (l *logCapture) Output(depth int, s string) error {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	return l.Logger.Output(depth+1, s)
}

// has reports whether a line holds every one of parts.
func (l *logCapture) has(parts ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestFatalClientErrorLogsCause: the client sees only the wire text of a
// fatal error, the log also says why (here: the auth server is down, the
// body is not JSON, the connection ended mid-body).
func TestFatalClientErrorLogsCause(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	unreachable := closed.Addr().String()
	closed.Close()
	logs := newLogCapture(t)
	n := startNSQD(t, func(o *nsqd.Options) {
		o.Logger = logs
		o.AuthHTTPAddresses = []string{unreachable}
		o.HTTPClientConnectTimeout = time.Second
	})

	c := mustConnect(t, n)
	c.CmdBody("AUTH", []byte("secret"))
	c.ExpectFatal(t, "E_AUTH_FAILED AUTH failed")
	test.Eventually(t, 5*time.Second, func() bool {
		return logs.has("E_AUTH_FAILED AUTH failed - ", unreachable, "connection refused")
	}, "the auth server's outage in the log")

	c = mustConnect(t, n)
	c.CmdBody("IDENTIFY", []byte("{nope"))
	c.ExpectFatal(t, "E_BAD_BODY IDENTIFY failed to decode JSON body")
	test.Eventually(t, 5*time.Second, func() bool {
		return logs.has("E_BAD_BODY IDENTIFY failed to decode JSON body - invalid character")
	}, "the JSON error in the log")

	c = mustConnect(t, n)
	c.CmdSizedBody("PUB t", 10, []byte("abc"))
	c.CloseWrite()
	c.ExpectFatal(t, "E_BAD_MESSAGE PUB failed to read message body")
	test.Eventually(t, 5*time.Second, func() bool {
		return logs.has("E_BAD_MESSAGE PUB failed to read message body - unexpected EOF")
	}, "the read error in the log")
}
