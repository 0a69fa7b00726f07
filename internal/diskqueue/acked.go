package diskqueue

import (
	"slices"
)

// doneBacklog is how many Done calls may wait for the I/O loop before
// Done blocks.
const doneBacklog = 1024

// doneLogSlack is how many garbage records the sidecar may hold beyond
// twice its live ones before it is rewritten.
const doneLogSlack = 1024

// winEntry is a record read and not yet behind the low-water mark.
type winEntry struct {
	pos  Pos
	done bool
	back bool // taken back from ReadChan's buffer: to be sent again (see unread)
}

// ackState is the bookkeeping of Options.Acked, owned by the I/O loop. It
// grows with the records read and not done plus the records done ahead of
// the oldest of those (the window), never with the unread backlog.
type ackState struct {
	acked    bool
	window   []winEntry // from window[winHead]: read records in order, from the low-water mark on
	winHead  int
	skip     map[Pos]struct{} // done ahead of the mark before the restart: passed over when read
	unlogged []Pos            // done ahead of the mark since the last sync, not yet in the sidecar
	done     *doneLog
	rewrite  bool  // the sidecar must be rewritten at the next sync
	keepFrom int64 // lowest segment number not yet deleted

	lastSent []Record // ring of the last readAhead records sent to ReadChan
	sentSeq  uint64   // records sent so far; lastSent[sentSeq%readAhead] is next
}

// lowWater is the position of the oldest record read and not done, or the
// read position when there is none: what the metadata file records.
func (d *diskQueue) lowWater() Pos {
	if d.winHead < len(d.window) {
		return d.window[d.winHead].pos
	}
	return Pos{File: d.readFileNum, Off: d.readPos}
}

// pendingCount is the number of records between the low-water mark and
// the read position, done or not, plus those still to be skipped: they are
// part of the depth written to the metadata file.
func (d *diskQueue) pendingCount() int64 {
	return int64(len(d.window)-d.winHead) + int64(len(d.skip))
}

// makeDoneBacklog makes the Done channel of an acknowledged queue before
// its loop first offers a record: Done is called for a record received, so
// it always finds the channel made. Only an acknowledged queue that hands
// out records needs one; elsewhere the nil channel keeps the loop's case
// idle and saves the buffer.
func (d *diskQueue) makeDoneBacklog() {
	if d.acked && d.doneCh == nil {
		d.doneCh = make(chan Pos, doneBacklog)
	}
}

// takeDone marks done every position already waiting.
func (d *diskQueue) takeDone() {
	for {
		select {
		case p := <-d.doneCh:
			d.received(1)
			d.markDone(p)
		default:
			return
		}
	}
}

// findEntry finds p in the window from the low-water mark on: its index in
// window[winHead:], and whether it is there.
func (d *diskQueue) findEntry(p Pos) (int, bool) {
	return slices.BinarySearchFunc(d.window[d.winHead:], p, func(e winEntry, p Pos) int {
		switch {
		case e.pos == p:
			return 0
		case e.pos.less(p):
			return -1
		}
		return 1
	})
}

// markDone records that the record at p is finished. Unknown positions
// (the queue was emptied since) are ignored.
func (d *diskQueue) markDone(p Pos) {
	w := d.window[d.winHead:]
	i, ok := d.findEntry(p)
	if !ok || w[i].done {
		return
	}
	w[i].done = true
	d.countOps(1)
	if i > 0 {
		d.unlogged = append(d.unlogged, p)
		return
	}
	for d.winHead < len(d.window) && d.window[d.winHead].done {
		d.winHead++
	}
	d.trimWindow()
	d.releaseSegments()
}

// trimWindow drops the entries behind the low-water mark from the slice.
func (d *diskQueue) trimWindow() {
	switch {
	case d.winHead == len(d.window):
		if cap(d.window) > 4096 {
			d.window = nil
		}
		d.window, d.winHead = d.window[:0], 0
	case d.winHead > 1024 && 2*d.winHead > len(d.window):
		n := copy(d.window, d.window[d.winHead:])
		d.window, d.winHead = d.window[:n], 0
	}
}

// resetWindow forgets every record read (the queue was emptied or skipped
// ahead).
func (d *diskQueue) resetWindow() {
	d.window, d.winHead = nil, 0
	d.skip, d.unlogged = nil, nil
	d.keepFrom = d.readFileNum
	d.rewrite = true
}

// finishedBefore reports whether the read-ahead record is one finished
// before the restart, and forgets it if so.
func (d *diskQueue) finishedBefore() bool {
	if len(d.skip) == 0 {
		return false
	}
	p := Pos{File: d.readFileNum, Off: d.readPos}
	if _, ok := d.skip[p]; !ok {
		return false
	}
	delete(d.skip, p)
	if len(d.skip) == 0 {
		d.skip = nil
	}
	return true
}

// loadDone reads the sidecar at startup: the records it lists at or after
// the read position are skipped when read, and left out of the depth.
func (d *diskQueue) loadDone() {
	l, pos, err := openDoneLog(d.doneFileName())
	d.done = l
	if err != nil {
		d.logf(ERROR, "sidecar %s - %s", l.path, err)
	}
	from := Pos{File: d.readFileNum, Off: d.readPos}
	for _, p := range pos {
		if p.less(from) {
			continue
		}
		if d.skip == nil {
			d.skip = make(map[Pos]struct{})
		}
		d.skip[p] = struct{}{}
	}
	if n := int64(len(d.skip)); n > 0 {
		d.depth.Store(max(d.depth.Load()-n, 0))
		d.logf(INFO, "%d records finished ahead of the read position will be skipped", n)
	}
	if int64(len(d.skip)) != l.recs {
		d.rewrite = true
	}
}

// syncDone appends to the sidecar the records done ahead of the mark since
// the last sync and fsyncs it; it runs before the metadata is written.
func (d *diskQueue) syncDone() error {
	if len(d.unlogged) == 0 {
		return nil
	}
	low := d.lowWater()
	keep := d.unlogged[:0]
	for _, p := range d.unlogged {
		if !p.less(low) {
			keep = append(keep, p)
		}
	}
	err := d.done.append(keep)
	if err == nil {
		err = d.done.sync()
	}
	d.unlogged = d.unlogged[:0]
	if err != nil {
		d.rewrite = true
	}
	return err
}

// compactDone rewrites the sidecar with only the records done ahead of the
// mark when it is mostly garbage, or was damaged; it runs after the
// metadata was written, so the mark on disk is the current one.
func (d *diskQueue) compactDone() {
	var live []Pos
	for _, e := range d.window[d.winHead:] {
		if e.done {
			live = append(live, e.pos)
		}
	}
	for p := range d.skip {
		live = append(live, p)
	}
	garbage := d.done.recs > 2*int64(len(live))+doneLogSlack || len(live) == 0 && d.done.recs > 0
	if !d.rewrite && !garbage {
		return
	}
	slices.SortFunc(live, func(a, b Pos) int {
		if a == b {
			return 0
		}
		if a.less(b) {
			return -1
		}
		return 1
	})
	if err := d.done.rewrite(live); err != nil {
		d.logf(ERROR, "failed to rewrite %s - %s", d.done.path, err)
		d.rewrite = true
		return
	}
	d.rewrite = false
}

// shiftSegment renumbers the positions in segment n by -base after the
// segment was rewritten from offset base (see handleReadError), and drops
// the skipped records at or after from, whose place is no longer known.
func (d *diskQueue) shiftSegment(n, base, from int64) {
	for i := d.winHead; i < len(d.window); i++ {
		if d.window[i].pos.File == n {
			d.window[i].pos.Off -= base
		}
	}
	for i, p := range d.unlogged {
		if p.File == n {
			d.unlogged[i].Off -= base
		}
	}
	for p := range d.skip {
		if p.File == n && p.Off >= from {
			delete(d.skip, p)
		}
	}
	d.rewrite = true
}
