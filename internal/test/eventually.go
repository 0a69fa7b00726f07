package test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// PollInterval is how often Eventually re-evaluates its condition.
const PollInterval = 5 * time.Millisecond

// Eventually calls cond every PollInterval until it returns true, and fails
// the test if that has not happened within timeout. msgAndArgs is an optional
// message: a single value, or a format string followed by its arguments.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	if pollUntil(timeout, cond) {
		return
	}
	// An empty message leaves out testify's "Messages:" line.
	require.Fail(t, "condition not met within "+timeout.String(), formatMsg(msgAndArgs...))
}

// pollUntil reports whether cond became true before timeout elapsed. cond is
// always evaluated at least once, and once more after the deadline.
func pollUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	ticker := time.NewTicker(PollInterval)
	defer ticker.Stop()
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-ticker.C
	}
}

func formatMsg(msgAndArgs ...any) string {
	switch len(msgAndArgs) {
	case 0:
		return ""
	case 1:
		if s, ok := msgAndArgs[0].(string); ok {
			return s
		}
		return fmt.Sprint(msgAndArgs[0])
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return fmt.Sprint(msgAndArgs...)
}
