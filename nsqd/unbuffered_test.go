package nsqd_test

import (
	"fmt"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

// TestUnbufferedClientGetsMessagesWhileReady: a consumer with output
// buffering off (output_buffer_size -1) gets every message as soon as it
// is delivered, while it stays ready (RDY well above what is in flight),
// with no flush timer and no heartbeat due. Compressed streams are no
// exception: the compressor is flushed with each delivery too.
func TestUnbufferedClientGetsMessagesWhileReady(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)
	for _, mode := range []string{"plain", "snappy", "deflate"} {
		t.Run(mode, func(t *testing.T) {
			topic := "unbuf_" + mode
			fields := map[string]any{"output_buffer_size": -1, "heartbeat_interval": 60000}
			var sub *test.Conn
			if mode == "plain" {
				sub = mustSubscribe(t, n, topic, "c", fields)
			} else {
				sub, _ = xCompressedConn(t, n, mode, nil, fields)
				sub.Cmd("SUB " + topic + " c")
				sub.ExpectOK(t)
			}
			sub.Cmd("RDY 100")
			for i := range 3 {
				body := fmt.Sprintf("%s %d", mode, i)
				mustPublish(t, n, topic, body)
				m := sub.ReadMessage(t)
				require.Equal(t, body, string(m.Body), "message %d", i)
				sub.Cmd("FIN " + m.ID)
			}
		})
	}
}
