//go:build !windows && !solaris

package dirlock

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile flocks the open directory f; the error text matches the
// reference's ("cannot flock directory <dir> - <errno text>").
func lockFile(dir string, f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("cannot flock directory %s - %w", dir, err)
	}
	return nil
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
