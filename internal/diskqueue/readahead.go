package diskqueue

// readAhead is how many records an acknowledged queue hands to ReadChan's
// buffer ahead of its reader. A record in the buffer is already read: it
// sits in the window (not done), so the low-water mark, and with it what a
// restart replays, stays at or before it. The buffer lets the I/O loop and
// the reader run without a goroutine switch per record.
const readAhead = 32

// readChanSize is the buffer of ReadChan: none for a plain queue, whose
// record counts as consumed the moment it is received and must not be
// held anywhere a crash would lose it.
func readChanSize(acked bool) int {
	if acked {
		return readAhead
	}
	return 0
}

// fillAhead moves records into ReadChan's buffer while it has room. Only
// the I/O loop sends on readCh, so a send with room never blocks.
func (d *diskQueue) fillAhead() {
	for len(d.readCh) < cap(d.readCh) && d.prepareRead() {
		d.readCh <- d.record()
		d.consume()
	}
}

// record is the read-ahead record with its position.
func (d *diskQueue) record() Record {
	return Record{Data: d.ahead, Pos: Pos{File: d.readFileNum, Off: d.readPos}}
}

// unread takes back the records still waiting in ReadChan's buffer and
// moves the read position back to the oldest of them, so that Take, Peek
// and Empty see the queue as its reader will: those records first. The
// records the reader passed over as finished before a restart are listed
// to be skipped again.
func (d *diskQueue) unread() {
	n := 0
	for len(d.readCh) > 0 {
		select {
		case <-d.readCh:
			n++
		default:
		}
	}
	if n == 0 {
		return
	}
	// The window ends with the n records taken back, in order, with only
	// passed-over (done) entries among them: the reader receives in order,
	// so nothing after the oldest one was received.
	i := len(d.window)
	for left := n; left > 0; {
		i--
		if d.window[i].done {
			d.skipAgain(d.window[i].pos)
		} else {
			left--
		}
	}
	from := d.window[i].pos
	d.window = d.window[:i]
	d.closeReadFile()
	d.readFileNum, d.readPos, d.maxRead = from.File, from.Off, -1
	d.ahead, d.haveAhead = nil, false
	d.depth.Add(int64(n))
}

// skipAgain lists p, passed over once, to be passed over when read again.
func (d *diskQueue) skipAgain(p Pos) {
	if d.skip == nil {
		d.skip = make(map[Pos]struct{})
	}
	d.skip[p] = struct{}{}
}
