package config

import (
	"flag"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type coerceOpts struct {
	S    string        `flag:"s"`
	B    bool          `flag:"b"`
	I    int           `flag:"i"`
	I8   int8          `flag:"i8"`
	I64  int64         `flag:"i64"`
	U16  uint16        `flag:"u16"`
	F    float64       `flag:"f"`
	F32  float32       `flag:"f32"`
	D    time.Duration `flag:"d"`
	L    lg.Level      `flag:"l"`
	SL   []string      `flag:"sl"`
	FL   []float64     `flag:"fl"`
	Bad  []int         `flag:"bad"`
	Cplx complex64     `flag:"cplx"`
}

// applyOne applies {key: raw} to fresh coerceOpts and returns the field.
func applyOne(key string, raw any) (any, error) {
	opts := &coerceOpts{}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	err := Binding{}.Apply(fs, opts, map[string]any{key: raw})
	fields, _ := Fields(opts)
	for _, f := range fields {
		if f.Key == key {
			return f.Value.Interface(), err
		}
	}
	panic("no field " + key)
}

func TestCoerceGood(t *testing.T) {
	for _, c := range []struct {
		key  string
		raw  any
		want any
	}{
		{"s", "x", "x"},
		{"s", int64(4151), "4151"},
		{"s", true, "true"},
		{"s", 0.5, "0.5"},
		{"b", true, true},
		{"b", "false", false},
		{"b", "t", true},
		{"b", "1", true},
		{"b", int64(0), false},
		{"b", int64(2), true},
		{"i", int64(42), 42},
		{"i", " 42 ", 42},
		{"i", "-7", -7},
		{"i", 42, 42},
		{"i8", int64(-128), int8(-128)},
		{"i64", int64(1 << 50), int64(1 << 50)},
		{"i64", "104857600", int64(104857600)},
		{"u16", int64(771), uint16(771)},
		{"u16", "0x303", uint16(0x303)},
		{"f", 0.99, 0.99},
		{"f", int64(1), 1.0},
		{"f", "0.5", 0.5},
		{"f32", 0.5, float32(0.5)},
		{"d", "1m30s", 90 * time.Second},
		{"d", int64(30000), 30 * time.Second},
		{"d", int64(0), time.Duration(0)},
		{"d", " 250ms", 250 * time.Millisecond},
		{"d", 5 * time.Second, 5 * time.Second},
		{"l", "debug", lg.DEBUG},
		{"l", "ERROR", lg.ERROR},
		{"sl", []any{"a", "b"}, []string{"a", "b"}},
		{"sl", []any{}, []string{}},
		{"sl", []string{"x"}, []string{"x"}},
		{"sl", "a,b", []string{"a", "b"}},
		{"sl", " a , ,b ", []string{"a", "b"}},
		{"sl", "", []string{}},
		{"sl", "one", []string{"one"}},
		{"fl", []any{1.0, 0.99, int64(0)}, []float64{1, 0.99, 0}},
		{"fl", []float64{0.5}, []float64{0.5}},
		{"fl", "0.5, 0.99,1", []float64{0.5, 0.99, 1}},
		{"fl", "", []float64{}},
		{"fl", []any{}, []float64{}},
	} {
		got, err := applyOne(c.key, c.raw)
		if assert.NoError(t, err, "%s = %#v", c.key, c.raw) {
			assert.Equal(t, c.want, got, "%s = %#v", c.key, c.raw)
		}
	}
}

func TestCoerceBad(t *testing.T) {
	for _, c := range []struct {
		key string
		raw any
		msg string
	}{
		{"s", []any{"a"}, "failed parsing s [a] - want a string"},
		{"s", map[string]any{}, "want a string"},
		{"b", "maybe", "failed parsing b maybe - "},
		{"b", 0.5, "want a bool"},
		{"i", "forty", "failed parsing i forty - "},
		{"i", 1.5, "want an integer"},
		{"i8", int64(200), "200 out of range for int8"},
		{"u16", int64(-1), "-1 out of range for uint16"},
		{"u16", int64(70000), "out of range for uint16"},
		{"f", "x", "failed parsing f x"},
		{"f", []any{}, "want a number"},
		{"d", "10", "missing unit"},
		{"d", 1.5, "want a duration string or integer milliseconds"},
		{"d", time.Now(), "want a duration"},
		{"l", "warning", "failed parsing l warning - invalid log level"},
		{"l", int64(2), "invalid log level '2'"},
		{"sl", int64(3), "want an array of strings"},
		{"sl", []any{"a", []any{}}, "want a string"},
		{"fl", "0.5,x", "failed parsing fl 0.5,x"},
		{"fl", []any{"a"}, "invalid syntax"},
		{"fl", true, "want an array of numbers"},
		{"bad", []any{int64(1)}, "unsupported field type []int"},
		{"cplx", int64(1), "unsupported field type complex64"},
	} {
		_, err := applyOne(c.key, c.raw)
		assert.ErrorContains(t, err, c.msg, "%s = %#v", c.key, c.raw)
	}
}

func TestApplyStopsAtFirstBadValueInFieldOrder(t *testing.T) {
	opts := &coerceOpts{}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	err := Binding{}.Apply(fs, opts, map[string]any{"d": "x", "i": "y", "s": "ok"})
	require.ErrorContains(t, err, "failed parsing i y")
	require.Equal(t, "ok", opts.S)
}
