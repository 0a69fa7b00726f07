package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// filenameFormat computes a topic's file name template: <TOPIC>, <HOST>
// and <PID> substituted, <DATETIME> and (when required) <REV> left for
// open time, ".gz" appended for gzip output.
func filenameFormat(opts *Options, topic, hostname string, pid int) (string, error) {
	shortHost, _, _ := strings.Cut(hostname, ".")
	identifier := shortHost
	if opts.HostIdentifier != "" {
		identifier = strings.ReplaceAll(opts.HostIdentifier, "<SHORT_HOST>", shortHost)
		identifier = strings.ReplaceAll(identifier, "<HOSTNAME>", hostname)
	}
	format := opts.FilenameFormat
	if opts.needsRev() {
		if !strings.Contains(format, "<REV>") {
			return "", errors.New("missing <REV> in --filename-format when gzip, rotation, or work dir enabled")
		}
	} else {
		format = strings.ReplaceAll(format, "<REV>", "")
	}
	format = strings.ReplaceAll(format, "<TOPIC>", topic)
	format = strings.ReplaceAll(format, "<HOST>", identifier)
	format = strings.ReplaceAll(format, "<PID>", fmt.Sprint(pid))
	if opts.GZIP && !strings.HasSuffix(format, ".gz") {
		format += ".gz"
	}
	sample := withRev(strings.ReplaceAll(format, "<DATETIME>", strftime(opts.DatetimeFormat, time.Now())), 0)
	if err := checkContained(sample); err != nil {
		return "", fmt.Errorf("topic %q: %w", topic, err)
	}
	return format, nil
}

// checkContained refuses a file name that would leave --output-dir (or
// --work-dir) once joined to it and cleaned: ".." is a valid topic name, so
// a --filename-format with <TOPIC> in a directory part could otherwise
// write anywhere.
func checkContained(name string) error {
	if !filepath.IsLocal(filepath.Join(".", name)) {
		return fmt.Errorf("file name %q from --filename-format is outside --output-dir", name)
	}
	return nil
}

// withRev substitutes the revision into a name.
func withRev(name string, rev int) string {
	return strings.ReplaceAll(name, "<REV>", fmt.Sprintf("-%06d", rev))
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}
