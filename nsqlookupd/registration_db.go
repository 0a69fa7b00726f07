package nsqlookupd

import (
	"sync"
	"sync/atomic"
	"time"
)

// Registration categories.
const (
	categoryClient  = "client"
	categoryTopic   = "topic"
	categoryChannel = "channel"
)

// wildcard matches every key or subkey in a query.
const wildcard = "*"

// clientReg is the registration every identified peer belongs to.
var clientReg = Registration{Category: categoryClient}

// Registration names one entry of the directory: ("client", "", ""),
// ("topic", topic, "") or ("channel", topic, channel).
type Registration struct {
	Category string
	Key      string
	SubKey   string
}

// peerInfo is what one identified TCP connection told us about itself.
// Everything except lastUpdate is fixed once IDENTIFY has been handled.
type peerInfo struct {
	lastUpdate atomic.Int64 // unix ns of IDENTIFY or the latest PING
	id         string       // the connection's remote ip:port

	RemoteAddress    string
	Hostname         string
	BroadcastAddress string
	TCPPort          int
	HTTPPort         int
	Version          string
	TopologyZone     string
	TopologyRegion   string

	json []byte // the producer object of /lookup and /nodes, built once
}

// producer is one peer's entry in one registration. The tombstone fields
// are guarded by registrationDB.mu.
type producer struct {
	peer         *peerInfo
	tombstoned   bool
	tombstonedAt time.Time
}

// isActive reports whether the peer has been heard from within timeout.
func (p *peerInfo) isActive(now time.Time, timeout time.Duration) bool {
	return now.UnixNano()-p.lastUpdate.Load() <= int64(timeout)
}

// isTombstonedLocked reports whether the tombstone is still current.
func (p *producer) isTombstonedLocked(now time.Time, lifetime time.Duration) bool {
	return p.tombstoned && now.Sub(p.tombstonedAt) < lifetime
}

// registrationDB maps registrations to their producers, with two indexes
// so that no query has to scan every registration: keys (category → key →
// subkeys present) answers wildcard queries, and peers (peer id → its
// entries) answers "what is this peer registered in".
type registrationDB struct {
	mu    sync.RWMutex
	regs  map[Registration]map[string]*producer
	keys  map[string]map[string]map[string]struct{}
	peers map[string]map[Registration]*producer
}

func newRegistrationDB() *registrationDB {
	return &registrationDB{
		regs:  make(map[Registration]map[string]*producer),
		keys:  make(map[string]map[string]map[string]struct{}),
		peers: make(map[string]map[Registration]*producer),
	}
}

// AddRegistration creates k with no producers if it does not exist.
func (db *registrationDB) AddRegistration(k Registration) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.addRegistrationLocked(k)
}

func (db *registrationDB) addRegistrationLocked(k Registration) map[string]*producer {
	if pm, ok := db.regs[k]; ok {
		return pm
	}
	pm := make(map[string]*producer)
	db.regs[k] = pm
	byKey := db.keys[k.Category]
	if byKey == nil {
		byKey = make(map[string]map[string]struct{})
		db.keys[k.Category] = byKey
	}
	subs := byKey[k.Key]
	if subs == nil {
		subs = make(map[string]struct{})
		byKey[k.Key] = subs
	}
	subs[k.SubKey] = struct{}{}
	return pm
}

// AddProducer adds peer to k, creating k if needed. An existing entry for
// the same peer id is kept untouched, tombstone included. It reports
// whether a new entry was added.
func (db *registrationDB) AddProducer(k Registration, peer *peerInfo) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	pm := db.addRegistrationLocked(k)
	if _, ok := pm[peer.id]; ok {
		return false
	}
	p := &producer{peer: peer}
	pm[peer.id] = p
	entries := db.peers[peer.id]
	if entries == nil {
		entries = make(map[Registration]*producer)
		db.peers[peer.id] = entries
	}
	entries[k] = p
	return true
}

// RemoveProducer removes peer id from k. It reports whether an entry was
// removed and how many producers k has left (0 when k does not exist).
func (db *registrationDB) RemoveProducer(k Registration, id string) (bool, int) {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.removeProducerLocked(k, id)
}

// Unregister removes peer id from k and, when dropIfEmpty is set and no
// producer is left, deletes k, all under one lock. It reports whether an
// entry was removed.
func (db *registrationDB) Unregister(k Registration, id string, dropIfEmpty bool) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	removed, left := db.removeProducerLocked(k, id)
	if left == 0 && dropIfEmpty {
		db.removeRegistrationLocked(k)
	}
	return removed
}

func (db *registrationDB) removeProducerLocked(k Registration, id string) (bool, int) {
	pm, ok := db.regs[k]
	if !ok {
		return false, 0
	}
	_, removed := pm[id]
	if removed {
		delete(pm, id)
		db.forgetEntryLocked(id, k)
	}
	return removed, len(pm)
}

// forgetEntryLocked drops k from the peer index of id.
func (db *registrationDB) forgetEntryLocked(id string, k Registration) {
	entries := db.peers[id]
	delete(entries, k)
	if len(entries) == 0 {
		delete(db.peers, id)
	}
}

// RemoveRegistration deletes k and all of its producers.
func (db *registrationDB) RemoveRegistration(k Registration) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.removeRegistrationLocked(k)
}

func (db *registrationDB) removeRegistrationLocked(k Registration) {
	pm, ok := db.regs[k]
	if !ok {
		return
	}
	for id := range pm {
		db.forgetEntryLocked(id, k)
	}
	delete(db.regs, k)
	byKey := db.keys[k.Category]
	subs := byKey[k.Key]
	delete(subs, k.SubKey)
	if len(subs) == 0 {
		delete(byKey, k.Key)
	}
}

// RemovePeer removes every entry of peer id (a disconnect). Registrations
// themselves are kept, even ephemeral ones left without producers. It
// returns the registrations the peer was removed from.
func (db *registrationDB) RemovePeer(id string) []Registration {
	db.mu.Lock()
	defer db.mu.Unlock()
	entries := db.peers[id]
	removed := make([]Registration, 0, len(entries))
	for k := range entries {
		delete(db.regs[k], id)
		removed = append(removed, k)
	}
	delete(db.peers, id)
	return removed
}

// Touch records that peer was heard from at now.
func (p *peerInfo) Touch(now time.Time) {
	p.lastUpdate.Store(now.UnixNano())
}
