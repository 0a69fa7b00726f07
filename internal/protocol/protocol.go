// Package protocol is the wire kernel shared by nsqd, nsqlookupd and the
// tests: magic strings, server frame encoding, the typed client errors whose
// text goes on the wire, and topic/channel name validation.
package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic strings a client sends first.
const (
	MagicV1 = "  V1"
	MagicV2 = "  V2"
)

// Frame types of the V2 protocol.
const (
	FrameTypeResponse int32 = 0
	FrameTypeError    int32 = 1
	FrameTypeMessage  int32 = 2
)

// Frequently sent response bodies.
var (
	OKBytes        = []byte("OK")
	HeartbeatBytes = []byte("_heartbeat_")
	CloseWaitBytes = []byte("CLOSE_WAIT")
)

// FrameHeaderLen is the size prefix plus the frame type.
const FrameHeaderLen = 8

// PutFrameHeader writes a V2 frame header into b[:FrameHeaderLen]: the
// size (dataLen plus the 4 bytes of the type) and the frame type, both
// big-endian.
func PutFrameHeader(b []byte, frameType int32, dataLen int) {
	binary.BigEndian.PutUint32(b, uint32(dataLen+4))
	binary.BigEndian.PutUint32(b[4:], uint32(frameType))
}

// AppendFrame appends [size][type][data] to dst.
func AppendFrame(dst []byte, frameType int32, data []byte) []byte {
	var hdr [FrameHeaderLen]byte
	PutFrameHeader(hdr[:], frameType, len(data))
	return append(append(dst, hdr[:]...), data...)
}

// SendFrame writes one V2 frame to w in a single Write call.
func SendFrame(w io.Writer, frameType int32, data []byte) (int, error) {
	return w.Write(AppendFrame(make([]byte, 0, FrameHeaderLen+len(data)), frameType, data))
}

// SendResponse writes a V1 (lookupd) response: [size][data], no frame type.
func SendResponse(w io.Writer, data []byte) (int, error) {
	buf := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(data)), uint32(len(data)))
	return w.Write(append(buf, data...))
}

// ErrFrameTooBig is returned by ReadFrame for a frame over the caller's limit.
var ErrFrameTooBig = errors.New("frame too big")

// ReadFrame reads one V2 frame and returns its type and data. maxSize bounds
// the declared size (0 = no bound).
func ReadFrame(r io.Reader, maxSize int) (int32, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	size := int32(binary.BigEndian.Uint32(hdr[:]))
	if size < 4 {
		return 0, nil, fmt.Errorf("invalid frame size %d", size)
	}
	if maxSize > 0 && int(size) > maxSize {
		return 0, nil, ErrFrameTooBig
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return int32(binary.BigEndian.Uint32(buf[:4])), buf[4:], nil
}

// ReadResponse reads one V1 response: [size][data].
func ReadResponse(r io.Reader, maxSize int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(hdr[:]))
	if size < 0 || (maxSize > 0 && int(size) > maxSize) {
		return nil, fmt.Errorf("response size %d out of range", size)
	}
	buf := make([]byte, size)
	_, err := io.ReadFull(r, buf)
	return buf, err
}

const ephemeralSuffix = "#ephemeral"

// IsValidName reports whether a topic or channel name is legal: 1–64 bytes
// matching ^[.a-zA-Z0-9_-]+(#ephemeral)?$.
func IsValidName[T ~string | ~[]byte](name T) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	body := name
	if n := len(name) - len(ephemeralSuffix); n >= 0 && string(name[n:]) == ephemeralSuffix {
		body = name[:n]
	}
	if len(body) == 0 {
		return false
	}
	for i := 0; i < len(body); i++ {
		if !isNameByte(body[i]) {
			return false
		}
	}
	return true
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// IsValidTopicName reports whether name is a legal topic name.
func IsValidTopicName[T ~string | ~[]byte](name T) bool { return IsValidName(name) }

// IsValidChannelName reports whether name is a legal channel name.
func IsValidChannelName[T ~string | ~[]byte](name T) bool { return IsValidName(name) }

// IsEphemeral reports whether a (valid) name carries the #ephemeral suffix.
func IsEphemeral(name string) bool {
	return len(name) >= len(ephemeralSuffix) && name[len(name)-len(ephemeralSuffix):] == ephemeralSuffix
}
