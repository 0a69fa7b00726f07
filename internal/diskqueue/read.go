package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// hasUnread reports whether a record lies between the read and write
// positions.
func (d *diskQueue) hasUnread() bool {
	return d.readFileNum < d.writeFileNum ||
		(d.readFileNum == d.writeFileNum && d.readPos < d.writePos)
}

// prepareRead makes sure the next record is read ahead if there is one,
// handling any corruption on the way.
func (d *diskQueue) prepareRead() bool {
	for !d.haveAhead {
		if !d.hasUnread() {
			return false
		}
		if err := d.readOne(); err != nil {
			d.handleReadError(err)
			continue
		}
		switch {
		case !d.haveAhead:
		case d.rereadSkip(Pos{File: d.readFileNum, Off: d.readPos}):
			d.advanceRead()
		case d.finishedBefore():
			d.pass()
		}
	}
	return true
}

// readOne reads the record at readPos into d.ahead. It may instead only move
// past a finished segment, leaving haveAhead false.
func (d *diskQueue) readOne() error {
	if d.readFile == nil {
		if err := d.openReadFile(); err != nil {
			return err
		}
		if d.finishReadSegmentIfDone() {
			// Moving past an empty finished segment may reach the writer.
			d.checkTail()
			return nil
		}
	}
	if _, err := io.ReadFull(d.reader, d.readHdr[:]); err != nil {
		return fmt.Errorf("reading length: %w", err)
	}
	n := int32(binary.BigEndian.Uint32(d.readHdr[:]))
	if n < d.minMsgSize || n > d.maxMsgSize {
		return fmt.Errorf("invalid message read size (%d)", n)
	}
	if end := d.readEnd(); end >= 0 && d.readPos+4+int64(n) > end {
		return fmt.Errorf("record of %d bytes runs past the segment end %d", n, end)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(d.reader, payload); err != nil {
		return fmt.Errorf("reading %d byte payload: %w", n, err)
	}
	if d.validate != nil && !d.validate(payload) {
		return errors.New("payload rejected by validator")
	}
	d.ahead, d.haveAhead = payload, true
	return nil
}

// readEnd is where the read segment's data ends, or -1 when not known.
func (d *diskQueue) readEnd() int64 {
	if d.readFileNum == d.writeFileNum {
		return d.writePos
	}
	return d.maxRead
}

func (d *diskQueue) openReadFile() error {
	f, err := os.OpenFile(d.fileName(d.readFileNum), os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	if d.readPos > 0 {
		if _, err := f.Seek(d.readPos, io.SeekStart); err != nil {
			f.Close()
			return err
		}
	}
	if d.readFileNum < d.writeFileNum {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		d.maxRead = fi.Size()
	}
	d.readFile = f
	if d.reader == nil {
		d.reader = bufio.NewReaderSize(f, bufSize)
	} else {
		d.reader.Reset(f)
	}
	return nil
}

func (d *diskQueue) closeReadFile() {
	if d.readFile == nil {
		return
	}
	d.readFile.Close()
	d.readFile = nil
	d.reader.Reset(eofReader{})
}

// eofReader stands in for a closed read segment.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// consume is called when the read-ahead record was taken from ReadChan.
// Acked, the record joins the window of records not yet done, and only
// Done counts towards the next sync.
func (d *diskQueue) consume() {
	if d.acked {
		p := Pos{File: d.readFileNum, Off: d.readPos}
		if e, _ := d.windowEntry(p); e != nil {
			e.back = false // sent again after unread: its entry is in place
		} else {
			d.window = append(d.window, winEntry{pos: p})
		}
	} else {
		d.countOps(1)
	}
	d.depth.Add(-1)
	d.advanceRead()
}

// pass moves over the read-ahead record, finished before the restart
// (listed in the sidecar, already left out of the depth), without
// delivering it.
func (d *diskQueue) pass() {
	if len(d.window) > d.winHead {
		d.window = append(d.window, winEntry{pos: Pos{File: d.readFileNum, Off: d.readPos}, done: true})
	}
	d.advanceRead()
}

func (d *diskQueue) advanceRead() {
	d.readPos += 4 + int64(len(d.ahead))
	d.ahead, d.haveAhead = nil, false
	d.finishReadSegmentIfDone()
	d.checkTail()
}

// finishReadSegmentIfDone moves the reader from a completed segment that
// has been read to its end to the next one, and deletes the segments that
// the low-water mark has left behind.
func (d *diskQueue) finishReadSegmentIfDone() bool {
	if d.readFileNum >= d.writeFileNum || d.maxRead < 0 || d.readPos < d.maxRead {
		return false
	}
	d.closeReadFile()
	d.readFileNum++
	d.readPos, d.maxRead = 0, -1
	d.needSync = true
	d.releaseSegments()
	return true
}

// releaseSegments deletes every segment below the low-water mark's.
func (d *diskQueue) releaseSegments() {
	low := d.lowWater().File
	for ; d.keepFrom < low; d.keepFrom++ {
		fn := d.fileName(d.keepFrom)
		if err := os.Remove(fn); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.logf(ERROR, "failed to remove %s - %s", fn, err)
		}
		d.needSync = true
	}
}

// checkTail repairs the depth, or both positions, once the reader has caught
// up with the writer.
func (d *diskQueue) checkTail() {
	if d.hasUnread() {
		return
	}
	if depth := d.depth.Load(); depth != 0 {
		if depth < 0 {
			d.logf(ERROR, "negative depth at tail (%d), metadata corruption, resetting 0...", depth)
		} else {
			d.logf(ERROR, "positive depth at tail (%d), data loss, resetting 0...", depth)
		}
		d.depth.Store(0)
		d.needSync = true
	}
	if d.readFileNum != d.writeFileNum || d.readPos != d.writePos {
		d.logf(ERROR, "read position %d,%d is past write position %d,%d, skipping to next file",
			d.readFileNum, d.readPos, d.writeFileNum, d.writePos)
		if err := d.skipToNextRWFile(); err != nil {
			d.logf(ERROR, "failed to skip to next file - %s", err)
		}
		d.needSync = true
	}
}
