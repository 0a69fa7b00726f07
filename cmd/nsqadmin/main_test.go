package main

import (
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The run loop itself is tested in internal/daemon; these are the parts
// only nsqadmin has.

// TestRunFatalWhenNewFails uses the real constructor for its validation
// message.
func TestRunFatalWhenNewFails(t *testing.T) {
	r := test.RunCommand(command, nil, "--log-prefix=[x] ")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "[x] FATAL: failed to instantiate nsqadmin - --nsqd-http-address or --lookupd-http-address required\n", r.Logs)
}

func TestRunHelp(t *testing.T) {
	r := test.RunCommand(command, nil, "-h")
	assert.Equal(t, 0, r.Code)
	assert.True(t, strings.HasPrefix(r.Stderr, "Usage of nsqadmin:\n"), r.Stderr)
	assert.Contains(t, r.Stderr, "-stats-interval")
}

// TestRunRealDaemon serves a real nsqadmin until a signal.
func TestRunRealDaemon(t *testing.T) {
	c := command
	addrs := make(chan string, 1)
	c.New = func(o *nsqadmin.Options) (daemon.Daemon, error) {
		o.Logger = test.NewLogger(t)
		n, err := nsqadmin.New(o)
		if err == nil {
			addrs <- n.RealHTTPAddr().String()
		}
		return n, err
	}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	dead := deadAddr(t)
	go func() {
		done <- test.RunCommand(c, sigs, "--http-address=127.0.0.1:0", "--nsqd-http-address="+dead).Code
	}()
	url := "http://" + <-addrs + "/ping"
	test.Eventually(t, test.DefaultTimeout, func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(test.DefaultTimeout):
		require.FailNow(t, "no exit after SIGTERM")
	}
}

func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
