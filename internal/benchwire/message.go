package benchwire

import "fmt"

// Message layout inside a message frame: 8 bytes timestamp, 2 bytes
// attempts, 16 bytes ID, then the body.
const (
	msgIDOffset   = 10
	msgBodyOffset = 26
)

// ParseMessage splits a message frame's data into the message ID and body.
// Both alias data.
func ParseMessage(data []byte) (id, body []byte, err error) {
	if len(data) < msgBodyOffset {
		return nil, nil, fmt.Errorf("message frame of %d bytes is too short", len(data))
	}
	return data[msgIDOffset:msgBodyOffset], data[msgBodyOffset:], nil
}
