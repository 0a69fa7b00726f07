package main

import (
	"bufio"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/stretchr/testify/require"
)

func TestBinary(t *testing.T) {
	bin := test.BuildBinary(t, "nsqlookupd")
	test.CheckBinary(t, bin,
		test.BinaryCase{Args: []string{"--version"}, Stdout: version.String("nsqlookupd") + "\n"},
		test.BinaryCase{Args: []string{"-h"}, Stderr: "Usage of nsqlookupd:"},
		test.BinaryCase{Args: []string{"--bogus"}, Code: 2, Stderr: "flag provided but not defined: -bogus"},
		test.BinaryCase{Args: []string{"--config=/does/not/exist"}, Code: 1, Stderr: "[nsqlookupd] "},
		test.BinaryCase{Args: []string{"--tcp-address=256.0.0.1:0"}, Code: 1,
			Stderr: "FATAL: failed to instantiate nsqlookupd - listen (256.0.0.1:0) failed"},
	)
}

func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := test.BuildBinary(t, "nsqlookupd")
	cmd := exec.Command(bin, "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "TCP: listening on") {
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		require.FailNow(t, "no exit 10s after SIGTERM")
	}
}
