package main

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqio/go-nsq"
)

// run is the whole program; stop delivers SIGINT/SIGTERM. Shutdown order:
// stop the consumers and wait until every in-flight message is answered,
// then stop the producers and the responders.
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
	r, err := newRelay(o, logger)
	if err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	defer r.close()
	consumers, err := startConsumers(o, r, logger)
	defer stopConsumers(consumers)
	if err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	<-stop
	return 0
}

// startConsumers starts one consumer per source topic with one handler
// goroutine per destination; on error it returns those started so far.
func startConsumers(o *options, r *relay, logger *log.Logger) ([]*nsq.Consumer, error) {
	var out []*nsq.Consumer
	for _, topic := range o.topics {
		c, err := nsq.NewConsumer(topic, o.channel, o.consumerCfg)
		if err != nil {
			return out, err
		}
		c.SetLogger(logger, nsq.LogLevelInfo)
		c.AddConcurrentHandlers(&topicHandler{r: r, topic: o.destinationTopic(topic)}, len(o.destAddrs))
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
