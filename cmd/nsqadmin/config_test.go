package main

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
)

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	test.Equal(t, *nsqadmin.NewOptions(), *opts)
	test.Equal(t, "0.0.0.0:4171", opts.HTTPAddress)
	test.Equal(t, 10*time.Second, opts.StatsInterval)
	test.Equal(t, 60*time.Second, opts.StatsdInterval)
	test.Equal(t, "127.0.0.1/8", opts.AllowConfigFromCIDR)
	test.Equal(t, "X-Forwarded-User", opts.ACLHTTPHeader)
}

func TestFlags(t *testing.T) {
	opts := mustParse(t, "--http-address=127.0.0.1:1", "--base-path=admin/",
		"--lookupd-http-address=a:1", "--lookupd-http-address=b:2,c:3",
		"--admin-user=alice", "--admin-user=bob", "--stats-interval=2s",
		"--proxy-graphite=true", "--graphite-url=http://g", "--log-level=debug", "--verbose")
	test.Equal(t, "127.0.0.1:1", opts.HTTPAddress)
	test.Equal(t, "admin/", opts.BasePath)
	test.Equal(t, []string{"a:1", "b:2,c:3"}, opts.NSQLookupdHTTPAddresses)
	test.Equal(t, []string{"alice", "bob"}, opts.AdminUsers)
	test.Equal(t, 2*time.Second, opts.StatsInterval)
	test.Equal(t, true, opts.ProxyGraphite)
	test.Equal(t, lg.DEBUG, opts.LogLevel)
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
	test.Equal(t, []string{"l1:4161", "l2:4161"}, opts.NSQLookupdHTTPAddresses)
	test.Equal(t, []string{"n1:4151", "n2:4151"}, opts.NSQDHTTPAddresses)
	test.Equal(t, []string{"alice"}, opts.AdminUsers)
	test.Equal(t, 3*time.Second, opts.StatsInterval)
	test.Equal(t, 30*time.Second, opts.StatsdInterval)
	test.Equal(t, "/admin", opts.BasePath)
	test.Equal(t, "127.0.0.1:4171", opts.HTTPAddress) // flag over TOML
}

func TestConfigErrors(t *testing.T) {
	_, err := parseArgs(test.WriteConfig(t, `log_level = "loud"`))
	test.ErrContains(t, err, "failed parsing log_level loud")
	_, err = parseArgs(test.WriteConfig(t, `stats_interval = "soon"`))
	test.ErrContains(t, err, "failed parsing stats_interval soon")
	_, err = parseArgs("--config=/does/not/exist")
	test.ErrContains(t, err, "failed to load config file /does/not/exist - ")
}

func TestExampleConfig(t *testing.T) {
	opts := mustParse(t, "--config=../../contrib/nsqadmin.cfg.example")
	want := nsqadmin.NewOptions()
	want.NSQLookupdHTTPAddresses = []string{"127.0.0.1:4161"}
	test.Equal(t, *want, *opts)
}
