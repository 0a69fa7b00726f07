package nsqd

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsqgo/nsq/internal/protocol"
)

// ChannelConfig is what an operator set on one channel with
// POST /channel/config. A nil or empty field means "the node's default"
// (--max-attempts, --requeue-on-disconnect, the derived dead-letter topic,
// no cap, no TTL). It is kept in nsqd.dat beside the channel's name and
// paused flag, under keys NSQ ignores, and only fields that were set are
// written, so with default settings nsqd.dat stays NSQ's format.
type ChannelConfig struct {
	MaxAttempts         *int   `json:"max_attempts,omitempty"`
	DeadLetterTopic     string `json:"dead_letter_topic,omitempty"`
	RequeueOnDisconnect *bool  `json:"requeue_on_disconnect,omitempty"`
	QueueLimits
}

// QueueLimits caps a topic's or a channel's queue and bounds the age of
// the messages it delivers; zero values mean no cap and no TTL.
type QueueLimits struct {
	MaxDepth int64       `json:"max_depth,omitempty"`
	Overflow string      `json:"overflow,omitempty"` // "" (reject) or overflowDropOldest
	MsgTTL   ttlDuration `json:"msg_ttl,omitempty"`
}

// Overflow policies of a capped queue.
const (
	overflowReject     = "reject"
	overflowDropOldest = "drop_oldest"
)

// maxAttemptsLimit is the largest max_attempts: the attempts counter is 16
// bits wide and saturates there.
const maxAttemptsLimit = 1<<16 - 1

// ttlDuration is a duration written as a Go duration string ("1m30s").
type ttlDuration time.Duration

func (d ttlDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *ttlDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = ttlDuration(v)
	return nil
}

// chanPolicy is a channel's settings and the counters of what they did.
type chanPolicy struct {
	cfg          atomic.Pointer[ChannelConfig] // nil: defaults only
	deadLettered atomic.Uint64
	limitCounters
}

// topicPolicy is a topic's limits on its own backlog and their counters.
type topicPolicy struct {
	limits atomic.Pointer[QueueLimits] // nil: none
	limitCounters
}

// limitCounters count what a queue's limits discarded.
type limitCounters struct {
	dropped atomic.Uint64
	expired atomic.Uint64
	trimMu  sync.Mutex // one drop_oldest trim at a time
}

// config is a copy of the channel's settings (zero value if none were set).
func (c *Channel) config() ChannelConfig {
	if p := c.policy.cfg.Load(); p != nil {
		return *p
	}
	return ChannelConfig{}
}

// setConfig replaces the channel's settings; all-default settings are
// stored as nil so nothing is written to nsqd.dat for them.
func (c *Channel) setConfig(cfg ChannelConfig) {
	if cfg == (ChannelConfig{}) {
		c.policy.cfg.Store(nil)
		return
	}
	c.deps.noteTTL(cfg.QueueLimits)
	c.policy.cfg.Store(&cfg)
}

// maxAttempts is the delivery count after which a REQ or timeout sends a
// message to the dead-letter topic (0: never).
func (c *Channel) maxAttempts() int {
	if p := c.policy.cfg.Load(); p != nil && p.MaxAttempts != nil {
		return *p.MaxAttempts
	}
	return c.deps.opts().MaxAttempts
}

// requeueOnDisconnect reports whether a consumer's in-flight messages are
// requeued as soon as its connection ends.
func (c *Channel) requeueOnDisconnect() bool {
	if p := c.policy.cfg.Load(); p != nil && p.RequeueOnDisconnect != nil {
		return *p.RequeueOnDisconnect
	}
	return c.deps.opts().RequeueOnDisconnect
}

// deadLetterTopic is the topic that takes the channel's spent messages.
func (c *Channel) deadLetterTopic() string {
	if p := c.policy.cfg.Load(); p != nil && p.DeadLetterTopic != "" {
		return p.DeadLetterTopic
	}
	return deadLetterName(c.topicName, c.name)
}

// limits is the channel's cap and TTL.
func (c *Channel) limits() QueueLimits {
	if p := c.policy.cfg.Load(); p != nil {
		return p.QueueLimits
	}
	return QueueLimits{}
}

// limits is the topic's cap and TTL on its own backlog.
func (t *Topic) limits() QueueLimits {
	if p := t.policy.limits.Load(); p != nil {
		return *p
	}
	return QueueLimits{}
}

func (t *Topic) setLimits(l QueueLimits) {
	if l == (QueueLimits{}) {
		t.policy.limits.Store(nil)
		return
	}
	t.deps.noteTTL(l)
	t.policy.limits.Store(&l)
}

// deadLetterSuffix ends every derived dead-letter topic name.
const deadLetterSuffix = ".dead"

// deadLetterName derives the default dead-letter topic of a channel:
// "<topic>.<channel>.dead", with the '#' of an ephemeral name turned into
// '_' so the result is a valid (durable) topic name. When that is longer
// than a topic name may be, it is cut and an 8-hex-digit FNV-1a hash of
// the full form keeps distinct channels apart: "<prefix>.<hash>.dead".
func deadLetterName(topic, channel string) string {
	plain := strings.ReplaceAll(topic+"."+channel, "#", "_") + deadLetterSuffix
	if len(plain) <= maxNameLength {
		return plain
	}
	h := fnv.New32a()
	h.Write([]byte(topic + "\x00" + channel))
	tail := fmt.Sprintf(".%08x%s", h.Sum32(), deadLetterSuffix)
	return plain[:maxNameLength-len(tail)] + tail
}

// maxNameLength is the longest topic or channel name.
const maxNameLength = 64

// configUpdate is a validated set of changes from a query string. A
// present but empty max_attempts or requeue_on_disconnect (set, nil value)
// goes back to the node's default.
type configUpdate struct {
	maxAttemptsSet, requeueOnDisconnectSet bool
	maxAttempts                            *int
	requeueOnDisconnect                    *bool
	deadLetterTopic                        *string
	limits                                 limitsUpdate
}

// limitsUpdate is a validated set of changes to QueueLimits.
type limitsUpdate struct {
	maxDepth *int64
	overflow *string
	msgTTL   *time.Duration
}

// errBadSetting is a setting's value that cannot be used.
type errBadSetting struct{ key, value, want string }

func (e errBadSetting) Error() string {
	return fmt.Sprintf("INVALID_ARG_%s: %s=%q %s", strings.ToUpper(e.key), e.key, e.value, e.want)
}

// parseChannelUpdate reads the channel settings present in q. topic is the
// channel's own topic, which cannot be its dead-letter topic.
func parseChannelUpdate(q map[string][]string, topic string) (configUpdate, error) {
	var u configUpdate
	var err error
	if v, ok := first(q, "max_attempts"); ok && v == "" {
		u.maxAttemptsSet = true
	} else if ok {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 || n > maxAttemptsLimit {
			return u, errBadSetting{"max_attempts", v, "must be a whole number from 0 (unlimited) to 65535"}
		}
		u.maxAttemptsSet, u.maxAttempts = true, &n
	}
	if v, ok := first(q, "dead_letter_topic"); ok {
		if v != "" && (!protocol.IsValidTopicName(v) || v == topic) {
			return u, errBadSetting{"dead_letter_topic", v,
				"must be a valid topic name other than the channel's own topic (empty: the default)"}
		}
		u.deadLetterTopic = &v
	}
	if v, ok := first(q, "requeue_on_disconnect"); ok && v == "" {
		u.requeueOnDisconnectSet = true
	} else if ok {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return u, errBadSetting{"requeue_on_disconnect", v, "must be true or false"}
		}
		u.requeueOnDisconnectSet, u.requeueOnDisconnect = true, &b
	}
	u.limits, err = parseLimitsUpdate(q)
	return u, err
}

// parseLimitsUpdate reads max_depth, overflow and msg_ttl present in q.
func parseLimitsUpdate(q map[string][]string) (limitsUpdate, error) {
	var u limitsUpdate
	if v, ok := first(q, "max_depth"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return u, errBadSetting{"max_depth", v, "must be a whole number of messages (0: no cap)"}
		}
		u.maxDepth = &n
	}
	if v, ok := first(q, "overflow"); ok {
		if v != overflowReject && v != overflowDropOldest {
			return u, errBadSetting{"overflow", v, "must be reject or drop_oldest"}
		}
		u.overflow = &v
	}
	if v, ok := first(q, "msg_ttl"); ok {
		d, err := time.ParseDuration(v)
		if v == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return u, errBadSetting{"msg_ttl", v, "must be a Go duration such as 30s or 1h (0: none)"}
		}
		u.msgTTL = &d
	}
	return u, nil
}

func first(q map[string][]string, key string) (string, bool) {
	v, ok := q[key]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// apply returns cfg with the update's fields changed.
func (u configUpdate) apply(cfg ChannelConfig) ChannelConfig {
	if u.maxAttemptsSet {
		cfg.MaxAttempts = u.maxAttempts
	}
	if u.deadLetterTopic != nil {
		cfg.DeadLetterTopic = *u.deadLetterTopic
	}
	if u.requeueOnDisconnectSet {
		cfg.RequeueOnDisconnect = u.requeueOnDisconnect
	}
	cfg.QueueLimits = u.limits.apply(cfg.QueueLimits)
	return cfg
}

// apply returns l with the update's fields changed; the default overflow
// policy is stored as "" so it is not written to nsqd.dat.
func (u limitsUpdate) apply(l QueueLimits) QueueLimits {
	if u.maxDepth != nil {
		l.MaxDepth = *u.maxDepth
	}
	if u.overflow != nil {
		l.Overflow = *u.overflow
		if l.Overflow == overflowReject {
			l.Overflow = ""
		}
	}
	if u.msgTTL != nil {
		l.MsgTTL = ttlDuration(*u.msgTTL)
	}
	return l
}

// overflowName is the overflow policy as shown by the config endpoints.
func (l QueueLimits) overflowName() string {
	if l.Overflow == "" {
		return overflowReject
	}
	return l.Overflow
}
