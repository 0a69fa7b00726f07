package nsqd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nsqgo/nsq/internal/protocol"
)

// The wire frame of a message is the frame header around the same
// encoding the disk queue stores, and that encoding decodes back.
func TestMessageFrameMatchesEncoding(t *testing.T) {
	m := &Message{ID: MessageID{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'},
		Body: []byte("hello"), Timestamp: 0x0102030405060708, Attempts: 0x0a0b}
	enc := m.appendTo(nil)
	require.Len(t, enc, m.encodedLen())
	assert.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b}, enc[:10])

	frame := make([]byte, protocol.FrameHeaderLen+minValidMsgLength, protocol.FrameHeaderLen+m.encodedLen())
	putMessageHeader(frame, m)
	frame = append(frame, m.Body...)
	assert.Equal(t, protocol.AppendFrame(nil, protocol.FrameTypeMessage, enc), frame)

	got, err := decodeMessage(enc)
	require.NoError(t, err)
	assert.Equal(t, m.ID, got.ID)
	assert.Equal(t, m.Timestamp, got.Timestamp)
	assert.Equal(t, m.Attempts, got.Attempts)
	assert.Equal(t, m.Body, got.Body)
}
