package diskqueue

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkIdleQueue opens queues that each took one record, which was
// read, and reports what an idle queue keeps once its loop had time to
// settle: live heap and goroutine stacks, in bytes per queue. Acked
// queues also took the record's Done.
func BenchmarkIdleQueue(b *testing.B) {
	for _, acked := range []bool{false, true} {
		b.Run(fmt.Sprintf("acked=%v", acked), func(b *testing.B) {
			const n = 200
			b.ReportAllocs()
			var perQueue float64
			for b.Loop() {
				perQueue = idleQueuesBytes(b, acked, n)
			}
			b.ReportMetric(perQueue, "B/queue")
		})
	}
}

func idleQueuesBytes(b *testing.B, acked bool, n int) float64 {
	o := benchOptions(b)
	o.Acked, o.SyncEvery = acked, 1
	before := liveBytes()
	qs := make([]Interface, n)
	for i := range qs {
		o.Name = fmt.Sprintf("idle%d", i)
		qs[i] = NewWithOptions(o)
		require.NoError(b, qs[i].Put(msg(i, "x")))
		r := <-qs[i].ReadChan()
		qs[i].Done(r.Pos)
	}
	for _, q := range qs {
		for !parked(q) {
			runtime.Gosched()
		}
	}
	after := liveBytes()
	for _, q := range qs {
		require.NoError(b, q.Close())
	}
	return float64(after-before) / float64(n)
}

func liveBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc + ms.StackInuse)
}
