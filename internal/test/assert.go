package test

import (
	"reflect"
	"strings"
	"testing"
)

// NoErr fails the test at once on a non-nil err.
func NoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// Equal fails the test at once unless want and got are deeply equal.
func Equal(t testing.TB, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("\nwant %#v\n got %#v", want, got)
	}
}

// ErrContains fails the test at once unless err is an error whose text
// contains sub.
func ErrContains(t testing.TB, err error, sub string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Fatalf("want an error containing %q, got %v", sub, err)
	}
}
