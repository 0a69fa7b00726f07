//go:build unix

package reliability

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// openFileLimit is the soft limit on open files of this process, which the
// nsqd processes it starts inherit.
func openFileLimit(t testing.TB) uint64 {
	t.Helper()
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	return lim.Cur
}
