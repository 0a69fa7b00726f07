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

	"github.com/nsqgo/nsq/internal/atomicfile"
	"github.com/nsqgo/nsq/internal/diskqueue"
)

// deferJournal is the one file in which a topic or channel keeps its
// deferred messages, "<queue name>.deferred.dat". It holds two kinds of
// open record:
//
//   - a held message ('A'): a deferred message waiting in the channel's
//     memory (DPUB, REQ with a delay), with its body and deadline;
//   - a deadline ('T'): a deferred message that waits in the queue's disk
//     queue (a DPUB that overflowed to disk, every held message at a clean
//     shutdown), so that when it is read back it still waits for the rest
//     of its delay. The body is in the disk queue, so NSQ, which ignores
//     this file, delivers it at once instead of losing it.
//
// With --mem-queue-size=0 (durable) every record is appended as it happens,
// before the publisher or consumer is answered, and a removal record ('D')
// follows once the message left the table or was read back; the file is
// kept across restarts and replayed at startup. Otherwise nothing is
// written while nsqd runs: the file is written at a clean shutdown and
// removed once read at startup, so a crash loses the deadlines (delivering
// early) along with the memory queue.
//
// Records are fsynced following --sync-every and --sync-timeout, like the
// disk queue. A record that is cut short or fails its checksum ends the
// replay: that is the torn tail of a crash, never an acknowledged record.
//
// Record layout, big endian:
//
//	[1] op ('A', 'T', 'D')   [16] message id   [8] deadline, Unix ns
//	[4] payload length       [n] payload ('A': the message encoding of
//	                              timestamp, attempts, id, body)
//	[4] CRC-32 (Castagnoli) of everything before it
type deferJournal struct {
	path        string
	durable     bool
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
	journalDeadline   = 'T'
	journalDel        = 'D'
	journalHeaderLen  = 1 + MsgIDLength + 8 + 4
	journalTrailerLen = 4
	// journalCompactMin is the file size below which garbage is left alone.
	journalCompactMin = 8 << 20
)

var journalCRC = crc32.MakeTable(crc32.Castagnoli)

func deferJournalPath(dataPath, name string) string {
	return filepath.Join(dataPath, diskqueue.FileBase(name)+".deferred.dat")
}

// journalState is what a replay found open: held messages (m.pri is the
// deadline) and deadlines of messages in the disk queue.
type journalState struct {
	held map[MessageID]*Message
	due  map[MessageID]int64
}

func newJournalState() journalState {
	return journalState{held: make(map[MessageID]*Message), due: make(map[MessageID]int64)}
}

// openDeferJournal replays the journal at path. A durable journal is
// rewritten with only its open records and kept; otherwise the file is
// removed, its content living on in memory until the next clean shutdown.
// On a read error what was read so far is returned with the error.
func openDeferJournal(path string, durable bool, syncEvery int64, syncTimeout time.Duration) (*deferJournal, journalState, error) {
	j := newDeferJournal(path, durable, syncEvery, syncTimeout)
	st, err := replayJournal(path)
	if err != nil && !errors.Is(err, errTornRecord) {
		return j, st, err
	}
	var cerr error
	if durable {
		cerr = j.rewrite(st)
	} else {
		cerr = removeIfExists(path)
	}
	if cerr != nil {
		return j, st, cerr
	}
	return j, st, err
}

// newDeferJournal is the journal at path without reading it: the file is
// created by the first record.
func newDeferJournal(path string, durable bool, syncEvery int64, syncTimeout time.Duration) *deferJournal {
	return &deferJournal{path: path, durable: durable, syncEvery: max(syncEvery, 1),
		syncTimeout: syncTimeout, live: make(map[MessageID]int64)}
}

var errTornRecord = errors.New("incomplete or damaged record")

// replayJournal reads every record and returns what is open. A torn record
// stops the replay with errTornRecord.
func replayJournal(path string) (journalState, error) {
	st := newJournalState()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for {
		rec, n, err := readJournalRecord(r)
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("%s at offset %d: %w", path, off, err)
		}
		off += n
		delete(st.held, rec.id)
		delete(st.due, rec.id)
		switch rec.op {
		case journalAdd:
			st.held[rec.id] = rec.m
		case journalDeadline:
			st.due[rec.id] = rec.due
		}
	}
}

type journalRecord struct {
	op  byte
	id  MessageID
	due int64
	m   *Message
}

func readJournalRecord(r *bufio.Reader) (rec journalRecord, n int64, err error) {
	var hdr [journalHeaderLen]byte
	if k, err := io.ReadFull(r, hdr[:]); err != nil {
		if k == 0 && err == io.EOF {
			return rec, 0, io.EOF
		}
		return rec, 0, errTornRecord
	}
	rec.op = hdr[0]
	copy(rec.id[:], hdr[1:1+MsgIDLength])
	rec.due = int64(binary.BigEndian.Uint64(hdr[1+MsgIDLength:]))
	plen := binary.BigEndian.Uint32(hdr[1+MsgIDLength+8:])
	if rec.op != journalAdd && rec.op != journalDeadline && rec.op != journalDel || plen > 1<<30 ||
		(rec.op != journalAdd && plen != 0) {
		return rec, 0, errTornRecord
	}
	rest := make([]byte, int(plen)+journalTrailerLen)
	if _, err := io.ReadFull(r, rest); err != nil {
		return rec, 0, errTornRecord
	}
	payload := rest[:plen]
	crc := crc32.Update(crc32.Checksum(hdr[:], journalCRC), journalCRC, payload)
	if binary.BigEndian.Uint32(rest[plen:]) != crc {
		return rec, 0, errTornRecord
	}
	n = int64(journalHeaderLen + len(rest))
	if rec.op != journalAdd {
		return rec, n, nil
	}
	rec.m, err = decodeMessage(payload)
	if err != nil || rec.m.ID != rec.id {
		return rec, 0, errTornRecord
	}
	rec.m.pri = rec.due
	return rec, n, nil
}

// appendJournalRecord appends a record: m's ('A'), or a body-less one for
// id ('T' with deadline due, 'D').
func appendJournalRecord(dst []byte, op byte, id MessageID, due int64, m *Message) []byte {
	start := len(dst)
	dst = append(dst, op)
	dst = append(dst, id[:]...)
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

// add runs put, which places m in the held table, and then appends m
// (deadline m.pri), both under the journal's lock so that no removal
// overtakes it. If the append fails, m stays in the table (memory only) and
// the error is returned: the caller may be answered an error for a message
// that will still be delivered, which at-least-once allows, where dropping
// it would not.
func (j *deferJournal) add(m *Message, put func() error) error {
	if j == nil || !j.durable {
		return put()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := put(); err != nil {
		return err
	}
	return j.appendLiveLocked(m.ID, appendJournalRecord(nil, journalAdd, m.ID, 0, m))
}

// addDeadline records that message id, now in the disk queue, is due at due.
func (j *deferJournal) addDeadline(id MessageID, due int64) error {
	if j == nil || !j.durable {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLiveLocked(id, appendJournalRecord(nil, journalDeadline, id, due, nil))
}

func (j *deferJournal) appendLiveLocked(id MessageID, rec []byte) error {
	if err := j.writeLocked(rec); err != nil {
		return err
	}
	if old, ok := j.live[id]; ok {
		j.liveBytes -= old
	}
	j.live[id] = int64(len(rec))
	j.liveBytes += int64(len(rec))
	return nil
}

// remove records that id's open record is done with.
func (j *deferJournal) remove(id MessageID) error {
	if j == nil || !j.durable {
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
	if err := j.writeLocked(appendJournalRecord(nil, journalDel, id, 0, nil)); err != nil {
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
	st, err := replayJournal(j.path)
	if err != nil {
		return err
	}
	return j.rewrite(st)
}

// rewrite replaces the file with one record per open entry of st (or
// removes it when there is none); the next write reopens it.
func (j *deferJournal) rewrite(st journalState) error {
	j.closeFileLocked()
	j.live = make(map[MessageID]int64, len(st.held)+len(st.due))
	j.liveBytes, j.size = 0, 0
	if len(st.held)+len(st.due) == 0 {
		return removeIfExists(j.path)
	}
	var buf []byte
	for id, m := range st.held {
		n := len(buf)
		buf = appendJournalRecord(buf, journalAdd, id, 0, m)
		j.live[id] = int64(len(buf) - n)
	}
	for id, due := range st.due {
		n := len(buf)
		buf = appendJournalRecord(buf, journalDeadline, id, due, nil)
		j.live[id] = int64(len(buf) - n)
	}
	if err := atomicfile.WriteFile(j.path, buf, 0600); err != nil {
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

// reset forgets every record (the queue was emptied).
func (j *deferJournal) reset() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.live = make(map[MessageID]int64)
	j.liveBytes = 0
	if !j.durable {
		return nil
	}
	return j.truncateLocked()
}

// save replaces the file with st at a clean shutdown and closes the journal.
func (j *deferJournal) save(st journalState) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.rewrite(st)
	j.err = errExiting
	return err
}

// close syncs and closes the file; with remove it deletes the file (the
// queue was deleted).
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
