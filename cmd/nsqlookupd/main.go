// Command nsqlookupd is the NSQ discovery daemon. It reads its options from
// the command line and an optional TOML file, runs the nsqlookupd library,
// and shuts it down cleanly on SIGINT or SIGTERM.
//
// Exit status: 0 after a clean shutdown, --version or -h; 2 for a bad
// command line; 1 for any other startup failure or when a listener fails.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// daemon is the part of *nsqlookupd.NSQLookupd the command drives.
type daemon interface {
	Main() error
	Exit()
}

// app is one run of the command, with its surroundings spelled out so tests
// can drive it in-process.
type app struct {
	stdout, stderr io.Writer
	newLogger      func(prefix string) lg.Logger
	newDaemon      func(*nsqlookupd.Options) (daemon, error)
	signals        <-chan os.Signal
}

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	a := app{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		newLogger: lg.New,
		newDaemon: func(o *nsqlookupd.Options) (daemon, error) { return nsqlookupd.New(o) },
		signals:   sigs,
	}
	os.Exit(a.run(os.Args[1:]))
}

// run starts nsqlookupd with the options of args and returns the exit
// status.
func (a *app) run(args []string) int {
	fs := flag.NewFlagSet("nsqlookupd", flag.ContinueOnError)
	var flagOut bytes.Buffer
	fs.SetOutput(&flagOut)
	opts, err := parse(fs, args)
	if err != nil {
		return a.startupFailure(err, fs, &flagOut)
	}
	if opts.Logger == nil {
		opts.Logger = a.newLogger(opts.LogPrefix)
	}
	d, err := a.newDaemon(opts)
	if err != nil {
		lg.Logf(opts.Logger, opts.LogLevel, lg.FATAL, "failed to instantiate nsqlookupd - %s", err)
		return 1
	}
	return a.serve(d, opts)
}

// startupFailure reports an error of parse and returns the exit status.
func (a *app) startupFailure(err error, fs *flag.FlagSet, flagOut *bytes.Buffer) int {
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.Copy(a.stderr, flagOut)
		return 0
	case errors.Is(err, errVersion):
		fmt.Fprintln(a.stdout, version.String("nsqlookupd"))
		return 0
	case errors.As(err, &ue):
		io.Copy(a.stderr, flagOut)
		return 2
	}
	prefix := ""
	if f := fs.Lookup("log-prefix"); f != nil {
		prefix = f.Value.String()
	}
	lg.Logf(a.newLogger(prefix), lg.INFO, lg.FATAL, "%s", err)
	return 1
}

// serve runs d until a signal arrives (exit 0) or Main fails (exit 1).
func (a *app) serve(d daemon, opts *nsqlookupd.Options) int {
	done := make(chan error, 1)
	go func() { done <- d.Main() }()
	select {
	case <-a.signals:
		d.Exit()
		<-done
		return 0
	case err := <-done:
		d.Exit()
		if err != nil {
			lg.Logf(opts.Logger, opts.LogLevel, lg.FATAL, "%s", err)
			return 1
		}
		return 0
	}
}
