package main

import (
	"errors"
	"testing"

	"github.com/nsqgo/nsq/deploy"
	"github.com/stretchr/testify/require"
)

// TestDeployFiles: every nsqlookupd of the Compose and Kubernetes files
// starts with these flags, listens where its ports and health checks say
// and has a broadcast address of its own.
func TestDeployFiles(t *testing.T) {
	hostname := mustParse(t).BroadcastAddress
	require.NoError(t, deploy.CheckEach("nsqlookupd", func(c deploy.Container) ([]string, error) {
		opts, err := parseArgs(c.Args...)
		switch {
		case err != nil:
			return nil, err
		case opts.BroadcastAddress == hostname:
			return nil, errors.New("no --broadcast-address")
		}
		return []string{opts.HTTPAddress, opts.TCPAddress}, nil
	}))
}
