package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/lg"
)

// Options holds every nsq_to_file setting; NewOptions has the defaults.
type Options struct {
	Topics               []string      `flag:"topic"`
	TopicPattern         string        `flag:"topic-pattern"`
	TopicRefreshInterval time.Duration `flag:"topic-refresh"`
	Channel              string        `flag:"channel"`

	NSQDTCPAddrs        []string `flag:"nsqd-tcp-address"`
	NSQLookupdHTTPAddrs []string `flag:"lookupd-http-address"`
	ConsumerOpts        []string `flag:"consumer-opt"`
	MaxInFlight         int      `flag:"max-in-flight"`

	HTTPClientConnectTimeout time.Duration `flag:"http-client-connect-timeout"`
	HTTPClientRequestTimeout time.Duration `flag:"http-client-request-timeout"`

	LogLevel  string `flag:"log-level"`
	LogPrefix string `flag:"log-prefix"`

	OutputDir      string        `flag:"output-dir"`
	WorkDir        string        `flag:"work-dir"`
	DatetimeFormat string        `flag:"datetime-format"`
	FilenameFormat string        `flag:"filename-format"`
	HostIdentifier string        `flag:"host-identifier"`
	GZIPLevel      int           `flag:"gzip-level"`
	GZIP           bool          `flag:"gzip"`
	SkipEmptyFiles bool          `flag:"skip-empty-files"`
	RotateSize     int64         `flag:"rotate-size"`
	RotateInterval time.Duration `flag:"rotate-interval"`
	SyncInterval   time.Duration `flag:"sync-interval"`

	level   lg.Level
	pattern *regexp.Regexp
}

// NewOptions returns the defaults.
func NewOptions() *Options {
	return &Options{
		TopicRefreshInterval:     time.Minute,
		Channel:                  "nsq_to_file",
		MaxInFlight:              200,
		HTTPClientConnectTimeout: 2 * time.Second,
		HTTPClientRequestTimeout: 5 * time.Second,
		LogLevel:                 "info",
		LogPrefix:                "[nsq_to_file] ",
		OutputDir:                "/tmp",
		DatetimeFormat:           "%Y-%m-%d_%H",
		FilenameFormat:           "<TOPIC>.<HOST><REV>.<DATETIME>.log",
		GZIPLevel:                6,
		SyncInterval:             30 * time.Second,
	}
}

var usage = map[string]string{
	"topic":                       "nsq topic (may be given multiple times)",
	"topic-pattern":               "only log topics matching the following pattern",
	"topic-refresh":               "how frequently the topic list should be refreshed",
	"channel":                     "nsq channel",
	"nsqd-tcp-address":            "nsqd TCP address (may be given multiple times)",
	"lookupd-http-address":        "lookupd HTTP address (may be given multiple times)",
	"consumer-opt":                "option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)",
	"max-in-flight":               "max number of messages to allow in flight",
	"http-client-connect-timeout": "timeout for HTTP connect",
	"http-client-request-timeout": "timeout for HTTP request",
	"log-level":                   "set log verbosity: debug, info, warn, error, or fatal",
	"log-prefix":                  "log message prefix",
	"output-dir":                  "directory to write output files to",
	"work-dir":                    "directory for in-progress files before moving to output-dir",
	"datetime-format":             "strftime compatible format for <DATETIME> in filename format",
	"filename-format":             "output filename format (<TOPIC>, <HOST>, <PID>, <DATETIME>, <REV> are replaced. <REV> is increased when file already exists)",
	"host-identifier":             "value to output in log filename in place of hostname. <SHORT_HOST> and <HOSTNAME> are valid replacement tokens",
	"gzip-level":                  "gzip compression level (1-9, 1=BestSpeed, 9=BestCompression)",
	"gzip":                        "gzip output files.",
	"skip-empty-files":            "skip writing empty files",
	"rotate-size":                 "rotate the file when it grows bigger than `rotate-size` bytes",
	"rotate-interval":             "rotate the file every duration",
	"sync-interval":               "sync file to disk every duration",
}

// errExit carries the exit status of a parse that ends the program
// (-h, --version, a bad flag).
type errExit int

func (e errExit) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// parseArgs reads the command line into Options.
func parseArgs(args []string, stdout, stderr io.Writer) (*Options, error) {
	opts := NewOptions()
	fs := flag.NewFlagSet("nsq_to_file", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showVersion := fs.Bool("version", false, "print version string")
	if err := (config.Binding{Usage: usage}).Register(fs, opts); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errExit(0)
		}
		return nil, errExit(2)
	}
	if *showVersion {
		fmt.Fprintln(stdout, "nsq_to_file v1.3.0")
		return nil, errExit(0)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unknown arguments: %s", fs.Args())
	}
	return opts, opts.validate()
}
