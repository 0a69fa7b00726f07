package clusterinfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// PeekedMessage is one message an nsqd showed through /topic/peek or
// /channel/peek, with the node that holds it.
type PeekedMessage struct {
	Node      string          `json:"node"`
	ID        string          `json:"id"`
	Timestamp int64           `json:"timestamp"`
	Attempts  int             `json:"attempts"`
	Body      []byte          `json:"body,omitempty"`
	DeliverAt int64           `json:"deliver_at,omitempty"`
	ExpiresAt int64           `json:"expires_at,omitempty"`
	Client    json.RawMessage `json:"client,omitempty"`
}

// PeekMessages asks every producer for up to n messages of topic (channel
// "") or of one of its channels in state (queued, in_flight or deferred),
// without consuming them, and returns them oldest first. A node that has
// the topic but not the channel adds nothing.
func (c *ClusterInfo) PeekMessages(topic, channel, state string, n int, producers Producers) ([]*PeekedMessage, error) {
	path, q := "/topic/peek", url.Values{"topic": {topic}, "n": {strconv.Itoa(n)}}
	if channel != "" {
		path = "/channel/peek"
		q.Set("channel", channel)
		q.Set("state", state)
	}
	addrs := producers.HTTPAddrs()
	lists, _, errs := fanout(addrs, func(addr string) ([]*PeekedMessage, error) {
		var doc struct {
			Messages []*PeekedMessage `json:"messages"`
		}
		err := c.get(endpoint(addr, path, q), &doc)
		if isNotFound(err) {
			return nil, nil
		}
		for _, m := range doc.Messages {
			m.Node = addr
		}
		return doc.Messages, err
	})
	var out []*PeekedMessage
	for _, l := range lists {
		out = append(out, l...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Timestamp < out[j].Timestamp })
	return out, stepErr("nsqd", len(addrs), errs)
}

// ErrMessageNotFound is the answer of DeferredMessage for an ID the node
// does not hold deferred.
var ErrMessageNotFound = errors.New("message not found")

// DeferredMessage delivers now (action "deliver") or deletes ("delete")
// the deferred message id of a channel on one node.
func (c *ClusterInfo) DeferredMessage(node, topic, channel, id, action string) error {
	q := url.Values{"topic": {topic}, "channel": {channel}, "id": {id}}
	ep := endpoint(node, "/channel/deferred/"+action, q)
	c.logf(lg.DEBUG, "CI: querying %s", ep)
	err := c.client.POSTV1(ep)
	var se *httpapi.StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound && bytes.Contains(se.Body, []byte("MESSAGE_NOT_FOUND")) {
		return ErrMessageNotFound
	}
	return err
}

func isNotFound(err error) bool {
	var se *httpapi.StatusError
	return errors.As(err, &se) && se.Code == http.StatusNotFound
}
