package main

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runToNSQ runs the program to completion and returns its exit code and
// stderr.
func runToNSQ(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	stderr := &test.Buffer{}
	code := run(args, strings.NewReader(stdin), io.MultiWriter(stderr, test.NewLogger(t)), nil)
	return code, stderr.String()
}

func TestPublishesEveryChunkToEveryNSQD(t *testing.T) {
	t.Parallel()
	n1, n2 := testcluster.StartNSQD(t), testcluster.StartNSQD(t)
	a1, a2 := n1.RealTCPAddr().String(), n2.RealTCPAddr().String()
	code, _ := runToNSQ(t, "one,two,,three", "--topic=t", "--delimiter=,",
		"--nsqd-tcp-address", a1, "--nsqd-tcp-address="+a2)
	require.EqualValues(t, 0, code, "exit code %d", code)
	want := []string{"one", "two", "three"}
	for _, addr := range []string{a1, a2} {
		c := test.Collect(t, "t", "ch", addr)
		test.Eventually(t, 5*time.Second, func() bool { return c.Len() >= len(want) })
		require.Equal(t, want, c.Bodies(), "%s received", addr)
	}
}

func TestDefaultDelimiterAndEmptyLines(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	input := "\nfirst line\n\nsecond, with comma\r\nlast without newline"
	code, _ := runToNSQ(t, input, "--topic", "lines", "--nsqd-tcp-address", addr,
		"--rate=1000", "--producer-opt=max_attempts,3")
	require.Zero(t, code, "exit code")
	want := []string{"first line", "second, with comma\r", "last without newline"}
	c := test.Collect(t, "lines", "ch", addr)
	test.Eventually(t, 5*time.Second, func() bool { return c.Len() >= len(want) })
	require.Equal(t, want, c.Bodies(), "received")
}

func TestReadChunkKeepsUnterminatedTail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"a,b":    {"a", "b"},
		"a,b,":   {"a", "b"},
		",x":     {"", "x"},
		"single": {"single"},
	} {
		got := splitAll(in, ',')
		assert.Equal(t, want, got, "%q", in)
	}
}

func TestSignalStops(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	stop := make(chan os.Signal, 1)
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- run([]string{"--topic=sig", "--nsqd-tcp-address=" + addr}, pr, test.NewLogger(t), stop)
	}()
	_, err := io.WriteString(pw, "before signal\n")
	require.NoError(t, err)
	c := test.Collect(t, "sig", "ch", addr)
	test.Eventually(t, 5*time.Second, func() bool { return c.Len() == 1 })
	stop <- syscall.SIGTERM
	select {
	case code := <-codeCh:
		require.EqualValues(t, 0, code, "exit code %d", code)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "to_nsq did not stop on SIGTERM")
	}
}

func TestPublishErrorIsFatal(t *testing.T) {
	t.Parallel()
	n := testcluster.StartNSQD(t)
	code, stderr := runToNSQ(t, "x\n", "--topic=bad/topic", "--nsqd-tcp-address="+n.RealTCPAddr().String())
	require.EqualValues(t, 1, code, "code %d, stderr %q", code, stderr)
	require.Contains(t, stderr, "E_BAD_TOPIC", "code %d, stderr %q", code, stderr)
}

func TestFlagValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--nsqd-tcp-address=x:1"}, 1, "--topic required"},
		{[]string{"--topic=t", "--delimiter=ab", "--nsqd-tcp-address=x:1"}, 1, "--delimiter must be a single byte"},
		{[]string{"--topic=t", "--delimiter=", "--nsqd-tcp-address=x:1"}, 1, "--delimiter must be a single byte"},
		{[]string{"--topic=t"}, 1, "--nsqd-tcp-address required"},
		{[]string{"--version"}, 2, "flag provided but not defined: -version"},
		{[]string{"--topic=t", "--producer-opt=nope,1"}, 2,
			`invalid value "nope,1" for flag -producer-opt: invalid option nope`},
		{[]string{"-h"}, 0, "Usage of to_nsq:"},
	}
	for _, c := range cases {
		code, stderr := runToNSQ(t, "", c.args...)
		assert.Equal(t, c.code, code, "%q: code %d, stderr %q", c.args, code, stderr)
		assert.Contains(t, stderr, c.msg, "%q: code %d, stderr %q", c.args, code, stderr)
	}
}

func TestFatalLineFormat(t *testing.T) {
	t.Parallel()
	_, stderr := runToNSQ(t, "")
	// "YYYY/MM/DD HH:MM:SS --topic required\n"
	require.Len(t, stderr, len("2006/01/02 15:04:05 --topic required\n"), "stderr %q", stderr)
	require.True(t, strings.HasSuffix(stderr, " --topic required\n"), "stderr %q", stderr)
	_, err := time.Parse("2006/01/02 15:04:05", stderr[:19])
	require.NoError(t, err)
}

func splitAll(in string, delim byte) []string {
	r := newReader(in)
	var out []string
	for {
		chunk, err := readChunk(r, delim)
		if err == nil || len(chunk) > 0 {
			out = append(out, string(chunk))
		}
		if err != nil {
			return out
		}
	}
}
