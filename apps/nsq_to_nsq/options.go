package main

import (
	"errors"
	"io"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqio/go-nsq"
)

const appName = "nsq_to_nsq"

type options struct {
	topics           appflags.StringArray
	channel          string
	destTopic        string
	sources          appflags.Sources
	destAddrs        appflags.StringArray
	mode             string
	maxInFlight      int
	statusEvery      int
	requireJSONField string
	requireJSONValue string
	whitelistFields  appflags.StringArray
	showVersion      bool
	consumerCfg      *nsq.Config
	producerCfg      *nsq.Config
}

// parseFlags parses args; ok=false means exit with code.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{consumerCfg: appflags.NewConfig(appName), producerCfg: appflags.NewConfig(appName)}
	fs := appflags.NewFlagSet(appName, stderr)
	fs.BoolVar(&o.showVersion, "version", false, "print version string")
	fs.StringVar(&o.channel, "channel", "nsq_to_nsq", "nsq channel")
	fs.StringVar(&o.destTopic, "destination-topic", "", "use this destination topic for all consumed topics (default is consumed topic name)")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 200, "max number of messages to allow in flight")
	fs.IntVar(&o.statusEvery, "status-every", 250, "the # of requests between logging status (per destination), 0 disables")
	fs.StringVar(&o.mode, "mode", "hostpool", "the upstream request mode options: round-robin, hostpool (default), epsilon-greedy")
	o.sources.Register(fs)
	fs.Var(&o.topics, "topic", "nsq topic (may be given multiple times)")
	fs.Var(&o.destAddrs, "destination-nsqd-tcp-address", "destination nsqd TCP address (may be given multiple times)")
	fs.StringVar(&o.requireJSONField, "require-json-field", "", "for JSON messages: only pass messages that contain this field")
	fs.StringVar(&o.requireJSONValue, "require-json-value", "", "for JSON messages: only pass messages in which the required field has this value")
	fs.Var(&o.whitelistFields, "whitelist-json-field", "for JSON messages: pass this field (may be given multiple times)")
	appflags.ConfigVar(fs, o.consumerCfg, "consumer-opt",
		"option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)")
	appflags.ConfigVar(fs, o.producerCfg, "producer-opt",
		"option to passthrough to nsq.Producer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)")
	code, ok = appflags.Parse(fs, args)
	return o, code, ok
}

// validate checks the flags in the reference's order.
func (o *options) validate() error {
	if len(o.topics) == 0 || o.channel == "" {
		return errors.New("--topic and --channel are required")
	}
	for _, t := range o.topics {
		if !protocol.IsValidTopicName(t) {
			return errors.New("--topic is invalid")
		}
	}
	if o.destTopic != "" && !protocol.IsValidTopicName(o.destTopic) {
		return errors.New("--destination-topic is invalid")
	}
	if !protocol.IsValidChannelName(o.channel) {
		return errors.New("--channel is invalid")
	}
	if err := o.sources.Validate(); err != nil {
		return err
	}
	if len(o.destAddrs) == 0 {
		return errors.New("--destination-nsqd-tcp-address required")
	}
	o.consumerCfg.MaxInFlight = o.maxInFlight
	return nil
}

// destinationTopic is where messages of topic are published.
func (o *options) destinationTopic(topic string) string {
	if o.destTopic != "" {
		return o.destTopic
	}
	return topic
}
