package main

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	assert.Equal(t, *nsqadmin.NewOptions(), *opts)
	assert.Equal(t, "0.0.0.0:4171", opts.HTTPAddress)
	assert.Equal(t, 10*time.Second, opts.StatsInterval)
	assert.Equal(t, 60*time.Second, opts.StatsdInterval)
	assert.Equal(t, "127.0.0.1/8", opts.AllowConfigFromCIDR)
	assert.Equal(t, "X-Forwarded-User", opts.ACLHTTPHeader)
}

func TestFlags(t *testing.T) {
	opts := mustParse(t, "--http-address=127.0.0.1:1", "--base-path=admin/",
		"--lookupd-http-address=a:1", "--lookupd-http-address=b:2,c:3",
		"--admin-user=alice", "--admin-user=bob", "--stats-interval=2s",
		"--proxy-graphite=true", "--graphite-url=http://g", "--log-level=debug", "--verbose")
	assert.Equal(t, "127.0.0.1:1", opts.HTTPAddress)
	assert.Equal(t, "admin/", opts.BasePath)
	assert.Equal(t, []string{"a:1", "b:2,c:3"}, opts.NSQLookupdHTTPAddresses)
	assert.Equal(t, []string{"alice", "bob"}, opts.AdminUsers)
	assert.Equal(t, 2*time.Second, opts.StatsInterval)
	assert.Equal(t, true, opts.ProxyGraphite)
	assert.Equal(t, lg.DEBUG, opts.LogLevel)
}

func TestConfigKeys(t *testing.T) {
	cfg := test.WriteConfig(t, `
nsqlookupd_http_addresses = ["l1:4161", "l2:4161"]
nsqd_http_addresses = "n1:4151,n2:4151"
admin_users = ["alice"]
stats_interval = "3s"
statsd_interval = 30000
base_path = "/admin"
http_address = "127.0.0.1:9"
`)
	opts := mustParse(t, cfg, "--http-address=127.0.0.1:4171")
	assert.Equal(t, []string{"l1:4161", "l2:4161"}, opts.NSQLookupdHTTPAddresses)
	assert.Equal(t, []string{"n1:4151", "n2:4151"}, opts.NSQDHTTPAddresses)
	assert.Equal(t, []string{"alice"}, opts.AdminUsers)
	assert.Equal(t, 3*time.Second, opts.StatsInterval)
	assert.Equal(t, 30*time.Second, opts.StatsdInterval)
	assert.Equal(t, "/admin", opts.BasePath)
	assert.Equal(t, "127.0.0.1:4171", opts.HTTPAddress) // flag over TOML
}

func TestConfigErrors(t *testing.T) {
	_, err := parseArgs(test.WriteConfig(t, `log_level = "loud"`))
	require.ErrorContains(t, err, "failed parsing log_level loud")
	_, err = parseArgs(test.WriteConfig(t, `stats_interval = "soon"`))
	require.ErrorContains(t, err, "failed parsing stats_interval soon")
	_, err = parseArgs("--config=/does/not/exist")
	require.ErrorContains(t, err, "failed to load config file /does/not/exist - ")
}

func TestExampleConfig(t *testing.T) {
	opts := mustParse(t, "--config=../../contrib/nsqadmin.cfg.example")
	want := nsqadmin.NewOptions()
	want.NSQLookupdHTTPAddresses = []string{"127.0.0.1:4161"}
	assert.Equal(t, *want, *opts)
}
