package daemon_test

import (
	"errors"
	"flag"
	"log"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// options is a daemon's options struct in miniature.
type options struct {
	LogLevel  lg.Level  `flag:"log-level"`
	LogPrefix string    `flag:"log-prefix"`
	Logger    lg.Logger `flag:"-"`

	Address string `flag:"address"`
	Rate    int    `flag:"rate"`
}

var usage = map[string]string{
	"log-level":  "lowest level logged",
	"log-prefix": "text at the start of every log line",
	"address":    "<addr>:<port> to listen on",
	"rate":       "things a second",
}

func parse(fs *flag.FlagSet, args []string) (*options, error) {
	opts := &options{LogLevel: lg.INFO, LogPrefix: "[fake] ", Address: "0.0.0.0:1", Rate: 10}
	if err := daemon.Parse(fs, args, config.Binding{Usage: usage}, opts); err != nil {
		return nil, err
	}
	return opts, nil
}

// fakeDaemon's Main blocks until Exit, then returns mainErr; with failNow it
// returns mainErr at once.
type fakeDaemon struct {
	exit    chan struct{}
	exits   int
	mainErr error
	failNow bool
	exitErr error
}

func (d *fakeDaemon) ExitError() error { return d.exitErr }

func (d *fakeDaemon) Main() error {
	if !d.failNow {
		<-d.exit
	}
	return d.mainErr
}

func (d *fakeDaemon) Exit() {
	if d.exits++; d.exits == 1 && !d.failNow {
		close(d.exit)
	}
}

// command runs d, or fails New with newErr; *got receives the options New
// was called with.
func command(d daemon.Daemon, newErr error, got **options) daemon.Command[*options] {
	return daemon.Command[*options]{
		Name:  "fake",
		Parse: parse,
		Logging: func(o *options) daemon.Logging {
			return daemon.Logging{Logger: &o.Logger, Prefix: o.LogPrefix, Level: o.LogLevel}
		},
		New: func(o *options) (daemon.Daemon, error) {
			*got = o
			if newErr != nil {
				return nil, newErr
			}
			return d, nil
		},
	}
}

func TestRunStopsOnSignal(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		d := &fakeDaemon{exit: make(chan struct{})}
		var opts *options
		sigs := make(chan os.Signal, 1)
		sigs <- sig
		r := test.RunCommand(command(d, nil, &opts), sigs, "--address=127.0.0.1:0")
		assert.Equal(t, 0, r.Code)
		assert.Equal(t, 1, d.exits)
		assert.Equal(t, "127.0.0.1:0", opts.Address)
		require.NotNil(t, opts.Logger, "no logger set")
	}
}

func TestRunExitsOneWhenShutdownFails(t *testing.T) {
	d := &fakeDaemon{exit: make(chan struct{}), exitErr: errors.New("failed to write 3 messages")}
	var opts *options
	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM
	r := test.RunCommand(command(d, nil, &opts), sigs)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "[fake] FATAL: shutdown: failed to write 3 messages\n", r.Logs)
}

func TestRunExitsOneWhenMainFails(t *testing.T) {
	d := &fakeDaemon{mainErr: errors.New("listener closed"), failNow: true}
	var opts *options
	r := test.RunCommand(command(d, nil, &opts), nil)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, 1, d.exits)
	assert.Equal(t, "[fake] FATAL: listener closed\n", r.Logs)
}

func TestRunExitsZeroWhenMainReturnsCleanly(t *testing.T) {
	d := &fakeDaemon{failNow: true}
	var opts *options
	r := test.RunCommand(command(d, nil, &opts), nil)
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, 1, d.exits)
	assert.Equal(t, "", r.Logs)
}

func TestRunFatalWhenNewFails(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, errors.New("listen (x) failed - boom"), &opts), nil, "--log-prefix=[x] ")
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "[x] FATAL: failed to instantiate fake - listen (x) failed - boom\n", r.Logs)
}

func TestRunKeepsALoggerOfTheOptions(t *testing.T) {
	var opts *options
	c := command(nil, errors.New("boom"), &opts)
	parseOpts := c.Parse
	var own test.Buffer
	c.Parse = func(fs *flag.FlagSet, args []string) (*options, error) {
		o, err := parseOpts(fs, args)
		if err == nil {
			o.Logger = log.New(&own, "", 0)
		}
		return o, err
	}
	r := test.RunCommand(c, nil)
	assert.Equal(t, 1, r.Code)
	assert.Equal(t, "", r.Logs)
	assert.Equal(t, "FATAL: failed to instantiate fake - boom\n", own.String())
}

func TestRunFatalOnBadConfig(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, nil, &opts), nil, test.WriteConfig(t, "log_level = \"loud\"\n"))
	assert.Equal(t, 1, r.Code)
	assert.True(t, strings.HasPrefix(r.Logs, "[fake] FATAL: failed parsing log_level loud - "), r.Logs)
	assert.Nil(t, opts, "the daemon must not start")
}

func TestRunFatalOnMissingConfig(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, nil, &opts), nil, "--log-prefix=[y] ", "--config=/does/not/exist")
	assert.Equal(t, 1, r.Code)
	assert.True(t, strings.HasPrefix(r.Logs, "[y] FATAL: failed to load config file /does/not/exist - "), r.Logs)
	assert.Nil(t, opts, "the daemon must not start")
}

func TestRunVersion(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, nil, &opts), nil, "--version")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, version.String("fake")+"\n", r.Stdout)
	assert.Equal(t, "", r.Stderr)
}

func TestRunHelp(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, nil, &opts), nil, "-h")
	assert.Equal(t, 0, r.Code)
	assert.Equal(t, "", r.Stdout)
	require.True(t, strings.HasPrefix(r.Stderr, "Usage of fake:\n"), "usage: %q", r.Stderr)
	for _, f := range []string{"-address", "-rate", "-log-level", "-config", "-version", "-verbose"} {
		assert.Contains(t, r.Stderr, "\n  "+f, "usage without %s: %q", f, r.Stderr)
	}
}

func TestRunBadFlag(t *testing.T) {
	var opts *options
	r := test.RunCommand(command(nil, nil, &opts), nil, "--no-such-flag")
	assert.Equal(t, 2, r.Code)
	require.True(t, strings.HasPrefix(r.Stderr, "flag provided but not defined: -no-such-flag\nUsage of fake:\n"), "stderr: %q", r.Stderr)
	assert.Equal(t, "", r.Logs)
}

func TestRunBareError(t *testing.T) {
	var opts *options
	c := command(nil, nil, &opts)
	c.Parse = func(fs *flag.FlagSet, args []string) (*options, error) {
		return nil, daemon.BareError{Err: errors.New("Could not parse: high")}
	}
	r := test.RunCommand(c, nil)
	assert.Equal(t, 1, r.Code)
	assert.Regexp(t, `^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Could not parse: high\n$`, r.Stderr)
	assert.Equal(t, "", r.Logs)
}
