package auth

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tableAuthorizations() []Authorization {
	return []Authorization{
		{Topic: "^foo$", Channels: []string{".*"}, Permissions: []string{"subscribe", "publish"}},
		{Topic: "bar", Channels: []string{"^ch$"}, Permissions: []string{"subscribe", "publish"}},
		{Topic: "^sub_only$", Channels: []string{".*"}, Permissions: []string{"subscribe"}},
		{Topic: "^pub_only$", Channels: []string{".*"}, Permissions: []string{"publish"}},
		{Topic: "^no_channels$", Permissions: []string{"subscribe", "publish"}},
		{Topic: "^multi$", Channels: []string{"^a$", "^b"}, Permissions: []string{"subscribe"}},
	}
}

var allowedTable = []struct {
	topic, channel string
	want           bool
}{
	{"foo", "", true},
	{"foo", "anything", true},
	{"foox", "", false},
	{"xfoo", "c", false},
	{"bar", "ch", true},
	{"xbarx", "ch", true}, // topic match is unanchored
	{"bar", "chx", false},
	{"bar", "", false}, // publish checks channel "" against ^ch$: denied
	{"sub_only", "c", true},
	{"sub_only", "", false},
	{"pub_only", "", true},
	{"pub_only", "c", false},
	{"no_channels", "", false},
	{"no_channels", "c", false},
	{"multi", "a", true},
	{"multi", "bee", true},
	{"multi", "c", false},
	{"other", "", false},
}

func TestIsAllowedTable(t *testing.T) {
	prepared := &State{TTL: 10, Authorizations: tableAuthorizations()}
	require.NoError(t, prepared.prepare(time.Now()))
	byHand := &State{Authorizations: tableAuthorizations()}
	for _, tc := range allowedTable {
		assert.Equal(t, tc.want, prepared.IsAllowed(tc.topic, tc.channel), "prepared IsAllowed(%q, %q)", tc.topic, tc.channel)
		assert.Equal(t, tc.want, byHand.IsAllowed(tc.topic, tc.channel), "hand-built IsAllowed(%q, %q)", tc.topic, tc.channel)
	}
}

func TestIsAllowedEmptyAndBadHandBuilt(t *testing.T) {
	assert.False(t, (&State{}).IsAllowed("t", ""), "empty state allowed publish")
	s := &State{Authorizations: []Authorization{
		{Topic: "(", Channels: []string{".*"}, Permissions: []string{"publish"}},
		{Topic: ".*", Channels: []string{"["}, Permissions: []string{"publish"}},
		{Topic: ".*", Channels: []string{".*"}, Permissions: []string{"admin"}},
	}}
	assert.False(t, s.IsAllowed("t", ""), "invalid hand-built authorizations allowed publish")
}

func TestIsAllowedConcurrent(t *testing.T) {
	s := &State{TTL: 10, Authorizations: tableAuthorizations()}
	require.NoError(t, s.prepare(time.Now()))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, tc := range allowedTable {
				assert.Equal(t, tc.want, s.IsAllowed(tc.topic, tc.channel), "IsAllowed(%q, %q) != %v", tc.topic, tc.channel, tc.want)
			}
		})
	}
	wg.Wait()
}

func TestPrepareRejects(t *testing.T) {
	good := Authorization{Topic: ".*", Channels: []string{".*"}, Permissions: []string{"subscribe", "publish"}}
	cases := map[string]State{
		"ttl zero":           {TTL: 0, Authorizations: []Authorization{good}},
		"ttl negative":       {TTL: -5, Authorizations: []Authorization{good}},
		"unknown permission": {TTL: 1, Authorizations: []Authorization{good, {Topic: ".*", Channels: []string{".*"}, Permissions: []string{"admin"}}}},
		"case of permission": {TTL: 1, Authorizations: []Authorization{{Topic: ".*", Channels: []string{".*"}, Permissions: []string{"Publish"}}}},
		"bad topic regexp":   {TTL: 1, Authorizations: []Authorization{{Topic: "(", Channels: []string{".*"}, Permissions: []string{"publish"}}}},
		"bad channel regexp": {TTL: 1, Authorizations: []Authorization{{Topic: ".*", Channels: []string{".*", "[a"}, Permissions: []string{"publish"}}}},
		"perl-only syntax":   {TTL: 1, Authorizations: []Authorization{{Topic: "(?=x)", Channels: []string{".*"}, Permissions: []string{"publish"}}}},
	}
	for name, s := range cases {
		assert.Error(t, s.prepare(time.Now()), "%s: prepare succeeded", name)
	}
	ok := State{TTL: 1}
	assert.NoError(t, ok.prepare(time.Now()), "no authorizations")
}

func TestExpiry(t *testing.T) {
	now := time.Now()
	s := &State{TTL: 60}
	require.NoError(t, s.prepare(now))
	require.True(t, s.Expires.Equal(now.Add(time.Minute)), "Expires = %v", s.Expires)
	require.False(t, s.IsExpired(), "fresh state reported expired")
	s.Expires = time.Now().Add(-time.Millisecond)
	require.True(t, s.IsExpired(), "past state not reported expired")
	require.True(t, (&State{}).IsExpired(), "zero state not reported expired")
}
