package diskqueue

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
)

// pendingWrite is a record of the current batch waiting for its answer.
// The records of one request are consecutive; the last one written
// carries the request's reply channel.
type pendingWrite struct {
	done chan writeResult
	err  error
}

// handleWrites writes first and whatever other writes are already waiting,
// hands them to the OS in one flush, syncs if the count is due, and answers.
// When a sync is due the writes are answered only after it: if it fails,
// those it was to make durable get its error and are taken back out.
func (d *diskQueue) handleWrites(first writeReq) {
	d.batch, d.unflushed = d.batch[:0], 0
	d.undurable, d.undurablePos = 0, d.writePos
	limit := min(maxBatch, max(d.syncEvery-d.count, 1))
	d.addWrite(first)
	for int64(len(d.batch)) < limit && d.addWaitingWrite() {
	}
	if err := d.commitWrites(); err != nil {
		d.logf(ERROR, "failed to write - %s", err)
	}
	d.countOps(int64(len(d.batch)))
	if d.needSync {
		if err := d.sync(); err != nil {
			d.logf(ERROR, "failed to sync - %s", err)
			d.undoWrites(d.undurable, d.undurablePos, err)
		}
	}
	d.answerWrites()
}

// answerWrites answers every request of the batch: how many of its
// records from the first were written, and the first error. Records are
// only ever taken back from the end of the batch, so those written are
// always the first ones of each request.
func (d *diskQueue) answerWrites() {
	var r writeResult
	for i := range d.batch {
		w := d.batch[i]
		switch {
		case r.err != nil:
		case w.err != nil:
			r.err = w.err
		default:
			r.n++
		}
		if w.done != nil {
			w.done <- r
			r = writeResult{}
		}
		d.batch[i] = pendingWrite{}
	}
	d.batch = d.batch[:0]
}

// addWaitingWrite takes one more write request if one is waiting.
func (d *diskQueue) addWaitingWrite() bool {
	select {
	case req := <-d.writeCh:
		d.received(1)
		d.addWrite(req)
		return true
	default:
		return false
	}
}

// addWrite writes the records of req to the buffer, stopping at the first
// one refused.
func (d *diskQueue) addWrite(req writeReq) {
	if req.many == nil {
		d.batch = append(d.batch, pendingWrite{done: req.done, err: d.writeRecord(req.data)})
		return
	}
	for i, data := range req.many {
		w := pendingWrite{err: d.writeRecord(data)}
		last := w.err != nil || i == len(req.many)-1
		if last {
			w.done = req.done
		}
		d.batch = append(d.batch, w)
		if last {
			return
		}
	}
}

// writeRecord appends one record to the write buffer, moving to a new
// segment first when the record does not fit in the current one.
func (d *diskQueue) writeRecord(data []byte) error {
	if len(data) < int(d.minMsgSize) || len(data) > int(d.maxMsgSize) {
		return fmt.Errorf("invalid message write size (%d) minMsgSize=%d maxMsgSize=%d",
			len(data), d.minMsgSize, d.maxMsgSize)
	}
	total := 4 + int64(len(data))
	if d.writePos > 0 && d.writePos+total > d.maxBytesPerFile {
		if err := d.rollWriteSegment(); err != nil {
			return err
		}
	}
	if d.writeFile == nil {
		if err := d.openWriteFile(); err != nil {
			return err
		}
	}
	binary.BigEndian.PutUint32(d.writeHdr[:], uint32(len(data)))
	if _, err := d.writer.Write(d.writeHdr[:]); err != nil {
		d.failUnflushed(err)
		return err
	}
	if _, err := d.writer.Write(data); err != nil {
		d.failUnflushed(err)
		return err
	}
	d.writePos += total
	d.depth.Add(1)
	d.unsynced = true
	return nil
}

// rollWriteSegment completes the write segment (flush, fsync) and moves the
// writer to the next one, recording the move in the metadata. If the
// segment cannot be made durable the writer stays; if the metadata cannot be
// written the move stands (startup finds segments past the recorded one)
// but the error is returned all the same, so the write that needed the new
// segment is refused.
func (d *diskQueue) rollWriteSegment() error {
	if err := d.commitWrites(); err != nil {
		return err
	}
	if d.writeFile != nil {
		if err := d.ops.syncFile(d.writeFile); err != nil {
			d.logf(ERROR, "failed to fsync %s - %s", d.writeFile.Name(), err)
			d.undoWrites(d.undurable, d.undurablePos, err)
			return err
		}
	}
	// The batch's writes so far are durable now, in the completed segment.
	d.undurable, d.undurablePos = len(d.batch), 0
	if d.readFileNum == d.writeFileNum {
		d.maxRead = d.writePos
	}
	d.closeWriteFile()
	d.writeFileNum++
	d.writePos, d.flushedPos = 0, 0
	d.finishReadSegmentIfDone()
	if err := d.persistMetaData(); err != nil {
		d.logf(ERROR, "failed to persist metadata - %s", err)
		d.needSync = true
		return err
	}
	d.needSync, d.count = false, 0
	return nil
}

// commitWrites hands the buffered records to the OS. On failure every record
// written since the previous flush fails and is forgotten.
func (d *diskQueue) commitWrites() error {
	var err error
	if d.writeFile != nil && d.writer.Buffered() > 0 {
		err = d.writer.Flush()
	}
	if err != nil {
		d.failUnflushed(err)
	}
	d.unflushed = len(d.batch)
	d.flushedPos = d.writePos
	return err
}

// failUnflushed undoes the records of the batch written since the last
// flush.
func (d *diskQueue) failUnflushed(err error) {
	d.undoWrites(d.unflushed, d.flushedPos, err)
}

// undoWrites fails the writes of the batch from index from on, which
// start at pos in the write segment, and takes them out of the queue: the
// write segment is reopened and cut back to pos on the next write, since
// part of them may have reached the file. A publisher that retries them
// then does not duplicate them.
func (d *diskQueue) undoWrites(from int, pos int64, err error) {
	for i := from; i < len(d.batch); i++ {
		if d.batch[i].err == nil {
			d.batch[i].err = err
			d.depth.Add(-1)
		}
	}
	d.unflushed = len(d.batch)
	d.writePos, d.flushedPos = pos, pos
	d.closeWriteFile()
	d.truncOnOpen = true
	if d.readFileNum == d.writeFileNum {
		d.closeReadFile() // it may have buffered the partial bytes
	}
}

func (d *diskQueue) openWriteFile() error {
	f, err := os.OpenFile(d.fileName(d.writeFileNum), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if d.truncOnOpen {
		if err := truncateTo(f, d.writePos); err != nil {
			f.Close()
			return err
		}
		d.truncOnOpen = false
	}
	if _, err := f.Seek(d.writePos, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	d.writeFile = f
	if d.writer == nil {
		d.writer = bufio.NewWriterSize(f, bufSize)
	} else {
		d.writer.Reset(f)
	}
	return nil
}

// truncateTo cuts f to size if it is longer.
func truncateTo(f *os.File, size int64) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() <= size {
		return nil
	}
	return f.Truncate(size)
}

// closeWriteFile closes the write segment, discarding anything unflushed.
func (d *diskQueue) closeWriteFile() {
	if d.writeFile == nil {
		return
	}
	d.writeFile.Close()
	d.writeFile = nil
	d.writer.Reset(io.Discard)
}

// sync flushes, fsyncs the write segment and rewrites the metadata file.
func (d *diskQueue) sync() error {
	if err := d.commitWrites(); err != nil {
		return err
	}
	if d.writeFile != nil && d.unsynced {
		if err := d.ops.syncFile(d.writeFile); err != nil {
			d.closeWriteFile()
			return err
		}
		d.unsynced = false
	}
	if err := d.syncDone(); err != nil {
		return err
	}
	if err := d.persistMetaData(); err != nil {
		return err
	}
	d.needSync, d.count = false, 0
	d.compactDone()
	return nil
}

// persistMetaData replaces the metadata file atomically. The read position
// it records is the low-water mark, and the depth counts every record from
// there on, so that NSQ reading the directory delivers them all.
func (d *diskQueue) persistMetaData() error {
	fn := d.metaDataFileName()
	tmp := fn + "." + strconv.Itoa(rand.Int()) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	low := d.lowWater()
	d.metaBuf = appendMetaData(d.metaBuf[:0], metaData{
		depth:        d.depth.Load() + d.pendingCount(),
		readFileNum:  low.File,
		readPos:      low.Off,
		writeFileNum: d.writeFileNum,
		writePos:     d.writePos,
	})
	_, err = f.Write(d.metaBuf)
	if err == nil {
		err = d.ops.syncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.ops.renameFile(tmp, fn)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
