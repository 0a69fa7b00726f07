package auth

import (
	"sync"
	"testing"
	"time"
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
	if err := prepared.prepare(time.Now()); err != nil {
		t.Fatal(err)
	}
	byHand := &State{Authorizations: tableAuthorizations()}
	for _, tc := range allowedTable {
		if got := prepared.IsAllowed(tc.topic, tc.channel); got != tc.want {
			t.Errorf("prepared IsAllowed(%q, %q) = %v, want %v", tc.topic, tc.channel, got, tc.want)
		}
		if got := byHand.IsAllowed(tc.topic, tc.channel); got != tc.want {
			t.Errorf("hand-built IsAllowed(%q, %q) = %v, want %v", tc.topic, tc.channel, got, tc.want)
		}
	}
}

func TestIsAllowedEmptyAndBadHandBuilt(t *testing.T) {
	if (&State{}).IsAllowed("t", "") {
		t.Error("empty state allowed publish")
	}
	s := &State{Authorizations: []Authorization{
		{Topic: "(", Channels: []string{".*"}, Permissions: []string{"publish"}},
		{Topic: ".*", Channels: []string{"["}, Permissions: []string{"publish"}},
		{Topic: ".*", Channels: []string{".*"}, Permissions: []string{"admin"}},
	}}
	if s.IsAllowed("t", "") {
		t.Error("invalid hand-built authorizations allowed publish")
	}
}

func TestIsAllowedConcurrent(t *testing.T) {
	s := &State{TTL: 10, Authorizations: tableAuthorizations()}
	if err := s.prepare(time.Now()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, tc := range allowedTable {
				if s.IsAllowed(tc.topic, tc.channel) != tc.want {
					t.Errorf("IsAllowed(%q, %q) != %v", tc.topic, tc.channel, tc.want)
				}
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
		if err := s.prepare(time.Now()); err == nil {
			t.Errorf("%s: prepare succeeded", name)
		}
	}
	ok := State{TTL: 1}
	if err := ok.prepare(time.Now()); err != nil {
		t.Errorf("no authorizations: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	now := time.Now()
	s := &State{TTL: 60}
	if err := s.prepare(now); err != nil {
		t.Fatal(err)
	}
	if want := now.Add(time.Minute); !s.Expires.Equal(want) {
		t.Fatalf("Expires = %v, want %v", s.Expires, want)
	}
	if s.IsExpired() {
		t.Fatal("fresh state reported expired")
	}
	s.Expires = time.Now().Add(-time.Millisecond)
	if !s.IsExpired() {
		t.Fatal("past state not reported expired")
	}
	if !(&State{}).IsExpired() {
		t.Fatal("zero state not reported expired")
	}
}
