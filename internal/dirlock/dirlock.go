// Package dirlock takes an exclusive, non-blocking flock on a directory so
// that two daemons never share one data path.
package dirlock

import (
	"fmt"
	"os"
	"syscall"
)

// DirLock is a held (or not yet held) lock on one directory.
type DirLock struct {
	dir string
	f   *os.File
}

// New prepares a lock on dir.
func New(dir string) *DirLock { return &DirLock{dir: dir} }

// Lock opens the directory and flocks it; the error text matches the
// reference's ("cannot flock directory <dir> - <errno text>").
func (l *DirLock) Lock() error {
	f, err := os.Open(l.dir)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("cannot flock directory %s - %w", l.dir, err)
	}
	l.f = f
	return nil
}

// Unlock releases the lock.
func (l *DirLock) Unlock() error {
	if l.f == nil {
		return nil
	}
	defer func() { l.f = nil }()
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err != nil {
		l.f.Close()
		return err
	}
	return l.f.Close()
}
