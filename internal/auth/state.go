// Package auth is nsqd's client of an external auth server: it asks the server
// what a connection's AUTH secret grants, validates the answer and checks
// topic/channel access against it.
//
// A query goes to one of the configured servers (starting at a random one and
// failing over to the rest), as GET with URL parameters or as POST with a JSON
// body. The answer is a State: a list of authorizations, each a topic regular
// expression, channel regular expressions and permissions, valid for TTL
// seconds. Regular expressions use Go's RE2 syntax, are compiled once per
// State and match unanchored (as substrings unless they use ^ or $).
package auth

import (
	"fmt"
	"regexp"
	"time"
)

// The two permissions an authorization may grant.
const (
	PermSubscribe = "subscribe"
	PermPublish   = "publish"
)

// Authorization grants Permissions on every topic matching the Topic regular
// expression, restricted to channels matching one of the Channels regular
// expressions.
type Authorization struct {
	Topic       string   `json:"topic"`
	Channels    []string `json:"channels"`
	Permissions []string `json:"permissions"`
}

// State is an auth server's answer for one secret. States returned by
// QueryAnyAuthd are validated, have their regular expressions compiled and are
// safe for concurrent readers.
type State struct {
	TTL            int             `json:"ttl"`
	Authorizations []Authorization `json:"authorizations"`
	Identity       string          `json:"identity"`
	IdentityURL    string          `json:"identity_url"`
	Expires        time.Time       `json:"-"`

	compiled []compiledAuthorization
}

type compiledAuthorization struct {
	topic     *regexp.Regexp
	channels  []*regexp.Regexp
	subscribe bool
	publish   bool
}

// IsExpired reports whether the state's TTL has run out.
func (s *State) IsExpired() bool {
	return !time.Now().Before(s.Expires)
}

// IsAllowed reports whether the state lets its holder subscribe to channel
// of topic or, when channel is "", publish to topic.
//
// An authorization allows the action if it grants the needed permission, its
// topic expression matches topic and one of its channel expressions matches
// channel. Publishing checks the channel expressions against "", so an
// authorization whose channels are all like "^ch$" does not allow publishing;
// this matches the reference server and auth servers are written for it.
//
// A State built by hand (not by QueryAnyAuthd) is compiled on every call;
// expressions that fail to compile match nothing.
func (s *State) IsAllowed(topic, channel string) bool {
	compiled := s.compiled
	if compiled == nil {
		compiled, _ = compileAuthorizations(s.Authorizations, false)
	}
	subscribe := channel != ""
	for i := range compiled {
		a := &compiled[i]
		if subscribe && !a.subscribe || !subscribe && !a.publish {
			continue
		}
		if a.allows(topic, channel) {
			return true
		}
	}
	return false
}

func (a *compiledAuthorization) allows(topic, channel string) bool {
	if a.topic == nil || !a.topic.MatchString(topic) {
		return false
	}
	for _, re := range a.channels {
		if re != nil && re.MatchString(channel) {
			return true
		}
	}
	return false
}

// prepare validates a freshly decoded answer, compiles its expressions and
// sets Expires to now + TTL.
func (s *State) prepare(now time.Time) error {
	if s.TTL <= 0 {
		return fmt.Errorf("auth: invalid ttl %d (must be > 0)", s.TTL)
	}
	compiled, err := compileAuthorizations(s.Authorizations, true)
	if err != nil {
		return err
	}
	s.compiled = compiled
	s.Expires = now.Add(time.Duration(s.TTL) * time.Second)
	return nil
}

// compileAuthorizations compiles every expression. When strict, the first
// invalid permission or expression is an error; otherwise invalid expressions
// become nil (matching nothing) and unknown permissions are ignored.
func compileAuthorizations(auths []Authorization, strict bool) ([]compiledAuthorization, error) {
	out := make([]compiledAuthorization, len(auths))
	for i := range auths {
		c, err := compileAuthorization(&auths[i])
		if err != nil && strict {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func compileAuthorization(a *Authorization) (compiledAuthorization, error) {
	var c compiledAuthorization
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for _, p := range a.Permissions {
		switch p {
		case PermSubscribe:
			c.subscribe = true
		case PermPublish:
			c.publish = true
		default:
			keep(fmt.Errorf("auth: unknown permission %q", p))
		}
	}
	re, err := regexp.Compile(a.Topic)
	if err != nil {
		keep(fmt.Errorf("auth: invalid topic regexp %q: %w", a.Topic, err))
	}
	c.topic = re
	c.channels = make([]*regexp.Regexp, len(a.Channels))
	for j, ch := range a.Channels {
		re, err := regexp.Compile(ch)
		if err != nil {
			keep(fmt.Errorf("auth: invalid channel regexp %q: %w", ch, err))
		}
		c.channels[j] = re
	}
	return c, firstErr
}
