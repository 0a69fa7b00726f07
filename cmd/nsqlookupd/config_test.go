package main

import (
	"os"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	host, _ := os.Hostname()
	assert.Equal(t, "0.0.0.0:4160", opts.TCPAddress)
	assert.Equal(t, "0.0.0.0:4161", opts.HTTPAddress)
	assert.Equal(t, host, opts.BroadcastAddress)
	assert.Equal(t, 300*time.Second, opts.InactiveProducerTimeout)
	assert.Equal(t, 45*time.Second, opts.TombstoneLifetime)
	assert.Equal(t, lg.INFO, opts.LogLevel)
	assert.Equal(t, "[nsqlookupd] ", opts.LogPrefix)
}

func TestFlags(t *testing.T) {
	opts := mustParse(t, "--tcp-address=127.0.0.1:1", "-http-address", "127.0.0.1:2",
		"--broadcast-address=lk", "--inactive-producer-timeout=2s", "--tombstone-lifetime=1m",
		"--log-level=DEBUG", "--log-prefix=", "--verbose")
	assert.Equal(t, "127.0.0.1:1", opts.TCPAddress)
	assert.Equal(t, "127.0.0.1:2", opts.HTTPAddress)
	assert.Equal(t, "lk", opts.BroadcastAddress)
	assert.Equal(t, 2*time.Second, opts.InactiveProducerTimeout)
	assert.Equal(t, time.Minute, opts.TombstoneLifetime)
	assert.Equal(t, lg.DEBUG, opts.LogLevel)
	assert.Equal(t, "", opts.LogPrefix)
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
	assert.Equal(t, "127.0.0.1:1", opts.TCPAddress)                // TOML over default
	assert.Equal(t, "127.0.0.1:4161", opts.HTTPAddress)            // flag over TOML
	assert.Equal(t, 300*time.Second, opts.InactiveProducerTimeout) // flag over TOML, even when equal to the default
	assert.Equal(t, 3*time.Second, opts.TombstoneLifetime)         // integer = milliseconds
	assert.Equal(t, lg.WARN, opts.LogLevel)
}

func TestConfigErrors(t *testing.T) {
	_, err := parseArgs(test.WriteConfig(t, `log_level = "loud"`))
	require.ErrorContains(t, err, "failed parsing log_level loud")
	_, err = parseArgs(test.WriteConfig(t, `tombstone_lifetime = "soon"`))
	require.ErrorContains(t, err, "failed parsing tombstone_lifetime soon")
	_, err = parseArgs(test.WriteConfig(t, `tcp_address = `))
	require.ErrorContains(t, err, "failed to load config file ")
	_, err = parseArgs("--config=/does/not/exist")
	require.ErrorContains(t, err, "failed to load config file /does/not/exist - ")
}

func TestExampleConfig(t *testing.T) {
	opts := mustParse(t, "--config=../../contrib/nsqlookupd.cfg.example")
	want := nsqlookupd.NewOptions()
	assert.Equal(t, *want, *opts)
}
