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

	"github.com/nsqgo/nsq/internal/lg"
)

// deferredStore keeps the deadlines of deferred messages that were written
// to a disk queue (a DPUB that overflowed to disk, and every deferred
// message at a clean shutdown), so that when such a message is read back it
// waits for what is left of its delay instead of being delivered at once.
//
// The disk queue format is untouched: the deadlines live beside it in
// "<queue name>.deferred.dat", one "<message id> <unix ns>" line each,
// written at shutdown and read (then removed) at startup. An nsqd that
// does not know the file delivers those messages immediately, as the
// reference always does; an unclean crash loses the deadlines the same way.
type deferredStore struct {
	path string
	mu   sync.Mutex
	due  map[MessageID]int64
	size atomic.Int64 // len(due), read without the lock on the delivery path
}

func deferredStorePath(dataPath, name string) string {
	return filepath.Join(dataPath, name+".deferred.dat")
}

// openDeferredStore loads the deadline file of a durable queue (nil for an
// ephemeral one, which has no disk queue); a bad file is logged and skipped.
func (n *NSQD) openDeferredStore(name string, ephemeral bool) *deferredStore {
	if ephemeral {
		return nil
	}
	s, err := loadDeferredStore(deferredStorePath(n.getOpts().DataPath, name))
	if err != nil {
		n.logf(lg.ERROR, "%s: deferred deadlines - %s", name, err)
	}
	return s
}

// loadDeferredStore reads and removes the queue's deadline file.
func loadDeferredStore(path string) (*deferredStore, error) {
	s := &deferredStore{path: path, due: make(map[MessageID]int64)}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	perr := s.parse(data)
	if err := os.Remove(path); err != nil {
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
func (s *deferredStore) record(id MessageID, due int64) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.due[id] = due
	s.size.Store(int64(len(s.due)))
	s.mu.Unlock()
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
func (s *deferredStore) clear() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.due = make(map[MessageID]int64)
	s.size.Store(0)
	s.mu.Unlock()
}

// save writes the deadlines still pending, atomically; none → no file.
func (s *deferredStore) save() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.due) == 0 {
		return nil
	}
	var b bytes.Buffer
	for id, due := range s.due {
		fmt.Fprintf(&b, "%s %d\n", id[:], due)
	}
	return writeFileAtomic(s.path, b.Bytes())
}
