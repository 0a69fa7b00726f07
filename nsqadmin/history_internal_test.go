package nsqadmin

import (
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/clusterinfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingSize(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		want     int
	}{{10 * time.Second, 360}, {time.Second, 3600}, {7 * time.Second, 515}, {2 * time.Hour, 1}} {
		assert.Equal(t, c.want, newHistory(c.interval).size, "interval %s", c.interval)
	}
}

func TestRingWrapsOldestFirst(t *testing.T) {
	r := &ring{size: 3}
	empty := r.slice()
	require.NotNil(t, empty, "an empty ring's slice is empty, not nil")
	require.Empty(t, empty)
	for i := range 5 {
		r.push(historyPoint{TS: int64(i)})
	}
	got := r.slice()
	require.Len(t, got, 3, "ring = %+v", got)
	require.EqualValues(t, 2, got[0].TS, "ring = %+v", got)
	require.EqualValues(t, 4, got[2].TS, "ring = %+v", got)
	require.EqualValues(t, 4, r.newest().TS, "ring = %+v", got)
}

func TestHistoryBeforeFirstSampleAndPruning(t *testing.T) {
	h := newHistory(time.Second)
	pts, ok := points(h, h.topics, "any")
	require.True(t, ok, "before the first sample: %v %v", pts, ok)
	require.NotNil(t, pts, "before the first sample: %v %v", pts, ok)
	require.Empty(t, pts, "before the first sample: %v %v", pts, ok)
	stats := []*clusterinfo.TopicStats{{
		Node: "n:1", TopicName: "t", MessageCount: 4,
		Channels: []*clusterinfo.ChannelStats{{ChannelName: "c", Depth: 2, InFlightCount: 1, ClientCount: 3, RequeueCount: 5}},
	}}
	now := time.Now()
	h.record(now, stats, true)
	pts, ok = points(h, h.topics, "t")
	require.True(t, ok, "topic point %+v", pts)
	require.Len(t, pts, 1, "topic point %+v", pts)
	require.Equal(t, historyPoint{TS: now.Unix(), Messages: 4, InFlight: 1, Clients: 3, Requeued: 5}, pts[0], "topic point %+v", pts)
	_, ok = points(h, h.topics, "other")
	require.False(t, ok, "unknown topic found")
	h.record(now.Add(time.Second), nil, false) // incomplete: keep
	_, ok = points(h, h.channels, channelKey{"t", "c"})
	require.True(t, ok, "incomplete round dropped a series")
	h.record(now.Add(2*time.Second), nil, true) // complete: drop
	_, ok = points(h, h.nodes, "n:1")
	require.False(t, ok, "complete round kept a vanished series")
}
