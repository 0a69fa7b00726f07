package nsqd

import (
	"encoding/json"
	"net"

	"github.com/nsqgo/nsq/internal/auth"
	"github.com/nsqgo/nsq/internal/protocol"
)

func (n *NSQD) authEnabled() bool { return len(n.getOpts().AuthHTTPAddresses) > 0 }

// AUTH queries the auth servers with the client's secret.
func (p *protocolV2) AUTH(c *clientV2, params [][]byte) ([]byte, error) {
	if c.State.Load() != stateInit {
		return nil, fatal(protocol.EInvalid, "cannot AUTH in current state")
	}
	if len(params) != 1 {
		return nil, fatal(protocol.EInvalid, "AUTH invalid number of parameters")
	}
	body, err := p.readBody(c, "AUTH")
	if err != nil {
		return nil, err
	}
	if c.authState() != nil {
		return nil, fatal(protocol.EInvalid, "AUTH already set")
	}
	if !p.nsqd.authEnabled() {
		return nil, fatal(protocol.EAuthDisabled, "AUTH disabled")
	}
	state, err := p.queryAuth(c, string(body))
	if err != nil {
		return nil, fatalCause(err, protocol.EAuthFailed, "AUTH failed")
	}
	if len(state.Authorizations) == 0 {
		return nil, fatal(protocol.EUnauthorized, "AUTH no authorizations found")
	}
	resp, err := json.Marshal(struct {
		Identity        string `json:"identity"`
		IdentityURL     string `json:"identity_url"`
		PermissionCount int    `json:"permission_count"`
	}{state.Identity, state.IdentityURL, len(state.Authorizations)})
	if err != nil {
		return nil, fatalCause(err, protocol.EAuthError, "AUTH error %s", err)
	}
	return resp, nil
}

// queryAuth asks the auth servers about secret and stores the answer.
func (p *protocolV2) queryAuth(c *clientV2, secret string) (*auth.State, error) {
	opts := p.nsqd.getOpts()
	remoteIP := ""
	if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
		remoteIP = host
	}
	state, err := auth.QueryAnyAuthd(opts.AuthHTTPAddresses, remoteIP, c.TLS.Load(),
		c.commonName(), secret, p.nsqd.httpClient, opts.AuthHTTPRequestMethod)
	if err != nil {
		return nil, err
	}
	c.metaMu.Lock()
	c.AuthSecret, c.AuthState = secret, state
	c.metaMu.Unlock()
	return state, nil
}

// checkAuth enforces authorization for SUB/PUB/MPUB/DPUB when auth is on;
// channel is "" for publishing.
func (p *protocolV2) checkAuth(c *clientV2, cmd, topic, channel string) error {
	if !p.nsqd.authEnabled() {
		return nil
	}
	state := c.authState()
	if state == nil {
		return fatalf(protocol.EAuthFirst, "AUTH required before %s", cmd)
	}
	if state.IsExpired() {
		c.metaMu.RLock()
		secret := c.AuthSecret
		c.metaMu.RUnlock()
		var err error
		if state, err = p.queryAuth(c, secret); err != nil {
			return fatalCause(err, protocol.EAuthFailed, "AUTH failed")
		}
	}
	if !state.IsAllowed(topic, channel) {
		return fatalf(protocol.EUnauthorized, "AUTH failed for %s on %q %q", cmd, topic, channel)
	}
	return nil
}

func (c *clientV2) authState() *auth.State {
	c.metaMu.RLock()
	defer c.metaMu.RUnlock()
	return c.AuthState
}

// commonName is the subject CN of the client's TLS certificate, if any.
func (c *clientV2) commonName() string {
	st := c.tlsState.Load()
	if st == nil || len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.CommonName
}
