package main

import (
	"bytes"
	"log"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestFilter(field, value string, whitelist ...string) (*jsonFilter, *bytes.Buffer) {
	var out bytes.Buffer
	o := &options{requireJSONField: field, requireJSONValue: value, whitelistFields: whitelist}
	return newJSONFilter(o, log.New(&out, "", 0)), &out
}

func TestFilterNoneWithoutOptions(t *testing.T) {
	t.Parallel()
	f, _ := newTestFilter("", "only value")
	require.Nil(t, f, "a value alone must not filter")
}

func TestFilterRequiredValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value, body string
		pass        bool
	}{
		{"click", `{"k":"click"}`, true},
		{"click", `{"k":"view"}`, false},
		{"5", `{"k":5}`, true},
		{"5", `{"k":5.0}`, true},
		{"5", `{"k":"5"}`, true},
		{"5", `{"k":5.5}`, false},
		{"5.5", `{"k":5.5}`, true},
		{"true", `{"k":true}`, false},
		{"x", `{"k":null}`, false},
		{"", `{"k":null}`, true},
		{"", `{"other":1}`, false},
	}
	for _, c := range cases {
		f, _ := newTestFilter("k", c.value)
		out, pass, err := f.apply([]byte(c.body))
		assert.NoError(t, err, "value %q body %s", c.value, c.body)
		if assert.Equal(t, c.pass, pass, "value %q body %s", c.value, c.body) && pass {
			assert.Equal(t, c.body, string(out), "value %q body %s", c.value, c.body)
		}
	}
}

func TestFilterMissingFieldWithValueIsAnError(t *testing.T) {
	t.Parallel()
	f, logs := newTestFilter("k", "v")
	_, pass, err := f.apply([]byte(`{"other":1}`))
	require.False(t, pass, "%v %v %q", pass, err, logs)
	require.ErrorIs(t, err, errMissingField, "%v %v %q", pass, err, logs)
	require.Equal(t, "ERROR: missing field to check required value\n", logs.String(), "%v %v %q", pass, err, logs)
}

func TestFilterNotAnObject(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`nope`, `[1]`, `"s"`, ``} {
		f, logs := newTestFilter("", "", "a")
		_, pass, err := f.apply([]byte(body))
		assert.False(t, pass, "%q", body)
		assert.NoError(t, err, "%q", body)
		assert.True(t, strings.HasPrefix(logs.String(), "ERROR: Unable to decode json: "+body), logs.String())
	}
}

func TestWhitelist(t *testing.T) {
	t.Parallel()
	f, _ := newTestFilter("", "", "a", "c", "missing")
	for body, want := range map[string]string{
		`{"a":1,"b":"x","c":2.5}`:  `{"a":1,"c":2.5}`,
		`{"b":1}`:                  `{}`,
		`{"c":{"z":1,"y":[true]}}`: `{"c":{"y":[true],"z":1}}`,
		`{"a":12345678901}`:        `{"a":12345678901}`,
	} {
		out, pass, err := f.apply([]byte(body))
		assert.True(t, pass, "%s: %s %v %v", body, out, pass, err)
		require.NoError(t, err, "%s: %s %v %v", body, out, pass, err)
		assert.Equal(t, want, string(out), "%s: %s %v %v", body, out, pass, err)
	}
}
