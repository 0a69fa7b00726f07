package test

import (
	"slices"
	"sync"
	"testing"
	"time"

	gonsq "github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/require"
)

// Collector is a go-nsq consumer that records the bodies it receives, in
// arrival order, and FINishes every message.
type Collector struct {
	mu     sync.Mutex
	bodies []string
}

// Collect subscribes to topic/channel on the nsqds at addrs (TCP) and
// records every message until the test ends.
func Collect(t testing.TB, topic, channel string, addrs ...string) *Collector {
	t.Helper()
	cfg := gonsq.NewConfig()
	cfg.MaxInFlight = 100
	c, err := gonsq.NewConsumer(topic, channel, cfg)
	require.NoError(t, err, "new consumer for %s/%s", topic, channel)
	c.SetLogger(NewLogger(t), gonsq.LogLevelWarning)
	col := &Collector{}
	c.AddHandler(gonsq.HandlerFunc(func(m *gonsq.Message) error {
		col.mu.Lock()
		col.bodies = append(col.bodies, string(m.Body))
		col.mu.Unlock()
		return nil
	}))
	require.NoError(t, c.ConnectToNSQDs(addrs), "connect %s/%s to %v", topic, channel, addrs)
	t.Cleanup(func() {
		c.Stop()
		select {
		case <-c.StopChan:
		case <-time.After(10 * time.Second):
		}
	})
	return col
}

// Bodies returns the bodies received so far.
func (c *Collector) Bodies() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.bodies)
}

// Len is the number of messages received so far.
func (c *Collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

// Publish publishes bodies, in order, to topic on the nsqd at addr (TCP).
func Publish(t testing.TB, addr, topic string, bodies ...string) {
	t.Helper()
	p, err := gonsq.NewProducer(addr, gonsq.NewConfig())
	require.NoError(t, err, "new producer for %s", addr)
	defer p.Stop()
	p.SetLogger(NewLogger(t), gonsq.LogLevelWarning)
	for _, b := range bodies {
		require.NoError(t, p.Publish(topic, []byte(b)), "publish %q to %s on %s", b, topic, addr)
	}
}
