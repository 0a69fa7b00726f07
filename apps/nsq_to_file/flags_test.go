package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidation(t *testing.T) {
	src := "--nsqd-tcp-address=127.0.0.1:4150"
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{src, "--topic=t", "extra", "args"}, "unknown arguments: [extra args]"},
		{[]string{src, "--topic=t", "--channel="}, "--channel is required"},
		{[]string{src, "--topic=t", "--http-client-connect-timeout=0"}, "--http-client-connect-timeout should be positive"},
		{[]string{src, "--topic=t", "--http-client-request-timeout=-1s"}, "--http-client-request-timeout should be positive"},
		{[]string{"--topic=t"}, "--nsqd-tcp-address or --lookupd-http-address required."},
		{[]string{src, "--lookupd-http-address=127.0.0.1:4161", "--topic=t"}, "use --nsqd-tcp-address or --lookupd-http-address not both"},
		{[]string{src}, "--topic or --topic-pattern required"},
		{[]string{src, "--topic-pattern=x"}, "--lookupd-http-address must be specified when no --topic specified"},
		{[]string{src, "--topic=t", "--log-level=loud"}, "--log-level is invalid"},
		{[]string{src, "--topic=t", "--gzip-level=10"}, "invalid --gzip-level value (10), should be 1-9"},
		{[]string{src, "--topic=t", "--gzip-level=0"}, "invalid --gzip-level value (0), should be 1-9"},
	}
	line := regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (.*)\n$`)
	for _, c := range cases {
		var stderr bytes.Buffer
		code := run(c.args, &bytes.Buffer{}, &stderr, nil)
		m := line.FindStringSubmatch(stderr.String())
		assert.EqualValues(t, 1, code, "%v: exit %d, stderr %q", c.args, code, stderr.String())
		require.NotNil(t, m, "%v: exit %d, stderr %q", c.args, code, stderr.String())
		assert.Equal(t, c.msg, m[1], "%v: exit %d, stderr %q", c.args, code, stderr.String())
	}
}

func TestVersionHelpAndBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.EqualValues(t, 0, run([]string{"--version"}, &stdout, &stderr, nil), "--version: exit")
	assert.Equal(t, "nsq_to_file v1.3.0\n", stdout.String(), "--version: exit")
	stderr.Reset()
	require.EqualValues(t, 0, run([]string{"-h"}, &stdout, &stderr, nil), "-h: exit")
	assert.Contains(t, stderr.String(), "-rotate-interval", "-h: exit")
	stderr.Reset()
	require.EqualValues(t, 2, run([]string{"--bogus"}, &stdout, &stderr, nil), "--bogus: exit")
	assert.True(t, strings.HasPrefix(stderr.String(), "flag provided but not defined: -bogus\n"), "--bogus: exit")
}

func TestDefaults(t *testing.T) {
	o := NewOptions()
	want := Options{
		TopicRefreshInterval: time.Minute, Channel: "nsq_to_file", MaxInFlight: 200,
		HTTPClientConnectTimeout: 2 * time.Second, HTTPClientRequestTimeout: 5 * time.Second,
		LogLevel: "info", LogPrefix: "[nsq_to_file] ", OutputDir: "/tmp", DatetimeFormat: "%Y-%m-%d_%H",
		FilenameFormat: "<TOPIC>.<HOST><REV>.<DATETIME>.log", GZIPLevel: 6, SyncInterval: 30 * time.Second,
	}
	assert.Equal(t, *o, want, "defaults = %+v", o)
}

func TestFilenameFormat(t *testing.T) {
	base := func() *Options { o := NewOptions(); o.WorkDir = o.OutputDir; return o }
	o := base()
	got, _ := filenameFormat(o, "tp", "box.example.com", 42)
	assert.Equal(t, "tp.box.<DATETIME>.log", got, "plain: %q", got)
	o = base()
	o.GZIP, o.HostIdentifier, o.FilenameFormat = true, "<SHORT_HOST>-<HOSTNAME>", "<TOPIC>.<HOST>.<PID><REV>"
	got, _ = filenameFormat(o, "tp", "box.example.com", 42)
	assert.Equal(t, "tp.box-box.example.com.42<REV>.gz", got, "gzip: %q", got)
	o = base()
	o.RotateSize, o.FilenameFormat = 10, "<TOPIC>.log"
	_, err := filenameFormat(o, "tp", "h", 1)
	assert.Error(t, err, "missing <REV> accepted with rotation")
	assert.Equal(t, "a-000003.log", withRev("a<REV>.log", 3), "withRev")
}
