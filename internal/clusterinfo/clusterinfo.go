package clusterinfo

import (
	"fmt"
	"net/url"
	"sort"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// ClusterInfo runs cluster queries with one HTTP client.
type ClusterInfo struct {
	client *httpapi.Client
	logf   lg.AppLogFunc
}

// New returns a ClusterInfo using client; logf receives debug lines for
// each upstream request and may be nil.
func New(logf lg.AppLogFunc, client *httpapi.Client) *ClusterInfo {
	if logf == nil {
		logf = func(lg.Level, string, ...any) {}
	}
	return &ClusterInfo{client: client, logf: logf}
}

func (c *ClusterInfo) get(endpoint string, v any) error {
	c.logf(lg.DEBUG, "CI: querying %s", endpoint)
	return c.client.GETV1(endpoint, v)
}

// endpoint builds http://<addr><path>?<query>.
func endpoint(addr, path string, query url.Values) string {
	u := url.URL{Scheme: "http", Host: addr, Path: path, RawQuery: query.Encode()}
	return u.String()
}

// union returns the sorted distinct strings of lists.
func union(lists ...[]string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, l := range lists {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// GetLookupdTopics returns the sorted union of every lookupd's /topics.
func (c *ClusterInfo) GetLookupdTopics(lookupdHTTPAddrs []string) ([]string, error) {
	lists, _, errs := fanout(lookupdHTTPAddrs, func(addr string) ([]string, error) {
		var doc struct {
			Topics []string `json:"topics"`
		}
		err := c.get(endpoint(addr, "/topics", nil), &doc)
		return doc.Topics, err
	})
	return union(lists...), stepErr("nsqlookupd", len(lookupdHTTPAddrs), errs)
}

// GetLookupdTopicChannels returns the sorted union of every lookupd's
// /channels for topic.
func (c *ClusterInfo) GetLookupdTopicChannels(topic string, lookupdHTTPAddrs []string) ([]string, error) {
	q := url.Values{"topic": {topic}}
	lists, _, errs := fanout(lookupdHTTPAddrs, func(addr string) ([]string, error) {
		var doc struct {
			Channels []string `json:"channels"`
		}
		err := c.get(endpoint(addr, "/channels", q), &doc)
		return doc.Channels, err
	})
	return union(lists...), stepErr("nsqlookupd", len(lookupdHTTPAddrs), errs)
}

// GetLookupdTopicProducers returns the union of every lookupd's /lookup
// producers for topic, keyed by HTTP address (first seen wins; each
// lookupd that lists it adds to RemoteAddresses).
func (c *ClusterInfo) GetLookupdTopicProducers(topic string, lookupdHTTPAddrs []string) (Producers, error) {
	q := url.Values{"topic": {topic}}
	lists, ok, errs := fanout(lookupdHTTPAddrs, func(addr string) ([]*Producer, error) {
		var doc struct {
			Producers []*Producer `json:"producers"`
		}
		err := c.get(endpoint(addr, "/lookup", q), &doc)
		return doc.Producers, err
	})
	var out Producers
	byAddr := map[string]*Producer{}
	for i, list := range lists {
		if !ok[i] {
			continue
		}
		for _, p := range list {
			key := p.HTTPAddress()
			if byAddr[key] == nil {
				byAddr[key] = p
				out = append(out, p)
			}
			byAddr[key].RemoteAddresses = append(byAddr[key].RemoteAddresses, remoteAddr(lookupdHTTPAddrs[i], p.RemoteAddress))
		}
	}
	return out, stepErr("nsqlookupd", len(lookupdHTTPAddrs), errs)
}

func remoteAddr(lookupd, remote string) string {
	if remote == "" {
		remote = "N/A"
	}
	return fmt.Sprintf("%s/%s", lookupd, remote)
}

// GetRaw GETs a full URL (not an NSQ daemon, e.g. graphite) with the
// cluster's HTTP client and decodes its JSON body into v.
func (c *ClusterInfo) GetRaw(rawURL string, v any) error {
	return c.get(rawURL, v)
}
