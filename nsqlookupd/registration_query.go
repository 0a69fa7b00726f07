package nsqlookupd

import (
	"net"
	"slices"
	"strconv"
	"time"
)

// FindRegistrations returns the registrations of category matching key and
// subkey, either of which may be the wildcard "*".
func (db *registrationDB) FindRegistrations(category, key, subkey string) []Registration {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.findLocked(category, key, subkey)
}

func (db *registrationDB) findLocked(category, key, subkey string) []Registration {
	if key != wildcard && subkey != wildcard {
		k := Registration{category, key, subkey}
		if _, ok := db.regs[k]; ok {
			return []Registration{k}
		}
		return nil
	}
	var out []Registration
	collect := func(key string, subs map[string]struct{}) {
		if subkey != wildcard {
			if _, ok := subs[subkey]; ok {
				out = append(out, Registration{category, key, subkey})
			}
			return
		}
		for sub := range subs {
			out = append(out, Registration{category, key, sub})
		}
	}
	byKey := db.keys[category]
	if key != wildcard {
		collect(key, byKey[key])
		return out
	}
	for k, subs := range byKey {
		collect(k, subs)
	}
	return out
}

// Keys returns the sorted, distinct keys of the matching registrations.
func (db *registrationDB) Keys(category, key, subkey string) []string {
	db.mu.RLock()
	var out []string
	if key == wildcard && subkey == "" {
		// the common /topics case, straight from the index
		byKey := db.keys[category]
		out = make([]string, 0, len(byKey))
		for k, subs := range byKey {
			if _, ok := subs[""]; ok {
				out = append(out, k)
			}
		}
	} else {
		for _, r := range db.findLocked(category, key, subkey) {
			out = append(out, r.Key)
		}
	}
	db.mu.RUnlock()
	slices.Sort(out)
	return slices.Compact(out)
}

// SubKeys returns the sorted subkeys of the matching registrations.
func (db *registrationDB) SubKeys(category, key, subkey string) []string {
	db.mu.RLock()
	regs := db.findLocked(category, key, subkey)
	db.mu.RUnlock()
	out := make([]string, 0, len(regs))
	for _, r := range regs {
		out = append(out, r.SubKey)
	}
	slices.Sort(out)
	return out
}

// lookupResult is the data of /lookup.
type lookupResult struct {
	channels  []string
	producers []*peerInfo
}

// Lookup returns the channels of topic and its producers that are active
// and not currently tombstoned; ok is false when no topic registration
// matches.
func (db *registrationDB) Lookup(topic string, now time.Time, inactive, tombstone time.Duration) (lookupResult, bool) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	regs := db.findLocked(categoryTopic, topic, "")
	if len(regs) == 0 {
		return lookupResult{}, false
	}
	var res lookupResult
	for _, r := range db.findLocked(categoryChannel, topic, wildcard) {
		res.channels = append(res.channels, r.SubKey)
	}
	slices.Sort(res.channels)
	seen := make(map[string]struct{}, len(db.regs[regs[0]]))
	for _, r := range regs {
		for id, p := range db.regs[r] {
			if _, dup := seen[id]; dup || !p.peer.isActive(now, inactive) || p.isTombstonedLocked(now, tombstone) {
				continue
			}
			seen[id] = struct{}{}
			res.producers = append(res.producers, p.peer)
		}
	}
	return res, true
}

// nodeResult is one entry of /nodes: a peer and the topics it produces,
// with whether each of those entries is currently tombstoned.
type nodeResult struct {
	peer       *peerInfo
	topics     []string
	tombstones []bool
}

// Nodes returns every identified peer heard from within inactive.
func (db *registrationDB) Nodes(now time.Time, inactive, tombstone time.Duration) []nodeResult {
	db.mu.RLock()
	defer db.mu.RUnlock()
	clients := db.regs[clientReg]
	out := make([]nodeResult, 0, len(clients))
	for id, c := range clients {
		if !c.peer.isActive(now, inactive) {
			continue
		}
		entries := db.peers[id]
		n := nodeResult{peer: c.peer, topics: make([]string, 0, len(entries)), tombstones: make([]bool, 0, len(entries))}
		for k, p := range entries {
			if k.Category == categoryTopic {
				n.topics = append(n.topics, k.Key)
				n.tombstones = append(n.tombstones, p.isTombstonedLocked(now, tombstone))
			}
		}
		out = append(out, n)
	}
	return out
}

// Tombstone marks, at now, every producer of the matching topic
// registrations whose broadcast address and HTTP port make up node, either
// as "host:port" (the reference's form) or with IPv6 brackets.
func (db *registrationDB) Tombstone(topic, node string, now time.Time) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	n := 0
	for _, r := range db.findLocked(categoryTopic, topic, "") {
		for _, p := range db.regs[r] {
			if !p.peer.isNode(node) {
				continue
			}
			p.tombstoned, p.tombstonedAt = true, now
			n++
		}
	}
	return n
}

// isNode reports whether node names this peer's HTTP endpoint.
func (p *peerInfo) isNode(node string) bool {
	port := strconv.Itoa(p.HTTPPort)
	return node == p.BroadcastAddress+":"+port || node == net.JoinHostPort(p.BroadcastAddress, port)
}

// DeleteTopic removes the matching topic registrations and every channel
// registration of those topics, with their producers.
func (db *registrationDB) DeleteTopic(topic string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, r := range db.findLocked(categoryChannel, topic, wildcard) {
		db.removeRegistrationLocked(r)
	}
	for _, r := range db.findLocked(categoryTopic, topic, "") {
		db.removeRegistrationLocked(r)
	}
}

// DeleteChannel removes the matching channel registrations; it reports
// false when there were none.
func (db *registrationDB) DeleteChannel(topic, channel string) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	regs := db.findLocked(categoryChannel, topic, channel)
	for _, r := range regs {
		db.removeRegistrationLocked(r)
	}
	return len(regs) > 0
}

// debugProducer is one producer entry of /debug; its fields are in the
// alphabetical order the reference's map-based encoding produces.
type debugProducer struct {
	BroadcastAddress string `json:"broadcast_address"`
	Hostname         string `json:"hostname"`
	HTTPPort         int    `json:"http_port"`
	ID               string `json:"id"`
	LastUpdate       int64  `json:"last_update"`
	TCPPort          int    `json:"tcp_port"`
	Tombstoned       bool   `json:"tombstoned"`
	TombstonedAt     int64  `json:"tombstoned_at"`
	TopologyRegion   string `json:"topology_region"`
	TopologyZone     string `json:"topology_zone"`
	Version          string `json:"version"`
}

// Debug dumps every registration that has producers, keyed
// "<category>:<key>:<subkey>".
func (db *registrationDB) Debug() map[string][]debugProducer {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make(map[string][]debugProducer)
	for r, pm := range db.regs {
		for id, p := range pm {
			key := r.Category + ":" + r.Key + ":" + r.SubKey
			out[key] = append(out[key], debugProducer{
				BroadcastAddress: p.peer.BroadcastAddress, Hostname: p.peer.Hostname,
				HTTPPort: p.peer.HTTPPort, ID: id, LastUpdate: p.peer.lastUpdate.Load(),
				TCPPort: p.peer.TCPPort, Tombstoned: p.tombstoned, TombstonedAt: p.tombstonedAt.UnixNano(),
				TopologyRegion: p.peer.TopologyRegion, TopologyZone: p.peer.TopologyZone, Version: p.peer.Version,
			})
		}
	}
	return out
}
