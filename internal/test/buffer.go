package test

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for one writer goroutine and concurrent
// readers, for capturing a program's stdout or stderr while it runs.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Lines returns everything written so far split into "\n"-terminated lines
// (without the newline); an unterminated tail is left out.
func (b *Buffer) Lines() []string {
	s := b.String()
	i := strings.LastIndexByte(s, '\n')
	if i < 0 {
		return nil
	}
	return strings.Split(s[:i], "\n")
}
