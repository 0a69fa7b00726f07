package main

import (
	"crypto/tls"
	"errors"
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
	test.NoErr(t, err)
	var got []string
	fs.VisitAll(func(f *flag.Flag) { got = append(got, f.Name) })
	want := slices.Sorted(slices.Values(append(slices.Clone(specFlags), extraFlags...)))
	test.Equal(t, want, got)
	if n := len(want) - 4; len(usage) != n {
		t.Fatalf("usage has %d entries for %d option flags", len(usage), n)
	}
}

func TestPolicyFlags(t *testing.T) {
	opts := mustParse(t, "--max-attempts=5", "--requeue-on-disconnect", "--min-free-disk=1048576")
	want := nsqd.NewOptions()
	want.MaxAttempts, want.RequeueOnDisconnect, want.MinFreeDisk = 5, true, 1048576
	test.Equal(t, want, opts)
	opts = mustParse(t, test.WriteConfig(t, "max_attempts = 7\nrequeue_on_disconnect = true\n"))
	want = nsqd.NewOptions()
	want.MaxAttempts, want.RequeueOnDisconnect = 7, true
	test.Equal(t, want, opts)
}

func TestDefaults(t *testing.T) {
	opts := mustParse(t)
	test.Equal(t, nsqd.NewOptions(), opts)
	test.Equal(t, uint16(tls.VersionTLS12), opts.TLSMinVersion)
	test.Equal(t, lg.INFO, opts.LogLevel)
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
	test.Equal(t, want, opts)
}

func TestRepeatableStringFlags(t *testing.T) {
	opts := mustParse(t,
		"--lookupd-tcp-address=a:4160", "--lookupd-tcp-address", "b:4160,c:4160",
		"--auth-http-address=x:1", "--auth-http-address=https://y/auth",
		"--enable-experiment=topology-aware-consumption", "--enable-experiment=other")
	test.Equal(t, []string{"a:4160", "b:4160,c:4160"}, opts.NSQLookupdTCPAddresses)
	test.Equal(t, []string{"x:1", "https://y/auth"}, opts.AuthHTTPAddresses)
	test.Equal(t, []string{"topology-aware-consumption", "other"}, opts.Experiments)
	if !opts.HasExperiment(nsqd.ExperimentTopologyAwareConsumption) {
		t.Fatal("experiment not enabled")
	}
}

func TestPercentilesSplitAndSortDescending(t *testing.T) {
	opts := mustParse(t,
		"--e2e-processing-latency-percentile=0.5,1.0",
		"--e2e-processing-latency-percentile", "0.99",
		"--e2e-processing-latency-percentile=0.75, 0.95")
	test.Equal(t, []float64{1, 0.99, 0.95, 0.75, 0.5}, opts.E2EProcessingLatencyPercentiles)
}

func TestPercentileThatDoesNotParseIsFatal(t *testing.T) {
	_, err := parseArgs("--e2e-processing-latency-percentile=0.5,abc", "--bogus")
	var pe parseFloatError
	if !errors.As(err, &pe) {
		t.Fatalf("want parseFloatError, got %#v", err)
	}
	test.Equal(t, "Could not parse: abc", pe.Error())

	_, err = parseArgs("--e2e-processing-latency-percentile=0.5,")
	test.ErrContains(t, err, "Could not parse: ")
	if !errors.As(err, &pe) {
		t.Fatalf("want parseFloatError, got %#v", err)
	}
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
		if opts.TLSRequired != want {
			t.Errorf("%s: want %d, got %d", arg, want, opts.TLSRequired)
		}
	}
	for _, arg := range []string{"--tls-required=yes", "--tls-required=tcp"} {
		_, err := parseArgs(arg)
		if !errors.As(err, new(daemon.UsageError)) {
			t.Errorf("%s: want a usage error, got %v", arg, err)
		}
	}
}

func TestTLSRequiredBareFlagDoesNotTakeNextArg(t *testing.T) {
	opts := mustParse(t, "--tls-required", "tcp-https")
	test.Equal(t, nsqd.TLSRequired, opts.TLSRequired)
}

func TestTLSRequiredValueString(t *testing.T) {
	n := 0
	v := tlsRequiredValue{&n}
	for set, want := range map[string]string{"tcp-https": "tcp-https", "1": "true", "f": "false"} {
		test.NoErr(t, v.Set(set))
		test.Equal(t, want, v.String())
		test.Equal(t, n, v.Get())
	}
	test.Equal(t, "false", tlsRequiredValue{}.String())
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
		if opts.TLSMinVersion != want {
			t.Errorf("%s: want %d, got %d", arg, want, opts.TLSMinVersion)
		}
	}
	for _, arg := range []string{"--tls-min-version=ssl3.0", "--tls-min-version=tls1.4", "--tls-min-version=771"} {
		_, err := parseArgs(arg)
		if !errors.As(err, new(daemon.UsageError)) {
			t.Errorf("%s: want a usage error, got %v", arg, err)
		}
	}
}

func TestTLSMinVersionValueString(t *testing.T) {
	n := uint16(tls.VersionTLS12)
	test.Equal(t, "tls1.2", tlsMinVersionValue{&n}.String())
	test.Equal(t, uint16(tls.VersionTLS12), tlsMinVersionValue{&n}.Get())
	n = 0x0300
	test.Equal(t, "768", tlsMinVersionValue{&n}.String())
	test.Equal(t, "", tlsMinVersionValue{}.String())
}

func TestLogLevelFlag(t *testing.T) {
	for arg, want := range map[string]lg.Level{
		"--log-level=debug": lg.DEBUG, "--log-level=INFO": lg.INFO,
		"--log-level=Warn": lg.WARN, "--log-level=error": lg.ERROR,
		"--log-level=fatal": lg.FATAL,
	} {
		test.Equal(t, want, mustParse(t, arg).LogLevel)
	}
	_, err := parseArgs("--log-level=warning")
	if !errors.As(err, new(daemon.UsageError)) {
		t.Fatalf("warning: want a usage error, got %v", err)
	}
}

func TestDeprecatedFlagsHaveNoEffect(t *testing.T) {
	opts := mustParse(t, "--verbose", "--worker-id", "--worker-id=true")
	test.Equal(t, nsqd.NewOptions(), opts)
}

func TestParsingStopsAtFirstNonFlag(t *testing.T) {
	opts := mustParse(t, "--node-id=3", "extra", "--node-id=4")
	test.Equal(t, int64(3), opts.ID)
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"}, {"--node-id=x"}, {"--msg-timeout=10"}, {"--deflate=maybe"},
		{"--mem-queue-size"}, {"---node-id=1"},
	} {
		_, err := parseArgs(args...)
		if !errors.As(err, new(daemon.UsageError)) {
			t.Errorf("%v: want a usage error, got %v", args, err)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		_, err := parseArgs(arg)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: want flag.ErrHelp, got %v", arg, err)
		}
	}
	_, err := parseArgs("--version", "--config=/does/not/exist")
	if !errors.Is(err, daemon.ErrVersion) {
		t.Fatalf("want daemon.ErrVersion, got %v", err)
	}
}

func TestHelpTextShowsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	var b strings.Builder
	fs.SetOutput(&b)
	_, _, err := register(fs, nsqd.NewOptions())
	test.NoErr(t, err)
	fs.PrintDefaults()
	for _, s := range []string{"(default tls1.2)", "(default INFO)", "(default 1m0s)", `(default "0.0.0.0:4150")`, "-tls-required\n"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("help text lacks %q", s)
		}
	}
	if strings.Contains(b.String(), "panic") {
		t.Fatalf("help text: %s", b.String())
	}
}

func TestEveryOptionFlagIsBound(t *testing.T) {
	opts := nsqd.NewOptions()
	fs := flag.NewFlagSet("nsqd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, _, err := register(fs, opts)
	test.NoErr(t, err)
	fields, err := config.Fields(opts)
	test.NoErr(t, err)
	for _, f := range fields {
		if fs.Lookup(f.Flag) == nil || !slices.Contains(specFlags, f.Flag) && !slices.Contains(extraFlags, f.Flag) {
			t.Errorf("field for -%s is not a spec flag", f.Flag)
		}
	}
}
