package main

import (
	"bytes"
	"flag"
	"io"
	"log"
	"regexp"
	"testing"

	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// output is what a run prints, after the log prefix and date.
var output = regexp.MustCompile(`^` +
	`\[bench_e2e\] [\d/: ]{20}PUB: duration: \S+ - \d+\.\d{3}mb/s - \d+\.\d{3}ops/s - \d+\.\d{3}us/op\n` +
	`\[bench_e2e\] [\d/: ]{20}SUB: duration: \S+ - \d+\.\d{3}mb/s - \d+\.\d{3}ops/s - \d+\.\d{3}us/op\n` +
	`\[bench_e2e\] [\d/: ]{20}latency: p50 \S+ - p99 \S+ - p99\.9 \S+ - max \S+ \([1-9]\d* msgs, \d+ left in queue\)\n$`)

func TestRunPrintsRatesAndLatency(t *testing.T) {
	n := testcluster.StartNSQD(t)
	fs := flag.NewFlagSet("bench_e2e", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := newConfig(fs)
	args := []string{"--nsqd-tcp-address=" + n.RealTCPAddr().String(), "--runfor=300ms",
		"--writers=2", "--readers=2", "--batch-size=20", "--rate=20000"}
	require.NoError(t, fs.Parse(args))
	var out bytes.Buffer
	require.NoError(t, run(c, log.New(&out, "[bench_e2e] ", log.LstdFlags)), "run")
	require.True(t, output.MatchString(out.String()), "output %q does not match %s", out.String(), output)
}
