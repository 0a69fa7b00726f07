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
		d.makeDoneBacklog() // before the record is out: its Done needs it
		r := d.record()
		d.readCh <- r
		d.sent(r)
	}
}

// record is the read-ahead record with its position.
func (d *diskQueue) record() Record {
	return Record{Data: d.ahead, Pos: Pos{File: d.readFileNum, Off: d.readPos}}
}

// sent consumes r, just handed to ReadChan, and remembers it among the
// last records sent: the buffered ones are the newest len(readCh) of them.
func (d *diskQueue) sent(r Record) {
	if d.acked {
		if d.lastSent == nil {
			d.lastSent = make([]Record, readAhead)
		}
		d.lastSent[d.sentSeq%readAhead] = r
		d.sentSeq++
	}
	d.consume()
}

// oldestBuffered is the oldest record still in ReadChan's buffer, or false
// when it is empty. The reader may receive it at any moment: the answer is
// a snapshot.
func (d *diskQueue) oldestBuffered() (Record, bool) {
	k := len(d.readCh)
	if k == 0 {
		return Record{}, false
	}
	return d.lastSent[(d.sentSeq-uint64(k))%readAhead], true
}

// unread takes back the records waiting in ReadChan's buffer, so that Take,
// Peek and Empty see the queue as its reader will: those records first.
// Their window entries are marked back and the read position returns to
// the oldest of them. The reader may receive a record while the buffer is
// drained, so the records taken back need not be contiguous: reading again
// from there sends only the entries marked back and passes over the others
// (received meanwhile, or finished before a restart), see rereadSkip.
func (d *diskQueue) unread() {
	select {
	case r := <-d.readCh:
		d.unreadFrom(r)
	default:
	}
}

// unreadFrom is unread with r, already received from the buffer, as the
// oldest record taken back.
func (d *diskQueue) unreadFrom(r Record) {
	from, n := r.Pos, 0
	for ok := true; ok; {
		if i, found := d.findEntry(r.Pos); found {
			d.window[d.winHead+i].back = true
		}
		n++
		select {
		case r = <-d.readCh:
		default:
			ok = false
		}
	}
	d.closeReadFile()
	d.readFileNum, d.readPos, d.maxRead = from.File, from.Off, -1
	d.ahead, d.haveAhead = nil, false
	d.depth.Add(int64(n))
}

// windowEntry looks p up in the window when p lies within it, that is,
// the record at p is read again after unread: it returns the entry (nil
// if the window has none for p) and whether p is within the window.
func (d *diskQueue) windowEntry(p Pos) (*winEntry, bool) {
	if d.winHead == len(d.window) || d.window[len(d.window)-1].pos.less(p) {
		return nil, false
	}
	if i, ok := d.findEntry(p); ok {
		return &d.window[d.winHead+i], true
	}
	return nil, true
}

// rereadSkip reports whether the record at p, read again after unread, is
// to be passed over: every record within the window but those taken back
// (a record the reader received, or one finished before a restart).
func (d *diskQueue) rereadSkip(p Pos) bool {
	e, within := d.windowEntry(p)
	return within && (e == nil || !e.back)
}
