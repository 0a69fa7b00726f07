package nsqd

import (
	"errors"
	"sync"
	"time"
)

// Message IDs: 41+ bits of time in 2^20 ns units since a fixed
// epoch, 10 bits of node id, 12 bits of sequence.
const (
	guidNodeIDBits   = 10
	guidSequenceBits = 12
	guidNodeIDShift  = guidSequenceBits
	guidTimeShift    = guidSequenceBits + guidNodeIDBits
	guidSequenceMask = -1 ^ (-1 << guidSequenceBits)
	guidEpoch        = 1288834974288
)

var (
	errTimeBackwards   = errors.New("time has gone backwards")
	errSequenceExpired = errors.New("sequence expired")
	errIDBackwards     = errors.New("ID went backward")
)

type guid int64

// guidFactory produces strictly increasing ids for one topic.
type guidFactory struct {
	mu       sync.Mutex
	nodeID   int64
	sequence int64
	lastTS   int64
	lastID   guid
}

func newGUIDFactory(nodeID int64) *guidFactory {
	return &guidFactory{nodeID: nodeID}
}

// newGUID returns the next id or an error if it cannot be made this instant.
func (f *guidFactory) newGUID() (guid, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newGUIDLocked(time.Now().UnixNano() >> 20)
}

// newGUIDLocked is newGUID for a timestamp (in 2^20 ns units) the caller
// read; f.mu is held.
func (f *guidFactory) newGUIDLocked(ts int64) (guid, error) {
	if ts < f.lastTS {
		return 0, errTimeBackwards
	}
	if f.lastTS == ts {
		f.sequence = (f.sequence + 1) & guidSequenceMask
		if f.sequence == 0 {
			return 0, errSequenceExpired
		}
	} else {
		f.sequence = 0
	}
	f.lastTS = ts
	id := guid(((ts - guidEpoch) << guidTimeShift) | (f.nodeID << guidNodeIDShift) | f.sequence)
	if id <= f.lastID {
		return 0, errIDBackwards
	}
	f.lastID = id
	return id, nil
}

// next retries newGUID every millisecond until it succeeds.
func (f *guidFactory) next() MessageID {
	for {
		id, err := f.newGUID()
		if err == nil {
			return id.hex()
		}
		time.Sleep(time.Millisecond)
	}
}

// stamp gives msgs their ids, in order, and one timestamp: the clock is
// read once for the batch (under the lock, so ids never see time go back
// between publishers) rather than twice per message. An id that cannot be
// made at that instant (its millisecond's sequence is used up) is retried
// like next does.
func (f *guidFactory) stamp(msgs []*Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UnixNano()
	for _, m := range msgs {
		id, err := f.newGUIDLocked(now >> 20)
		for err != nil {
			f.mu.Unlock()
			time.Sleep(time.Millisecond)
			f.mu.Lock()
			now = time.Now().UnixNano()
			id, err = f.newGUIDLocked(now >> 20)
		}
		m.ID, m.Timestamp = id.hex(), now
	}
}

// hex is the id as 16 lowercase hex digits, most significant first.
func (g guid) hex() MessageID {
	const digits = "0123456789abcdef"
	var h MessageID
	u := uint64(g)
	for i := len(h) - 1; i >= 0; i-- {
		h[i] = digits[u&0xf]
		u >>= 4
	}
	return h
}
