package nsqlookupd

import (
	"os"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// Options holds every nsqlookupd setting. The `flag` tag names the
// command-line flag; the TOML key is the flag name with '-' turned into '_'.
type Options struct {
	LogLevel  lg.Level  `flag:"log-level"`
	LogPrefix string    `flag:"log-prefix"`
	Logger    lg.Logger `flag:"-"`

	TCPAddress       string `flag:"tcp-address"`
	HTTPAddress      string `flag:"http-address"`
	BroadcastAddress string `flag:"broadcast-address"`

	InactiveProducerTimeout time.Duration `flag:"inactive-producer-timeout"`
	TombstoneLifetime       time.Duration `flag:"tombstone-lifetime"`

	// HTTPTimeouts bound how long an HTTP client may take to send its
	// request and may stay idle (no flag: a defence, not a tunable).
	HTTPTimeouts httpapi.Timeouts `flag:"-"`
}

// NewOptions returns the defaults of the reference nsqlookupd; the
// broadcast address defaults to the OS hostname.
func NewOptions() *Options {
	hostname, err := os.Hostname()
	if err != nil {
		hostname = "localhost"
	}
	return &Options{
		LogLevel:  lg.INFO,
		LogPrefix: "[nsqlookupd] ",

		TCPAddress:       "0.0.0.0:4160",
		HTTPAddress:      "0.0.0.0:4161",
		BroadcastAddress: hostname,

		InactiveProducerTimeout: 300 * time.Second,
		TombstoneLifetime:       45 * time.Second,

		HTTPTimeouts: httpapi.DefaultTimeouts(),
	}
}
