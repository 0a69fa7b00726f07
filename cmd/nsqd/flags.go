package main

import (
	"errors"
	"flag"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/nsqd"
)

// parseFloatError is a percentile that is not a number: fatal, not a usage
// mistake.
type parseFloatError struct{ value string }

func (e parseFloatError) Error() string { return "Could not parse: " + e.value }

// parse builds the options from the command line args, flags registered on
// fs, and the config file named by --config (see daemon.Flags.Parse). A
// percentile that is not a number is a daemon.BareError around a
// parseFloatError.
func parse(fs *flag.FlagSet, args []string) (*nsqd.Options, error) {
	opts := nsqd.NewOptions()
	pcts, f, err := register(fs, opts)
	if err != nil {
		return nil, err
	}
	if err := f.Parse(args); err != nil {
		if errors.As(err, new(daemon.UsageError)) && pcts.failed {
			return nil, daemon.BareError{Err: parseFloatError{pcts.bad}}
		}
		return nil, err
	}
	return opts, nil
}

// register defines every nsqd flag on fs, bound to opts.
func register(fs *flag.FlagSet, opts *nsqd.Options) (*percentilesValue, *daemon.Flags, error) {
	pcts := &percentilesValue{p: &opts.E2EProcessingLatencyPercentiles}
	tlsReq := tlsRequiredValue{&opts.TLSRequired}
	tlsMin := tlsMinVersionValue{&opts.TLSMinVersion}
	b := config.Binding{
		Usage: usage,
		Flags: map[string]flag.Value{
			"tls-required":                      tlsReq,
			"tls-min-version":                   tlsMin,
			"e2e-processing-latency-percentile": pcts,
		},
		Keys: map[string]flag.Value{
			"tls_required":    tlsReq,
			"tls_min_version": tlsMin,
			"log_level":       &opts.LogLevel,
		},
	}
	fs.Bool("worker-id", false, "[deprecated] has no effect, use --node-id")
	f, err := daemon.Register(fs, b, opts)
	return pcts, f, err
}
