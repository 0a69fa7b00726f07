package nsqadmin_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqadmin"
	"github.com/nsqgo/nsq/testcluster"
	"github.com/stretchr/testify/require"
)

// A name under .invalid never resolves.
const (
	unresolvedLookupd = "does-not-exist.invalid:4161"
	unresolvedNSQD    = "does-not-exist.invalid:4151"
)

// apiTopics GETs /api/topics and returns the status and the decoded body.
func apiTopics(t *testing.T, adm *admin) (int, map[string]any) {
	t.Helper()
	resp := test.HTTPSend(t, http.MethodGet, adm.base+"/api/topics", nil)
	body := string(resp.Body)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &doc), body)
	return resp.Code, doc
}

// TestUnresolvedUpstreamOnly: an address whose host does not resolve does
// not stop nsqadmin from starting; the API answers with the upstream error
// until it resolves.
func TestUnresolvedUpstreamOnly(t *testing.T) {
	for _, c := range []struct {
		mode func(...string) func(*nsqadmin.Options)
		addr string
		want string
	}{
		{lookupdMode, unresolvedLookupd, `UPSTREAM_ERROR: failed to query any nsqlookupd: Get "http://` +
			unresolvedLookupd + `/topics": dial tcp: lookup does-not-exist.invalid`},
		{nsqdMode, unresolvedNSQD, `UPSTREAM_ERROR: failed to query any nsqd: Get "http://` +
			unresolvedNSQD + `/stats?format=json`},
	} {
		adm := startAdmin(t, c.mode(c.addr))
		expect(t, 200, http.MethodGet, adm.base+"/ping", "", "OK")
		code, doc := apiTopics(t, adm)
		require.Equal(t, http.StatusBadGateway, code)
		require.Len(t, doc, 1)
		require.IsType(t, "", doc["message"])
		require.Contains(t, doc["message"], c.want)
	}
}

// TestUnresolvedUpstreamBesideLive: with one live upstream beside the
// unresolved one, the answer is the live one's with the reference's
// partial-failure warning naming the other.
func TestUnresolvedUpstreamBesideLive(t *testing.T) {
	c := testcluster.StartCluster(t, 1)
	c.NSQDs[0].PublishN(t, "t", 1)
	c.Lookupd.WaitRegistered(t, "t")
	for _, addrs := range [][]string{
		{c.Lookupd.HTTPAddr, unresolvedLookupd},
		{c.NSQDs[0].HTTPAddr, unresolvedNSQD},
	} {
		mode := lookupdMode(addrs...)
		if addrs[0] == c.NSQDs[0].HTTPAddr {
			mode = nsqdMode(addrs...)
		}
		adm := startAdmin(t, mode)
		code, doc := apiTopics(t, adm)
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, []any{"t"}, doc["topics"])
		require.IsType(t, "", doc["message"])
		require.Regexp(t, `^WARNING: Get "http://`+regexp.QuoteMeta(addrs[1])+`/[^"]*": dial tcp: lookup does-not-exist\.invalid`, doc["message"])
	}
}

// TestUnknownPortStillFatal: only the host name may fail to resolve; a
// port that is not a number or a known service name stays fatal.
func TestUnknownPortStillFatal(t *testing.T) {
	opts := nsqadmin.NewOptions()
	opts.HTTPAddress = "127.0.0.1:0"
	opts.Logger = test.NewLogger(t)
	opts.NSQLookupdHTTPAddresses = []string{"localhost:no-such-port"}
	_, err := nsqadmin.New(opts)
	require.ErrorContains(t, err, "failed to resolve --lookupd-http-address (localhost:no-such-port) - ")
}
