package nsqd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nsqgo/nsq/internal/atomicfile"
	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/protocol"
	"github.com/nsqgo/nsq/internal/version"
)

// Metadata is the content of nsqd.dat: a JSON object of the durable topics,
// each with its paused flag and durable channels, and the writing version.
type Metadata struct {
	Topics  []TopicMetadata `json:"topics"`
	Version string          `json:"version"`
}

// TopicMetadata is one durable topic in nsqd.dat.
type TopicMetadata struct {
	Name     string            `json:"name"`
	Paused   bool              `json:"paused"`
	Channels []ChannelMetadata `json:"channels"`
	QueueLimits
}

// ChannelMetadata is one durable channel in nsqd.dat.
type ChannelMetadata struct {
	Name   string `json:"name"`
	Paused bool   `json:"paused"`
	ChannelConfig
}

func (n *NSQD) metadataFile() string {
	return filepath.Join(n.getOpts().DataPath, "nsqd.dat")
}

// GetMetadata snapshots durable topics and channels (sorted by name).
func (n *NSQD) GetMetadata() *Metadata {
	meta := &Metadata{Version: version.Binary}
	topics := n.topics()
	sort.Slice(topics, func(i, j int) bool { return topics[i].name < topics[j].name })
	for _, t := range topics {
		if t.ephemeral || t.Exiting() {
			continue
		}
		tm := TopicMetadata{Name: t.name, Paused: t.IsPaused(), QueueLimits: t.limits()}
		for _, c := range t.channels() {
			if c.ephemeral || c.Exiting() {
				continue
			}
			tm.Channels = append(tm.Channels, ChannelMetadata{Name: c.name, Paused: c.IsPaused(), ChannelConfig: c.config()})
		}
		meta.Topics = append(meta.Topics, tm)
	}
	return meta
}

// PersistMetadata writes nsqd.dat atomically (temp file, fsync, rename).
// Once Exit has written the final version, later calls do nothing: topics
// are closing then, and a rewrite would omit them.
func (n *NSQD) PersistMetadata() error {
	n.persistMu.Lock()
	defer n.persistMu.Unlock()
	if n.exiting {
		return nil
	}
	data, err := json.Marshal(n.GetMetadata())
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(n.metadataFile(), data, 0600)
}

// requestPersist asks metadataLoop to rewrite nsqd.dat; requests made
// while a write is pending are served by that one write.
func (n *NSQD) requestPersist() {
	select {
	case n.persistCh <- struct{}{}:
	default:
	}
}

// metadataLoop writes nsqd.dat when asked, coalescing bursts of topic and
// channel changes into one write each.
func (n *NSQD) metadataLoop() {
	for {
		select {
		case <-n.persistCh:
			n.persistOrLog()
		case <-n.exitChan:
			return
		}
	}
}

func (n *NSQD) persistOrLog() {
	if err := n.PersistMetadata(); err != nil {
		n.logf(lg.ERROR, "failed to persist metadata - %s", err)
	}
}

// LoadMetadata recreates topics and channels from nsqd.dat, restores their
// paused flags and starts the topics. A missing file is a fresh start.
func (n *NSQD) LoadMetadata() error {
	n.isLoading.Store(true)
	defer n.isLoading.Store(false)
	fn := n.metadataFile()
	data, err := os.ReadFile(fn)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to read metadata from %s - %w", fn, err)
	}
	var m Metadata
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("failed to parse metadata in %s - %w", fn, err)
	}
	var loaded []*Topic
	for _, tm := range m.Topics {
		if t := n.loadTopic(tm); t != nil {
			loaded = append(loaded, t)
		}
	}
	for _, t := range loaded {
		t.Start()
	}
	return nil
}

func (n *NSQD) loadTopic(tm TopicMetadata) *Topic {
	if !protocol.IsValidTopicName(tm.Name) {
		n.logf(lg.WARN, "skipping creation of invalid topic %s", tm.Name)
		return nil
	}
	t := n.GetTopic(tm.Name)
	t.setLimits(tm.QueueLimits)
	if tm.Paused {
		t.Pause()
	}
	for _, cm := range tm.Channels {
		if !protocol.IsValidChannelName(cm.Name) {
			n.logf(lg.WARN, "skipping creation of invalid channel %s", cm.Name)
			continue
		}
		c := t.GetChannel(cm.Name)
		c.setConfig(cm.ChannelConfig)
		if cm.Paused {
			c.Pause()
		}
	}
	return t
}
