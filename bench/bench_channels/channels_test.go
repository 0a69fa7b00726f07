package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/benchwire"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	fs := flag.NewFlagSet("bench_channels", flag.ContinueOnError)
	c := newConfig(fs)
	require.NoError(t, fs.Parse(nil))
	require.EqualValues(t, 10000, c.num, "defaults: %+v", *c)
	require.Equal(t, "127.0.0.1:4150", c.addr, "defaults: %+v", *c)
	require.ErrorContains(t, (&config{num: 0}).validate(), "--num", "--num=0")
}

// TestFinishesOnEveryTopic subscribes to t0..t2, publishes to each, and
// checks every message is finished, then that cancelling ends the run.
func TestFinishesOnEveryTopic(t *testing.T) {
	n := testcluster.StartNSQD(t)
	addr := n.RealTCPAddr().String()
	b := newBench(&config{num: 3, addr: addr})
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- b.run(ctx, log.New(&out, "", 0)) }()
	test.Eventually(t, 5*time.Second, func() bool {
		return len(n.GetStats("", "", false).Topics) == 3
	}, "three topics")
	for _, topic := range []string{"t0", "t1", "t2"} {
		publish(t, addr, topic, 2)
	}
	test.Eventually(t, 5*time.Second, func() bool { return b.finished.Load() == 6 }, "6 messages finished")
	cancel()
	require.NoError(t, <-done, "run")
	want := "3 connections subscribed to t0..t2/ch - 6 messages finished\n"
	require.Equal(t, want, out.String(), "output %q", out.String())
}

func TestUnreachable(t *testing.T) {
	err := newBench(&config{num: 1, addr: "127.0.0.1:1"}).run(context.Background(), log.New(io.Discard, "", 0))
	require.Error(t, err, "run = %v", err)
	require.Contains(t, err.Error(), "connection 0 to 127.0.0.1:1", "run = %v", err)
}

func publish(t *testing.T, addr, topic string, msgs int) {
	t.Helper()
	conn, err := benchwire.Open(addr, map[string]any{"client_id": "test"})
	require.NoError(t, err)
	defer conn.Close()
	_, err = benchwire.Publish(conn, benchwire.NewMPUB(topic, msgs, 10), time.Time{}, nil)
	require.NoError(t, err)
}
