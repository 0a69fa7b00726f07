package daemon_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseArgs(args ...string) (*options, error) {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parse(fs, args)
}

func TestParsePrecedence(t *testing.T) {
	cfg := test.WriteConfig(t, "address = \"file:2\"\nrate = 20\n")
	opts, err := parseArgs(cfg, "--rate=30")
	require.NoError(t, err)
	assert.Equal(t, "file:2", opts.Address) // config key over default
	assert.Equal(t, 30, opts.Rate)          // flag over config key
	opts, err = parseArgs()
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:1", opts.Address)
	assert.Equal(t, 10, opts.Rate)
}

func TestParseDeprecatedVerbose(t *testing.T) {
	_, err := parseArgs("--verbose")
	require.NoError(t, err)
}

func TestParseErrors(t *testing.T) {
	_, err := parseArgs("-h")
	assert.ErrorIs(t, err, flag.ErrHelp, "-h: %v", err)
	_, err = parseArgs("--version")
	assert.ErrorIs(t, err, daemon.ErrVersion, "--version: %v", err)
	for _, args := range [][]string{{"--bogus"}, {"--rate=x"}, {"--log-level=loud"}} {
		_, err = parseArgs(args...)
		assert.ErrorAs(t, err, new(daemon.UsageError), "%v: %#v", args, err)
	}
	_, err = parseArgs(test.WriteConfig(t, "rate = \"many\"\n"))
	if assert.Error(t, err, "bad config value") {
		assert.True(t, strings.HasPrefix(err.Error(), "failed parsing rate many"), err.Error())
	}
	_, err = parseArgs("--config=/does/not/exist")
	if assert.Error(t, err, "missing config") {
		assert.True(t, strings.HasPrefix(err.Error(), "failed to load config file /does/not/exist - "), err.Error())
	}
}

func TestRegisterRejectsAnUnboundField(t *testing.T) {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	var opts struct {
		Ch chan int `flag:"ch"`
	}
	_, err := daemon.Register(fs, config.Binding{Usage: map[string]string{"ch": "x"}}, &opts)
	require.Error(t, err, "a chan field cannot be bound to a flag")
}
