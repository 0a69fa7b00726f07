package main

import (
	"testing"

	"github.com/nsqgo/nsq/deploy"
	"github.com/stretchr/testify/require"
)

// TestDeployFiles: every nsqd of the Compose and Kubernetes files starts
// with these flags, listens where its ports and health checks say, and
// registers under a broadcast address of its own with nsqlookupd.
func TestDeployFiles(t *testing.T) {
	cs, err := deploy.Containers("nsqd")
	require.NoError(t, err)
	require.NotEmpty(t, cs)
	for _, c := range cs {
		opts, err := parseArgs(c.Args...)
		require.NoError(t, err, c.Where)
		require.NoError(t, c.CheckAddrs(opts.HTTPAddress, opts.TCPAddress))
		require.NotEqual(t, mustParse(t).BroadcastAddress, opts.BroadcastAddress, c.Where)
		require.NotEmpty(t, opts.NSQLookupdTCPAddresses, c.Where)
		require.Equal(t, "/data", opts.DataPath, c.Where)
	}
}
