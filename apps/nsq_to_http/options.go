package main

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/nsqgo/nsq/internal/appflags"
	"github.com/nsqio/go-nsq"
)

const (
	appName            = "nsq_to_http"
	defaultContentType = "application/octet-stream"
)

type options struct {
	topic, channel string
	sources        appflags.Sources
	postAddrs      appflags.StringArray
	getAddrs       appflags.StringArray
	rawHeaders     appflags.StringArray
	contentType    string
	mode           string
	numPublishers  int
	maxInFlight    int
	sample         float64
	connectTimeout time.Duration
	requestTimeout time.Duration
	statusEvery    int
	showVersion    bool
	cfg            *nsq.Config

	headers []header // parsed from rawHeaders by validate
}

// header is one custom request header.
type header struct{ key, value string }

// parseFlags parses args; ok=false means exit with code.
func parseFlags(args []string, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{cfg: appflags.NewConfig(appName)}
	fs := appflags.NewFlagSet(appName, stderr)
	fs.BoolVar(&o.showVersion, "version", false, "print version string")
	fs.StringVar(&o.topic, "topic", "", "nsq topic")
	fs.StringVar(&o.channel, "channel", "nsq_to_http", "nsq channel")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 200, "max number of messages to allow in flight")
	fs.IntVar(&o.numPublishers, "n", 100, "number of concurrent publishers")
	fs.StringVar(&o.mode, "mode", "hostpool", "the upstream request mode options: round-robin, hostpool (default), epsilon-greedy")
	fs.Float64Var(&o.sample, "sample", 1.0, "% of messages to publish (float b/w 0 -> 1)")
	fs.DurationVar(&o.connectTimeout, "http-client-connect-timeout", 2*time.Second, "timeout for HTTP connect")
	fs.DurationVar(&o.requestTimeout, "http-client-request-timeout", 20*time.Second, "timeout for HTTP request")
	fs.IntVar(&o.statusEvery, "status-every", 250, "the # of requests between logging status (per handler), 0 disables")
	fs.StringVar(&o.contentType, "content-type", defaultContentType, "the Content-Type used for POST requests")
	o.sources.Register(fs)
	fs.Var(&o.postAddrs, "post", "HTTP address to make a POST request to.  data will be in the body (may be given multiple times)")
	fs.Var(&o.rawHeaders, "header", "Custom header for HTTP requests (may be given multiple times)")
	fs.Var(&o.getAddrs, "get", "HTTP address to make a GET request to. '%s' will be replaced with data (may be given multiple times)")
	appflags.ConfigVar(fs, o.cfg, "consumer-opt",
		"option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)")
	code, ok = appflags.Parse(fs, args)
	return o, code, ok
}

// validate checks the flags in the reference's order.
func (o *options) validate() error {
	var err error
	if o.headers, err = parseHeaders(o.rawHeaders); err != nil {
		return err
	}
	if o.topic == "" || o.channel == "" {
		return errors.New("--topic and --channel are required")
	}
	if err := o.validateContentType(); err != nil {
		return err
	}
	if err := o.sources.Validate(); err != nil {
		return err
	}
	if err := o.validateEndpoints(); err != nil {
		return err
	}
	if o.sample > 1.0 || o.sample < 0.0 {
		return errors.New("ERROR: --sample must be between 0.0 and 1.0")
	}
	o.cfg.MaxInFlight = o.maxInFlight
	return nil
}

func (o *options) validateContentType() error {
	if o.contentType == defaultContentType {
		return nil
	}
	if len(o.postAddrs) == 0 {
		return errors.New("--content-type only used with --post")
	}
	if o.contentType == "" {
		return errors.New("--content-type requires a value when used")
	}
	return nil
}

func (o *options) validateEndpoints() error {
	switch {
	case len(o.getAddrs) == 0 && len(o.postAddrs) == 0:
		return errors.New("--get or --post required")
	case len(o.getAddrs) > 0 && len(o.postAddrs) > 0:
		return errors.New("use --get or --post not both")
	}
	for _, get := range o.getAddrs {
		if strings.Count(get, "%s") != 1 {
			return errors.New("invalid GET address - must be a printf string")
		}
	}
	return nil
}

// parseHeaders splits each "Key: Value" at the first colon; both parts are
// trimmed and must not be empty.
func parseHeaders(raw []string) ([]header, error) {
	var out []header
	for _, s := range raw {
		k, v, ok := strings.Cut(s, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, errors.New("--header value format should be 'key=value'")
		}
		out = append(out, header{k, v})
	}
	return out, nil
}

// addresses are the endpoints in the order given.
func (o *options) addresses() []string {
	if len(o.postAddrs) > 0 {
		return o.postAddrs
	}
	return o.getAddrs
}
