package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqio/go-nsq"
)

const appName = "to_nsq"

type options struct {
	topic     string
	delimiter string
	rate      int64
	nsqdAddrs appflags.StringArray
	cfg       *nsq.Config
}

// parseFlags parses args; ok=false means exit with code.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{cfg: appflags.NewConfig(appName)}
	fs := appflags.NewFlagSet(appName, stderr)
	fs.StringVar(&o.topic, "topic", "", "NSQ topic to publish to")
	fs.StringVar(&o.delimiter, "delimiter", "\n", "character to split input from stdin")
	fs.Int64Var(&o.rate, "rate", 0, "Throttle messages to n/second. 0 to disable")
	fs.Var(&o.nsqdAddrs, "nsqd-tcp-address", "destination nsqd TCP address (may be given multiple times)")
	appflags.ConfigVar(fs, o.cfg, "producer-opt",
		"option to passthrough to nsq.Producer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)")
	code, ok = appflags.Parse(fs, args)
	return o, code, ok
}

func (o *options) validate() error {
	switch {
	case o.topic == "":
		return errors.New("--topic required")
	case len(o.delimiter) != 1:
		return errors.New("--delimiter must be a single byte")
	case len(o.nsqdAddrs) == 0:
		return errors.New("--nsqd-tcp-address required")
	}
	return nil
}

// run is the whole program; stop delivers SIGINT/SIGTERM. A read of stdin
// cannot be interrupted, so on stop run returns without waiting for the
// reading goroutine; the process exits right after.
func run(args []string, stdin io.Reader, stderr io.Writer, stop <-chan os.Signal) int {
	logger := appflags.NewLogger(stderr)
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	if err := o.validate(); err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	producers, err := newProducers(o, logger)
	if err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	defer stopProducers(producers)
	done := make(chan struct{})
	defer close(done)
	th := newThrottle(o.rate)
	if th != nil {
		logger.Printf("Throttling messages rate to max:%d/second", o.rate)
	}
	pub := &publisher{producers: producers, topic: o.topic, throttle: th, done: done}
	result := make(chan error, 1)
	go func() { result <- pub.publishInput(bufio.NewReader(stdin), o.delimiter[0]) }()
	select {
	case <-stop:
		return 0
	case err := <-result:
		if err != nil {
			return appflags.Fatal(logger, err.Error())
		}
		return 0
	}
}

func newProducers(o *options, logger *log.Logger) ([]*nsq.Producer, error) {
	var out []*nsq.Producer
	for _, addr := range o.nsqdAddrs {
		p, err := nsq.NewProducer(addr, o.cfg)
		if err != nil {
			stopProducers(out)
			return nil, fmt.Errorf("failed to create nsq.Producer - %s", err)
		}
		p.SetLogger(logger, nsq.LogLevelInfo)
		out = append(out, p)
	}
	return out, nil
}

func stopProducers(ps []*nsq.Producer) {
	for _, p := range ps {
		p.Stop()
	}
}

// publisher sends chunks of input to every producer in turn.
type publisher struct {
	producers []*nsq.Producer
	topic     string
	throttle  *throttle
	done      <-chan struct{}
}

// publishInput publishes every non-empty chunk of r until EOF (nil), a
// read or publish error, or done.
func (p *publisher) publishInput(r *bufio.Reader, delim byte) error {
	for {
		chunk, readErr := readChunk(r, delim)
		if len(chunk) > 0 {
			if !p.throttle.wait(p.done) {
				return nil
			}
			if err := p.publish(chunk); err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}

// readChunk returns the bytes up to the next delimiter, without it. At the
// end of input the final chunk is returned whole with io.EOF.
func readChunk(r *bufio.Reader, delim byte) ([]byte, error) {
	chunk, err := r.ReadBytes(delim)
	if err == nil {
		chunk = chunk[:len(chunk)-1]
	}
	return chunk, err
}

// publish sends body synchronously to every nsqd.
func (p *publisher) publish(body []byte) error {
	for _, prod := range p.producers {
		if err := prod.Publish(p.topic, body); err != nil {
			return err
		}
	}
	return nil
}
