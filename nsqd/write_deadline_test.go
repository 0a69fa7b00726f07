package nsqd_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// TestWriteDeadlineRefreshedPerWrite: a consumer with output buffering off
// that stops reading for less than its heartbeat interval is kept. The
// server's write deadline is one heartbeat interval from each write, not
// from the last flush: here the last flush (the heartbeat) is 1 s before
// the consumer's 1.6 s pause begins, so a deadline left from that flush
// would expire 0.6 s into the pause.
func TestWriteDeadlineRefreshedPerWrite(t *testing.T) {
	t.Parallel()
	const hb = 2 * time.Second
	const count, size = 32, 512 << 10 // far more than the socket buffers hold
	n := startNSQD(t, nil)
	c := mustSubscribe(t, n, "wd", "c", map[string]any{
		"heartbeat_interval": hb.Milliseconds(), "output_buffer_size": -1})
	c.Timeout = 4 * hb
	c.Cmd("RDY 100")

	ft, data, err := c.ReadFrame() // nothing is published yet: a heartbeat
	require.NoError(t, err)
	require.Equal(t, []byte("_heartbeat_"), data, "frame type %d", ft)
	heartbeat := time.Now()
	c.Cmd("NOP")

	// Simulated consumer: idle for half an interval, then it stops reading
	// while a burst is published, and reads again 0.8 intervals later.
	time.Sleep(hb / 2)
	body := bytes.Repeat([]byte("x"), size)
	bodies := make([]string, count)
	for i := range bodies {
		bodies[i] = string(body)
	}
	mustPublish(t, n, "wd", bodies...)
	time.Sleep(time.Until(heartbeat.Add(hb/2 + hb*8/10)))

	for got := 0; got < count; {
		ft, data, err := c.ReadFrame()
		require.NoError(t, err, "after %d of %d messages", got, count)
		if ft == protocol.FrameTypeResponse {
			require.Equal(t, "_heartbeat_", string(data))
			c.Cmd("NOP")
			continue
		}
		require.Equal(t, protocol.FrameTypeMessage, ft)
		m, err := test.ParseMessage(data)
		require.NoError(t, err)
		require.Len(t, m.Body, size)
		c.Cmd("FIN " + string(m.ID[:]))
		got++
	}
}
