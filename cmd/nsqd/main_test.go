package main

import (
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
)

// The run loop itself is tested in internal/daemon; these are the parts
// only nsqd has.

func TestRunFatalOnBadConfig(t *testing.T) {
	r := test.RunCommand(command, nil, test.WriteConfig(t, "tls_required = \"no way\"\n"))
	test.Equal(t, 1, r.Code)
	test.Equal(t, "[nsqd] FATAL: failed parsing tls_required no way - want true, false or tcp-https, not \"no way\"\n", r.Logs)
}

func TestRunHelp(t *testing.T) {
	r := test.RunCommand(command, nil, "-h")
	test.Equal(t, 0, r.Code)
	if !strings.HasPrefix(r.Stderr, "Usage of nsqd:\n") || !strings.Contains(r.Stderr, "-tls-min-version") {
		t.Fatalf("usage: %q", r.Stderr)
	}
}

func TestRunBadPercentile(t *testing.T) {
	r := test.RunCommand(command, nil, "--e2e-processing-latency-percentile=0.9,high")
	test.Equal(t, 1, r.Code)
	if !strings.HasSuffix(r.Stderr, " Could not parse: high\n") || strings.Contains(r.Stderr, "Usage") {
		t.Fatalf("stderr: %q", r.Stderr)
	}
}
