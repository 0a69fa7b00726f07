package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/config"
)

// options holds every nsq_stat setting.
type options struct {
	topic, channel   string
	nsqdHTTPAddrs    config.StringList
	lookupdHTTPAddrs config.StringList
	interval         time.Duration
	count            optionalInt
	connectTimeout   time.Duration
	requestTimeout   time.Duration
}

// optionalInt is an int flag that remembers whether it was given.
type optionalInt struct {
	value int
	isSet bool
}

func (o *optionalInt) String() string { return strconv.Itoa(o.value) }

func (o *optionalInt) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	o.value, o.isSet = v, true
	return nil
}

// errExit carries the exit status of a parse that ends the program
// (-h, --version, a bad flag).
type errExit int

func (e errExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func parseArgs(args []string, stdout, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("nsq_stat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print version")
	fs.StringVar(&o.topic, "topic", "", "NSQ topic")
	fs.StringVar(&o.channel, "channel", "", "NSQ channel")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "duration of time between polling/printing output")
	fs.DurationVar(&o.connectTimeout, "http-client-connect-timeout", 2*time.Second, "timeout for HTTP connect")
	fs.DurationVar(&o.requestTimeout, "http-client-request-timeout", 5*time.Second, "timeout for HTTP request")
	fs.Var(&o.nsqdHTTPAddrs, "nsqd-http-address", "nsqd HTTP address (may be given multiple times)")
	fs.Var(&o.lookupdHTTPAddrs, "lookupd-http-address", "lookupd HTTP address (may be given multiple times)")
	fs.Var(&o.count, "count", "number of reports")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errExit(0)
		}
		return nil, errExit(2)
	}
	if *showVersion {
		fmt.Fprintln(stdout, "nsq_stat v1.3.0")
		return nil, errExit(0)
	}
	return o, o.validate()
}

func (o *options) validate() error {
	switch {
	case o.topic == "" || o.channel == "":
		return errors.New("--topic and --channel are required")
	case o.interval <= 0:
		return errors.New("--interval should be positive")
	case o.connectTimeout <= 0:
		return errors.New("--http-client-connect-timeout should be positive")
	case o.requestTimeout <= 0:
		return errors.New("--http-client-request-timeout should be positive")
	case o.count.isSet && o.count.value <= 0:
		return errors.New("--count should be positive")
	case len(o.nsqdHTTPAddrs) == 0 && len(o.lookupdHTTPAddrs) == 0:
		return errors.New("--nsqd-http-address or --lookupd-http-address required")
	case len(o.nsqdHTTPAddrs) > 0 && len(o.lookupdHTTPAddrs) > 0:
		return errors.New("use --nsqd-http-address or --lookupd-http-address not both")
	}
	if err := checkNoScheme("--nsqd-http-address", o.nsqdHTTPAddrs); err != nil {
		return err
	}
	return checkNoScheme("--lookupd-http-address", o.lookupdHTTPAddrs)
}

func checkNoScheme(flagName string, addrs []string) error {
	for _, a := range addrs {
		if strings.HasPrefix(a, "http") {
			return fmt.Errorf("%s error - address should not contain scheme", flagName)
		}
	}
	return nil
}
