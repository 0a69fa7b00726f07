package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"syscall"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// app discovers topics and owns one topicLogger per archived topic. Only
// the goroutine running app.run touches loggers and seen.
type app struct {
	opts   *Options
	logger lg.Logger
	ci     *clusterinfo.ClusterInfo
	pid    int

	loggers map[string]*topicLogger
	seen    map[string]bool // topics already started, skipped or failed
	fatal   chan error      // first fatal error of any router
}

// run is the whole program: parse, validate, archive until a signal.
func run(args []string, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	opts, err := parseArgs(args, stdout, stderr)
	var exit errExit
	if errors.As(err, &exit) {
		return int(exit)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("2006/01/02 15:04:05"), err)
		return 1
	}
	return newApp(opts, stderr).run(sigs)
}

func newApp(opts *Options, stderr io.Writer) *app {
	a := &app{
		opts:    opts,
		logger:  log.New(stderr, opts.LogPrefix, log.Ldate|log.Ltime|log.Lmicroseconds),
		pid:     os.Getpid(),
		loggers: map[string]*topicLogger{},
		seen:    map[string]bool{},
		fatal:   make(chan error, 1),
	}
	client := httpapi.NewClient(nil, opts.HTTPClientConnectTimeout, opts.HTTPClientRequestTimeout)
	a.ci = clusterinfo.New(a.logf, client)
	return a
}

func (a *app) logf(level lg.Level, f string, args ...any) {
	lg.Logf(a.logger, a.opts.level, level, f, args...)
}

// fail records a router's fatal error; the first one ends the program.
func (a *app) fail(err error) {
	select {
	case a.fatal <- err:
	default:
	}
}

func (a *app) run(sigs <-chan os.Signal) int {
	var refresh <-chan time.Time
	if len(a.opts.Topics) > 0 {
		a.updateTopics(a.opts.Topics)
	} else {
		ticker := time.NewTicker(a.opts.TopicRefreshInterval)
		defer ticker.Stop()
		refresh = ticker.C
		a.refreshTopics()
	}
	code := 0
	for code == 0 {
		select {
		case <-refresh:
			a.refreshTopics()
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				return a.shutdown(0)
			}
			for _, t := range a.loggers {
				t.reopen()
			}
		case <-a.fatal:
			code = 1
		}
	}
	return a.shutdown(code)
}

// shutdown stops every consumer, waits for the final syncs and closes.
func (a *app) shutdown(code int) int {
	for _, t := range a.loggers {
		t.stop()
	}
	for _, t := range a.loggers {
		<-t.done
	}
	select {
	case <-a.fatal:
		code = 1
	default:
	}
	return code
}

// refreshTopics starts loggers for topics new to the lookupds. A partial
// answer is used; a failed one is retried at the next refresh.
func (a *app) refreshTopics() {
	topics, err := a.ci.GetLookupdTopics(a.opts.NSQLookupdHTTPAddrs)
	if err != nil {
		if !clusterinfo.IsPartial(err) {
			a.logf(lg.ERROR, "could not retrieve topic list: %s", err)
			return
		}
		a.logf(lg.WARN, "could not retrieve topic list from every lookupd: %s", err)
	}
	a.updateTopics(topics)
}

func (a *app) updateTopics(topics []string) {
	for _, topic := range topics {
		if a.seen[topic] {
			continue
		}
		a.seen[topic] = true
		if !a.opts.allowed(topic) {
			a.logf(lg.WARN, "skipping topic %s (doesn't match pattern %s)", topic, a.opts.TopicPattern)
			continue
		}
		if err := a.startTopic(topic); err != nil {
			a.logf(lg.ERROR, "couldn't create logger for new topic %s: %s", topic, err)
		}
	}
}

func (a *app) startTopic(topic string) error {
	t, err := newTopicLogger(a, topic)
	if err != nil {
		return err
	}
	go t.router()
	if err := t.connect(); err != nil {
		t.stop()
		<-t.done
		return err
	}
	a.loggers[topic] = t
	return nil
}
