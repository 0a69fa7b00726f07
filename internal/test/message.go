package test

import (
	"encoding/binary"
	"fmt"
	"time"
)

// MessageHeaderLen is the size of a message frame's fixed part: timestamp,
// attempts and ID.
const MessageHeaderLen = 8 + 2 + 16

// Message is the decoded data of a message frame (frame type 2).
type Message struct {
	Timestamp int64  // publish time, Unix nanoseconds
	Attempts  uint16 // delivery count
	ID        string // 16 bytes, exactly as on the wire
	Body      []byte
}

// Time returns the publish time.
func (m Message) Time() time.Time { return time.Unix(0, m.Timestamp) }

// ParseMessage decodes the data of a message frame.
func ParseMessage(data []byte) (Message, error) {
	if len(data) < MessageHeaderLen {
		return Message{}, fmt.Errorf("message frame data of %d bytes is shorter than %d", len(data), MessageHeaderLen)
	}
	return Message{
		Timestamp: int64(binary.BigEndian.Uint64(data[0:8])),
		Attempts:  binary.BigEndian.Uint16(data[8:10]),
		ID:        string(data[10:26]),
		Body:      append([]byte(nil), data[26:]...),
	}, nil
}

// MPUBBody builds the body of an MPUB command (what follows the body size):
// [4-byte count]([4-byte size][bytes])×count.
func MPUBBody(msgs [][]byte) []byte {
	n := 4
	for _, m := range msgs {
		n += 4 + len(m)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msgs)))
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint32(b, uint32(len(m)))
		b = append(b, m...)
	}
	return b
}

// Uint32 returns v as 4 big-endian bytes, for hand-built bodies.
func Uint32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
