package lg

import (
	"bytes"
	"flag"
	"log"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLevel(t *testing.T) {
	cases := map[string]Level{
		"debug": DEBUG, "DEBUG": DEBUG, "Debug": DEBUG,
		"info": INFO, "INFO": INFO, "iNfO": INFO,
		"warn": WARN, "WARN": WARN,
		"error": ERROR, "Error": ERROR,
		"fatal": FATAL, "FATAL": FATAL,
	}
	for s, want := range cases {
		got, err := ParseLevel(s)
		require.NoError(t, err, "ParseLevel(%q) = (%v, %v)", s, got, err)
		assert.Equal(t, want, got, "ParseLevel(%q) = (%v, %v)", s, got, err)
	}
	for _, s := range []string{"", "warning", "WARNING", "information", " info", "info ", "1", "trace"} {
		got, err := ParseLevel(s)
		assert.Error(t, err, "ParseLevel(%q) = %v", s, got)
	}
	_, err := ParseLevel("warning")
	want := "invalid log level 'warning' (debug, info, warn, error, fatal)"
	require.Error(t, err, "error = %v", err)
	require.EqualError(t, err, want, "error = %v", err)
}

func TestLevelValues(t *testing.T) {
	// /config/log_level and nsqd.dat-free options use 1..5.
	require.EqualValues(t, 1, DEBUG, "levels = %d %d %d %d %d", DEBUG, INFO, WARN, ERROR, FATAL)
	require.EqualValues(t, 2, INFO, "levels = %d %d %d %d %d", DEBUG, INFO, WARN, ERROR, FATAL)
	require.EqualValues(t, 3, WARN, "levels = %d %d %d %d %d", DEBUG, INFO, WARN, ERROR, FATAL)
	require.EqualValues(t, 4, ERROR, "levels = %d %d %d %d %d", DEBUG, INFO, WARN, ERROR, FATAL)
	require.EqualValues(t, 5, FATAL, "levels = %d %d %d %d %d", DEBUG, INFO, WARN, ERROR, FATAL)
}

func TestLevelString(t *testing.T) {
	cases := map[Level]string{
		DEBUG: "DEBUG", INFO: "INFO", WARN: "WARNING", ERROR: "ERROR", FATAL: "FATAL",
		0: "INVALID", 6: "INVALID", -1: "INVALID",
	}
	for l, want := range cases {
		assert.Equal(t, want, l.String(), "Level(%d).String()", int(l))
	}
}

func TestLevelText(t *testing.T) {
	for _, l := range []Level{DEBUG, INFO, WARN, ERROR, FATAL} {
		b, err := l.MarshalText()
		require.NoError(t, err)
		var back Level
		require.NoError(t, back.UnmarshalText(b), "round trip of %v through %q", l, b)
		assert.Equal(t, l, back, "round trip of %v through %q", l, b)
	}
	b, _ := WARN.MarshalText()
	require.Equal(t, "warn", string(b), "WARN.MarshalText() = %q", b)
	l := INFO
	require.Error(t, l.UnmarshalText([]byte("nope")), "bad text")
	require.Equal(t, INFO, l, "bad text")
}

func TestLevelFlag(t *testing.T) {
	l := INFO
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	fs.Var(&l, "log-level", "")
	require.NoError(t, fs.Parse([]string{"-log-level=ERROR"}), "parse")
	require.Equal(t, ERROR, l, "parse")
	require.Equal(t, ERROR, (&l).Get(), "Get()")
	require.Error(t, fs.Parse([]string{"-log-level=warning"}), "warning accepted as a flag value")
}

// capture is a Logger recording what it is given.
type capture struct {
	lines  []string
	depths []int
}

func (c *capture) Output(depth int, s string) error {
	c.lines = append(c.lines, s)
	c.depths = append(c.depths, depth)
	return nil
}

func TestLogfFiltering(t *testing.T) {
	levels := []Level{DEBUG, INFO, WARN, ERROR, FATAL}
	for _, cfg := range levels {
		var c capture
		for _, msg := range levels {
			Logf(&c, cfg, msg, "m%d", int(msg))
		}
		var want []string
		for _, msg := range levels {
			if msg >= cfg {
				want = append(want, msg.String()+": m"+string(rune('0'+msg)))
			}
		}
		assert.Equal(t, strings.Join(want, "|"), strings.Join(c.lines, "|"), "cfg %v: logged %q", cfg, c.lines)
	}
}

func TestLogfNilLogger(t *testing.T) {
	Logf(nil, DEBUG, FATAL, "nothing %d", 1) // must not panic
	Logf(NilLogger{}, DEBUG, FATAL, "nothing %d", 1)
}

func TestLogfFormatsArgsOnly(t *testing.T) {
	var c capture
	Logf(&c, DEBUG, INFO, "%s=%d", "x", 5)
	require.Equal(t, "INFO: x=5", c.lines[0], "line = %q", c.lines[0])
}

// lineRE is "<prefix><YYYY/MM/DD HH:MM:SS.micro> <LEVEL>: <message>".
var lineRE = regexp.MustCompile(`^\[nsqd\] \d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} (DEBUG|INFO|WARNING|ERROR|FATAL): (.*)$`)

func TestLineLayout(t *testing.T) {
	var buf bytes.Buffer
	// The same prefix and flags New uses, writing to a buffer.
	logger := log.New(&buf, "[nsqd] ", log.Ldate|log.Ltime|log.Lmicroseconds)
	Logf(logger, INFO, WARN, "TCP: listening on %s", "127.0.0.1:4150")
	Logf(logger, INFO, DEBUG, "hidden")
	Logf(logger, INFO, INFO, "NSQ: bye")

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	want := [][2]string{{"WARNING", "TCP: listening on 127.0.0.1:4150"}, {"INFO", "NSQ: bye"}}
	for i, l := range lines {
		m := lineRE.FindStringSubmatch(l)
		require.NotNil(t, m, "line %q does not match %s", l, lineRE)
		assert.Equal(t, want[i][0], m[1], "line %d = (%s, %q)", i, m[1], m[2])
		assert.Equal(t, want[i][1], m[2], "line %d = (%s, %q)", i, m[1], m[2])
	}
}

func TestNewLayout(t *testing.T) {
	l, ok := New("[nsqd] ").(*log.Logger)
	require.True(t, ok, "New does not return a *log.Logger")
	require.Equal(t, "[nsqd] ", l.Prefix(), "prefix = %q", l.Prefix())
	require.Equal(t, log.Ldate|log.Ltime|log.Lmicroseconds, l.Flags(), "flags = %#x", l.Flags())
}

func TestStdLogger(t *testing.T) {
	var c capture
	std := StdLogger(&c, "http")
	std.Printf("http: TLS handshake error from %s: EOF", "1.2.3.4:5")
	std.Print("second\n")
	want := []string{
		"ERROR: http: http: TLS handshake error from 1.2.3.4:5: EOF",
		"ERROR: http: second",
	}
	require.Equal(t, strings.Join(want, "|"), strings.Join(c.lines, "|"), "lines = %q", c.lines)
	require.EqualValues(t, 0, std.Flags(), "flags %#x prefix %q", std.Flags(), std.Prefix())
	require.Equal(t, "", std.Prefix(), "flags %#x prefix %q", std.Flags(), std.Prefix())
	// A nil wrapped logger discards silently.
	StdLogger(nil, "x").Print("dropped")
}

func TestStdLoggerLayout(t *testing.T) {
	var buf bytes.Buffer
	std := StdLogger(log.New(&buf, "[nsqd] ", log.Ldate|log.Ltime|log.Lmicroseconds), "HTTP")
	std.Print("boom")
	m := lineRE.FindStringSubmatch(strings.TrimSuffix(buf.String(), "\n"))
	require.NotNil(t, m, "line = %q", buf.String())
	require.Equal(t, "ERROR", m[1], "line = %q", buf.String())
	require.Equal(t, "HTTP: boom", m[2], "line = %q", buf.String())
}
