package main

import (
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/internal/version"
)

func TestBinary(t *testing.T) {
	bin := test.BuildBinary(t, "nsqadmin")
	test.CheckBinary(t, bin,
		test.BinaryCase{Args: []string{"--version"}, Stdout: version.String("nsqadmin") + "\n"},
		test.BinaryCase{Args: []string{"--bogus"}, Code: 2, Stderr: "flag provided but not defined: -bogus"},
		test.BinaryCase{Code: 1, Stderr: "[nsqadmin] "},
		test.BinaryCase{Args: []string{"--nsqd-http-address=a:1", "--lookupd-http-address=b:2"}, Code: 1,
			Stderr: "FATAL: failed to instantiate nsqadmin - use --nsqd-http-address or --lookupd-http-address not both"},
	)
}
