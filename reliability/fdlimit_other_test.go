//go:build !unix

package reliability

import "testing"

// openFileLimit is 0 where there is no RLIMIT_NOFILE (Windows counts
// handles differently), so the tests that need many sockets skip.
func openFileLimit(testing.TB) uint64 { return 0 }
