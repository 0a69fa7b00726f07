package main

import (
	"bufio"
	"bytes"
	"errors"
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
	bin := filepath.Join(t.TempDir(), "nsqlookupd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"--version"}, 0, version.String("nsqlookupd") + "\n", ""},
		{[]string{"-h"}, 0, "", "Usage of nsqlookupd:"},
		{[]string{"--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"--config=/does/not/exist"}, 1, "", "[nsqlookupd] "},
		{[]string{"--tcp-address=256.0.0.1:0"}, 1, "", "FATAL: failed to instantiate nsqlookupd - listen (256.0.0.1:0) failed"},
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, c.args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code := cmd.ProcessState.ExitCode()
		if code != c.code || c.stdout != "" && stdout.String() != c.stdout || !strings.Contains(stderr.String(), c.errs) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, stdout.String(), stderr.String())
		}
	}
}

func TestBinaryStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	noErr(t, err)
	noErr(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "TCP: listening on") {
	}
	noErr(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		noErr(t, err)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit 10s after SIGTERM")
	}
}
