package nsqd

import (
	"errors"

	"github.com/nsqgo/nsq/internal/lg"
)

var errTopicNotFound = errors.New("topic does not exist")

// GetTopic returns the named topic, creating and starting it if needed.
func (n *NSQD) GetTopic(name string) *Topic {
	n.mu.RLock()
	t, ok := n.topicMap[name]
	n.mu.RUnlock()
	if ok {
		return t
	}
	n.mu.Lock()
	if t, ok = n.topicMap[name]; ok {
		n.mu.Unlock()
		return t
	}
	t = newTopic(name, n.deps, func(t *Topic) { n.DeleteExistingTopic(t.name) })
	n.topicMap[name] = t
	n.mu.Unlock()
	n.logf(lg.INFO, "TOPIC(%s): created", name)
	if n.isLoading.Load() {
		return t
	}
	n.precreateChannels(t)
	t.Start()
	return t
}

// lookupTopic returns an existing topic by a name still in the read
// buffer, without allocating; nil if there is none.
func (n *NSQD) lookupTopic(name []byte) *Topic {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.topicMap[string(name)]
}

// GetExistingTopic returns the named topic or an error.
func (n *NSQD) GetExistingTopic(name string) (*Topic, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	t, ok := n.topicMap[name]
	if !ok {
		return nil, errTopicNotFound
	}
	return t, nil
}

// DeleteExistingTopic deletes a topic with its channels and files, then
// removes it from the registry; a later publish creates it anew.
func (n *NSQD) DeleteExistingTopic(name string) error {
	n.mu.RLock()
	t, ok := n.topicMap[name]
	n.mu.RUnlock()
	if !ok {
		return errTopicNotFound
	}
	t.Delete()
	n.mu.Lock()
	if n.topicMap[name] == t {
		delete(n.topicMap, name)
	}
	n.mu.Unlock()
	return nil
}

// topics returns a snapshot of the registry.
func (n *NSQD) topics() []*Topic {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Topic, 0, len(n.topicMap))
	for _, t := range n.topicMap {
		out = append(out, t)
	}
	return out
}

// allChannels returns every channel of every topic.
func (n *NSQD) allChannels() []*Channel {
	var out []*Channel
	for _, t := range n.topics() {
		t.mu.RLock()
		for _, c := range t.channelMap {
			out = append(out, c)
		}
		t.mu.RUnlock()
	}
	return out
}
