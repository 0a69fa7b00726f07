package dirlock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestUnlockWithoutLock(t *testing.T) {
	if err := New(t.TempDir()).Unlock(); err != nil {
		t.Fatalf("Unlock of an unlocked DirLock = %v", err)
	}
}

func TestMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	err := New(dir).Lock()
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Lock of missing dir = %v, want not-exist", err)
	}
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != dir {
		t.Fatalf("error %v does not name %s", err, dir)
	}
}

// TestLockUnlock holds on every system, locking or not.
func TestLockUnlock(t *testing.T) {
	l := New(t.TempDir())
	if err := l.Lock(); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
}
