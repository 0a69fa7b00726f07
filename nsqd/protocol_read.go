package nsqd

import (
	"encoding/binary"
	"errors"
	"io"
	"slices"
)

// readChunk is the most a body read allocates before the bytes arrive:
// sizes in a command header are the client's word, so a buffer starts at
// most this big and doubles as data comes in. Bodies no bigger than this
// (nearly all messages) still cost one allocation.
const readChunk = 64 << 10

// readN reads exactly n bytes from r into a buffer grown as they arrive,
// so a header that declares a large body and sends little costs little.
// A body that ends early gives io.ErrUnexpectedEOF.
func readN(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, 0, min(n, readChunk))
	for len(b) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(n, 2*cap(b))-len(b))
		}
		m, err := r.Read(b[len(b):min(cap(b), n)])
		b = b[:len(b)+m]
		if err != nil && len(b) < n {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return b, nil
}

// readLenFrom reads a 4-byte big-endian signed size from r into buf.
func readLenFrom(r io.Reader, buf []byte) (int32, error) {
	if _, err := io.ReadFull(r, buf[:4]); err != nil {
		return 0, err
	}
	return int32(binary.BigEndian.Uint32(buf[:4])), nil
}

// errBodyExhausted is the log's cause when an MPUB's messages need more
// bytes than its declared body size.
var errBodyExhausted = errors.New("messages run past the declared body size")
