package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/nsqgo/nsq/internal/lg"
)

// validate checks the options in the reference's order and fills the
// derived fields (work dir, level, pattern).
func (o *Options) validate() error {
	if o.Channel == "" {
		return errors.New("--channel is required")
	}
	if o.HTTPClientConnectTimeout <= 0 {
		return errors.New("--http-client-connect-timeout should be positive")
	}
	if o.HTTPClientRequestTimeout <= 0 {
		return errors.New("--http-client-request-timeout should be positive")
	}
	if err := o.validateSources(); err != nil {
		return err
	}
	if o.WorkDir == "" {
		o.WorkDir = o.OutputDir
	}
	level, err := lg.ParseLevel(o.LogLevel)
	if err != nil {
		return errors.New("--log-level is invalid")
	}
	o.level = level
	if o.GZIPLevel < 1 || o.GZIPLevel > 9 {
		return fmt.Errorf("invalid --gzip-level value (%d), should be 1-9", o.GZIPLevel)
	}
	if o.TopicPattern != "" {
		if o.pattern, err = regexp.Compile(o.TopicPattern); err != nil {
			return fmt.Errorf("invalid --topic-pattern - %s", err)
		}
	}
	return nil
}

func (o *Options) validateSources() error {
	switch {
	case len(o.NSQDTCPAddrs) == 0 && len(o.NSQLookupdHTTPAddrs) == 0:
		//lint:ignore ST1005 the reference's message, trailing dot included
		return errors.New("--nsqd-tcp-address or --lookupd-http-address required.")
	case len(o.NSQDTCPAddrs) > 0 && len(o.NSQLookupdHTTPAddrs) > 0:
		return errors.New("use --nsqd-tcp-address or --lookupd-http-address not both")
	case len(o.Topics) == 0 && o.TopicPattern == "":
		return errors.New("--topic or --topic-pattern required")
	case len(o.Topics) == 0 && len(o.NSQLookupdHTTPAddrs) == 0:
		return errors.New("--lookupd-http-address must be specified when no --topic specified")
	}
	return nil
}

// allowed reports whether topic passes --topic-pattern.
func (o *Options) allowed(topic string) bool {
	return o.pattern == nil || o.pattern.MatchString(topic)
}

// needsRev reports whether file names must carry <REV>.
func (o *Options) needsRev() bool {
	return o.GZIP || o.RotateSize > 0 || o.RotateInterval > 0 || o.WorkDir != o.OutputDir
}
