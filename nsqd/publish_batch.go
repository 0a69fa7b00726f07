package nsqd

import (
	"errors"
	"io"
)

// Batches of published messages (MPUB, /mpub) are built from fewer
// allocations than two per message: Message structs come from slabs of up
// to batchSlab, and small bodies are cut from shared chunks of up to
// batchChunk bytes. A slab or chunk lives until the last message cut from
// it is done with, so both stay small enough that a message kept long (in
// flight, deferred) holds little beside itself. A slab stays a small
// object (at most 512 bytes): the garbage collector marks those span by
// span, while each larger slab would be scanned on its own, which costs
// more than the allocations a larger slab saves when millions of messages
// are queued.
const (
	batchSlab  = 4
	batchChunk = 16 << 10
)

// msgBatch collects the messages of one batch.
type msgBatch struct {
	msgs  []*Message
	slab  []Message // unused structs of the current slab
	chunk []byte    // unused bytes of the current body chunk
	left  int       // messages the batch still expects (sizes the next slab)
	bytes int64     // body bytes the batch may still hold (sizes the next chunk)
}

// newMsgBatch prepares for count messages within at most bytes of input.
// Neither is trusted for more than one slab or chunk ahead: the slice of
// messages grows as they arrive.
func newMsgBatch(count int, bytes int64) *msgBatch {
	return &msgBatch{msgs: make([]*Message, 0, min(count, 256)), left: count, bytes: bytes}
}

// add appends a message with body; stamp gives it its id and timestamp.
func (b *msgBatch) add(body []byte) {
	if len(b.slab) == 0 {
		b.slab = make([]Message, max(1, min(b.left, batchSlab)))
	}
	m := &b.slab[0]
	b.slab = b.slab[1:]
	b.left--
	m.Body = body
	b.msgs = append(b.msgs, m)
}

// readBody reads an n-byte body from r: cut from the current chunk when it
// fits one, else (large bodies) read into a buffer of its own that grows as
// the bytes arrive (see readN). A body that ends early gives
// io.ErrUnexpectedEOF.
func (b *msgBatch) readBody(r io.Reader, n int) ([]byte, error) {
	if n > batchChunk/4 {
		b.bytes -= int64(n)
		return readN(r, n)
	}
	body := b.cut(n)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// cut is room for an n-byte body: from the current chunk when it fits
// one, else its own.
func (b *msgBatch) cut(n int) []byte {
	b.bytes -= int64(n)
	if n > batchChunk/4 {
		return make([]byte, n)
	}
	if n > len(b.chunk) {
		b.chunk = make([]byte, max(int64(n), min(batchChunk, b.bytes+int64(n))))
	}
	body := b.chunk[:n:n]
	b.chunk = b.chunk[n:]
	return body
}

// stamp gives every message of the batch its id and the batch's timestamp.
func (b *msgBatch) stamp(t *Topic) []*Message {
	t.idFactory.stamp(b.msgs)
	return b.msgs
}

// newPubMessage is the message of a PUB or /pub: id and timestamp come
// from one clock reading.
func newPubMessage(t *Topic, body []byte) *Message {
	m := &Message{Body: body}
	t.idFactory.stamp([]*Message{m})
	return m
}
