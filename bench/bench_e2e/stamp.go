package main

import (
	"encoding/binary"
	"time"
)

// stampSize is how many leading body bytes hold the send time: the Unix
// time in nanoseconds, big-endian. Wall-clock time lets a reader in another
// process on the same host decode it too.
const stampSize = 8

// putStamp writes t into the start of body, which must hold stampSize bytes.
func putStamp(body []byte, t time.Time) {
	binary.BigEndian.PutUint64(body, uint64(t.UnixNano()))
}

// readStamp decodes the send time at the start of body; ok is false if the
// body is too short or carries no time.
func readStamp(body []byte) (unixNano int64, ok bool) {
	if len(body) < stampSize {
		return 0, false
	}
	v := int64(binary.BigEndian.Uint64(body))
	return v, v > 0
}
