package diskqueue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func benchOptions(b *testing.B) Options {
	return Options{
		Name:            "bench",
		DataPath:        b.TempDir(),
		MaxBytesPerFile: 100 << 20,
		MinMsgSize:      testMin,
		MaxMsgSize:      1 << 20,
		SyncEvery:       2500,
		SyncTimeout:     2 * time.Second,
	}
}

func benchmarkPut(b *testing.B, size int) {
	q := NewWithOptions(benchOptions(b))
	defer q.Close()
	data := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, q.Put(data))
	}
}

func BenchmarkPut100(b *testing.B) { benchmarkPut(b, 100) }

// BenchmarkPutBatch100 measures PutBatch of 32 records per call; one
// operation is one record, comparable with BenchmarkPut100.
func BenchmarkPutBatch100(b *testing.B) {
	q := NewWithOptions(benchOptions(b))
	defer q.Close()
	batch := make([][]byte, 32)
	for i := range batch {
		batch[i] = make([]byte, 100)
	}
	b.SetBytes(100)
	b.ReportAllocs()
	b.ResetTimer()
	for left := b.N; left > 0; left -= len(batch) {
		n, err := q.PutBatch(batch[:min(left, len(batch))])
		require.NoError(b, err)
		require.Equal(b, min(left, len(batch)), n)
	}
}
func BenchmarkPut1K(b *testing.B) { benchmarkPut(b, 1024) }

// BenchmarkPutParallel measures Put from many goroutines, where writes
// arriving together share one flush.
func BenchmarkPutParallel100(b *testing.B) {
	q := NewWithOptions(benchOptions(b))
	defer q.Close()
	b.SetBytes(100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		data := make([]byte, 100)
		for pb.Next() {
			if !assert.NoError(b, q.Put(data)) {
				return
			}
		}
	})
}

func benchmarkPutRead(b *testing.B, size int) {
	q := NewWithOptions(benchOptions(b))
	defer q.Close()
	data := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, q.Put(data))
		<-q.ReadChan()
	}
}

func BenchmarkPutRead100(b *testing.B) { benchmarkPutRead(b, 100) }
func BenchmarkPutRead1K(b *testing.B)  { benchmarkPutRead(b, 1024) }

// BenchmarkRead1K measures draining records written beforehand, in chunks
// so the benchmark does not need b.N records on disk at once.
func BenchmarkRead1K(b *testing.B) {
	q := NewWithOptions(benchOptions(b))
	defer q.Close()
	data := make([]byte, 1024)
	b.SetBytes(1024)
	b.ReportAllocs()
	for left := b.N; left > 0; left -= 4096 {
		b.StopTimer()
		n := min(left, 4096)
		for range n {
			require.NoError(b, q.Put(data))
		}
		b.StartTimer()
		for range n {
			<-q.ReadChan()
		}
	}
}
