package nsqd

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// parseID turns a wire ID back into its 64-bit value.
func parseID(t *testing.T, id MessageID) uint64 {
	t.Helper()
	for _, c := range id {
		require.True(t, c >= '0' && c <= '9' || c >= 'a' && c <= 'f', "id %q has a byte outside lowercase hex", id[:])
	}
	v, err := strconv.ParseUint(string(id[:]), 16, 64)
	require.NoError(t, err, "id %q", id[:])
	return v
}

func TestGUIDHex(t *testing.T) {
	cases := map[guid]string{
		0:                  "0000000000000000",
		1:                  "0000000000000001",
		0x0123456789abcdef: "0123456789abcdef",
		0x7fffffffffffffff: "7fffffffffffffff",
		-1:                 "ffffffffffffffff",
		0x00ab00cd00ef0010: "00ab00cd00ef0010",
	}
	for g, want := range cases {
		got := g.hex()
		require.Equal(t, want, string(got[:]), "guid(%#x).hex() = %q, want %q", uint64(g), got[:], want)
	}
}

// TestGUIDNodeBitsSpecExample: node 617 puts 0x269 in bits 12..21, so the
// first two ids within one time unit end in 269000 and 269001 (when the
// two lowest time bits, which share the sixth hex digit, are zero).
func TestGUIDNodeBitsSpecExample(t *testing.T) {
	for seq, want := range []string{"269000", "269001"} {
		g := guid((12344 << guidTimeShift) | (617 << guidNodeIDShift) | int64(seq))
		id := g.hex()
		require.True(t, strings.HasSuffix(string(id[:]), want), "seq %d: id %q does not end in %s", seq, id[:], want)
	}
}

func TestGUIDLayout(t *testing.T) {
	const node = 617
	f := newGUIDFactory(node)
	before := time.Now().UnixNano() >> 20
	g, err := newGUIDRetrying(f)
	require.NoError(t, err)
	after := time.Now().UnixNano() >> 20
	v := uint64(g)
	require.EqualValues(t, node, (v>>12)&0x3ff, "node bits")
	ts := int64(v>>22) + guidEpoch
	require.GreaterOrEqual(t, ts, before, "time bits")
	require.LessOrEqual(t, ts, after, "time bits")
	require.EqualValues(t, 0, v>>63, "id is negative")
}

// newGUIDRetrying calls newGUID until it succeeds (it only fails when the
// sequence of one time unit runs out).
func newGUIDRetrying(f *guidFactory) (guid, error) {
	var err error
	for i := 0; i < 100; i++ {
		var g guid
		if g, err = f.newGUID(); err == nil {
			return g, nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, err
}

func TestGUIDNodeBitsForEveryNode(t *testing.T) {
	for _, node := range []int64{0, 1, 2, 511, 512, 1022, 1023} {
		f := newGUIDFactory(node)
		g, err := newGUIDRetrying(f)
		require.NoError(t, err)
		require.Equal(t, node, (int64(g)>>guidNodeIDShift)&(1<<guidNodeIDBits-1), "node")
	}
}

func TestGUIDStrictlyIncreasing(t *testing.T) {
	f := newGUIDFactory(1023)
	const n = 20000
	prev := uint64(0)
	var prevTS uint64
	seen := map[MessageID]bool{}
	for i := 0; i < n; i++ {
		id := f.next()
		v := parseID(t, id)
		require.Greater(t, v, prev, "id %d not above the previous", i)
		require.False(t, seen[id], "duplicate id %s", id[:])
		seen[id] = true
		ts, seq := v>>22, v&0xfff
		if ts == prevTS {
			require.Equal(t, (prev&0xfff)+1, seq, "within one time unit seq went %d → %d", prev&0xfff, seq)
		} else {
			require.Zero(t, seq, "seq a new time unit starts at")
		}
		prev, prevTS = v, ts
	}
}

// pinToCurrentUnit sets the factory's state as if it had just produced the
// id with sequence seq in the current time unit, and returns that unit.
func pinToCurrentUnit(f *guidFactory, seq int64) int64 {
	ts := time.Now().UnixNano() >> 20
	f.lastTS = ts
	f.sequence = seq
	f.lastID = guid(((ts - guidEpoch) << guidTimeShift) | (f.nodeID << guidNodeIDShift) | seq)
	return ts
}

// inOneUnit runs fn until it completes within a single time unit (about a
// millisecond), so that its result is not muddled by the clock ticking.
func inOneUnit(t *testing.T, fn func() int64) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		ts := fn()
		if time.Now().UnixNano()>>20 == ts {
			return
		}
	}
	t.Skip("could not finish within one ~1 ms time unit")
}

func TestGUIDSequenceExhausted(t *testing.T) {
	f := newGUIDFactory(5)
	var last guid
	var err1, err2 error
	inOneUnit(t, func() int64 {
		ts := pinToCurrentUnit(f, guidSequenceMask)
		last = f.lastID
		_, err1 = f.newGUID()
		_, err2 = f.newGUID()
		return ts
	})
	require.True(t, errors.Is(err1, errSequenceExpired), "after seq %d: err = %v, want %v", guidSequenceMask, err1, errSequenceExpired)
	// The wrapped sequence must not hand out a smaller (or repeated) id
	// while still in the same time unit.
	require.NotNil(t, err2, "second call in the exhausted unit succeeded")
	require.Equal(t, last, f.lastID, "lastID moved from")
	// Once the clock moves on, ids resume above the last one.
	g, err := newGUIDRetrying(f)
	require.NoError(t, err)
	require.Greater(t, g, last, "id after exhaustion")
}

func TestGUIDSequenceRunsToMask(t *testing.T) {
	f := newGUIDFactory(0)
	var g guid
	var err error
	inOneUnit(t, func() int64 {
		ts := pinToCurrentUnit(f, guidSequenceMask-1)
		g, err = f.newGUID()
		return ts
	})
	require.NoError(t, err, "seq %d", guidSequenceMask)
	require.EqualValues(t, guidSequenceMask, int64(g)&guidSequenceMask, "seq bits")
}

func TestGUIDClockBackwards(t *testing.T) {
	f := newGUIDFactory(1)
	f.lastTS = time.Now().UnixNano()>>20 + 1<<20 // far in the future
	_, err := f.newGUID()
	require.ErrorIs(t, err, errTimeBackwards)
}

func TestGUIDWouldNotIncrease(t *testing.T) {
	f := newGUIDFactory(1)
	f.lastID = 1<<62 - 1
	_, err := f.newGUID()
	require.ErrorIs(t, err, errIDBackwards)
	require.EqualValues(t, 1<<62-1, f.lastID, "failed call changed lastID")
}

// TestGUIDNextWaitsOutAFutureClock: next retries until the clock passes
// the last time unit instead of returning an error or a duplicate.
func TestGUIDNextWaitsOutAFutureClock(t *testing.T) {
	f := newGUIDFactory(3)
	future := time.Now().UnixNano()>>20 + 3 // about 3 ms ahead
	f.lastTS = future
	f.lastID = guid(((future - guidEpoch) << guidTimeShift) | (3 << guidNodeIDShift))
	id := f.next()
	v := parseID(t, id)
	require.Greater(t, guid(v), guid(((future-guidEpoch)<<guidTimeShift)|(3<<guidNodeIDShift)), "next() not above the pinned id")
}

func TestGUIDHexMatchesEncodingHex(t *testing.T) {
	f := newGUIDFactory(42)
	for i := 0; i < 100; i++ {
		g, err := newGUIDRetrying(f)
		require.NoError(t, err)
		b := make([]byte, 8)
		for j := range b {
			b[j] = byte(uint64(g) >> (56 - 8*j))
		}
		id := g.hex()
		require.Equal(t, hex.EncodeToString(b), string(id[:]), "hex() = %q, want %q", id[:], hex.EncodeToString(b))
	}
}

// TestGUIDStampBatch: a batch larger than one millisecond's sequence gets
// strictly increasing ids, each made from its message's timestamp, and
// interleaves with single ids without going back.
func TestGUIDStampBatch(t *testing.T) {
	f := newGUIDFactory(7)
	msgs := make([]*Message, 3*(guidSequenceMask+1))
	for i := range msgs {
		msgs[i] = &Message{}
	}
	f.stamp(msgs[1:])
	last := parseID(t, f.next())
	f.stamp(msgs[:1])
	require.Greater(t, parseID(t, msgs[0].ID), last)
	var prev uint64
	for i, m := range msgs[1:] {
		id := parseID(t, m.ID)
		require.Greater(t, id, prev, "message %d", i+1)
		prev = id
		require.Equal(t, m.Timestamp>>20, int64(id>>guidTimeShift)+guidEpoch, "message %d", i+1)
		require.Equal(t, uint64(7), (id>>guidNodeIDShift)&(1<<guidNodeIDBits-1), "message %d", i+1)
	}
}

// BenchmarkGUIDHex measures writing an id as 16 hex digits, once per
// published message.
func BenchmarkGUIDHex(b *testing.B) {
	g := guid(0x0123456789abcdef)
	var id MessageID
	b.ReportAllocs()
	for b.Loop() {
		id = g.hex()
		g++
	}
	require.NotEqual(b, MessageID{}, id)
}
