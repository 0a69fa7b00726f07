package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"regexp"
	"testing"
	"time"

	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resultLine is the reference's result line, after the log prefix and date.
var resultLine = regexp.MustCompile(`^\[bench_writer\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d ` +
	`duration: \S+ - \d+\.\d{3}mb/s - \d+\.\d{3}ops/s - \d+\.\d{3}us/op\n$`)

func parse(t *testing.T, args ...string) *config {
	t.Helper()
	fs := flag.NewFlagSet("bench_writer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := newConfig(fs)
	require.NoError(t, fs.Parse(args))
	return c
}

func TestDefaults(t *testing.T) {
	c := parse(t)
	assert.Equal(t, "127.0.0.1:4150", c.addr)
	assert.Equal(t, "sub_bench", c.topic)
	assert.EqualValues(t, 200, c.size)
	assert.EqualValues(t, 200, c.batchSize)
	assert.Equal(t, 10*time.Second, c.runfor)
	assert.Equal(t, "", c.deadline)
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--size=0"}, "--size"},
		{[]string{"--batch-size=0"}, "--batch-size"},
		{[]string{"--runfor=0s"}, "--runfor"},
		{[]string{"--deadline=tomorrow"}, "--deadline"},
		{[]string{"--deadline", "2025-01-27 10:00:00"}, ""},
	} {
		err := parse(t, c.args...).validate()
		if c.want == "" {
			assert.NoError(t, err, "%q", c.args)
		} else {
			assert.ErrorContains(t, err, c.want, "%q", c.args)
		}
	}
}

func TestPublishes(t *testing.T) {
	n := testcluster.StartNSQD(t)
	c := parse(t, "--nsqd-tcp-address="+n.RealTCPAddr().String(), "--runfor=200ms", "--batch-size=10")
	var out bytes.Buffer
	require.NoError(t, run(c, log.New(&out, "[bench_writer] ", log.LstdFlags)), "run")
	require.True(t, resultLine.MatchString(out.String()), "output %q does not match %s", out.String(), resultLine)
	stats := n.GetStats("sub_bench", "", false)
	require.Len(t, stats.Topics, 1, "nsqd")
	require.NotEqualValues(t, 0, stats.Topics[0].MessageCount, "nsqd")
}

func TestUnreachable(t *testing.T) {
	c := parse(t, "--nsqd-tcp-address=127.0.0.1:1", "--runfor=100ms")
	err := run(c, log.New(io.Discard, "", 0))
	require.Error(t, err, "run = %v", err)
	require.Contains(t, err.Error(), "connecting to nsqd at 127.0.0.1:1", "run = %v", err)
}
