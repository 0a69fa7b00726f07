package appflags

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nsqio/go-nsq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStringArray(t *testing.T) {
	var a StringArray
	fs := NewFlagSet("app", &bytes.Buffer{})
	fs.Var(&a, "x", "")
	code, ok := Parse(fs, []string{"-x=a,b", "--x", "c", "rest", "-x=d"})
	require.True(t, ok, "parse: %d %v", code, ok)
	require.EqualValues(t, 0, code, "parse: %d %v", code, ok)
	require.Len(t, a, 2)
	require.Equal(t, "a,b", a[0])
	require.Equal(t, "c", a[1])
	require.Equal(t, "a,b,c", a.String())
}

func TestParseExitCodes(t *testing.T) {
	var out bytes.Buffer
	fs := NewFlagSet("app", &out)
	code, ok := Parse(fs, []string{"-h"})
	require.False(t, ok, "-h: %d %v %q", code, ok, out.String())
	require.EqualValues(t, 0, code, "-h: %d %v %q", code, ok, out.String())
	require.Contains(t, out.String(), "Usage of app:", "-h: %d %v %q", code, ok, out.String())
	out.Reset()
	fs = NewFlagSet("app", &out)
	code, ok = Parse(fs, []string{"--bad"})
	require.False(t, ok, "--bad: %d %v %q", code, ok, out.String())
	require.EqualValues(t, 2, code, "--bad: %d %v %q", code, ok, out.String())
	require.Contains(t, out.String(), "flag provided but not defined: -bad", "--bad: %d %v %q", code, ok, out.String())
}

func TestConfigVar(t *testing.T) {
	cfg := NewConfig("app")
	var out bytes.Buffer
	fs := NewFlagSet("app", &out)
	ConfigVar(fs, cfg, "consumer-opt", "")
	_, ok := Parse(fs, []string{"--consumer-opt=max_attempts,7", "--consumer-opt=snappy",
		"--consumer-opt=auth_secret,a,b"})
	require.True(t, ok, "rejected: %s", out.String())
	require.EqualValues(t, 7, cfg.MaxAttempts, "config %+v", cfg)
	require.True(t, cfg.Snappy, "config %+v", cfg)
	require.Equal(t, "a,b", cfg.AuthSecret, "config %+v", cfg)
	require.Equal(t, "app/1.3.0 go-nsq/"+nsq.VERSION, cfg.UserAgent, "user agent %q", cfg.UserAgent)
	_, ok = Parse(fs, []string{"--consumer-opt=nope,1"})
	require.False(t, ok)
	require.Contains(t, out.String(), `invalid value "nope,1" for flag -consumer-opt: invalid option nope`)
}

func TestSources(t *testing.T) {
	cases := []struct {
		args []string
		err  string
	}{
		{nil, "--nsqd-tcp-address or --lookupd-http-address required"},
		{[]string{"--nsqd-tcp-address=a:1", "--lookupd-http-address=b:2"}, "use --nsqd-tcp-address or --lookupd-http-address not both"},
		{[]string{"--nsqd-tcp-address=a:1", "--nsqd-tcp-address=c:3"}, ""},
		{[]string{"--lookupd-http-address=b:2"}, ""},
	}
	for _, c := range cases {
		var s Sources
		fs := NewFlagSet("app", &bytes.Buffer{})
		s.Register(fs)
		Parse(fs, c.args)
		err := s.Validate()
		if c.err == "" {
			assert.NoError(t, err, "%q", c.args)
		} else {
			assert.EqualError(t, err, c.err, "%q", c.args)
		}
	}
}

func TestVersionAndFatal(t *testing.T) {
	require.Equal(t, "nsq_tail v1.3.0", Version("nsq_tail"))
	var out bytes.Buffer
	require.EqualValues(t, 1, Fatal(NewLogger(&out), "boom"))
	require.True(t, strings.HasSuffix(out.String(), " boom\n"))
	require.Len(t, out.String(), len("2006/01/02 15:04:05 boom\n"))
}
