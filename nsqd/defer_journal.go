package nsqd

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
)

// deferJournal makes a durable channel's deferred messages survive a crash
// when nsqd runs with --mem-queue-size=0. Without it a deferred message
// (DPUB, REQ with a delay) lives only in the channel's memory until it is
// due; with it, every message entering the deferred table is appended to
// "<topic>:<channel>.deferred.journal" before the publisher or consumer is
// answered, and a removal record follows once the message has left the
// table for the channel's queue. At startup the records still open are put
// back in the deferred table with their original deadlines.
//
// Records are fsynced following --sync-every and --sync-timeout, like the
// disk queue. A record that is cut short or fails its checksum ends the
// replay: that is the torn tail of a crash, never an acknowledged record.
//
// Record layout, big endian:
//
//	[1] op ('A' add, 'D' delete)   [16] message id   [8] deadline, Unix ns
//	[4] payload length             [n] payload (add: the message encoding)
//	[4] CRC-32 (Castagnoli) of everything before it
type deferJournal struct {
	path        string
	syncEvery   int64
	syncTimeout time.Duration

	mu        sync.Mutex
	f         *os.File // nil until the first record after open
	size      int64    // bytes in the file
	live      map[MessageID]int64
	liveBytes int64
	pending   int64 // records written since the last fsync
	timer     *time.Timer
	err       error // a failed fsync, reported by the next write
}

const (
	journalAdd        = 'A'
	journalDel        = 'D'
	journalHeaderLen  = 1 + MsgIDLength + 8 + 4
	journalTrailerLen = 4
	// journalCompactMin is the file size below which garbage is left alone.
	journalCompactMin = 8 << 20
)

var journalCRC = crc32.MakeTable(crc32.Castagnoli)

func deferJournalPath(dataPath, name string) string {
	return filepath.Join(dataPath, diskqueue.FileBase(name)+".deferred.journal")
}

// openDeferJournal replays the journal at path, rewrites it with only the
// open records and returns it with those messages (m.pri is the deadline).
// On a read error the messages read so far are returned with the error.
func openDeferJournal(path string, syncEvery int64, syncTimeout time.Duration) (*deferJournal, []*Message, error) {
	j := &deferJournal{path: path, syncEvery: max(syncEvery, 1), syncTimeout: syncTimeout,
		live: make(map[MessageID]int64)}
	msgs, err := replayJournal(path)
	if err != nil && !errors.Is(err, errTornRecord) {
		return j, nil, err
	}
	out := make([]*Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m)
	}
	if cerr := j.rewrite(msgs); cerr != nil {
		return j, out, cerr
	}
	return j, out, err
}

var errTornRecord = errors.New("incomplete or damaged record")

// replayJournal reads every record and returns the messages added and not
// deleted. A torn record stops the replay with errTornRecord.
func replayJournal(path string) (map[MessageID]*Message, error) {
	msgs := make(map[MessageID]*Message)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return msgs, nil
	}
	if err != nil {
		return msgs, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for {
		op, id, m, n, err := readJournalRecord(r)
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, fmt.Errorf("%s at offset %d: %w", path, off, err)
		}
		off += n
		if op == journalAdd {
			msgs[id] = m
		} else {
			delete(msgs, id)
		}
	}
}

func readJournalRecord(r *bufio.Reader) (op byte, id MessageID, m *Message, n int64, err error) {
	var hdr [journalHeaderLen]byte
	if k, err := io.ReadFull(r, hdr[:]); err != nil {
		if k == 0 && err == io.EOF {
			return 0, id, nil, 0, io.EOF
		}
		return 0, id, nil, 0, errTornRecord
	}
	op = hdr[0]
	copy(id[:], hdr[1:1+MsgIDLength])
	due := int64(binary.BigEndian.Uint64(hdr[1+MsgIDLength:]))
	plen := binary.BigEndian.Uint32(hdr[1+MsgIDLength+8:])
	if op != journalAdd && op != journalDel || plen > 1<<30 {
		return 0, id, nil, 0, errTornRecord
	}
	rest := make([]byte, int(plen)+journalTrailerLen)
	if _, err := io.ReadFull(r, rest); err != nil {
		return 0, id, nil, 0, errTornRecord
	}
	payload := rest[:plen]
	crc := crc32.Update(crc32.Checksum(hdr[:], journalCRC), journalCRC, payload)
	if binary.BigEndian.Uint32(rest[plen:]) != crc {
		return 0, id, nil, 0, errTornRecord
	}
	n = int64(journalHeaderLen + len(rest))
	if op == journalDel {
		return op, id, nil, n, nil
	}
	m, err = decodeMessage(payload)
	if err != nil || m.ID != id {
		return 0, id, nil, 0, errTornRecord
	}
	m.pri = due
	return op, id, m, n, nil
}

func appendJournalRecord(dst []byte, op byte, m *Message, id MessageID) []byte {
	start := len(dst)
	dst = append(dst, op)
	dst = append(dst, id[:]...)
	var due int64
	plen := 0
	if m != nil {
		due, plen = m.pri, m.encodedLen()
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(due))
	dst = binary.BigEndian.AppendUint32(dst, uint32(plen))
	if m != nil {
		dst = m.appendTo(dst)
	}
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], journalCRC))
}

// add appends m (deadline m.pri) after put has placed it in the deferred
// table, both under the journal's lock so that no removal overtakes it.
// If the append fails, m stays in the table (memory only) and the error is
// returned: the caller may be answered an error for a message that will
// still be delivered, which at-least-once allows, where dropping it would not.
func (j *deferJournal) add(m *Message, put func() error) error {
	if j == nil {
		return put()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := put(); err != nil {
		return err
	}
	rec := appendJournalRecord(nil, journalAdd, m, m.ID)
	if err := j.writeLocked(rec); err != nil {
		return err
	}
	if old, ok := j.live[m.ID]; ok {
		j.liveBytes -= old
	}
	j.live[m.ID] = int64(len(rec))
	j.liveBytes += int64(len(rec))
	return nil
}

// remove records that id left the deferred table for the channel's queue.
func (j *deferJournal) remove(id MessageID) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	size, ok := j.live[id]
	if !ok {
		return nil
	}
	delete(j.live, id)
	j.liveBytes -= size
	if len(j.live) == 0 {
		return j.truncateLocked()
	}
	if err := j.writeLocked(appendJournalRecord(nil, journalDel, nil, id)); err != nil {
		return err
	}
	if j.size > journalCompactMin && j.size > 4*j.liveBytes {
		return j.compactLocked()
	}
	return nil
}

// writeLocked appends rec and fsyncs per the sync policy.
func (j *deferJournal) writeLocked(rec []byte) error {
	if j.err != nil {
		return j.err
	}
	if j.f == nil {
		f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0600)
		if err != nil {
			return err
		}
		j.f = f
	}
	if _, err := j.f.Write(rec); err != nil {
		// Cut a partial record off, or it would end every later replay.
		if terr := j.f.Truncate(j.size); terr != nil {
			j.err = fmt.Errorf("%s: %w after a failed write: %w", j.path, terr, err)
		}
		return err
	}
	j.size += int64(len(rec))
	j.pending++
	if j.pending >= j.syncEvery {
		return j.syncLocked()
	}
	if j.timer == nil {
		j.timer = time.AfterFunc(j.syncTimeout, j.syncLater)
	}
	return nil
}

func (j *deferJournal) syncLater() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.timer = nil
	if j.pending > 0 {
		j.syncLocked()
	}
}

func (j *deferJournal) syncLocked() error {
	if j.timer != nil {
		j.timer.Stop()
		j.timer = nil
	}
	if j.f == nil {
		return nil
	}
	j.pending = 0
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("fsync %s: %w", j.path, err)
		return j.err
	}
	return nil
}

// truncateLocked empties the file: nothing in it is open any more.
func (j *deferJournal) truncateLocked() error {
	if j.f == nil || j.size == 0 {
		return nil
	}
	if err := j.f.Truncate(0); err != nil {
		return err
	}
	j.size = 0
	return j.syncLocked()
}

// compactLocked rewrites the file with only its open records.
func (j *deferJournal) compactLocked() error {
	if err := j.syncLocked(); err != nil {
		return err
	}
	msgs, err := replayJournal(j.path)
	if err != nil {
		return err
	}
	return j.rewrite(msgs)
}

// rewrite replaces the file with one add record per message (or removes
// it when there are none); the next write reopens it.
func (j *deferJournal) rewrite(msgs map[MessageID]*Message) error {
	j.closeFileLocked()
	j.live = make(map[MessageID]int64, len(msgs))
	j.liveBytes, j.size = 0, 0
	if len(msgs) == 0 {
		return removeIfExists(j.path)
	}
	var buf []byte
	for id, m := range msgs {
		n := len(buf)
		buf = appendJournalRecord(buf, journalAdd, m, id)
		j.live[id] = int64(len(buf) - n)
	}
	if err := writeFileAtomic(j.path, buf); err != nil {
		return err
	}
	j.size, j.liveBytes = int64(len(buf)), int64(len(buf))
	return nil
}

func (j *deferJournal) closeFileLocked() {
	if j.timer != nil {
		j.timer.Stop()
		j.timer = nil
	}
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	j.pending = 0
}

// reset forgets every record (the channel was emptied).
func (j *deferJournal) reset() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.live = make(map[MessageID]int64)
	j.liveBytes = 0
	return j.truncateLocked()
}

// close syncs and closes the file; with remove it deletes the file, which
// the caller does once the deferred messages are safe elsewhere.
func (j *deferJournal) close(remove bool) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.syncLocked()
	j.closeFileLocked()
	j.err = errExiting
	if remove {
		return removeIfExists(j.path)
	}
	return err
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
