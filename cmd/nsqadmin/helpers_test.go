package main

import (
	"flag"
	"io"
	"testing"

	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/require"
)

// parseArgs runs parse on a fresh, silent flag set.
func parseArgs(args ...string) (*nsqadmin.Options, error) {
	fs := flag.NewFlagSet("nsqadmin", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parse(fs, args)
}

// mustParse is parseArgs that fails the test on an error.
func mustParse(t *testing.T, args ...string) *nsqadmin.Options {
	t.Helper()
	opts, err := parseArgs(args...)
	require.NoError(t, err)
	return opts
}
