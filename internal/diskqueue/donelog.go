package diskqueue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"strconv"

	"github.com/nsqgo/nsq/internal/atomicfile"
)

// Pos is where a record starts: its segment number and byte offset.
type Pos struct {
	File int64
	Off  int64
}

// less orders positions as the records lie in the queue.
func (p Pos) less(q Pos) bool { return p.File < q.File || p.File == q.File && p.Off < q.Off }

// doneLog is the sidecar "<name>.diskqueue.done.dat" of a queue read with
// Options.Acked: the positions of records finished ahead of the low-water
// mark that the metadata file records as the read position. At startup the
// queue reads again from that mark and skips the records listed here.
//
// Each record is 20 bytes, big endian: [8] segment number, [8] offset,
// [4] CRC-32 (Castagnoli) of the 16 bytes before it. Replay stops at the
// first record that is short or fails its checksum (the torn tail of a
// crash) and the file is cut there. NSQ does not know the file and ignores
// it: it delivers those records again.
type doneLog struct {
	path string
	f    *os.File // nil until the first append after open or rewrite
	w    *bufio.Writer
	recs int64 // records in the file
	buf  [doneRecLen]byte
}

const doneRecLen = 8 + 8 + 4

var doneCRC = crc32.MakeTable(crc32.Castagnoli)

func appendDoneRec(b []byte, p Pos) []byte {
	start := len(b)
	b = binary.BigEndian.AppendUint64(b, uint64(p.File))
	b = binary.BigEndian.AppendUint64(b, uint64(p.Off))
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], doneCRC))
}

// parseDoneLog returns the positions of the well-formed records of data up
// to the first damaged or short one, and the length of that good prefix.
func parseDoneLog(data []byte) ([]Pos, int) {
	var out []Pos
	n := 0
	for len(data)-n >= doneRecLen {
		rec := data[n : n+doneRecLen]
		if binary.BigEndian.Uint32(rec[16:]) != crc32.Checksum(rec[:16], doneCRC) {
			break
		}
		p := Pos{File: int64(binary.BigEndian.Uint64(rec)), Off: int64(binary.BigEndian.Uint64(rec[8:]))}
		if p.File < 0 || p.Off < 0 {
			break
		}
		out = append(out, p)
		n += doneRecLen
	}
	return out, n
}

// openDoneLog reads the sidecar at path, cutting a torn tail off, and
// returns the positions it lists. A missing file is an empty log.
func openDoneLog(path string) (*doneLog, []Pos, error) {
	l := &doneLog{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil, nil
	}
	if err != nil {
		return l, nil, err
	}
	pos, good := parseDoneLog(data)
	l.recs = int64(len(pos))
	if good < len(data) {
		if err := os.Truncate(path, int64(good)); err != nil {
			return l, pos, err
		}
		err = errors.New("cut a torn tail of " + strconv.Itoa(len(data)-good) + " bytes")
	}
	return l, pos, err
}

// append adds positions to the file (to the OS, not yet fsynced).
func (l *doneLog) append(pos []Pos) error {
	if len(pos) == 0 {
		return nil
	}
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		l.f = f
		if l.w == nil {
			l.w = bufio.NewWriterSize(f, 4096)
		} else {
			l.w.Reset(f)
		}
	}
	for _, p := range pos {
		if _, err := l.w.Write(appendDoneRec(l.buf[:0], p)); err != nil {
			l.closeFile()
			return err
		}
	}
	if err := l.w.Flush(); err != nil {
		l.closeFile()
		return err
	}
	l.recs += int64(len(pos))
	return nil
}

// sync fsyncs what was appended.
func (l *doneLog) sync() error {
	if l.f == nil {
		return nil
	}
	return l.f.Sync()
}

// rewrite replaces the file atomically with pos (removes it when empty).
func (l *doneLog) rewrite(pos []Pos) error {
	l.closeFile()
	l.recs = 0
	if len(pos) == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	b := make([]byte, 0, len(pos)*doneRecLen)
	for _, p := range pos {
		b = appendDoneRec(b, p)
	}
	if err := atomicfile.WriteFile(l.path, b, 0o600); err != nil {
		return err
	}
	l.recs = int64(len(pos))
	return nil
}

func (l *doneLog) closeFile() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
		l.w.Reset(io.Discard)
	}
}
