// Package nsqd is the nsqd daemon as a library: New(opts) validates the
// options, locks the data path, binds the listeners and loads nsqd.dat;
// Main serves; Exit shuts down cleanly. It speaks TCP protocol V2 and the
// HTTP API of the reference nsqd v1.3.0 byte for byte.
//
// # Goroutines and ownership
//
//   - Main's server loops: the TCP accept loop (one goroutine per
//     connection running protocolV2.IOLoop) and one http.Server per HTTP
//     and HTTPS listener. Owned by NSQD.wg; stopped by closing listeners.
//   - Per client: IOLoop reads and executes commands; messagePump, started
//     by IOLoop and waited for before IOLoop returns, owns delivery,
//     heartbeats and output-buffer flushing. Both write through
//     clientV2.writeMu.
//   - Per topic: messagePump copies messages to every channel. Owned by
//     Topic.wg; stopped by closing Topic.exitChan.
//   - Per disk queue: its own goroutine (package diskqueue).
//   - queueScanLoop and its worker pool expire in-flight and deferred
//     messages; lookupLoop owns the lookupd connections and consumes
//     Notify events. Owned by NSQD.wg; stopped by closing NSQD.exitChan.
//   - metadataLoop rewrites nsqd.dat when asked, one write per burst of
//     changes.
//   - Notify spawns a short goroutine per event that hands it to
//     lookupLoop and then asks metadataLoop for a write.
//
// # Lock order
//
// NSQD.mu (topic map) → Topic.mu (channel map) → Channel.exitMu →
// Channel.mu (clients) or Channel.inFlight.mu or the deferred set's locks
// (deferJournal.mu → held table's mu; deferredSet.dueMu is a leaf). No path
// holds the in-flight and the deferred table's locks at once. memQueue.mu
// is a leaf. clientV2.writeMu and clientV2.metaMu are leaves.
// NSQD.persistMu is taken before NSQD.mu and Topic.mu when nsqd.dat is
// written. NSQD.peersMu is a leaf guarding the lookupd peer list for
// readers outside lookupLoop.
package nsqd
