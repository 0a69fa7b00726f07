package appflags

import (
	"errors"
	"flag"

	"github.com/nsqio/go-nsq"
)

// Sources are the two mutually exclusive ways a consuming app finds its
// messages: nsqd TCP addresses or nsqlookupd HTTP addresses.
type Sources struct {
	NSQDTCPAddrs     StringArray
	LookupdHTTPAddrs StringArray
}

// Register adds --nsqd-tcp-address and --lookupd-http-address to fs.
func (s *Sources) Register(fs *flag.FlagSet) {
	fs.Var(&s.NSQDTCPAddrs, "nsqd-tcp-address", "nsqd TCP address (may be given multiple times)")
	fs.Var(&s.LookupdHTTPAddrs, "lookupd-http-address", "lookupd HTTP address (may be given multiple times)")
}

// Validate checks that exactly one kind of source address was given.
func (s *Sources) Validate() error {
	switch {
	case len(s.NSQDTCPAddrs) == 0 && len(s.LookupdHTTPAddrs) == 0:
		return errors.New("--nsqd-tcp-address or --lookupd-http-address required")
	case len(s.NSQDTCPAddrs) > 0 && len(s.LookupdHTTPAddrs) > 0:
		return errors.New("use --nsqd-tcp-address or --lookupd-http-address not both")
	}
	return nil
}

// Connect connects c to the configured nsqds, or to the lookupds.
func (s *Sources) Connect(c *nsq.Consumer) error {
	if len(s.NSQDTCPAddrs) > 0 {
		return c.ConnectToNSQDs(s.NSQDTCPAddrs)
	}
	return c.ConnectToNSQLookupds(s.LookupdHTTPAddrs)
}
