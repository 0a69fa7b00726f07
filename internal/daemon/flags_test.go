package daemon_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/test"
)

func parseArgs(args ...string) (*options, error) {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parse(fs, args)
}

func TestParsePrecedence(t *testing.T) {
	cfg := test.WriteConfig(t, "address = \"file:2\"\nrate = 20\n")
	opts, err := parseArgs(cfg, "--rate=30")
	if err != nil {
		t.Fatal(err)
	}
	test.Equal(t, "file:2", opts.Address) // config key over default
	test.Equal(t, 30, opts.Rate)          // flag over config key
	opts, err = parseArgs()
	if err != nil {
		t.Fatal(err)
	}
	test.Equal(t, "0.0.0.0:1", opts.Address)
	test.Equal(t, 10, opts.Rate)
}

func TestParseDeprecatedVerbose(t *testing.T) {
	if _, err := parseArgs("--verbose"); err != nil {
		t.Fatal(err)
	}
}

func TestParseErrors(t *testing.T) {
	_, err := parseArgs("-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	_, err = parseArgs("--version")
	if !errors.Is(err, daemon.ErrVersion) {
		t.Errorf("--version: %v", err)
	}
	for _, args := range [][]string{{"--bogus"}, {"--rate=x"}, {"--log-level=loud"}} {
		_, err = parseArgs(args...)
		if !errors.As(err, new(daemon.UsageError)) {
			t.Errorf("%v: %#v", args, err)
		}
	}
	_, err = parseArgs(test.WriteConfig(t, "rate = \"many\"\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "failed parsing rate many") {
		t.Errorf("bad config value: %v", err)
	}
	_, err = parseArgs("--config=/does/not/exist")
	if err == nil || !strings.HasPrefix(err.Error(), "failed to load config file /does/not/exist - ") {
		t.Errorf("missing config: %v", err)
	}
}

func TestRegisterRejectsAnUnboundField(t *testing.T) {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	var opts struct {
		Ch chan int `flag:"ch"`
	}
	if _, err := daemon.Register(fs, config.Binding{Usage: map[string]string{"ch": "x"}}, &opts); err == nil {
		t.Fatal("want an error for a chan field")
	}
}
