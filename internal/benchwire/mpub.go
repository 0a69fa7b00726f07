package benchwire

import "encoding/binary"

// MPUB is a pre-encoded MPUB command of n bodies of the same size, all zero
// bytes at first. Body(i) aliases the command, so a body can be rewritten in
// place between sends.
type MPUB struct {
	frame  []byte
	header int // bytes before the first body's size
	size   int
	n      int
}

// NewMPUB encodes MPUB topic with n bodies of size bytes.
func NewMPUB(topic string, n, size int) *MPUB {
	line := "MPUB " + topic + "\n"
	header := len(line) + 8
	frame := make([]byte, header+n*(4+size))
	copy(frame, line)
	binary.BigEndian.PutUint32(frame[len(line):], uint32(4+n*(4+size)))
	binary.BigEndian.PutUint32(frame[len(line)+4:], uint32(n))
	for i := range n {
		binary.BigEndian.PutUint32(frame[header+i*(4+size):], uint32(size))
	}
	return &MPUB{frame: frame, header: header, size: size, n: n}
}

// Bytes returns the whole command, ready to write.
func (m *MPUB) Bytes() []byte { return m.frame }

// Len is the number of bodies.
func (m *MPUB) Len() int { return m.n }

// Body returns body i.
func (m *MPUB) Body(i int) []byte {
	off := m.header + i*(4+m.size) + 4
	return m.frame[off : off+m.size]
}
