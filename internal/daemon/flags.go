package daemon

import (
	"errors"
	"flag"
	"fmt"

	"github.com/nsqgo/nsq/internal/config"
)

// ErrVersion asks for the version line instead of a daemon, as flag.ErrHelp
// asks for the usage text.
var ErrVersion = errors.New("version requested")

// UsageError is a command-line mistake; the flag set has already written
// the reason and the usage text to its output, which Run prints.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// BareError is a fatal startup error that Run prints to stderr as the
// standard logger does (a timestamp, then Err), without the daemon's log
// prefix or the usage text.
type BareError struct{ Err error }

func (e BareError) Error() string { return e.Err.Error() }
func (e BareError) Unwrap() error { return e.Err }

// Flags is the command line of a daemon: the flags of its options, bound by
// a config.Binding, and --version, --config and --verbose.
type Flags struct {
	fs      *flag.FlagSet
	binding config.Binding
	opts    any
	version bool
	config  string
}

// Register defines on fs a flag for every tagged field of opts, a pointer
// to an options struct, and the flags every daemon has.
func Register(fs *flag.FlagSet, b config.Binding, opts any) (*Flags, error) {
	f := &Flags{fs: fs, binding: b, opts: opts}
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.StringVar(&f.config, "config", "", "path to a TOML config file")
	fs.Bool("verbose", false, "[deprecated] has no effect, use --log-level")
	return f, b.Register(fs, opts)
}

// Parse parses args into the options, then applies the config file named
// by --config to the options whose flag was not given. The errors are
// flag.ErrHelp, ErrVersion, UsageError, or a config-file problem.
func (f *Flags) Parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return UsageError{err}
	}
	if f.version {
		return ErrVersion
	}
	if f.config == "" {
		return nil
	}
	cfg, err := config.ReadFile(f.config)
	if err != nil {
		return fmt.Errorf("failed to load config file %s - %w", f.config, err)
	}
	return f.binding.Apply(f.fs, f.opts, cfg)
}

// Parse is Register then Flags.Parse.
func Parse(fs *flag.FlagSet, args []string, b config.Binding, opts any) error {
	f, err := Register(fs, b, opts)
	if err != nil {
		return err
	}
	return f.Parse(args)
}
