package clusterinfo

import (
	"sort"
	"strconv"
	"strings"
)

// lookupdNode is one producer of a lookupd's /nodes.
type lookupdNode struct {
	Producer
	Topics     []string `json:"topics"`
	Tombstones []bool   `json:"tombstones"`
}

func (n *lookupdNode) producer() *Producer {
	p := n.Producer
	p.Topics = make(ProducerTopics, len(n.Topics))
	for i, t := range n.Topics {
		p.Topics[i] = ProducerTopic{Topic: t, Tombstoned: i < len(n.Tombstones) && n.Tombstones[i]}
	}
	sort.Slice(p.Topics, func(i, j int) bool { return p.Topics[i].Topic < p.Topics[j].Topic })
	return &p
}

// GetLookupdProducers returns every nsqd known to any lookupd, deduplicated
// by broadcast_address:tcp_port and sorted by hostname. RemoteAddresses has
// one "<lookupd>/<remote address>" per lookupd that lists the node; a node
// is OutOfDate when its version is below the highest one seen.
func (c *ClusterInfo) GetLookupdProducers(lookupdHTTPAddrs []string) (Producers, error) {
	lists, ok, errs := fanout(lookupdHTTPAddrs, func(addr string) ([]*lookupdNode, error) {
		var doc struct {
			Producers []*lookupdNode `json:"producers"`
		}
		err := c.get(endpoint(addr, "/nodes", nil), &doc)
		return doc.Producers, err
	})
	var out Producers
	byAddr := map[string]*Producer{}
	for i, list := range lists {
		if !ok[i] {
			continue
		}
		for _, n := range list {
			key := n.TCPAddress()
			if byAddr[key] == nil {
				byAddr[key] = n.producer()
				out = append(out, byAddr[key])
			}
			byAddr[key].RemoteAddresses = append(byAddr[key].RemoteAddresses, remoteAddr(lookupdHTTPAddrs[i], n.RemoteAddress))
		}
	}
	markOutOfDate(out)
	sortProducersByHostname(out)
	return out, stepErr("nsqlookupd", len(lookupdHTTPAddrs), errs)
}

// markOutOfDate flags producers older than the newest one.
func markOutOfDate(ps Producers) {
	var newest semver
	for _, p := range ps {
		if v := parseSemver(p.Version); newest.less(v) {
			newest = v
		}
	}
	for _, p := range ps {
		p.OutOfDate = parseSemver(p.Version).less(newest)
	}
}

// semver is major.minor.patch; anything after the patch number is ignored
// and an unparsable version is 0.0.0.
type semver [3]int

func parseSemver(s string) semver {
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return semver{}
	}
	var v semver
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return semver{}
		}
		v[i] = n
	}
	return v
}

func (a semver) less(b semver) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
