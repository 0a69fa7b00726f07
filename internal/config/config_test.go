package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testOpts struct {
	Name     string        `flag:"name"`
	Enabled  bool          `flag:"enabled"`
	Count    int           `flag:"count"`
	Big      int64         `flag:"big"`
	Ratio    float64       `flag:"ratio"`
	Wait     time.Duration `flag:"wait"`
	Level    lg.Level      `flag:"level"`
	Addrs    []string      `flag:"addr" cfg:"addresses"`
	Pcts     []float64     `flag:"pct" cfg:"pcts"`
	Skipped  int           `flag:"-"`
	Untagged int
}

func newTestOpts() *testOpts {
	return &testOpts{
		Name: "def", Enabled: true, Count: 3, Big: 1 << 40, Ratio: 0.5,
		Wait: 2 * time.Second, Level: lg.INFO, Addrs: []string{},
	}
}

var testUsage = map[string]string{
	"name": "a name", "enabled": "on or off", "count": "how many",
	"big": "a big number", "ratio": "a ratio", "wait": "how long",
	"level": "log level", "addr": "an address (repeatable)",
	"pct": "percentiles (repeatable, comma-separated)",
}

// bind registers testOpts flags on a fresh FlagSet and parses args.
func bind(t *testing.T, b Binding, args ...string) (*flag.FlagSet, *testOpts) {
	t.Helper()
	opts := newTestOpts()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if b.Usage == nil {
		b.Usage = testUsage
	}
	require.NoError(t, b.Register(fs, opts))
	require.NoError(t, fs.Parse(args))
	return fs, opts
}

func TestFields(t *testing.T) {
	fields, err := Fields(newTestOpts())
	require.NoError(t, err)
	var flags, keys []string
	for _, f := range fields {
		flags = append(flags, f.Flag)
		keys = append(keys, f.Key)
	}
	require.Equal(t, []string{"name", "enabled", "count", "big", "ratio", "wait", "level", "addr", "pct"}, flags)
	require.Equal(t, []string{"name", "enabled", "count", "big", "ratio", "wait", "level", "addresses", "pcts"}, keys)
}

func TestFieldsKeyFromFlagName(t *testing.T) {
	var opts struct {
		A int `flag:"max-in-flight"`
	}
	fields, err := Fields(&opts)
	require.NoError(t, err)
	require.Equal(t, "max_in_flight", fields[0].Key)
}

func TestFieldsWantsStructPointer(t *testing.T) {
	for _, v := range []any{nil, 3, testOpts{}, (*testOpts)(nil)} {
		_, err := Fields(v)
		assert.Error(t, err, "%#v: no error", v)
	}
}

func TestRegisterKeepsDefaults(t *testing.T) {
	_, opts := bind(t, Binding{})
	require.Equal(t, newTestOpts(), opts)
}

func TestRegisterParsesEveryType(t *testing.T) {
	_, opts := bind(t, Binding{},
		"--name=x", "--enabled=false", "-count", "7", "--big=0x10",
		"--ratio=0.25", "--wait=1m", "--level=DEBUG",
		"--addr=a,b", "--addr", "c", "--pct=0.5,0.9", "--pct=1")
	want := &testOpts{
		Name: "x", Enabled: false, Count: 7, Big: 16, Ratio: 0.25,
		Wait: time.Minute, Level: lg.DEBUG,
		Addrs: []string{"a,b", "c"}, Pcts: []float64{0.5, 0.9, 1},
	}
	require.Equal(t, want, opts)
}

func TestRegisterBadFlagValues(t *testing.T) {
	for _, arg := range []string{
		"--count=x", "--wait=3", "--level=warning", "--pct=0.5,x", "--enabled=maybe",
	} {
		opts := newTestOpts()
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		require.NoError(t, Binding{Usage: testUsage}.Register(fs, opts))
		assert.NotNil(t, fs.Parse([]string{arg}), "%s: no error", arg)
	}
}

func TestFloatListSetIsAtomic(t *testing.T) {
	l := FloatList{1}
	require.NotNil(t, l.Set("0.5,nope"), "bad float accepted")
	require.Equal(t, FloatList{1}, l)
	require.NoError(t, l.Set(" 0.5 , 2"))
	require.Equal(t, "1,0.5,2", l.String())
	require.Equal(t, []float64{1, 0.5, 2}, l.Get())
}

func TestListStringsOfZeroValues(t *testing.T) {
	require.Equal(t, "", (*StringList)(nil).String())
	require.Equal(t, "", (*FloatList)(nil).String())
	s := StringList{"a", "b"}
	require.Equal(t, "a,b", s.String())
	require.Equal(t, []string{"a", "b"}, s.Get())
}

func TestRegisterNeedsUsage(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	err := Binding{Usage: map[string]string{"name": "x"}}.Register(fs, newTestOpts())
	require.ErrorContains(t, err, "no help text for flag -enabled")
}

func TestRegisterUnsupportedType(t *testing.T) {
	var opts struct {
		V uint16 `flag:"v"`
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	err := Binding{Usage: map[string]string{"v": "x"}}.Register(fs, &opts)
	require.ErrorContains(t, err, "unsupported field type uint16")
}

type upperValue struct{ p *string }

func (u upperValue) String() string {
	if u.p == nil {
		return ""
	}
	return *u.p
}

func (u upperValue) Set(s string) error {
	if s == "bad" {
		return strconv.ErrSyntax
	}
	*u.p = "<" + s + ">"
	return nil
}

func TestRegisterCustomFlag(t *testing.T) {
	opts := newTestOpts()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	b := Binding{Usage: testUsage, Flags: map[string]flag.Value{"name": upperValue{&opts.Name}}}
	require.NoError(t, b.Register(fs, opts))
	require.NoError(t, fs.Parse([]string{"--name=x"}))
	require.Equal(t, "<x>", opts.Name)
}

func TestApplyPrecedence(t *testing.T) {
	fs, opts := bind(t, Binding{}, "--count=7", "--addr=flag")
	cfg := map[string]any{
		"count":     int64(9),                // flag given: ignored
		"addresses": []any{"toml1", "toml2"}, // flag given: ignored
		"big":       int64(5),                // no flag: TOML wins over default
	}
	require.NoError(t, Binding{}.Apply(fs, opts, cfg))
	require.Equal(t, 7, opts.Count)
	require.Equal(t, []string{"flag"}, opts.Addrs)
	require.Equal(t, int64(5), opts.Big)
	require.Equal(t, "def", opts.Name) // neither: default
}

func TestApplyExplicitFlagEqualToDefaultStillWins(t *testing.T) {
	fs, opts := bind(t, Binding{}, "--count=3")
	require.NoError(t, Binding{}.Apply(fs, opts, map[string]any{"count": int64(9)}))
	require.Equal(t, 3, opts.Count)
}

func TestApplyRenamedKeys(t *testing.T) {
	fs, opts := bind(t, Binding{})
	cfg := map[string]any{"addr": "ignored", "pct": "0.1", "addresses": "a, b", "pcts": "0.9,0.5"}
	require.NoError(t, Binding{}.Apply(fs, opts, cfg))
	require.Equal(t, []string{"a", "b"}, opts.Addrs)
	require.Equal(t, []float64{0.9, 0.5}, opts.Pcts)
}

func TestApplyIgnoresUnknownAndUntaggedKeys(t *testing.T) {
	fs, opts := bind(t, Binding{})
	cfg := map[string]any{"nonsense": []any{map[string]any{}}, "skipped": int64(1), "untagged": int64(1), "Untagged": int64(1)}
	require.NoError(t, Binding{}.Apply(fs, opts, cfg))
	require.Equal(t, newTestOpts(), opts)
}

func TestApplyKeysGoThroughSet(t *testing.T) {
	fs, opts := bind(t, Binding{})
	b := Binding{Keys: map[string]flag.Value{"name": upperValue{&opts.Name}}}
	require.NoError(t, b.Apply(fs, opts, map[string]any{"name": true}))
	require.Equal(t, "<true>", opts.Name)
	require.NoError(t, b.Apply(fs, opts, map[string]any{"name": int64(12)}))
	require.Equal(t, "<12>", opts.Name)

	err := b.Apply(fs, opts, map[string]any{"name": "bad"})
	require.ErrorContains(t, err, "failed parsing name bad - invalid syntax")
	err = b.Apply(fs, opts, map[string]any{"name": []any{"x"}})
	require.ErrorContains(t, err, "failed parsing name [x]")
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cfg")
	doc := "name = \"n\"\ncount = 4\nratio = 0.5\nenabled = false\naddresses = [\"a\", \"b\"]\n"
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	cfg, err := ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"name": "n", "count": int64(4), "ratio": 0.5, "enabled": false,
		"addresses": []any{"a", "b"},
	}, cfg)

	fs, opts := bind(t, Binding{})
	require.NoError(t, Binding{}.Apply(fs, opts, cfg))
	require.Equal(t, 4, opts.Count)
	require.Equal(t, []string{"a", "b"}, opts.Addrs)
}

func TestReadFileErrors(t *testing.T) {
	_, err := ReadFile("")
	require.ErrorContains(t, err, "")
	_, err = ReadFile(filepath.Join(t.TempDir(), "missing.cfg"))
	require.ErrorIs(t, err, os.ErrNotExist)
	path := filepath.Join(t.TempDir(), "bad.cfg")
	require.NoError(t, os.WriteFile(path, []byte("count = = 3\n"), 0o600))
	_, err = ReadFile(path)
	require.ErrorContains(t, err, "")
}
