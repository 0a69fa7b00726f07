//go:build windows || solaris

package dirlock

import "os"

// lockFile takes no lock: NSQ has none on these systems (no flock), and a
// second daemon on the same data path is the operator's mistake to avoid.
// The open in Lock still reports a missing directory.
func lockFile(string, *os.File) error { return nil }

func unlockFile(*os.File) error { return nil }
