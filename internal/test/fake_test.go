package test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// fakeTB records failures instead of failing the real test. FailNow and
// Fatal stop the calling goroutine like testing does, so run code under it
// with runFake. testify's require reports through Errorf, then calls FailNow;
// it also asks for Name.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	msgs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Name() string { return "fakeTB" }

func (f *fakeTB) Log(args ...any) { f.record(fmt.Sprint(args...)) }

func (f *fakeTB) Logf(format string, args ...any) { f.record(fmt.Sprintf(format, args...)) }

func (f *fakeTB) Errorf(format string, args ...any) {
	f.fail(fmt.Sprintf(format, args...))
}

func (f *fakeTB) FailNow() {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeTB) Fatal(args ...any) {
	f.fail(fmt.Sprint(args...))
	runtime.Goexit()
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, s)
}

func (f *fakeTB) fail(s string) {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
	f.record(s)
}

// runFake runs fn with a fakeTB in its own goroutine, then the cleanups, and
// returns whether fn failed and the last message recorded.
func runFake(fn func(tb testing.TB)) (failed bool, last string) {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	if len(f.msgs) > 0 {
		last = f.msgs[len(f.msgs)-1]
	}
	return f.failed, last
}
