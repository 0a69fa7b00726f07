// Command nsqlookupd is the NSQ discovery daemon. It reads its options from
// the command line and an optional TOML file, runs the nsqlookupd library,
// and shuts it down cleanly on SIGINT or SIGTERM.
//
// Exit status: 0 after a clean shutdown, --version or -h; 2 for a bad
// command line; 1 for any other startup failure or when a listener fails.
package main

import (
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// command runs nsqlookupd; tests run copies of it with another New.
var command = daemon.Command[*nsqlookupd.Options]{
	Name:  "nsqlookupd",
	Parse: parse,
	Logging: func(o *nsqlookupd.Options) daemon.Logging {
		return daemon.Logging{Logger: &o.Logger, Prefix: o.LogPrefix, Level: o.LogLevel}
	},
	New: func(o *nsqlookupd.Options) (daemon.Daemon, error) { return nsqlookupd.New(o) },
}

func main() { daemon.Main(command) }
