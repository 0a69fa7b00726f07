package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// Peeker is implemented by the queues of this package. Peek returns copies
// of up to n unconsumed records, oldest first, without consuming them: the
// read position, the depth and what ReadChan delivers next are unchanged.
//
// The records are read by the I/O loop itself, between two of its other
// steps, so a segment cannot be finished and deleted by a consumer, nor
// rolled by a writer, while it is being read. The reading uses its own file
// handle and starts at the read position, so it costs the time to read the
// records returned (plus one open per segment crossed), whatever the size of
// the backlog behind them. It stops early after 32 MiB of payload
// (always returning at least one record) and at the first record that is
// damaged, which the consumer's own read will deal with in time.
type Peeker interface {
	Peek(n int) ([][]byte, error)
}

// peekMaxBytes bounds the payload bytes one Peek returns.
var peekMaxBytes int64 = 32 << 20

// Peek implements Peeker.
func (d *diskQueue) Peek(n int) ([][]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	var recs [][]byte
	var err error
	if cerr := d.onLoop(func() { recs, err = d.peek(n) }); cerr != nil {
		return nil, cerr
	}
	return recs, err
}

// peekCursor walks the records from the read position on.
type peekCursor struct {
	d        *diskQueue
	num      int64 // segment
	pos      int64 // offset of the next record in it
	end      int64 // where the segment's data ends
	f        *os.File
	r        *bufio.Reader
	budget   int64
	hdr      [4]byte
	buffered bool // started at the oldest record of ReadChan's buffer
}

// errPeekStop ends a peek early without it being a failure.
var errPeekStop = errors.New("stop")

// peek runs on the I/O loop. Every record written has been flushed to the
// file by the time the loop takes a request, so reading up to writePos sees
// it.
func (d *diskQueue) peek(n int) ([][]byte, error) {
	c := &peekCursor{d: d, num: d.readFileNum, pos: d.readPos, budget: peekMaxBytes}
	if r, ok := d.oldestBuffered(); ok {
		// Records in ReadChan's buffer come first; they lie in the window,
		// where those received or finished meanwhile are passed over.
		c.num, c.pos, c.buffered = r.Pos.File, r.Pos.Off, true
	}
	defer c.close()
	var out [][]byte
	for len(out) < n {
		rec, err := c.next()
		if errors.Is(err, errPeekStop) || errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.logf(WARN, "peek stopped at %s offset %d - %s", d.fileName(c.num), c.pos, err)
			break
		}
		out = append(out, rec)
	}
	return out, nil
}

// next returns the record at the cursor and moves past it; io.EOF when the
// writer's position is reached. Records an acked queue lists as finished
// ahead of its low-water mark are passed over, as the reader does.
func (c *peekCursor) next() ([]byte, error) {
	d := c.d
	for {
		if c.num > d.writeFileNum || (c.num == d.writeFileNum && c.pos >= d.writePos) {
			return nil, io.EOF
		}
		if c.f == nil {
			if err := c.open(); err != nil {
				if errors.Is(err, os.ErrNotExist) { // skipped, as the reader does
					c.num, c.pos = c.num+1, 0
					continue
				}
				return nil, err
			}
		}
		if c.pos < c.end {
			at := Pos{File: c.num, Off: c.pos}
			rec, err := c.read()
			if _, finished := d.skip[at]; (finished || c.hides(at)) && err == nil {
				continue // the reader passes over it too (finished, or already received)
			}
			return rec, err
		}
		c.close()
		c.num, c.pos = c.num+1, 0
	}
}

func (c *peekCursor) open() error {
	d := c.d
	f, err := os.Open(d.fileName(c.num))
	if err != nil {
		return err
	}
	switch {
	case c.num == d.writeFileNum:
		c.end = d.writePos
	case c.num == d.readFileNum && d.maxRead >= 0:
		c.end = d.maxRead
	default:
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		c.end = fi.Size()
	}
	if _, err := f.Seek(c.pos, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	c.f = f
	if c.r == nil {
		c.r = bufio.NewReaderSize(f, bufSize)
	} else {
		c.r.Reset(f)
	}
	return nil
}

// read reads the record at c.pos of the open segment.
func (c *peekCursor) read() ([]byte, error) {
	d := c.d
	if _, err := io.ReadFull(c.r, c.hdr[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(c.hdr[:]))
	if size < d.minMsgSize || size > d.maxMsgSize || c.pos+4+int64(size) > c.end {
		return nil, errors.New("bad record length")
	}
	if int64(size) > c.budget && c.budget < peekMaxBytes {
		return nil, errPeekStop
	}
	rec := make([]byte, size)
	if _, err := io.ReadFull(c.r, rec); err != nil {
		return nil, err
	}
	if d.validate != nil && !d.validate(rec) {
		return nil, errors.New("record rejected by validator")
	}
	c.pos += 4 + int64(size)
	c.budget -= int64(size)
	return rec, nil
}

func (c *peekCursor) close() {
	if c.f != nil {
		c.f.Close()
		c.f = nil
	}
}

// hides reports whether the record at p, within the window of records read
// and not done, is not queued any more: finished, or received by the
// reader. Past the read position every entry is one taken back; from the
// oldest buffered record on, also those sent and not done.
func (c *peekCursor) hides(p Pos) bool {
	e, within := c.d.windowEntry(p)
	switch {
	case !within:
		return false
	case e == nil:
		return true
	}
	return e.done || !e.back && !c.buffered
}
