package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/nsqlookupd"
)

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func equal(t *testing.T, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("\nwant %#v\n got %#v", want, got)
	}
}

func errContains(t *testing.T, err error, sub string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Fatalf("want an error containing %q, got %v", sub, err)
	}
}

// parseArgs runs parse on a fresh, silent flag set.
func parseArgs(args ...string) (*nsqlookupd.Options, error) {
	fs := flag.NewFlagSet("nsqlookupd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parse(fs, args)
}

// mustParse is parseArgs that fails the test on an error.
func mustParse(t *testing.T, args ...string) *nsqlookupd.Options {
	t.Helper()
	opts, err := parseArgs(args...)
	noErr(t, err)
	return opts
}

// writeConfig writes a TOML document and returns its --config flag.
func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nsqlookupd.cfg")
	noErr(t, os.WriteFile(path, []byte(doc), 0o600))
	return "--config=" + path
}
