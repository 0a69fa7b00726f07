package nsqd

import (
	"bytes"
	"io"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestMsgBatchBodies: bodies of every size, small ones cut from shared
// chunks across chunk boundaries and large ones on their own, come back
// intact and each capped at its own length, so appending to one cannot
// write into the next.
func TestMsgBatchBodies(t *testing.T) {
	sizes := []int{1, 100, batchChunk / 4, batchChunk/4 + 1, 3000, batchChunk, 7, batchChunk / 4}
	var input []byte
	for i, n := range sizes {
		input = append(input, bytes.Repeat([]byte{byte('a' + i)}, n)...)
	}
	b := newMsgBatch(len(sizes), int64(len(input)))
	r := bytes.NewReader(input)
	for _, n := range sizes {
		body, err := b.readBody(r, n)
		require.NoError(t, err)
		b.add(body)
	}
	require.Len(t, b.msgs, len(sizes))
	for i, m := range b.msgs {
		require.Equal(t, bytes.Repeat([]byte{byte('a' + i)}, sizes[i]), m.Body, "message %d", i)
		require.Equal(t, len(m.Body), cap(m.Body), "message %d", i)
	}
}

// TestMsgBatchShortBody: a body that ends early is io.ErrUnexpectedEOF,
// also when nothing of it arrived.
func TestMsgBatchShortBody(t *testing.T) {
	for _, n := range []int{10, batchChunk} {
		b := newMsgBatch(2, 100)
		_, err := b.readBody(bytes.NewReader(make([]byte, n-1)), n)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		_, err = b.readBody(bytes.NewReader(nil), n)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	}
}

// TestBatchSlabIsSmallObject: a slab of Message structs must stay within
// the runtime's small-object size (512 bytes), which its garbage
// collector marks a span at a time.
func TestBatchSlabIsSmallObject(t *testing.T) {
	require.LessOrEqual(t, unsafe.Sizeof(Message{})*batchSlab, uintptr(512))
	require.Greater(t, batchSlab, 1, "a slab of one saves no allocation")
	// Every byte of a Message is kept per queued message.
	require.LessOrEqual(t, unsafe.Sizeof(Message{}), uintptr(104), "Message grew")
}
