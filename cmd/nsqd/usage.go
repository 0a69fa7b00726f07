package main

// usage is the help text of every option flag, by flag name.
var usage = map[string]string{
	"node-id":    "node id in [0,1024), part of every message id; the default is derived from the hostname",
	"log-level":  "lowest level logged: debug, info, warn, error or fatal",
	"log-prefix": "text at the start of every log line",

	"tcp-address":   "<addr>:<port> or unix socket path for TCP clients",
	"http-address":  "<addr>:<port> or unix socket path for HTTP clients (empty: no HTTP listener)",
	"https-address": "<addr>:<port> for HTTPS clients (only with --tls-cert and --tls-key)",

	"broadcast-address":   "address announced to nsqlookupd",
	"broadcast-tcp-port":  "TCP port announced to nsqlookupd (0: the port listened on)",
	"broadcast-http-port": "HTTP port announced to nsqlookupd (0: the port listened on)",
	"lookupd-tcp-address": "nsqlookupd TCP address to register with (may be given more than once)",

	"auth-http-address":           "<addr>:<port> or full URL of an auth server (may be given more than once)",
	"auth-http-request-method":    "HTTP method for auth requests: get or post",
	"http-client-connect-timeout": "dial timeout of outbound HTTP requests",
	"http-client-request-timeout": "total timeout of outbound HTTP requests",

	"topology-region": "region of this node, for topology-aware consumption",
	"topology-zone":   "zone of this node, for topology-aware consumption",

	"data-path":          "directory for disk queues and metadata (empty: the working directory)",
	"mem-queue-size":     "messages kept in memory per topic and per channel before spilling to disk",
	"max-deferred":       "most deferred messages (DPUB, REQ with a delay) a channel holds; 0 for no limit",
	"max-bytes-per-file": "size at which a disk-queue file is rolled",
	"sync-every":         "disk-queue reads and writes between fsyncs",
	"sync-timeout":       "longest time between disk-queue fsyncs while active",

	"queue-scan-worker-pool-max": "most workers scanning channels for timed-out messages",
	"queue-scan-selection-count": "channels looked at in each timeout scan",

	"msg-timeout":               "time a delivered message may stay unfinished before it is requeued",
	"max-msg-timeout":           "largest message timeout a client may ask for",
	"max-msg-size":              "largest message body accepted, in bytes",
	"max-req-timeout":           "longest delay of a requeue or deferred publish",
	"max-body-size":             "largest command or HTTP body accepted, in bytes",
	"max-heartbeat-interval":    "largest heartbeat interval a client may ask for",
	"max-rdy-count":             "largest RDY count a client may send",
	"max-output-buffer-size":    "largest output buffer a client may ask for, in bytes",
	"max-output-buffer-timeout": "longest output buffer flush interval a client may ask for",
	"min-output-buffer-timeout": "shortest output buffer flush interval a client may ask for",
	"output-buffer-timeout":     "output buffer flush interval of clients that do not ask",
	"max-channel-consumers":     "most clients on one channel (0: no limit)",

	"max-attempts":          "deliveries after which a REQ'd or timed-out message goes to its channel's dead-letter topic (0: unlimited); a channel may override it",
	"requeue-on-disconnect": "requeue a consumer's in-flight messages as soon as its connection ends instead of after the message timeout; a channel may override it",
	"min-free-disk":         "refuse publishes and fail /ping while the data path's filesystem has fewer free bytes than this (0: off)",

	"statsd-address":           "UDP <addr>:<port> of a statsd daemon (empty: no statsd)",
	"statsd-prefix":            "prefix of statsd keys (%s becomes the host key)",
	"statsd-interval":          "time between pushes to statsd",
	"statsd-mem-stats":         "also push memory and GC stats to statsd",
	"statsd-udp-packet-size":   "largest statsd UDP packet, in bytes",
	"statsd-exclude-ephemeral": "leave ephemeral topics and channels out of statsd",

	"e2e-processing-latency-window-time": "time window of the end-to-end latency percentiles",
	"e2e-processing-latency-percentile":  "end-to-end latency percentile in (0,1] to track, comma-separated (may be given more than once)",

	"tls-cert":               "path to the PEM certificate",
	"tls-key":                "path to the PEM private key",
	"tls-client-auth-policy": "client certificates: require or require-verify (forces --tls-required)",
	"tls-root-ca-file":       "path to the PEM CA bundle that client certificates and outbound HTTPS are checked against",
	"tls-required":           "require TLS: true for TCP and HTTP, tcp-https for TCP only (use --tls-required=tcp-https)",
	"tls-min-version":        "lowest TLS version accepted: tls1.2 or tls1.3 (tls1.0 and tls1.1 only if given here)",

	"deflate":           "let clients ask for deflate compression",
	"max-deflate-level": "highest deflate level a client may ask for, in [1,9]",
	"snappy":            "let clients ask for snappy compression",

	"enable-experiment": "experimental feature to turn on, e.g. topology-aware-consumption (may be given more than once)",
}
