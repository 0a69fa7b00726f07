package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
	nsq "github.com/nsqio/go-nsq"
)

// topicLogger archives one topic: a go-nsq consumer hands messages to the
// router goroutine, which owns the output file and FINishes messages only
// once a sync has made them durable.
type topicLogger struct {
	topic    string
	opts     *Options
	logf     lg.AppLogFunc
	consumer *nsq.Consumer
	file     *outputFile

	msgs chan *nsq.Message
	term chan struct{} // closed to stop
	hup  chan struct{} // sync and close the file
	done chan struct{} // closed when the router has returned
	fail func(error)   // reports a fatal error to the app
}

func newTopicLogger(a *app, topic string) (*topicLogger, error) {
	format, err := filenameFormat(a.opts, topic, hostname(), a.pid)
	if err != nil {
		return nil, err
	}
	cfg := nsq.NewConfig()
	cfg.UserAgent = fmt.Sprintf("nsq_to_file/%s go-nsq/%s", version.Binary, nsq.VERSION)
	cfg.MaxInFlight = a.opts.MaxInFlight
	for _, opt := range a.opts.ConsumerOpts {
		key, value, _ := strings.Cut(opt, ",")
		cfg.Set(key, optValue(opt, value)) // bad options are ignored, as the reference does
	}
	consumer, err := nsq.NewConsumer(topic, a.opts.Channel, cfg)
	if err != nil {
		return nil, err
	}
	consumer.SetLogger(a.logger, nsq.LogLevel(a.opts.level-1))
	t := &topicLogger{
		topic: topic, opts: a.opts, logf: a.logf, consumer: consumer,
		file: &outputFile{opts: a.opts, format: format, logf: a.logf},
		msgs: make(chan *nsq.Message, 1), term: make(chan struct{}),
		hup: make(chan struct{}, 1), done: make(chan struct{}), fail: a.fail,
	}
	consumer.AddHandler(t)
	return t, nil
}

// optValue is the value of a key[,value] option: a bare key means true.
func optValue(opt, value string) any {
	if !strings.Contains(opt, ",") {
		return true
	}
	return value
}

// connect starts consuming; the router must already be running.
func (t *topicLogger) connect() error {
	if len(t.opts.NSQDTCPAddrs) > 0 {
		return t.consumer.ConnectToNSQDs(t.opts.NSQDTCPAddrs)
	}
	return t.consumer.ConnectToNSQLookupds(t.opts.NSQLookupdHTTPAddrs)
}

// HandleMessage passes m to the router, which responds to it later.
func (t *topicLogger) HandleMessage(m *nsq.Message) error {
	m.DisableAutoResponse()
	t.msgs <- m
	return nil
}

func (t *topicLogger) stop() { close(t.term) }

func (t *topicLogger) reopen() {
	select {
	case t.hup <- struct{}{}:
	default:
	}
}

// routerStep is what one event asks the router to do afterwards.
type routerStep struct {
	sync, closeFile, exit bool
}

// router is the topic's only goroutine touching the file. It exits once
// the consumer has stopped, after a final sync and close.
func (t *topicLogger) router() {
	defer close(t.done)
	pending := make([]*nsq.Message, 0, t.opts.MaxInFlight)
	ticker := time.NewTicker(t.opts.SyncInterval)
	defer ticker.Stop()
	term, stopping := t.term, false
	for {
		var step routerStep
		var err error
		select {
		case <-t.consumer.StopChan:
			step = routerStep{sync: true, closeFile: true, exit: true}
		case <-term:
			term, stopping = nil, true
			ticker.Stop()
			t.consumer.Stop()
			step.sync = true
		case <-t.hup:
			step = routerStep{sync: true, closeFile: true}
		case <-ticker.C:
			step, err = t.onTick()
		case m := <-t.msgs:
			pending = append(pending, m)
			step.sync, err = t.onMessage(m)
			step.sync = step.sync || stopping || len(pending) >= cap(pending)
		}
		if err == nil {
			err = t.finish(step, &pending)
		}
		if err != nil {
			t.abort(err, pending)
			return
		}
		if step.exit {
			return
		}
	}
}

func (t *topicLogger) onTick() (routerStep, error) {
	step := routerStep{sync: true}
	if t.file.needsRotation(time.Now()) {
		if t.opts.SkipEmptyFiles {
			step.closeFile = true
		} else if err := t.file.rotate(time.Now()); err != nil {
			return step, err
		}
	}
	return step, nil
}

// onMessage writes m, rotating first if needed; it reports whether a new
// file was opened.
func (t *topicLogger) onMessage(m *nsq.Message) (bool, error) {
	rotated := false
	if now := time.Now(); t.file.needsRotation(now) {
		if err := t.file.rotate(now); err != nil {
			return false, err
		}
		rotated = true
	}
	return rotated, t.file.write(m.Body)
}

// finish syncs when asked (or when the consumer is starved), FINishes the
// messages the sync made durable, then closes the file when asked.
func (t *topicLogger) finish(step routerStep, pending *[]*nsq.Message) error {
	if (step.sync || t.consumer.IsStarved()) && len(*pending) > 0 {
		if err := t.file.sync(); err != nil {
			return err
		}
		for _, m := range *pending {
			m.Finish()
		}
		*pending = (*pending)[:0]
	}
	if step.closeFile {
		return t.file.close()
	}
	return nil
}

// abort handles a write, sync or close failure: it is reported as fatal,
// nothing unsynced is FINished (those messages are requeued), and the
// consumer is drained so the app can exit.
func (t *topicLogger) abort(err error, pending []*nsq.Message) {
	t.logf(lg.FATAL, "[%s] %s", t.topic, err)
	t.fail(err)
	for _, m := range pending {
		m.RequeueWithoutBackoff(0)
	}
	t.consumer.Stop()
	for {
		select {
		case m := <-t.msgs:
			m.RequeueWithoutBackoff(0)
		case <-t.consumer.StopChan:
			return
		}
	}
}
