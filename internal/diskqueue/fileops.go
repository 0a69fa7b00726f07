package diskqueue

import "os"

// fileOps are the file operations whose failure decides how a write is
// answered: fsync of a segment or of the metadata file, and the rename
// that puts new metadata in place. Tests set them to inject faults; nil
// fields use the os package.
type fileOps struct {
	sync   func(f *os.File) error
	rename func(oldpath, newpath string) error
}

func (o fileOps) syncFile(f *os.File) error {
	if o.sync != nil {
		return o.sync(f)
	}
	return f.Sync()
}

func (o fileOps) renameFile(oldpath, newpath string) error {
	if o.rename != nil {
		return o.rename(oldpath, newpath)
	}
	return os.Rename(oldpath, newpath)
}
