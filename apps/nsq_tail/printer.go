package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/nsqio/go-nsq"
)

// printer serialises the lines of every topic's handler onto stdout and
// tells run when to stop: reached closes once a topic printed n messages,
// failed receives the first write error.
type printer struct {
	w          io.Writer
	printTopic bool
	n          int
	reached    chan struct{}
	failed     chan error

	mu      sync.Mutex
	stopped bool
	line    []byte
}

func newPrinter(w io.Writer, printTopic bool, n int) *printer {
	return &printer{w: w, printTopic: printTopic, n: n,
		reached: make(chan struct{}), failed: make(chan error, 1)}
}

// print writes one line for body; it reports false (nothing written) once
// printing has stopped.
func (p *printer) print(topic string, body []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	p.line = p.line[:0]
	if p.printTopic {
		p.line = append(p.line, topic...)
		p.line = append(p.line, " | "...)
	}
	p.line = append(append(p.line, body...), '\n')
	if _, err := p.w.Write(p.line); err != nil {
		p.stopped = true
		p.failed <- fmt.Errorf("ERROR: failed to write to os.Stdout - %s", err)
		return false
	}
	return true
}

// countReached stops printing after a topic printed its n-th message.
func (p *printer) countReached() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.stopped = true
		close(p.reached)
	}
}

// topicHandler prints the messages of one topic. go-nsq runs it in a single
// goroutine, which owns count.
type topicHandler struct {
	p     *printer
	topic string
	count int
}

// HandleMessage implements nsq.Handler.
func (h *topicHandler) HandleMessage(m *nsq.Message) error {
	if !h.p.print(h.topic, m.Body) {
		m.DisableAutoResponse()
		m.RequeueWithoutBackoff(0)
		return nil
	}
	h.count++
	if h.p.n > 0 && h.count >= h.p.n {
		h.p.countReached()
	}
	return nil
}
