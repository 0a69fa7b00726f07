package nsqd

import (
	"crypto/md5"
	"crypto/tls"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// TLS requirement levels (the tri-state --tls-required).
const (
	TLSNotRequired = iota
	TLSRequiredExceptHTTP
	TLSRequired
)

// Options holds every nsqd setting. The `flag` tag names the command-line
// flag, the `cfg` tag the TOML key where it differs from the flag name with
// '-' turned into '_'.
type Options struct {
	ID        int64     `flag:"node-id" cfg:"id"`
	LogLevel  lg.Level  `flag:"log-level"`
	LogPrefix string    `flag:"log-prefix"`
	Logger    lg.Logger `flag:"-"`

	TCPAddress               string        `flag:"tcp-address"`
	HTTPAddress              string        `flag:"http-address"`
	HTTPSAddress             string        `flag:"https-address"`
	BroadcastAddress         string        `flag:"broadcast-address"`
	BroadcastTCPPort         int           `flag:"broadcast-tcp-port"`
	BroadcastHTTPPort        int           `flag:"broadcast-http-port"`
	NSQLookupdTCPAddresses   []string      `flag:"lookupd-tcp-address" cfg:"nsqlookupd_tcp_addresses"`
	AuthHTTPAddresses        []string      `flag:"auth-http-address" cfg:"auth_http_addresses"`
	AuthHTTPRequestMethod    string        `flag:"auth-http-request-method"`
	HTTPClientConnectTimeout time.Duration `flag:"http-client-connect-timeout"`
	HTTPClientRequestTimeout time.Duration `flag:"http-client-request-timeout"`
	TopologyRegion           string        `flag:"topology-region"`
	TopologyZone             string        `flag:"topology-zone"`

	// diskqueue options
	DataPath        string        `flag:"data-path"`
	MemQueueSize    int64         `flag:"mem-queue-size"`
	MaxDeferred     int64         `flag:"max-deferred"`
	MaxBytesPerFile int64         `flag:"max-bytes-per-file"`
	SyncEvery       int64         `flag:"sync-every"`
	SyncTimeout     time.Duration `flag:"sync-timeout"`

	QueueScanInterval        time.Duration `flag:"-"`
	QueueScanRefreshInterval time.Duration `flag:"-"`
	QueueScanSelectionCount  int           `flag:"queue-scan-selection-count"`
	QueueScanWorkerPoolMax   int           `flag:"queue-scan-worker-pool-max"`
	QueueScanDirtyPercent    float64       `flag:"-"`

	// msg and command options
	MsgTimeout    time.Duration `flag:"msg-timeout"`
	MaxMsgTimeout time.Duration `flag:"max-msg-timeout"`
	MaxMsgSize    int64         `flag:"max-msg-size"`
	MaxBodySize   int64         `flag:"max-body-size"`
	MaxReqTimeout time.Duration `flag:"max-req-timeout"`
	ClientTimeout time.Duration `flag:"-"`
	// HTTPTimeouts bound how long an HTTP client may take to send its
	// request and may stay idle (no flag: a defence, not a tunable).
	HTTPTimeouts httpapi.Timeouts `flag:"-"`

	// client overridable configuration options
	MaxHeartbeatInterval   time.Duration `flag:"max-heartbeat-interval"`
	MaxRdyCount            int64         `flag:"max-rdy-count"`
	MaxOutputBufferSize    int64         `flag:"max-output-buffer-size"`
	MaxOutputBufferTimeout time.Duration `flag:"max-output-buffer-timeout"`
	MinOutputBufferTimeout time.Duration `flag:"min-output-buffer-timeout"`
	OutputBufferTimeout    time.Duration `flag:"output-buffer-timeout"`
	MaxChannelConsumers    int           `flag:"max-channel-consumers"`

	// per-channel defaults of the poison-message policy (see channel_config.go)
	MaxAttempts         int  `flag:"max-attempts"`
	RequeueOnDisconnect bool `flag:"requeue-on-disconnect"`
	// MinFreeDisk is the free space (bytes) below which publishes are refused
	MinFreeDisk int64 `flag:"min-free-disk"`
	// FreeDiskProbe returns the free bytes of the filesystem holding a
	// path; nil is statfs (tests replace it)
	FreeDiskProbe func(path string) (int64, error) `flag:"-"`

	// statsd integration
	StatsdAddress          string        `flag:"statsd-address"`
	StatsdPrefix           string        `flag:"statsd-prefix"`
	StatsdInterval         time.Duration `flag:"statsd-interval"`
	StatsdMemStats         bool          `flag:"statsd-mem-stats"`
	StatsdUDPPacketSize    int           `flag:"statsd-udp-packet-size"`
	StatsdExcludeEphemeral bool          `flag:"statsd-exclude-ephemeral"`

	// e2e message latency
	E2EProcessingLatencyWindowTime  time.Duration `flag:"e2e-processing-latency-window-time"`
	E2EProcessingLatencyPercentiles []float64     `flag:"e2e-processing-latency-percentile" cfg:"e2e_processing_latency_percentiles"`

	// TLS config
	TLSCert             string `flag:"tls-cert"`
	TLSKey              string `flag:"tls-key"`
	TLSClientAuthPolicy string `flag:"tls-client-auth-policy"`
	TLSRootCAFile       string `flag:"tls-root-ca-file"`
	TLSRequired         int    `flag:"tls-required"`
	TLSMinVersion       uint16 `flag:"tls-min-version"`

	// compression
	DeflateEnabled  bool `flag:"deflate"`
	MaxDeflateLevel int  `flag:"max-deflate-level"`
	SnappyEnabled   bool `flag:"snappy"`

	Experiments []string `flag:"enable-experiment" cfg:"enable_experiment"`
}

// NewOptions returns NSQ's defaults for every option.
func NewOptions() *Options {
	hostname, err := os.Hostname()
	if err != nil {
		hostname = "localhost"
	}
	return &Options{
		ID:        DefaultNodeID(hostname),
		LogPrefix: "[nsqd] ",
		LogLevel:  lg.INFO,

		TCPAddress:       "0.0.0.0:4150",
		HTTPAddress:      "0.0.0.0:4151",
		HTTPSAddress:     "0.0.0.0:4152",
		BroadcastAddress: hostname,

		NSQLookupdTCPAddresses: make([]string, 0),
		AuthHTTPAddresses:      make([]string, 0),
		AuthHTTPRequestMethod:  "get",

		HTTPClientConnectTimeout: 2 * time.Second,
		HTTPClientRequestTimeout: 5 * time.Second,

		MemQueueSize:    10000,
		MaxDeferred:     1000000,
		MaxBytesPerFile: 100 * 1024 * 1024,
		SyncEvery:       2500,
		SyncTimeout:     2 * time.Second,

		QueueScanInterval:        100 * time.Millisecond,
		QueueScanRefreshInterval: 5 * time.Second,
		QueueScanSelectionCount:  20,
		QueueScanWorkerPoolMax:   4,
		QueueScanDirtyPercent:    0.25,

		MsgTimeout:    60 * time.Second,
		MaxMsgTimeout: 15 * time.Minute,
		MaxMsgSize:    1024 * 1024,
		MaxBodySize:   5 * 1024 * 1024,
		MaxReqTimeout: 1 * time.Hour,
		ClientTimeout: 60 * time.Second,

		HTTPTimeouts: httpapi.DefaultTimeouts(),

		MaxHeartbeatInterval:   60 * time.Second,
		MaxRdyCount:            2500,
		MaxOutputBufferSize:    64 * 1024,
		MaxOutputBufferTimeout: 30 * time.Second,
		MinOutputBufferTimeout: 25 * time.Millisecond,
		OutputBufferTimeout:    250 * time.Millisecond,

		StatsdPrefix:        "nsq.%s",
		StatsdInterval:      60 * time.Second,
		StatsdMemStats:      true,
		StatsdUDPPacketSize: 508,

		E2EProcessingLatencyWindowTime: 10 * time.Minute,

		DeflateEnabled:  true,
		MaxDeflateLevel: 6,
		SnappyEnabled:   true,

		// NSQ's default is TLS 1.0; TLS 1.0 and 1.1 are accepted here
		// only when --tls-min-version asks for them.
		TLSMinVersion: tls.VersionTLS12,
	}
}

// DefaultNodeID derives the default node id from a hostname: MD5 of the
// name, CRC-32 (IEEE) of the digest, modulo 1024.
func DefaultNodeID(hostname string) int64 {
	h := md5.New()
	io.WriteString(h, hostname)
	return int64(crc32.ChecksumIEEE(h.Sum(nil)) % 1024)
}

// HasExperiment reports whether --enable-experiment named x.
func (o *Options) HasExperiment(x string) bool {
	for _, e := range o.Experiments {
		if e == x {
			return true
		}
	}
	return false
}

// ExperimentTopologyAwareConsumption is the only known experiment.
const ExperimentTopologyAwareConsumption = "topology-aware-consumption"
