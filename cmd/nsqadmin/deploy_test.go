package main

import (
	"testing"

	"github.com/nsqgo/nsq/deploy"
	"github.com/stretchr/testify/require"
)

// TestDeployFiles: every nsqadmin of the Compose and Kubernetes files starts
// with these flags and listens where its ports and health checks say.
func TestDeployFiles(t *testing.T) {
	cs, err := deploy.Containers("nsqadmin")
	require.NoError(t, err)
	require.NotEmpty(t, cs)
	for _, c := range cs {
		opts, err := parseArgs(c.Args...)
		require.NoError(t, err, c.Where)
		require.NoError(t, c.CheckAddrs(opts.HTTPAddress))
		require.NotEmpty(t, opts.NSQLookupdHTTPAddresses, c.Where)
	}
}
