package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestStrftime(t *testing.T) {
	at := time.Date(2026, time.November, 2, 15, 4, 5, 0, time.FixedZone("XYZ", -7*3600))
	cases := map[string]string{
		"%Y-%m-%d_%H":          "2026-11-02_15",
		"%B %b %A %a":          "November Nov Monday Mon",
		"%I:%M:%S %p":          "03:04:05 PM",
		"%y %Z %z":             "26 XYZ -0700",
		"100%% %q":             "100% %q",
		"Jan 15 literal %":     "Jan 15 literal %",
		"":                     "",
		"%Y%m%d%H%M%S-archive": "20261102150405-archive",
	}
	for format, want := range cases {
		assert.Equal(t, want, strftime(format, at), "strftime(%q)", format)
	}
}
