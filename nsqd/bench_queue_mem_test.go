package nsqd

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkIdleQueueMemory creates topics with two channels each, as an
// idle daemon with many of them holds, and reports what every queue (topic
// or channel) keeps: live heap and goroutine stacks after a GC, in bytes.
// Its allocs/op and B/op count everything allocated on the way, metadata
// writes included.
func BenchmarkIdleQueueMemory(b *testing.B) {
	for _, memQueue := range []int64{10000, 0} {
		b.Run(fmt.Sprintf("mem-queue-size=%d", memQueue), func(b *testing.B) {
			const topics, channels = 200, 2
			b.ReportAllocs()
			var perQueue float64
			round := 0
			for b.Loop() {
				perQueue = idleQueueBytes(b, memQueue, round, topics, channels)
				round++
			}
			b.ReportMetric(perQueue, "B/queue")
		})
	}
}

// idleQueueBytes measures live heap plus stacks before and after creating
// the queues in a fresh daemon, and returns the growth per queue.
func idleQueueBytes(b *testing.B, memQueue int64, round, topics, channels int) float64 {
	n := benchNSQD(b, memQueue)
	before := liveBytes()
	for i := range topics {
		t := n.GetTopic(fmt.Sprintf("idle%d-%04d", round, i))
		for j := range channels {
			t.GetChannel(fmt.Sprintf("ch%d", j))
		}
	}
	// Let the goroutines that creation started reach their idle wait.
	time.Sleep(50 * time.Millisecond)
	after := liveBytes()
	n.Exit()
	return float64(after-before) / float64(topics*(1+channels))
}

func liveBytes() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc + ms.StackInuse)
}
