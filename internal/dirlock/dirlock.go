// Package dirlock takes an exclusive, non-blocking lock on a directory so
// that two daemons never share one data path.
//
// Where the system has flock (Linux, macOS, the BSDs) the directory itself
// is flocked, so the lock goes away with the process however it ends. On
// Windows, and on illumos and Solaris, NSQ takes no lock at all, and
// neither do we there: the directory is only checked to exist.
package dirlock

import "os"

// DirLock is a held (or not yet held) lock on one directory.
type DirLock struct {
	dir string
	f   *os.File
}

// New prepares a lock on dir.
func New(dir string) *DirLock { return &DirLock{dir: dir} }

// Lock opens the directory and locks it (see the package comment); a
// missing directory fails with the *os.PathError of the open.
func (l *DirLock) Lock() error {
	f, err := os.Open(l.dir)
	if err != nil {
		return err
	}
	if err := lockFile(l.dir, f); err != nil {
		f.Close()
		return err
	}
	l.f = f
	return nil
}

// Unlock releases the lock; without a held lock it does nothing.
func (l *DirLock) Unlock() error {
	if l.f == nil {
		return nil
	}
	defer func() { l.f = nil }()
	if err := unlockFile(l.f); err != nil {
		l.f.Close()
		return err
	}
	return l.f.Close()
}
