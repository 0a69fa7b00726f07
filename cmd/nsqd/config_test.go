package main

import (
	"crypto/tls"
	"os"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigPrecedence(t *testing.T) {
	cfg := test.WriteConfig(t, `
msg_timeout = "10s"
max_rdy_count = 100
tcp_address = "127.0.0.1:1"
nsqlookupd_tcp_addresses = ["toml:4160"]
`)
	opts := mustParse(t, cfg, "--max-rdy-count=2500", "--lookupd-tcp-address=flag:4160")
	assert.Equal(t, 10*time.Second, opts.MsgTimeout)                    // TOML over default
	assert.Equal(t, "127.0.0.1:1", opts.TCPAddress)                     // TOML over default
	assert.Equal(t, int64(2500), opts.MaxRdyCount)                      // flag over TOML, even when equal to the default
	assert.Equal(t, []string{"flag:4160"}, opts.NSQLookupdTCPAddresses) // flag over TOML
	assert.Equal(t, int64(10000), opts.MemQueueSize)                    // default
}

func TestConfigRenamedKeys(t *testing.T) {
	opts := mustParse(t, test.WriteConfig(t, `
id = 42
node_id = 7
nsqlookupd_tcp_addresses = "a:4160,b:4160"
lookupd_tcp_address = ["ignored"]
auth_http_addresses = ["x:4181"]
e2e_processing_latency_percentiles = [0.5, 0.99, 1.0]
enable_experiment = ["topology-aware-consumption"]
`))
	assert.Equal(t, int64(42), opts.ID)
	assert.Equal(t, []string{"a:4160", "b:4160"}, opts.NSQLookupdTCPAddresses)
	assert.Equal(t, []string{"x:4181"}, opts.AuthHTTPAddresses)
	assert.Equal(t, []float64{0.5, 0.99, 1}, opts.E2EProcessingLatencyPercentiles) // not re-sorted
	assert.Equal(t, []string{"topology-aware-consumption"}, opts.Experiments)
}

func TestConfigCoercion(t *testing.T) {
	opts := mustParse(t, test.WriteConfig(t, `
msg_timeout = 30000
sync_timeout = "1m30s"
mem_queue_size = "500"
snappy = "false"
deflate = false
e2e_processing_latency_percentiles = "0.9,0.5"
log_level = "DEBUG"
`))
	assert.Equal(t, 30*time.Second, opts.MsgTimeout)
	assert.Equal(t, 90*time.Second, opts.SyncTimeout)
	assert.Equal(t, int64(500), opts.MemQueueSize)
	assert.Equal(t, false, opts.SnappyEnabled)
	assert.Equal(t, false, opts.DeflateEnabled)
	assert.Equal(t, []float64{0.9, 0.5}, opts.E2EProcessingLatencyPercentiles)
	assert.Equal(t, lg.DEBUG, opts.LogLevel)
}

func TestConfigTLSRequired(t *testing.T) {
	for doc, want := range map[string]int{
		`tls_required = true`:        nsqd.TLSRequired,
		`tls_required = "true"`:      nsqd.TLSRequired,
		`tls_required = false`:       nsqd.TLSNotRequired,
		`tls_required = "tcp-https"`: nsqd.TLSRequiredExceptHTTP,
	} {
		assert.Equal(t, want, mustParse(t, test.WriteConfig(t, doc)).TLSRequired)
	}
	_, err := parseArgs(test.WriteConfig(t, `tls_required = "sometimes"`))
	require.ErrorContains(t, err, "failed parsing tls_required sometimes")
	_, err = parseArgs(test.WriteConfig(t, `tls_required = 2`))
	require.ErrorContains(t, err, "failed parsing tls_required 2")
}

func TestConfigTLSMinVersion(t *testing.T) {
	assert.Equal(t, uint16(tls.VersionTLS13), mustParse(t, test.WriteConfig(t, `tls_min_version = "TLS1.3"`)).TLSMinVersion)
	assert.Equal(t, uint16(tls.VersionTLS12), mustParse(t, test.WriteConfig(t, `tls_min_version = ""`)).TLSMinVersion)
	_, err := parseArgs(test.WriteConfig(t, `tls_min_version = "ssl3.0"`))
	require.ErrorContains(t, err, "failed parsing tls_min_version ssl3.0")
}

func TestConfigLogLevel(t *testing.T) {
	assert.Equal(t, lg.ERROR, mustParse(t, test.WriteConfig(t, `log_level = "error"`)).LogLevel)
	_, err := parseArgs(test.WriteConfig(t, `log_level = "warning"`))
	require.ErrorContains(t, err, "failed parsing log_level warning")
}

func TestConfigBadValues(t *testing.T) {
	for doc, msg := range map[string]string{
		`msg_timeout = "soon"`:                       "failed parsing msg_timeout soon",
		`mem_queue_size = "lots"`:                    "failed parsing mem_queue_size lots",
		`broadcast_tcp_port = 1.5`:                   "failed parsing broadcast_tcp_port 1.5",
		`snappy = "perhaps"`:                         "failed parsing snappy perhaps",
		`nsqlookupd_tcp_addresses = 3`:               "failed parsing nsqlookupd_tcp_addresses 3",
		`enable_experiment = [[]]`:                   "failed parsing enable_experiment",
		`e2e_processing_latency_percentiles = ["x"]`: "failed parsing e2e_processing_latency_percentiles [x]",
	} {
		_, err := parseArgs(test.WriteConfig(t, doc))
		require.ErrorContains(t, err, msg)
	}
}

func TestConfigUnknownKeysIgnored(t *testing.T) {
	opts := mustParse(t, test.WriteConfig(t, "no_such_key = 1\nverbose = true\nversion = true\n[section]\nx = 2\n"))
	assert.Equal(t, nsqd.NewOptions(), opts)
}

func TestConfigFileErrors(t *testing.T) {
	_, err := parseArgs("--config=/does/not/exist.cfg")
	require.ErrorContains(t, err, "failed to load config file /does/not/exist.cfg - ")
	_, err = parseArgs(test.WriteConfig(t, "msg_timeout = = 1\n"))
	require.ErrorContains(t, err, "failed to load config file ")
}

const examplePath = "../../contrib/nsqd.cfg.example"

func TestExampleConfigIsTheDefaults(t *testing.T) {
	opts := mustParse(t, "--config="+examplePath)
	want := nsqd.NewOptions()
	emptyNilSlices(want)
	emptyNilSlices(opts)
	assert.Equal(t, want, opts)
}

func TestExampleConfigNamesEveryKey(t *testing.T) {
	doc, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	cfg, err := config.ReadFile(examplePath)
	require.NoError(t, err)
	fields, err := config.Fields(nsqd.NewOptions())
	require.NoError(t, err)
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Key] = true
		line := regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(f.Key) + ` = `)
		assert.True(t, line.Match(doc), "example config does not mention %s", f.Key)
	}
	for k := range cfg {
		assert.True(t, known[k], "example config sets unknown key %s", k)
	}
}

// emptyNilSlices turns the nil slices of opts into empty ones: the example
// spells an empty list as [], which decodes to an empty slice.
func emptyNilSlices(opts *nsqd.Options) {
	v := reflect.ValueOf(opts).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Slice && f.IsNil() {
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		}
	}
}
