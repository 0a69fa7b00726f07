//go:build !windows

package nsqd

import "syscall"

// statfsFree is the free space, in bytes, available to nsqd on the
// filesystem holding path.
func statfsFree(path string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
