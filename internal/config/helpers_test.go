package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func noErr(t *testing.T, err error) {
	t.Helper()
	require.NoError(t, err, "unexpected error")
}

func equal(t *testing.T, want, got any) {
	t.Helper()
	require.Equal(t, want, got, "\nwant %#v\n", want)
}

func errContains(t *testing.T, err error, sub string) {
	t.Helper()
	require.ErrorContains(t, err, sub)
}
