package main

import (
	"flag"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/nsqadmin"
)

// usage is the help text of every option flag, by flag name.
var usage = map[string]string{
	"log-level":  "lowest level logged: debug, info, warn, error or fatal",
	"log-prefix": "text at the start of every log line",

	"http-address":   "<addr>:<port> to listen on for HTTP clients",
	"base-path":      "URL path prefix of every route",
	"dev-static-dir": "serve /static/ and /fonts/ from this directory instead of the embedded files (development)",

	"graphite-url":          "graphite HTTP address; enables graphs in the UI",
	"proxy-graphite":        "proxy HTTP requests to graphite at <base-path>/render",
	"statsd-counter-format": "graphite key template for counters ('%s' is the key; empty for none)",
	"statsd-gauge-format":   "graphite key template for gauges ('%s' is the key; empty for none)",
	"statsd-prefix":         "prefix of nsqd's statsd keys ('%s' is the node); must match nsqd's --statsd-prefix",
	"statsd-interval":       "time between nsqd's statsd pushes; must match nsqd's --statsd-interval",
	"stats-interval":        "time between samples of the cluster's stats for the built-in graphs (at least 1s)",

	"notification-http-endpoint": "HTTP endpoint (fully qualified) to which POST notifications of admin actions will be sent",

	"http-client-connect-timeout":          "timeout for connecting to an upstream HTTP endpoint",
	"http-client-request-timeout":          "timeout for an upstream HTTP request",
	"http-client-tls-insecure-skip-verify": "do not verify the certificates of upstream HTTPS endpoints",
	"http-client-tls-root-ca-file":         "PEM file of the CA certificates upstream HTTPS endpoints are verified against",
	"http-client-tls-cert":                 "path to the certificate file of the upstream HTTP client",
	"http-client-tls-key":                  "path to the key file of the upstream HTTP client",

	"allow-config-from-cidr": "CIDR from which /config requests are accepted (empty: anywhere)",
	"acl-http-header":        "HTTP header naming the authenticated user (set by a fronting proxy)",
	"admin-user":             "admin user allowed to run admin actions (may be given multiple times; none: everyone)",

	"lookupd-http-address": "lookupd HTTP address (may be given multiple times)",
	"nsqd-http-address":    "nsqd HTTP address (may be given multiple times)",
}

// parse builds the options from the command line args, flags registered on
// fs, and the config file named by --config (see daemon.Flags.Parse).
func parse(fs *flag.FlagSet, args []string) (*nsqadmin.Options, error) {
	opts := nsqadmin.NewOptions()
	if err := daemon.Parse(fs, args, config.Binding{Usage: usage}, opts); err != nil {
		return nil, err
	}
	return opts, nil
}
