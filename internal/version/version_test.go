package version

import (
	"regexp"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	want := "nsqd v1.3.0 (built w/" + runtime.Version() + ")"
	if got := String("nsqd"); got != want {
		t.Fatalf("String(nsqd) = %q, want %q", got, want)
	}
	re := regexp.MustCompile(`^nsqlookupd v\d+\.\d+\.\d+ \(built w/.+\)$`)
	if got := String("nsqlookupd"); !re.MatchString(got) {
		t.Fatalf("String(nsqlookupd) = %q, want to match %s", got, re)
	}
}

func TestBinary(t *testing.T) {
	require.Equal(t, "1.3.0", Binary, "Binary = %q", Binary)
}
