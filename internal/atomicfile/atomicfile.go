// Package atomicfile replaces small files whole: a reader (or a restart
// after a crash) sees either the old content or the new, never a mix.
package atomicfile

import (
	"fmt"
	"math/rand/v2"
	"os"
)

// WriteFile replaces path with data. The data goes to a new file
// "<path>.<random>.tmp" in the same directory with mode perm, is fsynced,
// and is then renamed over path; on any failure the temporary file is
// removed and path is left as it was. The directory itself is not
// fsynced: after a power loss path may still hold the old content, but
// never a torn one.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, rand.Uint64())
	if err := writeSynced(tmp, data, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// writeSynced writes data to the new file name and fsyncs it.
func writeSynced(name string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
