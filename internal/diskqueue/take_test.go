package diskqueue

import (
	"bytes"
	"errors"
	"testing"
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
	if !ok || err != keep || !bytes.Equal(seen, a) {
		t.Fatalf("Take kept: ok %v err %v record %q", ok, err, seen)
	}
	expectDepth(t, q, 2)
	ok, err = tk.Take(func(p []byte) error { seen = append([]byte(nil), p...); return nil })
	if !ok || err != nil || !bytes.Equal(seen, a) {
		t.Fatalf("Take: ok %v err %v record %q", ok, err, seen)
	}
	expectDepth(t, q, 1)
	ok, err = tk.Take(func(p []byte) error { return keep })
	if !ok || err != keep {
		t.Fatalf("Take kept b: ok %v err %v", ok, err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q = open(t, o)
	expectRecords(t, q, b)
	tk = q.(interface {
		Take(func([]byte) error) (bool, error)
	})
	if ok, err := tk.Take(func([]byte) error { return nil }); ok || err != nil {
		t.Fatalf("Take of an empty queue: ok %v err %v", ok, err)
	}
}
