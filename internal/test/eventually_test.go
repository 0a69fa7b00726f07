package test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventuallySucceeds(t *testing.T) {
	t.Parallel()
	calls := 0
	start := time.Now()
	Eventually(t, time.Second, func() bool {
		calls++
		return calls == 3
	})
	require.EqualValues(t, 3, calls, "cond called")
	require.GreaterOrEqual(t, time.Since(start), 2*PollInterval, "returned faster than two poll intervals")
}

func TestEventuallyFails(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []any
		want string
	}{
		{nil, "condition not met within 30ms"},
		{[]any{"plain"}, "condition not met within 30ms: plain"},
		{[]any{"depth %d of %s", 3, "t"}, "condition not met within 30ms: depth 3 of t"},
		{[]any{42}, "condition not met within 30ms: 42"},
	}
	for _, tc := range cases {
		calls := 0
		start := time.Now()
		failed, msg := runFake(func(tb testing.TB) {
			Eventually(tb, 30*time.Millisecond, func() bool { calls++; return false }, tc.args...)
		})
		assert.True(t, failed, "args %v: did not fail", tc.args)
		assert.Equal(t, tc.want, msg, "args %v", tc.args)
		assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "args %v: gave up before the timeout", tc.args)
		assert.GreaterOrEqual(t, calls, 2, "args %v: cond not polled", tc.args)
	}
}

func TestEventuallyChecksAtLeastOnce(t *testing.T) {
	t.Parallel()
	failed, _ := runFake(func(tb testing.TB) {
		Eventually(tb, 0, func() bool { return true })
	})
	require.False(t, failed, "zero timeout with a true condition failed")
	failed, msg := runFake(func(tb testing.TB) {
		Eventually(tb, 0, func() bool { return false })
	})
	require.True(t, failed)
	require.True(t, strings.HasPrefix(msg, "condition not met"))
}
