package nsqd

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
)

// precreateChannels asks every known lookupd which channels a new topic
// has elsewhere and creates the durable ones before the topic starts
// delivering; with no lookupd connected yet it logs and skips this.
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
	client := n.httpClient
	for _, addr := range addrs {
		channels, err := lookupdChannels(client, addr, t.name, opts.MaxBodySize)
		if err != nil {
			n.logf(lg.ERROR, "failed to query nsqlookupd %s for channels of %s - %s", addr, t.name, err)
			continue
		}
		for _, c := range channels {
			if protocol.IsValidChannelName(c) && !protocol.IsEphemeral(c) {
				t.GetChannel(c)
			}
		}
	}
}

func lookupdChannels(client *http.Client, addr, topic string, maxBody int64) ([]string, error) {
	u := fmt.Sprintf("http://%s/channels?topic=%s", addr, url.QueryEscape(topic))
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("got response %s %q", resp.Status, body)
	}
	var r struct {
		Channels []string `json:"channels"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, err
	}
	return r.Channels, nil
}

// newOutboundHTTPClient has the --http-client-*-timeout settings and the
// outbound TLS roots.
func (n *NSQD) newOutboundHTTPClient() *http.Client {
	opts := n.getOpts()
	dialer := &net.Dialer{Timeout: opts.HTTPClientConnectTimeout}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ResponseHeaderTimeout: opts.HTTPClientRequestTimeout,
			TLSClientConfig:       n.clientTLS,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		Timeout: opts.HTTPClientRequestTimeout,
	}
}
