package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinary(t *testing.T) {
	bin := test.BuildBinary(t, "nsqd")
	test.CheckBinary(t, bin,
		test.BinaryCase{Args: []string{"--version"}, Stdout: version.String("nsqd") + "\n"},
		test.BinaryCase{Args: []string{"-h"}, Stderr: "Usage of nsqd:"},
		test.BinaryCase{Args: []string{"--bogus"}, Code: 2, Stderr: "flag provided but not defined: -bogus"},
		test.BinaryCase{Args: []string{"--node-id=abc"}, Code: 2, Stderr: `invalid value "abc" for flag -node-id`},
		test.BinaryCase{Args: []string{"--e2e-processing-latency-percentile=x"}, Code: 1, Stderr: "Could not parse: x"},
		test.BinaryCase{Args: []string{"--config=/does/not/exist"}, Code: 1, Stderr: "[nsqd] "},
		test.BinaryCase{Args: []string{"--log-prefix=[n] ", "--data-path=/does/not/exist", "--tcp-address=127.0.0.1:0",
			"--http-address=127.0.0.1:0"}, Code: 1, Stderr: "FATAL: failed to instantiate nsqd - "},
	)
}

func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	p := startBinary(t, "127.0.0.1:0")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	p.expectExitZero(t, "SIGTERM")
}

// runningBinary is an nsqd process started by startBinary.
type runningBinary struct {
	cmd    *exec.Cmd
	done   chan error
	stderr *bytes.Buffer
}

// startBinary runs the built nsqd on httpAddr and waits until it has
// written nsqd.dat.
func startBinary(t *testing.T, httpAddr string) *runningBinary {
	t.Helper()
	bin := test.BuildBinary(t, "nsqd")
	dataPath := t.TempDir()
	p := &runningBinary{done: make(chan error, 1), stderr: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, "--data-path="+dataPath, "--tcp-address=127.0.0.1:0",
		"--http-address="+httpAddr, "--https-address=", "--broadcast-address=127.0.0.1")
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	if !waitForFile(filepath.Join(dataPath, "nsqd.dat"), p.done) {
		p.cmd.Process.Kill()
		<-p.done
		if strings.Contains(p.stderr.String(), "not implemented") {
			t.Skipf("nsqd.New is not implemented: %s", p.stderr.String())
		}
		require.FailNow(t, "nsqd did not start", "stderr: %s", p.stderr.String())
	}
	return p
}

// expectExitZero waits for the process to exit with status 0 after what.
func (p *runningBinary) expectExitZero(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-p.done:
		require.NoError(t, err, "exit after %s\n%s", what, p.stderr.String())
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		require.FailNow(t, "no exit 10s after "+what, "stderr: %s", p.stderr.String())
	}
}

func waitForFile(path string, done chan error) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		select {
		case err := <-done:
			done <- err
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// POST /drain makes the process exit 0 once its channels are empty.
func TestBinaryExitsZeroAfterDrain(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	httpAddr := l.Addr().String()
	l.Close()
	p := startBinary(t, httpAddr)
	resp, err := http.Post("http://"+httpAddr+"/drain?timeout=30s", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	p.expectExitZero(t, "the drain")
	assert.Contains(t, p.stderr.String(), "NSQ: drained")
}
