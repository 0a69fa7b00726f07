package main

import (
	"crypto/tls"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/daemon"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type optionsT = nsqd.Options

// specFlags are the flags of the reference nsqd, in its help order.
var specFlags = []string{
	"auth-http-address", "auth-http-request-method", "broadcast-address",
	"broadcast-http-port", "broadcast-tcp-port", "config", "data-path", "deflate",
	"e2e-processing-latency-percentile", "e2e-processing-latency-window-time",
	"enable-experiment", "http-address", "http-client-connect-timeout",
	"http-client-request-timeout", "https-address", "log-level", "log-prefix",
	"lookupd-tcp-address", "max-body-size", "max-bytes-per-file",
	"max-channel-consumers", "max-deferred", "max-deflate-level", "max-heartbeat-interval",
	"max-msg-size", "max-msg-timeout", "max-output-buffer-size",
	"max-output-buffer-timeout", "max-rdy-count", "max-req-timeout",
	"mem-queue-size", "min-output-buffer-timeout", "msg-timeout", "node-id",
	"output-buffer-timeout", "queue-scan-selection-count",
	"queue-scan-worker-pool-max", "snappy", "statsd-address",
	"statsd-exclude-ephemeral", "statsd-interval", "statsd-mem-stats",
	"statsd-prefix", "statsd-udp-packet-size", "sync-every", "sync-timeout",
	"tcp-address", "tls-cert", "tls-client-auth-policy", "tls-key",
	"tls-min-version", "tls-required", "tls-root-ca-file", "topology-region",
	"topology-zone", "verbose", "version", "worker-id",
}

// extraFlags are the flags beyond the reference's, all off by default.
var extraFlags = []string{"max-attempts", "min-free-disk", "requeue-on-disconnect"}

func TestFlagSetMatchesSpec(t *testing.T) {
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	_, _, err := register(fs, nsqd.NewOptions())
	require.NoError(t, err)
	var got []string
	fs.VisitAll(func(f *flag.Flag) { got = append(got, f.Name) })
	want := slices.Sorted(slices.Values(append(slices.Clone(specFlags), extraFlags...)))
	assert.Equal(t, want, got)
	require.Len(t, usage, len(want)-4, "one usage entry per option flag")
}

func TestPolicyFlags(t *testing.T) {
	opts := mustParse(t, "--max-attempts=5", "--requeue-on-disconnect", "--min-free-disk=1048576")
	want := nsqd.NewOptions()
	want.MaxAttempts, want.RequeueOnDisconnect, want.MinFreeDisk = 5, true, 1048576
	assert.Equal(t, want, opts)
	opts = mustParse(t, test.WriteConfig(t, "max_attempts = 7\nrequeue_on_disconnect = true\n"))
	want = nsqd.NewOptions()
	want.MaxAttempts, want.RequeueOnDisconnect = 7, true
	assert.Equal(t, want, opts)
}

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	assert.Equal(t, nsqd.NewOptions(), opts)
	assert.Equal(t, uint16(tls.VersionTLS12), opts.TLSMinVersion)
	assert.Equal(t, lg.INFO, opts.LogLevel)
}

func TestScalarFlags(t *testing.T) {
	opts := mustParse(t,
		"--node-id=77", "-tcp-address", "127.0.0.1:0", "--http-address=",
		"--mem-queue-size=0", "--msg-timeout=30s", "--deflate=false",
		"--statsd-mem-stats=false", "--snappy=0", "--max-deflate-level", "9",
		"--log-prefix=[x] ", "--data-path=/tmp", "--broadcast-tcp-port=5",
		"--auth-http-request-method=post", "--topology-zone=z1")
	want := nsqd.NewOptions()
	want.ID, want.TCPAddress, want.HTTPAddress = 77, "127.0.0.1:0", ""
	want.MemQueueSize, want.MsgTimeout = 0, 30*time.Second
	want.DeflateEnabled, want.StatsdMemStats, want.SnappyEnabled = false, false, false
	want.MaxDeflateLevel, want.LogPrefix, want.DataPath = 9, "[x] ", "/tmp"
	want.BroadcastTCPPort, want.AuthHTTPRequestMethod, want.TopologyZone = 5, "post", "z1"
	assert.Equal(t, want, opts)
}

func TestRepeatableStringFlags(t *testing.T) {
	opts := mustParse(t,
		"--lookupd-tcp-address=a:4160", "--lookupd-tcp-address", "b:4160,c:4160",
		"--auth-http-address=x:1", "--auth-http-address=https://y/auth",
		"--enable-experiment=topology-aware-consumption", "--enable-experiment=other")
	assert.Equal(t, []string{"a:4160", "b:4160,c:4160"}, opts.NSQLookupdTCPAddresses)
	assert.Equal(t, []string{"x:1", "https://y/auth"}, opts.AuthHTTPAddresses)
	assert.Equal(t, []string{"topology-aware-consumption", "other"}, opts.Experiments)
	require.True(t, opts.HasExperiment(nsqd.ExperimentTopologyAwareConsumption), "experiment not enabled")
}

func TestPercentilesSplitAndSortDescending(t *testing.T) {
	opts := mustParse(t,
		"--e2e-processing-latency-percentile=0.5,1.0",
		"--e2e-processing-latency-percentile", "0.99",
		"--e2e-processing-latency-percentile=0.75, 0.95")
	assert.Equal(t, []float64{1, 0.99, 0.95, 0.75, 0.5}, opts.E2EProcessingLatencyPercentiles)
}

func TestPercentileThatDoesNotParseIsFatal(t *testing.T) {
	_, err := parseArgs("--e2e-processing-latency-percentile=0.5,abc", "--bogus")
	var pe parseFloatError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Could not parse: abc", pe.Error())

	_, err = parseArgs("--e2e-processing-latency-percentile=0.5,")
	require.ErrorContains(t, err, "Could not parse: ")
	require.ErrorAs(t, err, &pe)
}

func TestTLSRequiredFlag(t *testing.T) {
	for arg, want := range map[string]int{
		"--tls-required":           nsqd.TLSRequired,
		"--tls-required=true":      nsqd.TLSRequired,
		"--tls-required=1":         nsqd.TLSRequired,
		"--tls-required=t":         nsqd.TLSRequired,
		"--tls-required=TRUE":      nsqd.TLSRequired,
		"--tls-required=false":     nsqd.TLSNotRequired,
		"--tls-required=0":         nsqd.TLSNotRequired,
		"--tls-required=tcp-https": nsqd.TLSRequiredExceptHTTP,
	} {
		opts := mustParse(t, arg)
		assert.Equal(t, want, opts.TLSRequired, "%s", arg)
	}
	for _, arg := range []string{"--tls-required=yes", "--tls-required=tcp"} {
		_, err := parseArgs(arg)
		assert.ErrorAs(t, err, new(daemon.UsageError), "%s", arg)
	}
}

func TestTLSRequiredBareFlagDoesNotTakeNextArg(t *testing.T) {
	opts := mustParse(t, "--tls-required", "tcp-https")
	assert.Equal(t, nsqd.TLSRequired, opts.TLSRequired)
}

func TestTLSRequiredValueString(t *testing.T) {
	n := 0
	v := tlsRequiredValue{&n}
	for set, want := range map[string]string{"tcp-https": "tcp-https", "1": "true", "f": "false"} {
		require.NoError(t, v.Set(set))
		assert.Equal(t, want, v.String())
		assert.Equal(t, n, v.Get())
	}
	assert.Equal(t, "false", tlsRequiredValue{}.String())
}

func TestTLSMinVersionFlag(t *testing.T) {
	for arg, want := range map[string]uint16{
		"--tls-min-version=tls1.0": tls.VersionTLS10,
		"--tls-min-version=tls1.1": tls.VersionTLS11,
		"--tls-min-version=TLS1.2": tls.VersionTLS12,
		"--tls-min-version=Tls1.3": tls.VersionTLS13,
		"--tls-min-version=":       tls.VersionTLS12,
	} {
		opts := mustParse(t, arg)
		assert.Equal(t, want, opts.TLSMinVersion, "%s", arg)
	}
	for _, arg := range []string{"--tls-min-version=ssl3.0", "--tls-min-version=tls1.4", "--tls-min-version=771"} {
		_, err := parseArgs(arg)
		assert.ErrorAs(t, err, new(daemon.UsageError), "%s", arg)
	}
}

func TestTLSMinVersionValueString(t *testing.T) {
	n := uint16(tls.VersionTLS12)
	assert.Equal(t, "tls1.2", tlsMinVersionValue{&n}.String())
	assert.Equal(t, uint16(tls.VersionTLS12), tlsMinVersionValue{&n}.Get())
	n = 0x0300
	assert.Equal(t, "768", tlsMinVersionValue{&n}.String())
	assert.Equal(t, "", tlsMinVersionValue{}.String())
}

func TestLogLevelFlag(t *testing.T) {
	for arg, want := range map[string]lg.Level{
		"--log-level=debug": lg.DEBUG, "--log-level=INFO": lg.INFO,
		"--log-level=Warn": lg.WARN, "--log-level=error": lg.ERROR,
		"--log-level=fatal": lg.FATAL,
	} {
		assert.Equal(t, want, mustParse(t, arg).LogLevel)
	}
	_, err := parseArgs("--log-level=warning")
	require.ErrorAs(t, err, new(daemon.UsageError), "warning")
}

func TestDeprecatedFlagsHaveNoEffect(t *testing.T) {
	opts := mustParse(t, "--verbose", "--worker-id", "--worker-id=true")
	assert.Equal(t, nsqd.NewOptions(), opts)
}

func TestParsingStopsAtFirstNonFlag(t *testing.T) {
	opts := mustParse(t, "--node-id=3", "extra", "--node-id=4")
	assert.Equal(t, int64(3), opts.ID)
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"}, {"--node-id=x"}, {"--msg-timeout=10"}, {"--deflate=maybe"},
		{"--mem-queue-size"}, {"---node-id=1"},
	} {
		_, err := parseArgs(args...)
		assert.ErrorAs(t, err, new(daemon.UsageError), "%v", args)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		_, err := parseArgs(arg)
		assert.ErrorIs(t, err, flag.ErrHelp, "%s", arg)
	}
	_, err := parseArgs("--version", "--config=/does/not/exist")
	require.ErrorIs(t, err, daemon.ErrVersion)
}

func TestHelpTextShowsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	var b strings.Builder
	fs.SetOutput(&b)
	_, _, err := register(fs, nsqd.NewOptions())
	require.NoError(t, err)
	fs.PrintDefaults()
	for _, s := range []string{"(default tls1.2)", "(default INFO)", "(default 1m0s)", `(default "0.0.0.0:4150")`, "-tls-required\n"} {
		assert.Contains(t, b.String(), s, "help text lacks %q", s)
	}
	require.NotContains(t, b.String(), "panic", "help text: %s", b.String())
}

func TestEveryOptionFlagIsBound(t *testing.T) {
	opts := nsqd.NewOptions()
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, _, err := register(fs, opts)
	require.NoError(t, err)
	fields, err := config.Fields(opts)
	require.NoError(t, err)
	for _, f := range fields {
		assert.NotNil(t, fs.Lookup(f.Flag), "field for -%s has no flag", f.Flag)
		known := slices.Contains(specFlags, f.Flag) || slices.Contains(extraFlags, f.Flag)
		assert.True(t, known, "field for -%s is not a spec flag", f.Flag)
	}
}
