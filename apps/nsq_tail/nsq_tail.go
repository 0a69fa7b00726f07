package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqio/go-nsq"
)

const appName = "nsq_tail"

type options struct {
	topics      appflags.StringArray
	channel     string
	sources     appflags.Sources
	maxInFlight int
	n           int
	printTopic  bool
	showVersion bool
	cfg         *nsq.Config
}

// parseFlags parses args; ok=false means exit with code.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{cfg: appflags.NewConfig(appName)}
	fs := appflags.NewFlagSet(appName, stderr)
	fs.BoolVar(&o.showVersion, "version", false, "print version string")
	fs.StringVar(&o.channel, "channel", "", "NSQ channel")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 200, "max number of messages to allow in flight")
	fs.IntVar(&o.n, "n", 0, "total messages to show (will wait if starved)")
	fs.BoolVar(&o.printTopic, "print-topic", false, "print topic name where message was received")
	o.sources.Register(fs)
	fs.Var(&o.topics, "topic", "NSQ topic (may be given multiple times)")
	appflags.ConfigVar(fs, o.cfg, "consumer-opt",
		"option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)")
	code, ok = appflags.Parse(fs, args)
	return o, code, ok
}

// validate checks the flags and fills in the derived defaults.
func (o *options) validate() error {
	if o.channel == "" {
		o.channel = fmt.Sprintf("tail%06d#ephemeral", rand.IntN(999999))
	}
	if err := o.sources.Validate(); err != nil {
		return err
	}
	if len(o.topics) == 0 {
		return errors.New("--topic required")
	}
	if o.n > 0 && o.n < o.maxInFlight {
		o.maxInFlight = o.n // don't ask for more messages than we want
	}
	o.cfg.MaxInFlight = o.maxInFlight
	return nil
}

// run is the whole program; stop delivers SIGINT/SIGTERM.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	logger := appflags.NewLogger(stderr)
	o, code, ok := parseFlags(args, stderr)
	if !ok {
		return code
	}
	if o.showVersion {
		fmt.Fprintln(stdout, appflags.Version(appName))
		return 0
	}
	if err := o.validate(); err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	p := newPrinter(stdout, o.printTopic, o.n)
	consumers, err := startConsumers(o, p, logger)
	defer stopConsumers(consumers)
	if err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	select {
	case <-stop:
	case <-p.reached:
	case err := <-p.failed:
		return appflags.Fatal(logger, err.Error())
	}
	return 0
}

// startConsumers starts one consumer per topic; on error it returns the
// consumers started so far with the error.
func startConsumers(o *options, p *printer, logger *log.Logger) ([]*nsq.Consumer, error) {
	var out []*nsq.Consumer
	for _, topic := range o.topics {
		logger.Printf("Adding consumer for topic: %s", topic)
		c, err := nsq.NewConsumer(topic, o.channel, o.cfg)
		if err != nil {
			return out, err
		}
		c.SetLogger(logger, nsq.LogLevelInfo)
		c.AddHandler(&topicHandler{p: p, topic: topic})
		out = append(out, c)
		if err := o.sources.Connect(c); err != nil {
			return out, err
		}
	}
	return out, nil
}

// stopConsumers stops every consumer and waits until each has finished.
func stopConsumers(cs []*nsq.Consumer) {
	for _, c := range cs {
		c.Stop()
	}
	for _, c := range cs {
		<-c.StopChan
	}
}
