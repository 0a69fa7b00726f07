package diskqueue

import (
	"sync"
	"sync/atomic"
)

// The I/O loop runs only while the queue has something to do. A queue with
// nothing to read, nothing unsynced and no request on its way parks: its
// goroutine returns, leaving the state in the struct, and the next request
// (Put, Done, Empty, Peek, Take) starts a new one. A daemon with thousands
// of idle topics and channels then holds no goroutine, stack or timer for
// them.
//
// loopGate.state packs whether a loop is running, whether the queue was
// stopped, and the number of requests announced to the loop and not yet
// received by it. A request is announced (enter) before it is sent, and
// the loop parks only by swapping the state from exactly "running, no
// request" to "parked", so it never leaves a request without a receiver.
type loopGate struct {
	state atomic.Int64
	mu    sync.Mutex // orders starting a loop with stopping the queue
}

const (
	loopRunning = 1 << 0
	loopStopped = 1 << 1
	loopReq     = 1 << 2 // one announced request
)

// enter announces a request for the I/O loop, starting the loop if it is
// parked. It returns false once the queue is stopped.
func (d *diskQueue) enter() bool {
	for {
		s := d.gate.state.Load()
		switch {
		case s&loopStopped != 0:
			return false
		case s&loopRunning != 0:
			if d.gate.state.CompareAndSwap(s, s+loopReq) {
				return true
			}
		default:
			if d.startLoop(loopReq) {
				return true
			}
		}
	}
}

// startLoop starts the I/O loop with reqs (0 or loopReq) announced, unless
// one runs or the queue is stopped; it reports whether it did.
func (d *diskQueue) startLoop(reqs int64) bool {
	d.gate.mu.Lock()
	defer d.gate.mu.Unlock()
	s := d.gate.state.Load()
	if s&(loopRunning|loopStopped) != 0 || !d.gate.state.CompareAndSwap(s, (s|loopRunning)+reqs) {
		return false
	}
	d.wg.Go(d.ioLoop)
	return true
}

// received tells the gate that the loop took n announced requests.
func (d *diskQueue) received(n int64) { d.gate.state.Add(-n * loopReq) }

// stopLoop marks the queue stopped, so that no loop starts any more, and
// waits for a running one to return.
func (d *diskQueue) stopLoop() {
	d.gate.mu.Lock()
	d.gate.state.Or(loopStopped)
	d.gate.mu.Unlock()
	close(d.exitCh)
	d.wg.Wait()
}

// park is called by the loop between two steps: when the queue is idle it
// lets go of its buffers and reports whether the loop may return, which it
// may only if no request was announced meanwhile.
func (d *diskQueue) park() bool {
	if !d.idle() {
		return false
	}
	d.releaseBuffers()
	return d.gate.state.CompareAndSwap(loopRunning, 0)
}

// idle reports whether the loop has nothing to do until a request comes:
// no record to offer on ReadChan, and nothing that a sync would write.
// Records read and not yet done (Acked) do not keep it running: their Done
// calls start it again.
func (d *diskQueue) idle() bool {
	return !d.needSync && d.count == 0 && len(d.unlogged) == 0 &&
		!d.haveAhead && !d.hasUnread()
}

// releaseBuffers closes the segments and drops the buffers of an idle
// queue; they are opened and allocated again on the next read or write.
// A write segment with unsynced records stays open for the sync.
func (d *diskQueue) releaseBuffers() {
	if d.writeFile != nil && !d.unsynced && d.writer.Buffered() == 0 {
		d.closeWriteFile()
	}
	if d.writeFile == nil {
		d.writer = nil
	}
	d.closeReadFile()
	d.reader = nil
	d.batch, d.metaBuf = nil, nil
}
