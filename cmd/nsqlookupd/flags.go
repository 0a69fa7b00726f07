package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// errVersion asks for the version line instead of a daemon, as flag.ErrHelp
// asks for the usage text.
var errVersion = errors.New("version requested")

// usageError is a command-line mistake; the flag set has already printed
// the reason and the usage text.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usage is the help text of every option flag, by flag name.
var usage = map[string]string{
	"log-level":  "lowest level logged: debug, info, warn, error or fatal",
	"log-prefix": "text at the start of every log line",

	"tcp-address":       "<addr>:<port> to listen on for TCP clients (nsqd)",
	"http-address":      "<addr>:<port> to listen on for HTTP clients",
	"broadcast-address": "address of this lookupd node, reported to nsqd in IDENTIFY replies (default: the hostname)",

	"inactive-producer-timeout": "time since its last ping after which a producer is no longer listed",
	"tombstone-lifetime":        "time a tombstoned topic producer stays hidden from /lookup",
}

// parse builds the options from the command line args, flags registered on
// fs, and the config file named by --config. The errors are flag.ErrHelp,
// errVersion, usageError, or a config-file problem.
func parse(fs *flag.FlagSet, args []string) (*nsqlookupd.Options, error) {
	opts := nsqlookupd.NewOptions()
	var showVersion bool
	var configFile string
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	fs.StringVar(&configFile, "config", "", "path to a TOML config file")
	fs.Bool("verbose", false, "[deprecated] has no effect, use --log-level")
	b := config.Binding{Usage: usage}
	if err := b.Register(fs, opts); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	if showVersion {
		return nil, errVersion
	}
	if configFile == "" {
		return opts, nil
	}
	cfg, err := config.ReadFile(configFile)
	if err != nil {
		return nil, fmt.Errorf("failed to load config file %s - %w", configFile, err)
	}
	if err := b.Apply(fs, opts, cfg); err != nil {
		return nil, err
	}
	return opts, nil
}
