package nsqd_test

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
)

// mpubBody is count, then each body with its size.
func mpubBody(count uint32, bodies ...[]byte) []byte {
	b := test.Uint32(count)
	for _, m := range bodies {
		b = append(b, test.Uint32(uint32(len(m)))...)
		b = append(b, m...)
	}
	return b
}

// TestMPUBReadsNoMoreThanDeclared: an MPUB body whose messages run past
// its declared size is refused, nothing published, and a count that cannot
// fit the declared size is refused before any message is read.
func TestMPUBReadsNoMoreThanDeclared(t *testing.T) {
	t.Parallel()
	n := startNSQD(t, nil)

	c := mustConnect(t, n)
	body := mpubBody(1, bytes.Repeat([]byte("x"), 100))
	c.CmdSizedBody("MPUB past", 10, body)
	c.ExpectFatal(t, "E_BAD_MESSAGE MPUB failed to read message body")
	assert.Zero(t, mustTopicStats(t, n, "past").MessageCount)

	// 1000 messages need at least 4,004 bytes; 100 are declared. The
	// answer comes without waiting for the messages.
	c = mustConnect(t, n)
	c.CmdSizedBody("MPUB count", 100, test.Uint32(1000))
	c.ExpectFatal(t, "E_BAD_BODY MPUB invalid message count 1000")

	// A body declared longer than its messages is still accepted, as NSQ
	// does: the rest of the declared size is not read.
	c = mustConnect(t, n)
	c.CmdSizedBody("MPUB short", 100, mpubBody(1, []byte("m")))
	c.ExpectOK(t)
	c.Cmd("NOP")
	c.CmdBody("PUB short", []byte("n"))
	c.ExpectOK(t)
	assert.Equal(t, uint64(2), mustTopicStats(t, n, "short").MessageCount)
}

// TestBodyHeadersDoNotAllocate: clients that declare the largest bodies
// (IDENTIFY, AUTH, MPUB with the largest count, PUB with the largest
// message) and then send almost nothing cost the server about what they
// sent, not what they declared. It runs alone (not parallel) so the heap
// it measures is its own.
func TestBodyHeadersDoNotAllocate(t *testing.T) {
	const conns = 8 // of each kind
	n := startNSQD(t, nil)
	maxBody, maxMsg := uint32(nsqd.NewOptions().MaxBodySize), uint32(nsqd.NewOptions().MaxMsgSize)
	before := heapAlloc()
	for range conns {
		mustConnect(t, n).CmdSizedBody("IDENTIFY", maxBody, []byte("{"))
		mustConnect(t, n).CmdSizedBody("AUTH", maxBody, []byte("s"))
		mustConnect(t, n).CmdSizedBody("MPUB t", maxBody, append(test.Uint32((maxBody-4)/5), test.Uint32(maxMsg)...))
		mustConnect(t, n).CmdSizedBody("PUB t", maxMsg, []byte("m"))
	}
	// Every connection's reader is waiting for the rest of its body.
	for _, frame := range []string{").IDENTIFY(", ").AUTH(", ").MPUB(", ").PUB("} {
		test.Eventually(t, 10*time.Second, func() bool { return goroutinesIn(frame) == conns },
			fmt.Sprintf("%d connections blocked in %s", conns, frame))
	}
	grown := int64(heapAlloc()) - int64(before)
	declared := int64(conns) * int64(2*maxBody+maxMsg+8*((maxBody-4)/5))
	t.Logf("heap grew by %d bytes for %d bytes declared", grown, declared)
	assert.Less(t, grown, declared/20, "heap grew by %d bytes for %d bytes declared", grown, declared)
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// goroutinesIn counts goroutines with every one of frames (function name
// fragments) on their stack.
func goroutinesIn(frames ...string) int {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	count := 0
	for _, g := range strings.Split(b.String(), "\n\n") {
		all := true
		for _, f := range frames {
			all = all && strings.Contains(g, f)
		}
		if all {
			count++
		}
	}
	return count
}
