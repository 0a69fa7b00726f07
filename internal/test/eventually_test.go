package test

import (
	"regexp"
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
		want string // the "Messages:" line's content; "" for no such line
	}{
		{nil, ""},
		{[]any{"plain"}, "plain"},
		{[]any{"depth %d of %s", 3, "t"}, "depth 3 of t"},
		{[]any{42}, "42"},
	}
	for _, tc := range cases {
		calls := 0
		start := time.Now()
		returned := false
		failed, msg := runFake(func(tb testing.TB) {
			Eventually(tb, 30*time.Millisecond, func() bool { calls++; return false }, tc.args...)
			returned = true
		})
		assert.True(t, failed, "args %v: did not fail", tc.args)
		assert.False(t, returned, "args %v: went on after the failure", tc.args)
		assert.Regexp(t, `Error:\s+condition not met within 30ms\n`, msg, "args %v", tc.args)
		if tc.want == "" {
			assert.NotContains(t, msg, "Messages:", "args %v", tc.args)
		} else {
			assert.Regexp(t, `Messages:\s+`+regexp.QuoteMeta(tc.want)+`\n`, msg, "args %v", tc.args)
		}
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
	require.Contains(t, msg, "condition not met within 0s")
}
