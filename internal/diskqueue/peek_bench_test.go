package diskqueue

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// peekBacklog is the backlog BenchmarkPeek1000 peeks into: 1,000,000
// records by default, DISKQUEUE_PEEK_BACKLOG=10000000 for the full-size
// run (about 460 MB of segments).
func peekBacklog(b *testing.B) int {
	if s := os.Getenv("DISKQUEUE_PEEK_BACKLOG"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err, "DISKQUEUE_PEEK_BACKLOG=%q", s)
		require.GreaterOrEqual(b, n, 1000, "DISKQUEUE_PEEK_BACKLOG=%q", s)
		return n
	}
	return 1_000_000
}

// writeBacklog fills the queue o with n message-shaped records using the
// queue's own writer, without its goroutine, and leaves synced metadata.
func writeBacklog(b *testing.B, o Options, n int) {
	d := newDiskQueue(o)
	d.load()
	rec := msg(0, "peek benchmark body")
	var id [8]byte
	for i := range n {
		binary.BigEndian.PutUint64(rec, uint64(1700000000000000000+i))
		binary.BigEndian.PutUint64(id[:], uint64(i))
		hex.Encode(rec[10:26], id[:])
		require.NoError(b, d.writeRecord(rec))
	}
	require.NoError(b, d.sync())
	d.closeWriteFile()
}

// BenchmarkPeek1000 peeks at the first 1,000 records of a large backlog.
// The time must not grow with the backlog: only the head is read.
func BenchmarkPeek1000(b *testing.B) {
	o := benchOptions(b)
	n := peekBacklog(b)
	writeBacklog(b, o, n)
	q := NewWithOptions(o)
	defer q.Close()
	require.Equal(b, int64(n), q.Depth(), "depth %d", q.Depth())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		recs, err := q.(Peeker).Peek(1000)
		require.NoError(b, err, "peek: %d records, %v", len(recs), err)
		require.Len(b, recs, 1000, "peek: %d records, %v", len(recs), err)
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "backlog")
}
