package main

import (
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
)

// The run loop itself is tested in internal/daemon; these are the parts
// only nsqd has.

func TestRunFatalOnBadConfig(t *testing.T) {
	r := test.RunCommand(command, nil, test.WriteConfig(t, "tls_required = \"no way\"\n"))
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "[nsqd] FATAL: failed parsing tls_required no way - want true, false or tcp-https, not \"no way\"\n", r.Logs)
}

func TestRunHelp(t *testing.T) {
	r := test.RunCommand(command, nil, "-h")
	assert.Equal(t, 0, r.Code)
	assert.True(t, strings.HasPrefix(r.Stderr, "Usage of nsqd:\n"), r.Stderr)
	assert.Contains(t, r.Stderr, "-tls-min-version")
}

func TestRunBadPercentile(t *testing.T) {
	r := test.RunCommand(command, nil, "--e2e-processing-latency-percentile=0.9,high")
	assert.Equal(t, 1, r.Code)
	assert.True(t, strings.HasSuffix(r.Stderr, " Could not parse: high\n"), r.Stderr)
	assert.NotContains(t, r.Stderr, "Usage")
}
