package diskqueue

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Take consumes a record only when its callback succeeds, and a record it
// leaves is still there after a reopen.
func TestTake(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir, newLogRecorder(t))
	q := open(t, o)
	a, b := msg(1, "a"), msg(2, "b")
	put(t, q, a, b)
	tk := q.(interface {
		Take(func([]byte) error) (bool, error)
	})
	keep := errors.New("keep")
	var seen []byte
	ok, err := tk.Take(func(p []byte) error { seen = append([]byte(nil), p...); return keep })
	require.True(t, ok, "Take kept: ok %v err %v record %q", ok, err, seen)
	require.Equal(t, keep, err, "Take kept: ok %v err %v record %q", ok, err, seen)
	require.Equal(t, string(a), string(seen), "Take kept: ok %v err %v record %q", ok, err, seen)
	expectDepth(t, q, 2)
	ok, err = tk.Take(func(p []byte) error { seen = append([]byte(nil), p...); return nil })
	require.True(t, ok, "Take: ok %v err %v record %q", ok, err, seen)
	require.NoError(t, err, "Take: ok %v err %v record %q", ok, err, seen)
	require.Equal(t, string(a), string(seen), "Take: ok %v err %v record %q", ok, err, seen)
	expectDepth(t, q, 1)
	ok, err = tk.Take(func(p []byte) error { return keep })
	require.True(t, ok, "Take kept b: ok %v err %v", ok, err)
	require.Equal(t, keep, err, "Take kept b: ok %v err %v", ok, err)
	require.NoError(t, q.Close())
	q = open(t, o)
	expectRecords(t, q, b)
	tk = q.(interface {
		Take(func([]byte) error) (bool, error)
	})
	ok, err = tk.Take(func([]byte) error { return nil })
	require.False(t, ok, "Take of an empty queue: ok %v err %v", ok, err)
	require.NoError(t, err, "Take of an empty queue: ok %v err %v", ok, err)
}
