package nsqadmin

import (
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// Options holds every nsqadmin setting. The `flag` tag names the
// command-line flag; the TOML key is the `cfg` tag when present, else the
// flag name with '-' turned into '_'.
type Options struct {
	LogLevel  lg.Level  `flag:"log-level"`
	LogPrefix string    `flag:"log-prefix"`
	Logger    lg.Logger `flag:"-"`

	HTTPAddress  string `flag:"http-address"`
	BasePath     string `flag:"base-path"`
	DevStaticDir string `flag:"dev-static-dir"`

	GraphiteURL         string        `flag:"graphite-url"`
	ProxyGraphite       bool          `flag:"proxy-graphite"`
	StatsdCounterFormat string        `flag:"statsd-counter-format"`
	StatsdGaugeFormat   string        `flag:"statsd-gauge-format"`
	StatsdPrefix        string        `flag:"statsd-prefix"`
	StatsdInterval      time.Duration `flag:"statsd-interval"`

	// StatsInterval is how often nsqadmin samples the cluster's stats for
	// its own history graphs (/api/history).
	StatsInterval time.Duration `flag:"stats-interval"`

	NotificationHTTPEndpoint string `flag:"notification-http-endpoint"`

	HTTPClientConnectTimeout        time.Duration `flag:"http-client-connect-timeout"`
	HTTPClientRequestTimeout        time.Duration `flag:"http-client-request-timeout"`
	HTTPClientTLSInsecureSkipVerify bool          `flag:"http-client-tls-insecure-skip-verify"`
	HTTPClientTLSRootCAFile         string        `flag:"http-client-tls-root-ca-file"`
	HTTPClientTLSCert               string        `flag:"http-client-tls-cert"`
	HTTPClientTLSKey                string        `flag:"http-client-tls-key"`

	AllowConfigFromCIDR string   `flag:"allow-config-from-cidr"`
	ACLHTTPHeader       string   `flag:"acl-http-header"`
	AdminUsers          []string `flag:"admin-user" cfg:"admin_users"`

	NSQLookupdHTTPAddresses []string `flag:"lookupd-http-address" cfg:"nsqlookupd_http_addresses"`
	NSQDHTTPAddresses       []string `flag:"nsqd-http-address" cfg:"nsqd_http_addresses"`

	// HTTPTimeouts bound how long an HTTP client may take to send its
	// request and may stay idle (no flag: a defence, not a tunable).
	HTTPTimeouts httpapi.Timeouts `flag:"-"`
}

// NewOptions returns the defaults of the reference nsqadmin, plus a 10 s
// stats interval.
func NewOptions() *Options {
	return &Options{
		LogLevel:  lg.INFO,
		LogPrefix: "[nsqadmin] ",

		HTTPAddress: "0.0.0.0:4171",
		BasePath:    "/",

		StatsdCounterFormat: "stats.counters.%s.count",
		StatsdGaugeFormat:   "stats.gauges.%s",
		StatsdPrefix:        "nsq.%s",
		StatsdInterval:      60 * time.Second,

		StatsInterval: 10 * time.Second,

		HTTPClientConnectTimeout: 2 * time.Second,
		HTTPClientRequestTimeout: 5 * time.Second,

		AllowConfigFromCIDR: "127.0.0.1/8",
		ACLHTTPHeader:       "X-Forwarded-User",
		AdminUsers:          []string{},

		NSQLookupdHTTPAddresses: []string{},
		NSQDHTTPAddresses:       []string{},

		HTTPTimeouts: httpapi.DefaultTimeouts(),
	}
}
