package nsqlookupd

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// checkIndexes fails unless keys and peers agree exactly with regs.
func checkIndexes(t *testing.T, db *registrationDB) {
	t.Helper()
	n := 0
	for cat, byKey := range db.keys {
		for key, subs := range byKey {
			require.NotEqualValues(t, 0, len(subs), "empty subkey set for %s:%s", cat, key)
			for sub := range subs {
				_, ok := db.regs[Registration{cat, key, sub}]
				require.True(t, ok, "index has %s:%s:%s, regs does not", cat, key, sub)
				n++
			}
		}
	}
	require.Equal(t, len(db.regs), n, "index has %d registrations, regs %d", n, len(db.regs))
	entries := 0
	for id, m := range db.peers {
		for k, p := range m {
			require.Equal(t, p, db.regs[k][id], "peer index %s → %v disagrees", id, k)
			entries++
		}
	}
	for _, pm := range db.regs {
		entries -= len(pm)
	}
	require.EqualValues(t, 0, entries, "peer index and regs differ by %d entries", entries)
}

func testPeer(id string) *peerInfo {
	p := &peerInfo{id: id, BroadcastAddress: "h", HTTPPort: 1}
	p.json = p.producerJSON()
	p.Touch(time.Now())
	return p
}

func TestRegistrationDBIndexes(t *testing.T) {
	db := newRegistrationDB()
	a, b := testPeer("a"), testPeer("b")
	for _, p := range []*peerInfo{a, b} {
		db.AddProducer(clientReg, p)
		db.AddProducer(Registration{categoryTopic, "t1", ""}, p)
		db.AddProducer(Registration{categoryChannel, "t1", "c1"}, p)
	}
	db.AddProducer(Registration{categoryChannel, "t2", "c2"}, a)
	require.False(t, db.AddProducer(clientReg, a), "second add of the same peer id succeeded")
	db.AddRegistration(Registration{categoryTopic, "t3", ""})
	checkIndexes(t, db)

	require.Equal(t, []string{"t1", "t3"}, db.Keys(categoryTopic, wildcard, ""), "topics")
	require.Equal(t, []string{"c1", "c2"}, db.SubKeys(categoryChannel, wildcard, wildcard), "all channels")
	got := db.FindRegistrations(categoryChannel, wildcard, "c2")
	require.Len(t, got, 1, "find */c2: %v", got)
	require.Equal(t, "t2", got[0].Key, "find */c2: %v", got)

	removed, left := db.RemoveProducer(Registration{categoryTopic, "t1", ""}, "a")
	require.True(t, removed, "RemoveProducer: %v %d", removed, left)
	require.EqualValues(t, 1, left, "RemoveProducer: %v %d", removed, left)
	checkIndexes(t, db)
	require.Len(t, db.RemovePeer("b"), 3, "RemovePeer removed")
	checkIndexes(t, db)
	db.DeleteTopic("t1")
	checkIndexes(t, db)
	require.True(t, db.DeleteChannel("t2", "c2"), "DeleteChannel")
	require.False(t, db.DeleteChannel("t2", "c2"), "DeleteChannel")
	checkIndexes(t, db)
	require.False(t, db.Unregister(Registration{categoryTopic, "nope", ""}, "a", true), "Unregister of nothing removed something")
	db.DeleteTopic(wildcard)
	checkIndexes(t, db)
	require.Len(t, db.regs, 1, "left: %v %v", db.regs, db.peers)
	require.Len(t, db.peers["a"], 1, "left: %v %v", db.regs, db.peers)
}

func TestRegistrationDBLookupFilters(t *testing.T) {
	db := newRegistrationDB()
	now := time.Now()
	a, b := testPeer("a"), testPeer("b")
	b.lastUpdate.Store(now.Add(-time.Minute).UnixNano())
	k := Registration{categoryTopic, "t", ""}
	db.AddProducer(k, a)
	db.AddProducer(k, b)
	res, ok := db.Lookup("t", now, time.Hour, time.Hour)
	require.True(t, ok, "lookup %v %v", res, ok)
	require.Len(t, res.producers, 2, "lookup %v %v", res, ok)
	res, _ = db.Lookup("t", now, time.Second, time.Hour)
	require.Len(t, res.producers, 1, "inactive filter: %v", res.producers)
	require.Equal(t, a, res.producers[0], "inactive filter: %v", res.producers)
	require.EqualValues(t, 2, db.Tombstone("t", "h:1", now), "tombstoned")
	res, _ = db.Lookup("t", now, time.Hour, time.Hour)
	require.Empty(t, res.producers, "tombstoned producers visible: %v", res.producers)
	res, _ = db.Lookup("t", now.Add(time.Hour), 2*time.Hour, time.Hour)
	require.Len(t, res.producers, 2, "expired tombstones still hide: %v", res.producers)
	_, ok = db.Lookup("nope", now, time.Hour, time.Hour)
	require.False(t, ok, "found unknown topic")
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<&>", "tab\t", "é", "\u2028", "bad\xffutf8"} {
		want, _ := json.Marshal(s)
		require.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
}

func TestProducerJSONMatchesEncodingJSON(t *testing.T) {
	p := &peerInfo{RemoteAddress: "1.2.3.4:5", Hostname: "h<1>", BroadcastAddress: "b", TCPPort: 4150,
		HTTPPort: 4151, Version: "1.3.0", TopologyZone: "z", TopologyRegion: "r\n"}
	want, _ := json.Marshal(struct {
		RemoteAddress    string `json:"remote_address"`
		Hostname         string `json:"hostname"`
		BroadcastAddress string `json:"broadcast_address"`
		TCPPort          int    `json:"tcp_port"`
		HTTPPort         int    `json:"http_port"`
		Version          string `json:"version"`
		TopologyZone     string `json:"topology_zone"`
		TopologyRegion   string `json:"topology_region"`
	}{p.RemoteAddress, p.Hostname, p.BroadcastAddress, p.TCPPort, p.HTTPPort, p.Version, p.TopologyZone, p.TopologyRegion})
	require.Equal(t, string(want), string(p.producerJSON()))
}
