package config_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nsqgo/nsq/internal/config"
	"github.com/nsqgo/nsq/internal/lg"
)

type valueOpts struct {
	Level    lg.Level      `flag:"log-level"`
	Name     string        `flag:"name"`
	Addrs    []string      `flag:"lookupd-tcp-address" cfg:"nsqlookupd_tcp_addresses"`
	Pcts     []float64     `flag:"pct"`
	Timeout  time.Duration `flag:"timeout"`
	Internal int           `flag:"-"`
}

func TestValueAsConfigShowsIt(t *testing.T) {
	o := &valueOpts{Level: lg.WARN, Name: "n", Timeout: time.Second, Internal: 7}
	cases := map[string]string{
		"log_level":                `3`,
		"name":                     `"n"`,
		"nsqlookupd_tcp_addresses": `[]`,
		"pct":                      `[]`,
		"timeout":                  `1000000000`,
	}
	for key, want := range cases {
		v, ok := config.Value(o, key)
		require.True(t, ok, key)
		got, err := json.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, want, string(got), key)
	}
	for _, key := range []string{"internal", "lookupd_tcp_address", "nope"} {
		_, ok := config.Value(o, key)
		assert.False(t, ok, key)
	}
}
