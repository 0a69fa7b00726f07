package main

import (
	"io"
	"os"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
)

// startApp runs nsq_to_nsq with args in the background; the test's end
// stops it.
func startApp(t *testing.T, args ...string) *test.App {
	t.Helper()
	return test.StartApp(t, "nsq_to_nsq", func(stderr io.Writer, stop <-chan os.Signal) int {
		return run(args, io.Discard, stderr, stop)
	})
}
