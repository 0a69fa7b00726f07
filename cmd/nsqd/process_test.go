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
	bin := test.BuildBinary(t, "nsqd")
	dataPath := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--data-path="+dataPath, "--tcp-address=127.0.0.1:0",
		"--http-address=127.0.0.1:0", "--https-address=", "--broadcast-address=127.0.0.1")
	cmd.Stderr = &stderr
	test.NoErr(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !waitForFile(filepath.Join(dataPath, "nsqd.dat"), done) {
		cmd.Process.Kill()
		<-done
		if strings.Contains(stderr.String(), "not implemented") {
			t.Skipf("nsqd.New is not implemented: %s", stderr.String())
		}
		t.Fatalf("nsqd did not start: %s", stderr.String())
	}
	test.NoErr(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("no exit 10s after SIGTERM\n%s", stderr.String())
	}
}

// waitForFile polls for path until the process ends or 10s pass.
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
	bin := test.BuildBinary(t, "nsqd")
	dataPath := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	test.NoErr(t, err)
	httpAddr := l.Addr().String()
	l.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--data-path="+dataPath, "--tcp-address=127.0.0.1:0",
		"--http-address="+httpAddr, "--https-address=", "--broadcast-address=127.0.0.1")
	cmd.Stderr = &stderr
	test.NoErr(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if !waitForFile(filepath.Join(dataPath, "nsqd.dat"), done) {
		cmd.Process.Kill()
		<-done
		t.Fatalf("nsqd did not start: %s", stderr.String())
	}
	resp, err := http.Post("http://"+httpAddr+"/drain?timeout=30s", "", nil)
	test.NoErr(t, err)
	resp.Body.Close()
	test.Equal(t, 200, resp.StatusCode)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after drain: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("no exit 10s after the drain\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "NSQ: drained") {
		t.Fatalf("log lacks the drain: %s", stderr.String())
	}
}
