// Package daemon runs a daemon library as a command. It owns what
// cmd/nsqd, cmd/nsqlookupd and cmd/nsqadmin have in common: the flags every
// daemon has (--version, --config, --verbose), the TOML config file, the
// --version and -h answers, the startup failures, running Main until
// SIGINT or SIGTERM, and the exit status.
//
// Exit status: 0 after a clean shutdown, --version or -h; 2 for a bad
// command line; 1 for any other startup failure or when Main fails.
package daemon

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
)

// Daemon is the part of a daemon library's value a command drives.
type Daemon interface {
	Main() error
	Exit()
}

// Logging points at the log settings of a daemon's options.
type Logging struct {
	Logger *lg.Logger // set by Run to a logger with Prefix when nil
	Prefix string
	Level  lg.Level
}

// Command is one daemon command, with options of type O.
type Command[O any] struct {
	// Name is the binary name: of the flag set, the version line and the
	// "failed to instantiate" message.
	Name string
	// Parse builds the options from args with flags registered on fs; see
	// Parse for the errors it is expected to return.
	Parse func(fs *flag.FlagSet, args []string) (O, error)
	// Logging gives the log settings of the options.
	Logging func(O) Logging
	// New constructs the daemon.
	New func(O) (Daemon, error)
}

// Env is the surroundings of one run, spelled out so tests can drive a
// command in-process.
type Env struct {
	Stdout, Stderr io.Writer
	NewLogger      func(prefix string) lg.Logger
	Signals        <-chan os.Signal
}

// Main runs c with the process's arguments, output and signals, and exits
// with its status.
func Main[O any](c Command[O]) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	env := Env{Stdout: os.Stdout, Stderr: os.Stderr, NewLogger: lg.New, Signals: sigs}
	os.Exit(c.Run(env, os.Args[1:]))
}

// Run starts the daemon with the options of args and returns the exit
// status once it has stopped.
func (c Command[O]) Run(env Env, args []string) int {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	opts, err := c.Parse(fs, args)
	if err != nil {
		return c.startupFailure(env, err, fs, &flagOut)
	}
	l := c.Logging(opts)
	if *l.Logger == nil {
		*l.Logger = env.NewLogger(l.Prefix)
	}
	d, err := c.New(opts)
	if err != nil {
		lg.Logf(*l.Logger, l.Level, lg.FATAL, "failed to instantiate %s - %s", c.Name, err)
		return 1
	}
	return serve(env, d, *l.Logger, l.Level)
}

// startupFailure reports an error of Parse and returns the exit status.
func (c Command[O]) startupFailure(env Env, err error, fs *flag.FlagSet, flagOut *bytes.Buffer) int {
	var ue UsageError
	var be BareError
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.Copy(env.Stderr, flagOut)
		return 0
	case errors.Is(err, ErrVersion):
		fmt.Fprintln(env.Stdout, version.String(c.Name))
		return 0
	case errors.As(err, &ue):
		io.Copy(env.Stderr, flagOut)
		return 2
	case errors.As(err, &be):
		log.New(env.Stderr, "", log.LstdFlags).Print(be.Err)
		return 1
	}
	prefix := ""
	if f := fs.Lookup("log-prefix"); f != nil {
		prefix = f.Value.String()
	}
	lg.Logf(env.NewLogger(prefix), lg.INFO, lg.FATAL, "%s", err)
	return 1
}

// serve runs d until a signal arrives (exit 0) or Main returns (exit 1 with
// an error, else 0).
func serve(env Env, d Daemon, logger lg.Logger, level lg.Level) int {
	done := make(chan error, 1)
	go func() { done <- d.Main() }()
	select {
	case <-env.Signals:
		d.Exit()
		<-done
	case err := <-done:
		d.Exit()
		if err != nil {
			lg.Logf(logger, level, lg.FATAL, "%s", err)
			return 1
		}
	}
	if r, ok := d.(ExitReporter); ok {
		if err := r.ExitError(); err != nil {
			lg.Logf(logger, level, lg.FATAL, "shutdown: %s", err)
			return 1
		}
	}
	return 0
}

// ExitReporter is a Daemon whose shutdown can fail, e.g. when it could not
// write what it held to disk. A failure is logged and the exit status is 1.
type ExitReporter interface {
	ExitError() error
}
