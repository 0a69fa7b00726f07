package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/nsqd"
)

// errVersion asks for the version line instead of a daemon, as flag.ErrHelp
// asks for the usage text.
var errVersion = errors.New("version requested")

// usageError is a command-line mistake; the flag set has already printed
// the reason and the usage text.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// parseFloatError is a percentile that is not a number: fatal, not a usage
// mistake.
type parseFloatError struct{ value string }

func (e parseFloatError) Error() string { return "Could not parse: " + e.value }

// cmdline holds the flags that are not options.
type cmdline struct {
	version bool
	config  string
	pcts    *percentilesValue
}

// parse builds the options from the command line args, flags registered on
// fs, and the config file named by --config. The errors are flag.ErrHelp,
// errVersion, usageError, parseFloatError, or a config-file problem.
func parse(fs *flag.FlagSet, args []string) (*nsqd.Options, error) {
	opts := nsqd.NewOptions()
	cl, b, err := register(fs, opts)
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, flagError(err, cl)
	}
	if cl.version {
		return nil, errVersion
	}
	if cl.config == "" {
		return opts, nil
	}
	cfg, err := config.ReadFile(cl.config)
	if err != nil {
		return nil, fmt.Errorf("failed to load config file %s - %w", cl.config, err)
	}
	if err := b.Apply(fs, opts, cfg); err != nil {
		return nil, err
	}
	return opts, nil
}

func flagError(err error, cl *cmdline) error {
	switch {
	case cl.pcts.failed:
		return parseFloatError{cl.pcts.bad}
	case errors.Is(err, flag.ErrHelp):
		return err
	}
	return usageError{err}
}

// register defines every nsqd flag on fs, bound to opts.
func register(fs *flag.FlagSet, opts *nsqd.Options) (*cmdline, config.Binding, error) {
	cl := &cmdline{pcts: &percentilesValue{p: &opts.E2EProcessingLatencyPercentiles}}
	tlsReq := tlsRequiredValue{&opts.TLSRequired}
	tlsMin := tlsMinVersionValue{&opts.TLSMinVersion}
	b := config.Binding{
		Usage: usage,
		Flags: map[string]flag.Value{
			"tls-required":                      tlsReq,
			"tls-min-version":                   tlsMin,
			"e2e-processing-latency-percentile": cl.pcts,
		},
		Keys: map[string]flag.Value{
			"tls_required":    tlsReq,
			"tls_min_version": tlsMin,
			"log_level":       &opts.LogLevel,
		},
	}
	fs.BoolVar(&cl.version, "version", false, "print the version and exit")
	fs.StringVar(&cl.config, "config", "", "path to a TOML config file")
	fs.Bool("verbose", false, "[deprecated] has no effect, use --log-level")
	fs.Bool("worker-id", false, "[deprecated] has no effect, use --node-id")
	return cl, b, b.Register(fs, opts)
}
