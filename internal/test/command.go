package test

import (
	"log"
	"os"

	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/lg"
)

// CommandRun is the outcome of one in-process run of a daemon command.
type CommandRun struct {
	Code                 int
	Stdout, Stderr, Logs string
}

// RunCommand runs c with args in-process and returns its exit status and
// what it wrote: stdout, stderr, and the lines of the loggers it made (with
// their prefix, no timestamp). Signals come from sigs; nil sends none.
func RunCommand[O any](c daemon.Command[O], sigs <-chan os.Signal, args ...string) CommandRun {
	var out, errOut, logs Buffer
	env := daemon.Env{
		Stdout:    &out,
		Stderr:    &errOut,
		NewLogger: func(prefix string) lg.Logger { return log.New(&logs, prefix, 0) },
		Signals:   sigs,
	}
	code := c.Run(env, args)
	return CommandRun{Code: code, Stdout: out.String(), Stderr: errOut.String(), Logs: logs.String()}
}
