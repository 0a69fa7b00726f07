package main

import (
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/nsqlookupd"
)

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	host, _ := os.Hostname()
	equal(t, "0.0.0.0:4160", opts.TCPAddress)
	equal(t, "0.0.0.0:4161", opts.HTTPAddress)
	equal(t, host, opts.BroadcastAddress)
	equal(t, 300*time.Second, opts.InactiveProducerTimeout)
	equal(t, 45*time.Second, opts.TombstoneLifetime)
	equal(t, lg.INFO, opts.LogLevel)
	equal(t, "[nsqlookupd] ", opts.LogPrefix)
}

func TestFlags(t *testing.T) {
	opts := mustParse(t, "--tcp-address=127.0.0.1:1", "-http-address", "127.0.0.1:2",
		"--broadcast-address=lk", "--inactive-producer-timeout=2s", "--tombstone-lifetime=1m",
		"--log-level=DEBUG", "--log-prefix=", "--verbose")
	equal(t, "127.0.0.1:1", opts.TCPAddress)
	equal(t, "127.0.0.1:2", opts.HTTPAddress)
	equal(t, "lk", opts.BroadcastAddress)
	equal(t, 2*time.Second, opts.InactiveProducerTimeout)
	equal(t, time.Minute, opts.TombstoneLifetime)
	equal(t, lg.DEBUG, opts.LogLevel)
	equal(t, "", opts.LogPrefix)
}

func TestConfigPrecedence(t *testing.T) {
	cfg := writeConfig(t, `
tcp_address = "127.0.0.1:1"
http_address = "127.0.0.1:2"
tombstone_lifetime = 3000
inactive_producer_timeout = "5m"
log_level = "warn"
unknown_key = 1
`)
	opts := mustParse(t, cfg, "--http-address=127.0.0.1:4161", "--inactive-producer-timeout=300s")
	equal(t, "127.0.0.1:1", opts.TCPAddress)                // TOML over default
	equal(t, "127.0.0.1:4161", opts.HTTPAddress)            // flag over TOML
	equal(t, 300*time.Second, opts.InactiveProducerTimeout) // flag over TOML, even when equal to the default
	equal(t, 3*time.Second, opts.TombstoneLifetime)         // integer = milliseconds
	equal(t, lg.WARN, opts.LogLevel)
}

func TestConfigErrors(t *testing.T) {
	_, err := parseArgs(writeConfig(t, `log_level = "loud"`))
	errContains(t, err, "failed parsing log_level loud")
	_, err = parseArgs(writeConfig(t, `tombstone_lifetime = "soon"`))
	errContains(t, err, "failed parsing tombstone_lifetime soon")
	_, err = parseArgs(writeConfig(t, `tcp_address = `))
	errContains(t, err, "failed to load config file ")
	_, err = parseArgs("--config=/does/not/exist")
	errContains(t, err, "failed to load config file /does/not/exist - ")
}

func TestExampleConfig(t *testing.T) {
	opts := mustParse(t, "--config=../../contrib/nsqlookupd.cfg.example")
	want := nsqlookupd.NewOptions()
	equal(t, *want, *opts)
}
