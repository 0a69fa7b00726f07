package nsqd

import (
	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// precreateChannels asks every known lookupd which channels a new topic
// has elsewhere and creates the durable ones before the topic starts
// delivering; with no lookupd connected yet it logs and skips this. The
// lookupds that answer are used even when others fail.
func (n *NSQD) precreateChannels(t *Topic) {
	opts := n.getOpts()
	if len(opts.NSQLookupdTCPAddresses) == 0 {
		return
	}
	addrs := n.lookupdHTTPAddrs()
	if len(addrs) == 0 {
		n.logf(lg.ERROR, "no available nsqlookupd to query for channels to pre-create for topic %s", t.name)
		return
	}
	ci := clusterinfo.New(nil, n.httpClient.WithResponseLimit(opts.MaxBodySize))
	channels, err := ci.GetLookupdTopicChannels(t.name, addrs)
	if err != nil {
		n.logf(lg.ERROR, "failed to query nsqlookupd for channels of %s - %s", t.name, err)
	}
	for _, c := range channels {
		if protocol.IsValidChannelName(c) && !protocol.IsEphemeral(c) {
			t.GetChannel(c)
		}
	}
}

// newOutboundHTTPClient is nsqd's one client for auth servers and
// lookupds: the --http-client-*-timeout settings and the outbound TLS roots.
func (n *NSQD) newOutboundHTTPClient() *httpapi.Client {
	opts := n.getOpts()
	return httpapi.NewClient(n.clientTLS, opts.HTTPClientConnectTimeout, opts.HTTPClientRequestTimeout)
}
