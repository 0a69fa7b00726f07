package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqio/go-nsq"
)

// run is the whole program; stop delivers SIGINT/SIGTERM, after which the
// consumer stops, deliveries in progress finish, and run returns 0.
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
	consumer, err := nsq.NewConsumer(o.topic, o.channel, o.cfg)
	if err != nil {
		return appflags.Fatal(logger, err.Error())
	}
	consumer.SetLogger(logger, nsq.LogLevelInfo)
	client := newHTTPClient(o)
	defer client.CloseIdleConnections()
	consumer.AddConcurrentHandlers(newPublisher(o, client, logger), o.numPublishers)
	if err := o.sources.Connect(consumer); err != nil {
		consumer.Stop()
		<-consumer.StopChan
		return appflags.Fatal(logger, err.Error())
	}
	for {
		select {
		case <-consumer.StopChan:
			return 0
		case <-stop:
			consumer.Stop()
		}
	}
}

// newHTTPClient bounds connecting by the connect timeout and the whole
// request (and waiting for response headers) by the request timeout.
func newHTTPClient(o *options) *http.Client {
	transport := &http.Transport{
		DialContext: (&net.Dialer{
			Timeout:   o.connectTimeout,
			KeepAlive: defaultKeepAlive,
		}).DialContext,
		ResponseHeaderTimeout: o.requestTimeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   max(o.numPublishers, 2),
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
	}
	return &http.Client{Transport: transport, Timeout: o.requestTimeout}
}
