package reliability

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A message FIN'd just before a kill, whose confirming OK never came, may
// have been finished by nsqd for good: it is counted apart, not as lost.
// A message with no FIN at all stays lost.
func TestCrashExcusesUnconfirmedFIN(t *testing.T) {
	r := &crashResult{lost: map[string][]string{
		"pub":  {"pub0-1.0", "pub0-2.0"},
		"http": {"http0-7.0"},
	}}
	r.excuseUnconfirmed(map[string]bool{"pub0-2.0": true, "http0-7.0": true})
	require.Equal(t, []string{"pub0-1.0"}, r.lost["pub"])
	require.Empty(t, r.lost["http"])
	require.Equal(t, 2, r.finUnconfirmed)
	require.Equal(t, 1, r.totalLost())
}
