package main

import (
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
)

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	host, _ := os.Hostname()
	test.Equal(t, "0.0.0.0:4160", opts.TCPAddress)
	test.Equal(t, "0.0.0.0:4161", opts.HTTPAddress)
	test.Equal(t, host, opts.BroadcastAddress)
	test.Equal(t, 300*time.Second, opts.InactiveProducerTimeout)
	test.Equal(t, 45*time.Second, opts.TombstoneLifetime)
	test.Equal(t, lg.INFO, opts.LogLevel)
	test.Equal(t, "[nsqlookupd] ", opts.LogPrefix)
}

func TestFlags(t *testing.T) {
	opts := mustParse(t, "--tcp-address=127.0.0.1:1", "-http-address", "127.0.0.1:2",
		"--broadcast-address=lk", "--inactive-producer-timeout=2s", "--tombstone-lifetime=1m",
		"--log-level=DEBUG", "--log-prefix=", "--verbose")
	test.Equal(t, "127.0.0.1:1", opts.TCPAddress)
	test.Equal(t, "127.0.0.1:2", opts.HTTPAddress)
	test.Equal(t, "lk", opts.BroadcastAddress)
	test.Equal(t, 2*time.Second, opts.InactiveProducerTimeout)
	test.Equal(t, time.Minute, opts.TombstoneLifetime)
	test.Equal(t, lg.DEBUG, opts.LogLevel)
	test.Equal(t, "", opts.LogPrefix)
}

func TestConfigPrecedence(t *testing.T) {
	cfg := test.WriteConfig(t, `
tcp_address = "127.0.0.1:1"
http_address = "127.0.0.1:2"
tombstone_lifetime = 3000
inactive_producer_timeout = "5m"
log_level = "warn"
unknown_key = 1
`)
	opts := mustParse(t, cfg, "--http-address=127.0.0.1:4161", "--inactive-producer-timeout=300s")
	test.Equal(t, "127.0.0.1:1", opts.TCPAddress)                // TOML over default
	test.Equal(t, "127.0.0.1:4161", opts.HTTPAddress)            // flag over TOML
	test.Equal(t, 300*time.Second, opts.InactiveProducerTimeout) // flag over TOML, even when equal to the default
	test.Equal(t, 3*time.Second, opts.TombstoneLifetime)         // integer = milliseconds
	test.Equal(t, lg.WARN, opts.LogLevel)
}

func TestConfigErrors(t *testing.T) {
	_, err := parseArgs(test.WriteConfig(t, `log_level = "loud"`))
	test.ErrContains(t, err, "failed parsing log_level loud")
	_, err = parseArgs(test.WriteConfig(t, `tombstone_lifetime = "soon"`))
	test.ErrContains(t, err, "failed parsing tombstone_lifetime soon")
	_, err = parseArgs(test.WriteConfig(t, `tcp_address = `))
	test.ErrContains(t, err, "failed to load config file ")
	_, err = parseArgs("--config=/does/not/exist")
	test.ErrContains(t, err, "failed to load config file /does/not/exist - ")
}

func TestExampleConfig(t *testing.T) {
	opts := mustParse(t, "--config=../../contrib/nsqlookupd.cfg.example")
	want := nsqlookupd.NewOptions()
	test.Equal(t, *want, *opts)
}
