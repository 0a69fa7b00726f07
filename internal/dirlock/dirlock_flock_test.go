//go:build !windows && !solaris

package dirlock

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestLockTwiceFails(t *testing.T) {
	dir := t.TempDir()
	first := New(dir)
	if err := first.Lock(); err != nil {
		t.Fatalf("first Lock: %v", err)
	}
	defer first.Unlock()

	// flock locks belong to the open file description, so a second open of
	// the same directory in this process conflicts like another process would.
	second := New(dir)
	err := second.Lock()
	if err == nil {
		second.Unlock()
		t.Fatal("second Lock succeeded while the first is held")
	}
	prefix := "cannot flock directory " + dir + " - "
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("error = %q, want prefix %q", err.Error(), prefix)
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("error %v does not wrap EWOULDBLOCK", err)
	}
	if want := prefix + syscall.EWOULDBLOCK.Error(); err.Error() != want {
		t.Fatalf("error = %q, want %q", err.Error(), want)
	}
	// A failed Lock holds nothing, so its Unlock is a no-op.
	if err := second.Unlock(); err != nil {
		t.Fatalf("Unlock after failed Lock: %v", err)
	}
}

func TestUnlockThenRelock(t *testing.T) {
	dir := t.TempDir()
	a, b := New(dir), New(dir)
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := b.Lock(); err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	if err := a.Lock(); err == nil {
		t.Fatal("relock by the first locker succeeded while the second holds it")
	}
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(); err != nil {
		t.Fatalf("relock: %v", err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	// Unlocking twice is harmless.
	if err := a.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
}
