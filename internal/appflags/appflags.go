// Package appflags holds the command-line pieces the utility apps (nsq_tail,
// nsq_to_http, nsq_to_nsq, to_nsq) share: a repeatable string flag, the
// source-address flags and their validation, flag parsing with the exit
// codes of Go's flag package, go-nsq configuration and the fatal-error line.
package appflags

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/nsqgo/nsq/internal/version"
	"github.com/nsqio/go-nsq"
)

// StringArray is a flag that may be given several times; each use appends
// one value (no comma splitting).
type StringArray []string

// Set implements flag.Value.
func (a *StringArray) Set(s string) error {
	*a = append(*a, s)
	return nil
}

// String implements flag.Value; values are joined with ",".
func (a *StringArray) String() string { return strings.Join(*a, ",") }

// Parse parses args into fs, which must use flag.ContinueOnError. When it
// returns ok=false the caller exits with code: 0 after -h, 2 after a bad
// flag (usage was printed by fs).
func Parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	}
	return 2, false
}

// NewFlagSet returns a flag set named after the app that reports errors and
// usage on stderr and leaves exiting to the caller.
func NewFlagSet(app string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(app, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// Version is the --version line of an app, e.g. "nsq_tail v1.3.0".
func Version(app string) string { return fmt.Sprintf("%s v%s", app, version.Binary) }

// UserAgent is the user agent an app's go-nsq connections announce.
func UserAgent(app string) string {
	return fmt.Sprintf("%s/%s go-nsq/%s", app, version.Binary, nsq.VERSION)
}

// NewConfig returns a go-nsq config carrying the app's user agent.
func NewConfig(app string) *nsq.Config {
	cfg := nsq.NewConfig()
	cfg.UserAgent = UserAgent(app)
	return cfg
}

// ConfigVar registers a repeatable "key,value" flag (e.g. --consumer-opt)
// that sets go-nsq options on cfg. A bare key sets a boolean option to true;
// an unknown option or bad value is a flag error.
func ConfigVar(fs *flag.FlagSet, cfg *nsq.Config, name, usage string) {
	fs.Var(&nsq.ConfigFlag{Config: cfg}, name, usage)
}

// NewLogger returns the logger apps print to: stderr with the standard
// "YYYY/MM/DD HH:MM:SS " prefix, as Go's log package prints by default.
func NewLogger(stderr io.Writer) *log.Logger {
	return log.New(stderr, "", log.LstdFlags)
}

// Fatal prints msg as a fatal startup error and returns the exit code 1.
func Fatal(l *log.Logger, msg string) int {
	l.Print(msg)
	return 1
}
