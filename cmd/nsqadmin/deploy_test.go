package main

import (
	"errors"
	"testing"

	"github.com/nsqgo/nsq/deploy"
	"github.com/stretchr/testify/require"
)

// TestDeployFiles: every nsqadmin of the Compose and Kubernetes files
// starts with these flags, listens where its ports and health checks say
// and reads the cluster through nsqlookupd.
func TestDeployFiles(t *testing.T) {
	require.NoError(t, deploy.CheckEach("nsqadmin", func(c deploy.Container) ([]string, error) {
		opts, err := parseArgs(c.Args...)
		switch {
		case err != nil:
			return nil, err
		case len(opts.NSQLookupdHTTPAddresses) == 0:
			return nil, errors.New("no --lookupd-http-address")
		}
		return []string{opts.HTTPAddress}, nil
	}))
}
