package diskqueue

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Records come out in order, none missing, while a writer rolls small
// segments, a reader finishes them one by one, and Peek and a Take that
// keeps what it sees look at the read-ahead buffer again and again.
func TestAckedReadAheadPeekWhileRolling(t *testing.T) {
	o := ackedOptions(t, t.TempDir())
	o.MaxBytesPerFile = 200
	q := open(t, o).(takerQueue)
	const total = 400
	go func() {
		for i := range total {
			if q.Put(msg(i, "x")) != nil {
				return
			}
		}
	}()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := q.Peek(30); err != nil {
				return
			}
			if _, err := q.Take(func([]byte) error { return errKeepRecord }); err != nil && err != errKeepRecord {
				return
			}
		}
	}()
	for want := range total {
		r := <-q.ReadChan()
		got := int(binary.BigEndian.Uint64(r.Data) - 1700000000000000000)
		require.Equal(t, want, got, "record order")
		q.Done(r.Pos)
	}
}

var errKeepRecord = errors.New("keep")
