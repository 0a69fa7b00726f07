package main

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// parseArgs runs parse on a fresh, silent flag set.
func parseArgs(args ...string) (*optionsT, error) {
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parse(fs, args)
}

// mustParse is parseArgs that fails the test on an error.
func mustParse(t *testing.T, args ...string) *optionsT {
	t.Helper()
	opts, err := parseArgs(args...)
	require.NoError(t, err)
	return opts
}
