package main

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
)

// app is nsq_to_nsq running in the background.
type app struct {
	stderr *test.Buffer
	stop   chan os.Signal
	code   chan int
}

// startApp runs nsq_to_nsq with args; the test's end stops it.
func startApp(t *testing.T, args ...string) *app {
	t.Helper()
	a := &app{stderr: &test.Buffer{}, stop: make(chan os.Signal, 1), code: make(chan int, 1)}
	stderr := io.MultiWriter(a.stderr, test.NewLogger(t))
	go func() { a.code <- run(args, io.Discard, stderr, a.stop) }()
	t.Cleanup(func() { a.shutdown(t) })
	return a
}

// shutdown sends SIGTERM and waits for exit code 0.
func (a *app) shutdown(t *testing.T) {
	t.Helper()
	select {
	case a.stop <- os.Interrupt:
	default:
	}
	select {
	case code := <-a.code:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
		a.code <- code
	case <-time.After(10 * time.Second):
		t.Fatal("nsq_to_nsq did not stop")
	}
}
