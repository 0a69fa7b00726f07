package clusterinfo_test

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/require"
)

const waitFor = 10 * time.Second

func newCI(t *testing.T) *clusterinfo.ClusterInfo {
	return clusterinfo.New(nil, httpapi.NewClient(nil, time.Second, 5*time.Second))
}

// deadAddr returns an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitTopics polls the lookupd until its topic list is want.
func waitTopics(t *testing.T, ci *clusterinfo.ClusterInfo, lookupdHTTP string, want ...string) {
	t.Helper()
	test.Eventually(t, waitFor, func() bool {
		got, err := ci.GetLookupdTopics([]string{lookupdHTTP})
		return err == nil && slices.Equal(got, want)
	}, "lookupd lists topics "+strings.Join(want, ","))
}
