package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
)

// outputFile is the file one topic is archived to, with its rotation state.
// Only the topic's router goroutine uses it.
type outputFile struct {
	opts   *Options
	format string // file name template, see filenameFormat
	logf   lg.AppLogFunc

	name     string // format with <DATETIME> substituted, as last opened
	rev      int
	openTime time.Time
	size     int64  // on-disk size at open plus bytes written since
	rel      string // path of the open file relative to the work dir

	f     *os.File
	buf   *bufio.Writer
	gz    *gzip.Writer
	w     io.Writer
	dirty bool // written since the last sync
	ended bool // a gzip member has been ended in this file
}

func (o *outputFile) currentName(now time.Time) string {
	return strings.ReplaceAll(o.format, "<DATETIME>", strftime(o.opts.DatetimeFormat, now))
}

// needsRotation reports whether the next write must go to a new file.
func (o *outputFile) needsRotation(now time.Time) bool {
	switch {
	case o.f == nil, o.currentName(now) != o.name:
		return true
	case o.opts.RotateInterval > 0 && now.Sub(o.openTime) > o.opts.RotateInterval:
		return true
	}
	return o.opts.RotateSize > 0 && o.size > o.opts.RotateSize
}

// rotate closes the current file, if any, and opens the next one.
func (o *outputFile) rotate(now time.Time) error {
	if err := o.close(); err != nil {
		return err
	}
	name := o.currentName(now)
	if err := checkContained(withRev(name, 0)); err != nil {
		return err
	}
	if name != o.name {
		o.rev = 0
	} else {
		o.rev++
	}
	o.name, o.openTime = name, now
	if err := os.MkdirAll(filepath.Dir(filepath.Join(o.opts.WorkDir, name)), 0770); err != nil {
		return err
	}
	return o.openFree()
}

// openFree opens the first revision that is free: not already in the
// output dir (when a work dir is used), not existing when opened
// exclusively, not already over --rotate-size.
func (o *outputFile) openFree() error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if o.opts.GZIP || o.opts.RotateInterval > 0 {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	for ; ; o.rev++ {
		rel := withRev(o.name, o.rev)
		if o.opts.WorkDir != o.opts.OutputDir && exists(filepath.Join(o.opts.OutputDir, rel)) {
			continue
		}
		f, err := os.OpenFile(filepath.Join(o.opts.WorkDir, rel), flags, 0666)
		if errors.Is(err, fs.ErrExist) {
			continue
		} else if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		if o.opts.RotateSize > 0 && fi.Size() > o.opts.RotateSize {
			f.Close()
			continue
		}
		o.logf(lg.INFO, "opening %s", f.Name())
		o.attach(f, rel, fi.Size())
		return nil
	}
}

func (o *outputFile) attach(f *os.File, rel string, size int64) {
	o.f, o.rel, o.size = f, rel, size
	o.buf = bufio.NewWriterSize(f, 64*1024)
	o.w = o.buf
	o.gz, o.dirty, o.ended = nil, false, false
	if o.opts.GZIP {
		o.gz, _ = gzip.NewWriterLevel(o.buf, o.opts.GZIPLevel)
		o.w = o.gz
	}
}

// write appends body and a newline.
func (o *outputFile) write(body []byte) error {
	if _, err := o.w.Write(body); err != nil {
		return err
	}
	if _, err := o.w.Write([]byte{'\n'}); err != nil {
		return err
	}
	o.size += int64(len(body)) + 1
	o.dirty = true
	return nil
}

// sync makes everything written so far durable: the gzip member is ended
// (a new one starts with the next write) and the file fsynced.
func (o *outputFile) sync() error {
	if o.f == nil {
		return nil
	}
	if o.gz != nil && o.dirty {
		if err := o.gz.Close(); err != nil {
			return err
		}
		o.gz.Reset(o.buf)
		o.ended = true
	}
	o.dirty = false
	if err := o.buf.Flush(); err != nil {
		return err
	}
	return o.f.Sync()
}

// close syncs and closes the file, then moves it to the output dir.
func (o *outputFile) close() error {
	if o.f == nil {
		return nil
	}
	if o.gz != nil && !o.ended {
		o.dirty = true // end the member even if empty: a valid gzip file
	}
	err := o.sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	o.f = nil
	if err != nil || o.opts.WorkDir == o.opts.OutputDir {
		return err
	}
	return o.moveToOutput()
}

// moveToOutput hard-links the closed file into the output dir and unlinks
// it from the work dir, never overwriting: on a clash the revision is
// bumped until the name is free.
func (o *outputFile) moveToOutput() error {
	src := filepath.Join(o.opts.WorkDir, o.rel)
	dstRel := o.rel
	for {
		dst := filepath.Join(o.opts.OutputDir, dstRel)
		if err := os.MkdirAll(filepath.Dir(dst), 0770); err != nil {
			return err
		}
		err := os.Link(src, dst)
		if err == nil {
			return os.Remove(src)
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		o.logf(lg.WARN, "destination file already exists: %s", dst)
		o.rev++
		dstRel = withRev(o.name, o.rev)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
