package diskqueue

// takeReq asks the I/O loop to hand the next record to f.
type takeReq struct {
	f    func([]byte) error
	done chan takeResult
}

type takeResult struct {
	ok  bool
	err error
}

// Take hands the next record to f inside the I/O loop and consumes it only
// when f returns nil. A caller that stores the record elsewhere in f has it
// in both places for a moment, never in neither: a crash in between leaves
// a duplicate, not a loss. It reports whether there was a record, and f's
// error. f must not call back into this queue. Take competes with
// ReadChan for records; each record goes to one of them.
func (d *diskQueue) Take(f func([]byte) error) (bool, error) {
	if !d.enter() {
		return false, ErrClosed
	}
	req := takeReq{f: f, done: make(chan takeResult, 1)}
	select {
	case d.takeCh <- req:
	case <-d.exitCh:
		return false, ErrClosed
	}
	r := <-req.done
	return r.ok, r.err
}

// serveTake runs a Take request in the I/O loop.
func (d *diskQueue) serveTake(req takeReq) {
	if d.takeBuffered(req) {
		return
	}
	if !d.prepareRead() {
		req.done <- takeResult{}
		return
	}
	if err := req.f(d.ahead); err != nil {
		req.done <- takeResult{ok: true, err: err}
		return
	}
	pos := Pos{File: d.readFileNum, Off: d.readPos}
	d.consume()
	if d.acked {
		// Taken means finished: nothing else will call Done for it.
		d.markDone(pos)
	}
	req.done <- takeResult{ok: true}
}

// takeBuffered serves req from ReadChan's buffer when it holds records:
// f sees the oldest one, which is then received from the buffer. The
// reader may receive that record between the two: f has then seen a record
// that is delivered too (a duplicate, never a loss), and the record
// received instead is put back in front of the others (see unread).
func (d *diskQueue) takeBuffered(req takeReq) bool {
	head, ok := d.oldestBuffered()
	if !ok {
		return false
	}
	if err := req.f(head.Data); err != nil {
		req.done <- takeResult{ok: true, err: err}
		return true
	}
	select {
	case r := <-d.readCh:
		if r.Pos == head.Pos {
			d.markDone(r.Pos)
		} else {
			d.unreadFrom(r)
		}
	default:
	}
	req.done <- takeResult{ok: true}
	return true
}
