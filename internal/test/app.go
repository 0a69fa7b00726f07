package test

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// App is a utility's run function executing in the background, as its
// main would run it, with stderr captured (and copied to the test log).
type App struct {
	Stderr *Buffer
	Stop   chan os.Signal
	Code   chan int // receives the exit code once run returns
	name   string
}

// StartApp runs run(stderr, stop) in the background; the test's end stops
// it and requires exit code 0.
func StartApp(t *testing.T, name string, run func(stderr io.Writer, stop <-chan os.Signal) int) *App {
	t.Helper()
	a := &App{Stderr: &Buffer{}, Stop: make(chan os.Signal, 1), Code: make(chan int, 1), name: name}
	stderr := io.MultiWriter(a.Stderr, NewLogger(t))
	go func() { a.Code <- run(stderr, a.Stop) }()
	t.Cleanup(func() { a.Shutdown(t) })
	return a
}

// appStopWait bounds how long an App may take to return after an interrupt.
const appStopWait = 10 * time.Second

// Shutdown sends an interrupt and waits for exit code 0; it may be called
// more than once.
func (a *App) Shutdown(t *testing.T) {
	t.Helper()
	select {
	case a.Stop <- os.Interrupt:
	default:
	}
	select {
	case code := <-a.Code:
		assert.Equal(t, 0, code, "%s: exit code", a.name)
		a.Code <- code
	case <-time.After(appStopWait):
		require.Failf(t, "app did not stop", "%s did not stop within %s of an interrupt", a.name, appStopWait)
	}
}
