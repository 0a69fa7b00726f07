package dirlock

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnlockWithoutLock(t *testing.T) {
	require.NoError(t, New(t.TempDir()).Unlock(), "Unlock of an unlocked DirLock =")
}

func TestMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	err := New(dir).Lock()
	require.ErrorIs(t, err, os.ErrNotExist, "Lock of missing dir = %v", err)
	var pe *os.PathError
	require.ErrorAs(t, err, &pe, "error %v does not name %s", err, dir)
	require.Equal(t, dir, pe.Path, "error %v does not name %s", err, dir)
}

// TestLockUnlock holds on every system, locking or not.
func TestLockUnlock(t *testing.T) {
	l := New(t.TempDir())
	require.NoError(t, l.Lock(), "Lock")
	require.NoError(t, l.Unlock(), "Unlock")
	require.NoError(t, l.Unlock(), "second Unlock")
}
