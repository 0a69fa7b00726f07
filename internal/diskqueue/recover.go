package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
)

// confirmRecords is how many chained well-formed records confirm a resync
// point when there is no validator.
const confirmRecords = 3

// handleReadError deals with a failed read at readPos: the segment is renamed
// .bad, the records that can be recovered from its unread part are written
// back as a clean segment of the same number, and reading goes on.
func (d *diskQueue) handleReadError(readErr error) {
	fn := d.fileName(d.readFileNum)
	d.closeReadFile()
	end := d.readEnd()
	if d.readFileNum == d.writeFileNum {
		d.closeWriteFile()
		d.writeFileNum++
		d.writePos, d.flushedPos = 0, 0
	}
	d.maxRead = -1
	d.needSync = true
	if errors.Is(readErr, os.ErrNotExist) {
		next := d.nextSegmentAfter(d.readFileNum)
		d.logf(ERROR, "segment %s is missing (segments %d..%d), skipping to segment %d",
			fn, d.readFileNum, next-1, next)
		d.readFileNum = next
		d.readPos = 0
		d.checkTail()
		return
	}
	d.logf(ERROR, "corruption reading %s at offset %d - %s", fn, d.readPos, readErr)
	base := d.salvageBase()
	tmp := d.salvage(fn, base, end)
	if err := os.Rename(fn, badName(fn)); err != nil {
		d.logf(ERROR, "failed to rename bad segment %s - %s", fn, err)
	}
	if tmp != "" {
		err := os.Rename(tmp, fn)
		if err == nil {
			d.shiftSegment(d.readFileNum, base, d.readPos)
			d.readPos -= base
			return
		}
		d.logf(ERROR, "failed to install recovered segment %s - %s", fn, err)
		os.Remove(tmp)
	}
	d.readFileNum++
	d.readPos = 0
	d.checkTail()
}

// salvageBase is where the recovered copy of the damaged read segment
// starts: the read position, or with Options.Acked the earliest record of
// the segment still in the window (read, and done or not, but not yet
// behind the low-water mark), so that those stay on disk too.
func (d *diskQueue) salvageBase() int64 {
	low := d.lowWater()
	switch {
	case low.File == d.readFileNum:
		return low.Off
	case low.File < d.readFileNum:
		for _, e := range d.window[d.winHead:] {
			if e.pos.File == d.readFileNum {
				return e.pos.Off
			}
		}
	}
	return d.readPos
}

// nextSegmentAfter is the lowest segment number above n that has a file,
// or writeFileNum if there is none before it.
func (d *diskQueue) nextSegmentAfter(n int64) int64 {
	nums, err := d.listSegments()
	if err != nil {
		return n + 1
	}
	for _, k := range nums {
		if k > n && k < d.writeFileNum {
			return k
		}
	}
	return d.writeFileNum
}

// badName is "<segment>.bad", or "<segment>.bad.N" if that is taken by an
// earlier corruption of a segment with the same number.
func badName(fn string) string {
	name := fn + ".bad"
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fn + ".bad." + strconv.Itoa(i)
	}
}

// salvage scans segment fn from offset from to end (-1: end of file), logs
// what it skips, and writes the records it keeps to a temporary file whose
// name it returns ("" if nothing was kept).
func (d *diskQueue) salvage(fn string, from, end int64) string {
	buf, err := readRange(fn, from, end)
	if err != nil {
		d.logf(ERROR, "failed to read %s for recovery - %s", fn, err)
		return ""
	}
	sc := scanner{buf: buf, minSize: d.minMsgSize, maxSize: d.maxMsgSize, validate: d.validate}
	keep, skipped := sc.scan()
	for _, s := range skipped {
		d.logf(ERROR, "skipped bytes %d-%d (%d bytes) of %s",
			from+int64(s.start), from+int64(s.end), s.end-s.start, fn)
	}
	if len(keep) == 0 {
		return ""
	}
	tmp := fn + "." + strconv.Itoa(rand.Int()) + ".tmp"
	if err := writeSpans(tmp, buf, keep); err != nil {
		d.logf(ERROR, "failed to write recovered records of %s - %s", fn, err)
		os.Remove(tmp)
		return ""
	}
	d.logf(WARN, "recovered %d records from offset %d of %s", len(keep), from, fn)
	return tmp
}

// readRange reads fn from offset from to end, or to its end if end < 0. A
// file shorter than end yields what is there.
func readRange(fn string, from, end int64) ([]byte, error) {
	f, err := os.Open(fn)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if end < 0 {
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		end = fi.Size()
	}
	if end <= from {
		return nil, nil
	}
	buf := make([]byte, end-from)
	n, err := f.ReadAt(buf, from)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// writeSpans writes the spans of buf, in order, to a new fsynced file fn.
func writeSpans(fn string, buf []byte, spans []span) error {
	f, err := os.OpenFile(fn, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, bufSize)
	for _, s := range spans {
		if _, err = w.Write(buf[s.start:s.end]); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// span is a byte range [start, end) of a scanned buffer.
type span struct{ start, end int }

// scanner finds the well-formed records in a damaged run of segment bytes.
type scanner struct {
	buf      []byte
	minSize  int32
	maxSize  int32
	validate func([]byte) bool
}

// scan splits buf into records to keep and byte ranges to skip, in order.
func (s *scanner) scan() (keep, skipped []span) {
	p := 0
	for p < len(s.buf) {
		if n := s.recordAt(p); n > 0 {
			keep = append(keep, span{p, p + n})
			p += n
			continue
		}
		q := p + 1
		for q < len(s.buf) && !s.confirmed(q) {
			q++
		}
		skipped = append(skipped, span{p, q})
		p = q
	}
	return keep, skipped
}

// recordAt returns the size (header included) of a well-formed record at p,
// or 0 if there is none.
func (s *scanner) recordAt(p int) int {
	if len(s.buf)-p < 4 {
		return 0
	}
	n := int32(binary.BigEndian.Uint32(s.buf[p:]))
	if n < s.minSize || n > s.maxSize || int64(n) > int64(len(s.buf)-p-4) {
		return 0
	}
	if s.validate != nil && !s.validate(s.buf[p+4:p+4+int(n)]) {
		return 0
	}
	return 4 + int(n)
}

// confirmed reports whether reading can resume at p: a well-formed record
// starts there and, without a validator, the records chained after it are
// well-formed too, for confirmRecords records or to the exact end of buf.
func (s *scanner) confirmed(p int) bool {
	want := confirmRecords
	if s.validate != nil {
		want = 1
	}
	for range want {
		n := s.recordAt(p)
		if n == 0 {
			return false
		}
		p += n
		if p == len(s.buf) {
			return true
		}
	}
	return true
}
