package protocol

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsValidName(t *testing.T) {
	valid := []string{
		"a",
		"topic",
		"Topic.Name_with-all.09",
		"...",
		"-",
		"_",
		"a#ephemeral",
		"x.y-z_0#ephemeral",
		strings.Repeat("a", 64),
		strings.Repeat("a", 54) + "#ephemeral", // 64 bytes with the suffix
	}
	invalid := []string{
		"",
		strings.Repeat("a", 65),
		strings.Repeat("a", 55) + "#ephemeral", // 65 bytes with the suffix
		"#ephemeral",
		"a#ephemeral#ephemeral",
		"a#Ephemeral",
		"a#ephemera",
		"a#",
		"#",
		"a#ephemeralx",
		"topic:channel",
		"a b",
		" a",
		"a ",
		"a\n",
		"a\t",
		"a/b",
		"a\x00",
		"ünïcode",
		"日本",
		"a\u00e9",
		"a*",
		"a+b",
	}
	for _, n := range valid {
		assert.True(t, IsValidName(n), "IsValidName(%q) = false", n)
		assert.True(t, IsValidTopicName(n), "topic/channel validation of %q differs from IsValidName", n)
		assert.True(t, IsValidChannelName(n), "topic/channel validation of %q differs from IsValidName", n)
	}
	for _, n := range invalid {
		assert.False(t, IsValidName(n), "IsValidName(%q) = true", n)
		assert.False(t, IsValidTopicName(n), "topic/channel validation of %q differs from IsValidName", n)
		assert.False(t, IsValidChannelName(n), "topic/channel validation of %q differs from IsValidName", n)
	}
}

// TestIsValidNameEveryByte checks each single byte against the character
// class [.a-zA-Z0-9_-], alone and before the #ephemeral suffix.
func TestIsValidNameEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b == '.' || b == '_' || b == '-' ||
			(b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
		assert.Equal(t, want, IsValidName(string([]byte{b})), "IsValidName(%q)", b)
		assert.Equal(t, want, IsValidName(string([]byte{b})+"#ephemeral"), "IsValidName(%q#ephemeral)", b)
	}
}

func TestIsEphemeral(t *testing.T) {
	cases := map[string]bool{
		"a#ephemeral":   true,
		"a.b#ephemeral": true,
		"a":             false,
		"a#ephemera":    false,
		"a#Ephemeral":   false,
		"ephemeral":     false,
		"":              false,
		"a#ephemeralx":  false,
	}
	for n, want := range cases {
		assert.Equal(t, want, IsEphemeral(n), "IsEphemeral(%q)", n)
	}
}

func TestClientErr(t *testing.T) {
	cause := errors.New("disk on fire")
	e := NewClientErr(cause, EInvalid, "invalid command FOO")
	require.Equal(t, "E_INVALID invalid command FOO", e.Error(), "Error() = %q", e.Error())
	require.Equal(t, e.Error(), string(e.Wire()), "Wire() = %q, Error() = %q", e.Wire(), e.Error())
	require.False(t, e.Fatal, "NewClientErr is fatal")
	require.ErrorIs(t, e, cause, "cause not reachable through Unwrap")
	require.Equal(t, cause, e.Unwrap(), "cause not reachable through Unwrap")
	var ce *ClientErr
	require.ErrorAs(t, error(e), &ce, "errors.As does not find *ClientErr")
	require.Equal(t, e, ce, "errors.As does not find *ClientErr")

	f := NewFatalClientErr(nil, EBadProtocol, "")
	require.Equal(t, "E_BAD_PROTOCOL", f.Error(), "no-desc Error() = %q", f.Error())
	require.True(t, f.Fatal, "NewFatalClientErr is not fatal")
	require.Nil(t, f.Unwrap(), "Unwrap() = %v", f.Unwrap())
	// A description made of a single space still gets its separator.
	require.Equal(t, "E_INVALID  ", NewClientErr(nil, EInvalid, " ").Error(), "Error()")
}

func TestErrorCodesAreTheirNames(t *testing.T) {
	for _, c := range []string{
		EBadProtocol, EInvalid, EBadBody, EBadTopic, EBadChannel, EBadMessage,
		EPubFailed, EMPubFailed, EDPubFailed, EFinFailed, EReqFailed, ETouchFailed,
		ESubFailed, EIdentifyFailed, EAuthDisabled, EAuthFailed, EAuthFirst,
		EAuthError, EUnauthorized,
	} {
		assert.True(t, strings.HasPrefix(c, "E_"), "error code %q is not an E_UPPER_CASE word", c)
		assert.Equal(t, c, strings.ToUpper(c), "error code %q is not an E_UPPER_CASE word", c)
		assert.NotContains(t, c, " ", "error code %q is not an E_UPPER_CASE word", c)
	}
	require.Equal(t, "  V1", MagicV1, "magics = %q, %q", MagicV1, MagicV2)
	require.Equal(t, "  V2", MagicV2, "magics = %q, %q", MagicV1, MagicV2)
}
