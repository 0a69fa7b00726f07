package nsqlookupd_test

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqlookupd"
)

// TestHTTPConnectionsBounded: a client that never finishes its request
// body, or leaves a keep-alive connection idle, is cut off.
func TestHTTPConnectionsBounded(t *testing.T) {
	t.Parallel()
	l := start(t, func(o *nsqlookupd.Options) {
		o.HTTPTimeouts = httpapi.Timeouts{Header: time.Second, Read: time.Second, Idle: time.Second}
	})
	test.ExpectHTTPConnCut(t, l.RealHTTPAddr().String(), "/topic/create?topic=t")
}
