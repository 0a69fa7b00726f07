package version

import (
	"regexp"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestString(t *testing.T) {
	want := "nsqd v1.3.0 (built w/" + runtime.Version() + ")"
	require.Equal(t, want, String("nsqd"), "String(nsqd)")
	re := regexp.MustCompile(`^nsqlookupd v\d+\.\d+\.\d+ \(built w/.+\)$`)
	require.True(t, re.MatchString(String("nsqlookupd")), "String(nsqlookupd)")
}

func TestBinary(t *testing.T) {
	require.Equal(t, "1.3.0", Binary, "Binary = %q", Binary)
}
