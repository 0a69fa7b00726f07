package nsqd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
)

// MsgIDLength is the size of a message ID on the wire: 16 lowercase hex chars.
const MsgIDLength = 16

// minValidMsgLength is the encoded size of a message with an empty body.
const minValidMsgLength = MsgIDLength + 8 + 2

// MessageID is the 16-byte ASCII hex form of a 64-bit id.
type MessageID [MsgIDLength]byte

// Message is one message as it travels through topics and channels. The
// fields below the line belong to the channel holding it in flight or
// deferred, guarded by that channel's locks.
type Message struct {
	ID        MessageID
	Body      []byte
	Timestamp int64
	Attempts  uint16
	onDisk    bool // see diskPos; beside Attempts to keep Message small
	// moved marks a copy the node moves between its own queues (a dead
	// letter): not a publish, so a drain or the free-disk floor lets it in.
	moved bool
	// index is the message's place in the heap it is in (see msgHeap), or
	// -1; 32 bits, beside Attempts, keep a Message within 104 bytes.
	index int32

	deliveryTS int64 // Unix ns of the delivery
	clientID   int64
	pri        int64
	deferred   time.Duration
	// diskPos is where the message's record starts in an acknowledged
	// disk queue (--mem-queue-size=0) while onDisk: the record stays
	// there until the message is finished, requeued or deferred.
	diskPos diskqueue.Pos
}

// NewMessage builds a message stamped with the current time.
func NewMessage(id MessageID, body []byte) *Message {
	return &Message{ID: id, Body: body, Timestamp: time.Now().UnixNano()}
}

// encodedLen is the size of the message encoding: 8 bytes timestamp, 2
// attempts, 16 id, then the body.
func (m *Message) encodedLen() int { return minValidMsgLength + len(m.Body) }

// putHeader writes the fixed fields of the message encoding into
// b[:minValidMsgLength]: 8 bytes timestamp (ns), 2 attempts, 16 id, all
// big-endian. Disk records and wire frames both use it.
func (m *Message) putHeader(b []byte) {
	binary.BigEndian.PutUint64(b, uint64(m.Timestamp))
	binary.BigEndian.PutUint16(b[8:], m.Attempts)
	copy(b[10:minValidMsgLength], m.ID[:])
}

// appendTo appends the message encoding (timestamp, attempts, id, body).
func (m *Message) appendTo(dst []byte) []byte {
	var hdr [minValidMsgLength]byte
	m.putHeader(hdr[:])
	return append(append(dst, hdr[:]...), m.Body...)
}

// WriteTo writes the message encoding to w.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(m.appendTo(make([]byte, 0, m.encodedLen())))
	return int64(n), err
}

var errShortMessage = errors.New("message too short")

// decodeMessage parses the message encoding. The body aliases b.
func decodeMessage(b []byte) (*Message, error) {
	if len(b) < minValidMsgLength {
		return nil, fmt.Errorf("%w: %d bytes", errShortMessage, len(b))
	}
	m := &Message{
		Timestamp: int64(binary.BigEndian.Uint64(b[:8])),
		Attempts:  binary.BigEndian.Uint16(b[8:10]),
	}
	copy(m.ID[:], b[10:10+MsgIDLength])
	m.Body = b[10+MsgIDLength:]
	return m, nil
}

// isValidRecord reports whether a disk-queue payload looks like an encoded
// message: long enough and with 16 lowercase hex ID bytes. The disk queue
// uses it to find the next good record after corruption.
func isValidRecord(b []byte) bool {
	if len(b) < minValidMsgLength {
		return false
	}
	for _, c := range b[10 : 10+MsgIDLength] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
