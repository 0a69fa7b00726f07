package nsqd

import (
	"errors"
	"net"
)

// NSQD is one running nsqd: its listeners, topics and background loops.
type NSQD struct {
	opts *Options
}

// New validates opts, locks the data path, opens the listeners and loads
// nsqd.dat. Nothing is served until Main.
func New(opts *Options) (*NSQD, error) {
	return nil, errors.New("not implemented")
}

// Main serves until Exit is called or a listener fails.
func (n *NSQD) Main() error { return nil }

// Exit shuts down in the order of spec §1.7. It is idempotent.
func (n *NSQD) Exit() {}

// RealTCPAddr is the bound TCP listener address.
func (n *NSQD) RealTCPAddr() net.Addr { return nil }

// RealHTTPAddr is the bound HTTP listener address (nil without one).
func (n *NSQD) RealHTTPAddr() net.Addr { return nil }

// RealHTTPSAddr is the bound HTTPS listener address (nil without one).
func (n *NSQD) RealHTTPSAddr() net.Addr { return nil }
