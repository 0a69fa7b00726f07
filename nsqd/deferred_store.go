package nsqd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/diskqueue"
	"github.com/nsqgo/nsq/internal/lg"
)

// deferredStore keeps the deadlines of deferred messages that were written
// to a disk queue (a DPUB that overflowed to disk, and every deferred
// message at a clean shutdown), so that when such a message is read back it
// waits for what is left of its delay instead of being delivered at once.
//
// The disk queue format is untouched: the deadlines live beside it in
// "<queue name>.deferred.dat", one "<message id> <unix ns>" line each. An
// nsqd that does not know the file delivers those messages immediately, as
// the reference always does.
//
// By default the file is written at shutdown and read (then removed) at
// startup, so a crash loses the deadlines (not the messages). With
// --mem-queue-size=0 the store is durable: each deadline is also appended
// to the file as it is recorded, the file is kept across restarts, and
// lines whose deadline has passed are dropped whenever it is rewritten.
type deferredStore struct {
	path    string
	durable bool
	mu      sync.Mutex
	due     map[MessageID]int64
	size    atomic.Int64 // len(due), read without the lock on the delivery path
	f       *os.File     // durable: the file, opened for appending
	lines   int          // durable: lines in the file
}

// deferredStoreSlack is how many lines beyond twice the live deadlines a
// durable file may hold before it is rewritten.
const deferredStoreSlack = 1024

func deferredStorePath(dataPath, name string) string {
	return filepath.Join(dataPath, diskqueue.FileBase(name)+".deferred.dat")
}

// openDeferredStore loads the deadline file of a durable queue (nil for an
// ephemeral one, which has no disk queue); a bad file is logged and skipped.
func (n *NSQD) openDeferredStore(name string, ephemeral bool) *deferredStore {
	if ephemeral {
		return nil
	}
	opts := n.getOpts()
	s, err := loadDeferredStore(deferredStorePath(opts.DataPath, name), opts.MemQueueSize == 0)
	if err != nil {
		n.logf(lg.ERROR, "%s: deferred deadlines - %s", name, err)
	}
	return s
}

// loadDeferredStore reads the queue's deadline file, then removes it or,
// when durable, rewrites it without the deadlines already past.
func loadDeferredStore(path string, durable bool) (*deferredStore, error) {
	s := &deferredStore{path: path, durable: durable, due: make(map[MessageID]int64)}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	perr := s.parse(data)
	if durable {
		s.mu.Lock()
		err = s.rewriteLocked()
		s.mu.Unlock()
	} else {
		err = os.Remove(path)
	}
	if err != nil {
		return s, err
	}
	return s, perr
}

func (s *deferredStore) parse(data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		id, due, ok := bytes.Cut(sc.Bytes(), []byte(" "))
		ns, err := strconv.ParseInt(string(due), 10, 64)
		if !ok || len(id) != MsgIDLength || err != nil {
			return fmt.Errorf("bad line %q in %s", sc.Bytes(), s.path)
		}
		var mid MessageID
		copy(mid[:], id)
		s.due[mid] = ns
	}
	s.size.Store(int64(len(s.due)))
	return sc.Err()
}

// record notes that message id, now on disk, is due at the Unix ns due.
func (s *deferredStore) record(id MessageID, due int64) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.due[id] = due
	s.size.Store(int64(len(s.due)))
	if !s.durable {
		return nil
	}
	if s.lines > 2*len(s.due)+deferredStoreSlack {
		return s.rewriteLocked()
	}
	return s.appendLocked(appendDeadline(nil, id, due))
}

func appendDeadline(b []byte, id MessageID, due int64) []byte {
	b = append(b, id[:]...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, due, 10)
	return append(b, '\n')
}

func (s *deferredStore) appendLocked(line []byte) error {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0600)
		if err != nil {
			return err
		}
		s.f = f
	}
	if _, err := s.f.Write(line); err != nil {
		return err
	}
	s.lines++
	return nil
}

// rewriteLocked replaces the file with the deadlines not yet past (or
// removes it when there are none).
func (s *deferredStore) rewriteLocked() error {
	s.closeFileLocked()
	now := time.Now().UnixNano()
	var b []byte
	for id, due := range s.due {
		if due <= now {
			delete(s.due, id)
			continue
		}
		b = appendDeadline(b, id, due)
	}
	s.size.Store(int64(len(s.due)))
	s.lines = len(s.due)
	if len(b) == 0 {
		return removeIfExists(s.path)
	}
	return writeFileAtomic(s.path, b)
}

func (s *deferredStore) closeFileLocked() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// remaining returns how long a message just read from disk must still
// wait (0 if it is not deferred or already due) and forgets it.
func (s *deferredStore) remaining(id MessageID) time.Duration {
	if s == nil || s.size.Load() == 0 {
		return 0
	}
	s.mu.Lock()
	due, ok := s.due[id]
	delete(s.due, id)
	s.size.Store(int64(len(s.due)))
	s.mu.Unlock()
	if !ok {
		return 0
	}
	return max(time.Until(time.Unix(0, due)), 0)
}

// clear forgets every deadline (the queue was emptied or deleted).
func (s *deferredStore) clear() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.due = make(map[MessageID]int64)
	s.size.Store(0)
	if !s.durable {
		return nil
	}
	s.closeFileLocked()
	s.lines = 0
	return removeIfExists(s.path)
}

// save writes the deadlines still pending, atomically, at shutdown; none →
// no file.
func (s *deferredStore) save() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rewriteLocked()
}
