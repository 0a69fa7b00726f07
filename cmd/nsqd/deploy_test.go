package main

import (
	"errors"
	"testing"

	"github.com/nsqgo/nsq/deploy"
	"github.com/stretchr/testify/require"
)

// TestDeployFiles: every nsqd of the Compose and Kubernetes files starts
// with these flags, listens where its ports and health checks say, keeps
// its data in /data and registers with nsqlookupd under a broadcast
// address of its own.
func TestDeployFiles(t *testing.T) {
	hostname := mustParse(t).BroadcastAddress
	require.NoError(t, deploy.CheckEach("nsqd", func(c deploy.Container) ([]string, error) {
		opts, err := parseArgs(c.Args...)
		switch {
		case err != nil:
			return nil, err
		case opts.BroadcastAddress == hostname:
			return nil, errors.New("no --broadcast-address")
		case len(opts.NSQLookupdTCPAddresses) == 0:
			return nil, errors.New("no --lookupd-tcp-address")
		case opts.DataPath != "/data":
			return nil, errors.New("--data-path is not the volume, /data")
		}
		return []string{opts.HTTPAddress, opts.TCPAddress}, nil
	}))
}
