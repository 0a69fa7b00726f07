package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tail runs nsq_tail in the background; wait returns its exit code.
type tail struct {
	stdout, stderr *test.Buffer
	stop           chan os.Signal
	code           chan int
}

func startTail(t *testing.T, args ...string) *tail {
	t.Helper()
	tl := &tail{stdout: &test.Buffer{}, stderr: &test.Buffer{}, stop: make(chan os.Signal, 1), code: make(chan int, 1)}
	stderr := io.MultiWriter(tl.stderr, test.NewLogger(t))
	go func() { tl.code <- run(args, tl.stdout, stderr, tl.stop) }()
	return tl
}

func (tl *tail) wait(t *testing.T) int {
	t.Helper()
	select {
	case c := <-tl.code:
		return c
	case <-time.After(10 * time.Second):
		require.FailNow(t, "nsq_tail did not exit")
		return -1
	}
}

func TestCountExits(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	test.Publish(t, addr, "events", "m0", "m1 with spaces", "m2", "m3", "m4")
	tl := startTail(t, "--topic=events", "-n", "3", "--nsqd-tcp-address="+addr)
	require.EqualValues(t, 0, tl.wait(t), "exit code")
	require.Equal(t, "m0\nm1 with spaces\nm2\n", tl.stdout.String(), "stdout")
	require.Contains(t, tl.stderr.String(), "Adding consumer for topic: events", "stderr %q", tl.stderr.String())
	// The remaining messages stay on the (ephemeral) channel until it goes.
	ch := regexp.MustCompile(`tail\d{6}#ephemeral`).FindString(tl.stderr.String())
	require.NotEqual(t, "", ch, "no ephemeral channel name in the log: %q", tl.stderr.String())
}

func TestPrintTopicSeveralTopicsViaLookupd(t *testing.T) {
	t.Parallel()
	l := testcluster.StartLookupd(t)
	n := testcluster.StartNSQD(t, testcluster.WithLookupd(l.RealTCPAddr().String()))
	addr := n.RealTCPAddr().String()
	test.Publish(t, addr, "alpha", "a1", "a2")
	test.Publish(t, addr, "beta", "b1")
	l.WaitRegistered(t, "alpha")
	l.WaitRegistered(t, "beta")
	tl := startTail(t, "--topic=alpha", "--topic=beta", "--print-topic",
		"--lookupd-http-address="+l.RealHTTPAddr().String(), "--channel=tailtest")
	want := []string{"alpha | a1", "alpha | a2", "beta | b1"}
	test.Eventually(t, 5*time.Second, func() bool { return len(tl.stdout.Lines()) == len(want) })
	tl.stop <- syscall.SIGINT
	require.EqualValues(t, 0, tl.wait(t), "exit code")
	got := tl.stdout.Lines()
	slices.Sort(got)
	require.Equal(t, want, got, "stdout %q", tl.stdout.String())
	require.True(t, strings.HasSuffix(tl.stdout.String(), "\n"), "stdout %q", tl.stdout.String())
}

func TestRawBodies(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	test.Publish(t, addr, "raw", "tab\there", `quote " and \ backslash`, "ünï")
	tl := startTail(t, "--topic", "raw", "--n=3", "--nsqd-tcp-address", addr)
	require.EqualValues(t, 0, tl.wait(t), "exit code")
	got, want := tl.stdout.String(), "tab\there\nquote \" and \\ backslash\nünï\n"
	require.Equal(t, want, got, "stdout %q", got)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteErrorIsFatal(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	test.Publish(t, addr, "w", "x")
	stderr := &test.Buffer{}
	code := run([]string{"--topic=w", "--nsqd-tcp-address=" + addr}, failingWriter{},
		io.MultiWriter(stderr, test.NewLogger(t)), nil)
	require.EqualValues(t, 1, code, "code %d, stderr %q", code, stderr)
	require.Contains(t, stderr.String(), "ERROR: failed to write to os.Stdout - io: read/write on closed pipe", "code %d, stderr %q", code, stderr)
}

func TestFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--version"}, 0, "nsq_tail v1.3.0\n", ""},
		{[]string{"--topic=t"}, 1, "", "--nsqd-tcp-address or --lookupd-http-address required\n"},
		{[]string{"--topic=t", "--nsqd-tcp-address=a:1", "--lookupd-http-address=b:2"}, 1, "",
			"use --nsqd-tcp-address or --lookupd-http-address not both\n"},
		{[]string{"--nsqd-tcp-address=a:1"}, 1, "", "--topic required\n"},
		{[]string{"--consumer-opt=bogus"}, 2, "", `invalid value "bogus" for flag -consumer-opt: invalid option bogus`},
		{[]string{"--consumer-opt=max_attempts,x"}, 2, "", `invalid value "max_attempts,x" for flag -consumer-opt`},
		{[]string{"--nope"}, 2, "", "flag provided but not defined: -nope"},
		{[]string{"-h"}, 0, "", "Usage of nsq_tail:"},
	}
	for _, c := range cases {
		stdout, stderr := &test.Buffer{}, &test.Buffer{}
		code := run(c.args, stdout, stderr, nil)
		assert.Equal(t, c.code, code, "%q: code %d stdout %q stderr %q", c.args, code, stdout, stderr)
		assert.Equal(t, c.stdout, stdout.String(), "%q: code %d stdout %q stderr %q", c.args, code, stdout, stderr)
		assert.Contains(t, stderr.String(), c.stderr, "%q: code %d stdout %q stderr %q", c.args, code, stdout, stderr)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	o, _, ok := parseFlags([]string{"--topic=t", "--nsqd-tcp-address=a:1", "-n=5"}, io.Discard)
	require.True(t, ok, "flags rejected")
	require.Nil(t, o.validate(), "flags rejected")
	assert.Regexp(t, `^tail\d{6}#ephemeral$`, o.channel)
	assert.EqualValues(t, 5, o.cfg.MaxInFlight, "max in flight %d", o.cfg.MaxInFlight)
	assert.Equal(t, "nsq_tail/1.3.0 go-nsq/1.1.0", o.cfg.UserAgent, "user agent %q", o.cfg.UserAgent)
}
