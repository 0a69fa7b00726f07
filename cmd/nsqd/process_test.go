package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/version"
)

// buildBinary compiles this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "nsqd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs bin with args and returns its exit status and output.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"--version"}, 0, version.String("nsqd") + "\n", ""},
		{[]string{"-h"}, 0, "", "Usage of nsqd:"},
		{[]string{"--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"--node-id=abc"}, 2, "", `invalid value "abc" for flag -node-id`},
		{[]string{"--e2e-processing-latency-percentile=x"}, 1, "", "Could not parse: x"},
		{[]string{"--config=/does/not/exist"}, 1, "", "[nsqd] "},
		{[]string{"--log-prefix=[n] ", "--data-path=/does/not/exist", "--tcp-address=127.0.0.1:0",
			"--http-address=127.0.0.1:0"}, 1, "", "FATAL: failed to instantiate nsqd - "},
	} {
		code, stdout, stderr := runBinary(t, bin, c.args...)
		if code != c.code || stdout != c.stdout && c.stdout != "" || !strings.Contains(stderr, c.errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, stdout, stderr)
		}
	}
}

func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	dataPath := t.TempDir()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--data-path="+dataPath, "--tcp-address=127.0.0.1:0",
		"--http-address=127.0.0.1:0", "--https-address=", "--broadcast-address=127.0.0.1")
	cmd.Stderr = &stderr
	noErr(t, cmd.Start())
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
	noErr(t, cmd.Process.Signal(syscall.SIGTERM))
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
