package protocol

import (
	"errors"
	"strings"
	"testing"
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
		if !IsValidName(n) {
			t.Errorf("IsValidName(%q) = false, want true", n)
		}
		if !IsValidTopicName(n) || !IsValidChannelName(n) {
			t.Errorf("topic/channel validation of %q differs from IsValidName", n)
		}
	}
	for _, n := range invalid {
		if IsValidName(n) {
			t.Errorf("IsValidName(%q) = true, want false", n)
		}
		if IsValidTopicName(n) || IsValidChannelName(n) {
			t.Errorf("topic/channel validation of %q differs from IsValidName", n)
		}
	}
}

// TestIsValidNameEveryByte checks each single byte against the character
// class [.a-zA-Z0-9_-], alone and before the #ephemeral suffix.
func TestIsValidNameEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b == '.' || b == '_' || b == '-' ||
			(b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
		if got := IsValidName(string([]byte{b})); got != want {
			t.Errorf("IsValidName(%q) = %v, want %v", b, got, want)
		}
		if got := IsValidName(string([]byte{b}) + "#ephemeral"); got != want {
			t.Errorf("IsValidName(%q#ephemeral) = %v, want %v", b, got, want)
		}
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
		if got := IsEphemeral(n); got != want {
			t.Errorf("IsEphemeral(%q) = %v, want %v", n, got, want)
		}
	}
}

func TestClientErr(t *testing.T) {
	cause := errors.New("disk on fire")
	e := NewClientErr(cause, EInvalid, "invalid command FOO")
	if e.Error() != "E_INVALID invalid command FOO" {
		t.Fatalf("Error() = %q", e.Error())
	}
	if string(e.Wire()) != e.Error() {
		t.Fatalf("Wire() = %q, Error() = %q", e.Wire(), e.Error())
	}
	if e.Fatal {
		t.Fatal("NewClientErr is fatal")
	}
	if !errors.Is(e, cause) || e.Unwrap() != cause {
		t.Fatal("cause not reachable through Unwrap")
	}
	var ce *ClientErr
	if !errors.As(error(e), &ce) || ce != e {
		t.Fatal("errors.As does not find *ClientErr")
	}

	f := NewFatalClientErr(nil, EBadProtocol, "")
	if f.Error() != "E_BAD_PROTOCOL" {
		t.Fatalf("no-desc Error() = %q, want no trailing space", f.Error())
	}
	if !f.Fatal {
		t.Fatal("NewFatalClientErr is not fatal")
	}
	if f.Unwrap() != nil {
		t.Fatalf("Unwrap() = %v, want nil", f.Unwrap())
	}
	// A description made of a single space still gets its separator.
	if got := NewClientErr(nil, EInvalid, " ").Error(); got != "E_INVALID  " {
		t.Fatalf("Error() = %q", got)
	}
}

func TestErrorCodesAreTheirNames(t *testing.T) {
	for _, c := range []string{
		EBadProtocol, EInvalid, EBadBody, EBadTopic, EBadChannel, EBadMessage,
		EPubFailed, EMPubFailed, EDPubFailed, EFinFailed, EReqFailed, ETouchFailed,
		ESubFailed, EIdentifyFailed, EAuthDisabled, EAuthFailed, EAuthFirst,
		EAuthError, EUnauthorized,
	} {
		if !strings.HasPrefix(c, "E_") || strings.ToUpper(c) != c || strings.Contains(c, " ") {
			t.Errorf("error code %q is not an E_UPPER_CASE word", c)
		}
	}
	if MagicV1 != "  V1" || MagicV2 != "  V2" {
		t.Fatalf("magics = %q, %q", MagicV1, MagicV2)
	}
}
