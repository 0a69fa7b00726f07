package clusterinfo

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// NodeError is the failure of one upstream.
type NodeError struct {
	Addr string // the upstream's HTTP address
	Err  error
}

// Error returns the underlying error's text; it already names the URL.
func (e NodeError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e NodeError) Unwrap() error { return e.Err }

// PartialErr reports that some upstreams failed while others answered.
type PartialErr struct {
	Errors []NodeError
}

// Error joins the individual errors with newlines.
func (e *PartialErr) Error() string { return joinErrs(e.Errors) }

// Nodes lists the addresses that failed.
func (e *PartialErr) Nodes() []string {
	addrs := make([]string, len(e.Errors))
	for i, ne := range e.Errors {
		addrs[i] = ne.Addr
	}
	return addrs
}

// IsPartial reports whether err is (or wraps) a *PartialErr: the result
// that came with it is usable but incomplete.
func IsPartial(err error) bool {
	var pe *PartialErr
	return errors.As(err, &pe)
}

func joinErrs(errs []NodeError) string {
	texts := make([]string, len(errs))
	for i, e := range errs {
		texts[i] = e.Error()
	}
	return strings.Join(texts, "\n")
}

// stepErr turns the failures of one fan-out over total upstreams into the
// step's error: nil, partial, or "failed to query any <kind>: …".
func stepErr(kind string, total int, errs []NodeError) error {
	if total > 0 && len(errs) == 0 {
		return nil
	}
	if len(errs) == total {
		return fmt.Errorf("failed to query any %s: %s", kind, joinErrs(errs))
	}
	return &PartialErr{Errors: errs}
}

// fanout calls f for every address in parallel and returns the results in
// the order of addrs (zero values for failures) with the failures.
func fanout[T any](addrs []string, f func(addr string) (T, error)) ([]T, []bool, []NodeError) {
	results := make([]T, len(addrs))
	errs := make([]error, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() { results[i], errs[i] = f(addr) })
	}
	wg.Wait()
	ok := make([]bool, len(addrs))
	var failed []NodeError
	for i, err := range errs {
		if err != nil {
			failed = append(failed, NodeError{Addr: addrs[i], Err: err})
			continue
		}
		ok[i] = true
	}
	return results, ok, failed
}
