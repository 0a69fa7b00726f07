//go:build !windows && !solaris

package dirlock

import (
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLockTwiceFails(t *testing.T) {
	dir := t.TempDir()
	first := New(dir)
	require.NoError(t, first.Lock(), "first Lock")
	defer first.Unlock()

	// flock locks belong to the open file description, so a second open of
	// the same directory in this process conflicts like another process would.
	second := New(dir)
	err := second.Lock()
	if err == nil {
		second.Unlock()
	}
	require.Error(t, err, "second Lock succeeded while the first is held")
	prefix := "cannot flock directory " + dir + " - "
	require.True(t, strings.HasPrefix(err.Error(), prefix), "error = %q", err.Error())
	require.ErrorIs(t, err, syscall.EWOULDBLOCK, "error %v does not wrap EWOULDBLOCK", err)
	require.EqualError(t, err, prefix+syscall.EWOULDBLOCK.Error(), "error = %q", err.Error())
	// A failed Lock holds nothing, so its Unlock is a no-op.
	require.NoError(t, second.Unlock(), "Unlock after failed Lock")
}

func TestUnlockThenRelock(t *testing.T) {
	dir := t.TempDir()
	a, b := New(dir), New(dir)
	require.NoError(t, a.Lock())
	require.NoError(t, a.Unlock(), "Unlock")
	require.NoError(t, b.Lock(), "Lock after Unlock")
	require.Error(t, a.Lock(), "relock by the first locker succeeded while the second holds it")
	require.NoError(t, b.Unlock())
	require.NoError(t, a.Lock(), "relock")
	require.NoError(t, a.Unlock())
	// Unlocking twice is harmless.
	require.NoError(t, a.Unlock(), "second Unlock")
}
