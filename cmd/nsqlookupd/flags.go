package main

import (
	"flag"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/nsqlookupd"
)

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
// fs, and the config file named by --config (see daemon.Flags.Parse).
func parse(fs *flag.FlagSet, args []string) (*nsqlookupd.Options, error) {
	opts := nsqlookupd.NewOptions()
	if err := daemon.Parse(fs, args, config.Binding{Usage: usage}, opts); err != nil {
		return nil, err
	}
	return opts, nil
}
