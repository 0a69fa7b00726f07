package main

import (
	"flag"
	"io"
	"testing"

	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/require"
)

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
	require.NoError(t, err)
	return opts
}
