// Command nsqd is the NSQ message daemon. It reads its options from the
// command line and an optional TOML file, runs the nsqd library, and shuts
// it down cleanly on SIGINT or SIGTERM.
//
// Exit status: 0 after a clean shutdown, --version or -h; 2 for a bad
// command line; 1 for any other startup failure, when a listener fails, or
// when the shutdown could not write every message it held to disk.
package main

import (
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/nsqd"
)

// command runs nsqd; tests run copies of it with another New.
var command = daemon.Command[*nsqd.Options]{
	Name:  "nsqd",
	Parse: parse,
	Logging: func(o *nsqd.Options) daemon.Logging {
		return daemon.Logging{Logger: &o.Logger, Prefix: o.LogPrefix, Level: o.LogLevel}
	},
	New: func(o *nsqd.Options) (daemon.Daemon, error) { return nsqd.New(o) },
}

func main() { daemon.Main(command) }
