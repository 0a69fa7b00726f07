package nsqadmin_test

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
)

// TestHTTPConnectionsBounded: a client that never finishes its request
// body, or leaves a keep-alive connection idle, is cut off.
func TestHTTPConnectionsBounded(t *testing.T) {
	t.Parallel()
	a := startAdmin(t, func(o *nsqadmin.Options) {
		o.NSQDHTTPAddresses = []string{"127.0.0.1:1"}
		o.HTTPTimeouts = httpapi.Timeouts{Header: time.Second, Read: time.Second, Idle: time.Second}
	})
	test.ExpectHTTPConnCut(t, a.addr, "/api/topics")
}
