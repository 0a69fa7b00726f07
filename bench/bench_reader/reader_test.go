package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/benchwire"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resultLine is the reference's result line, after the log prefix and date.
var resultLine = regexp.MustCompile(`^\[bench_reader\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d ` +
	`duration: (\S+) - \d+\.\d{3}mb/s - (\d+\.\d{3})ops/s - \d+\.\d{3}us/op\n$`)

func parse(t *testing.T, args ...string) *config {
	t.Helper()
	fs := flag.NewFlagSet("bench_reader", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := newConfig(fs)
	require.NoError(t, fs.Parse(args))
	return c
}

func TestDefaults(t *testing.T) {
	c := parse(t)
	assert.Equal(t, "127.0.0.1:4150", c.addr)
	assert.Equal(t, "sub_bench", c.topic)
	assert.Equal(t, "ch", c.channel)
	assert.EqualValues(t, 200, c.size)
	assert.EqualValues(t, 2500, c.rdy)
	assert.Equal(t, 10*time.Second, c.runfor)
	assert.Equal(t, "", c.deadline)
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--size=-1"}, "--size"},
		{[]string{"--rdy=0"}, "--rdy"},
		{[]string{"--runfor=0s"}, "--runfor"},
		{[]string{"--deadline=now"}, "--deadline"},
	} {
		err := parse(t, c.args...).validate()
		if c.want == "" {
			assert.NoError(t, err, "%q", c.args)
		} else {
			assert.ErrorContains(t, err, c.want, "%q", c.args)
		}
	}
}

// TestConsumesAll reads a known number of messages with a RDY far smaller
// than the backlog, and checks the reported rate accounts for all of them.
func TestConsumesAll(t *testing.T) {
	const msgs = 3000
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	c := parse(t, "--nsqd-tcp-address="+addr, "--runfor=500ms", "--rdy=7")
	publish(t, addr, msgs)
	var out bytes.Buffer
	require.NoError(t, run(c, log.New(&out, "[bench_reader] ", log.LstdFlags)), "run")
	m := resultLine.FindStringSubmatch(out.String())
	require.NotNil(t, m, "output %q does not match %s", out.String(), resultLine)
	d, _ := time.ParseDuration(m[1])
	ops, _ := strconv.ParseFloat(m[2], 64)
	require.EqualValues(t, msgs, math.Round(ops*d.Seconds()), "reported messages")
}

// publish sends msgs messages to sub_bench before any channel exists; the
// reader's channel then gets all of them.
func publish(t *testing.T, addr string, msgs int) {
	t.Helper()
	conn, err := benchwire.Open(addr, map[string]any{"client_id": "test"})
	require.NoError(t, err)
	defer conn.Close()
	_, err = benchwire.Publish(conn, benchwire.NewMPUB("sub_bench", msgs, 10), time.Time{}, nil)
	require.NoError(t, err)
}
