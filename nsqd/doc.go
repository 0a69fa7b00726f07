// Package nsqd is the nsqd daemon as a library: New(opts) validates the
// options, locks the data path, binds the listeners and loads nsqd.dat;
// Main serves; Exit shuts down cleanly. It speaks TCP protocol V2 and the
// HTTP API of the reference nsqd v1.3.0 byte for byte.
//
// # Queues
//
// Topic and Channel share one queue core (queue): a memory queue of up to
// --mem-queue-size messages, the backend (a disk queue; a discarding sink
// for ephemeral names) for the rest, and the deferred set (deferredSet).
// A channel adds its in-flight table and clients, a topic its fan-out. Both
// are built from a queueDeps (options, logger, notify, health, backend
// factory), not from an NSQD, so they are tested on their own.
//
// # Durable state (--mem-queue-size=0)
//
// On disk, per topic and per channel: the disk queue in NSQ's format, whose
// metadata records as read position the oldest record read and not yet
// finished (the low-water mark); "<queue>.diskqueue.done.dat", the records
// finished ahead of that mark; and "<queue>.deferred.dat", the deferred
// messages waiting in memory (with their bodies) and the deadlines of
// deferred messages waiting in the disk queue. A channel's record is
// finished when its message is FINished, or once the message is on disk
// again: queued anew (REQ, timeout) or journaled (REQ with a delay, or read
// before its deadline). A topic's record is finished once every channel
// holds its copy on disk. A restart reads every disk queue again from its
// mark, skipping the finished records listed in the sidecar, and puts the
// journaled deferred messages back in the table. What may be delivered
// twice: a message in flight at the crash (with the attempt count it had
// before that delivery), one finished or requeued since the last sync
// (--sync-every operations, --sync-timeout), a topic record whose fan-out
// was under way, and a publish whose OK died with the process. NSQ v1.3.0
// ignores both sidecar files: it delivers the finished records after the
// mark again, and deferred messages at once.
//
// Memory: per channel, 24 bytes for every record between the mark and the
// read position (the messages in flight, up to 32 read ahead for the
// pumps, plus those finished ahead of the oldest one still in flight; in steady state at most the delivery rate
// times the longest time a message stays in flight, bounded by
// --max-msg-timeout), the deferred table (at most --max-deferred messages,
// bodies included), and after a restart the sidecar's positions not yet
// passed. Nothing grows with the unread backlog, which stays on disk.
//
// # Goroutines and ownership
//
//   - Main's server loops: the TCP accept loop (one goroutine per
//     connection running protocolV2.IOLoop) and one http.Server per HTTP
//     and HTTPS listener. Owned by NSQD.wg; stopped by closing listeners.
//   - The plain-HTTP listener's fast path (http_fast.go): an accept loop
//     and one goroutine per connection until it ends or is handed to
//     net/http. Owned by fastListener.wg; http.Server.Close closes the
//     listener, which closes those connections and waits for them.
//   - Per client: IOLoop reads and executes commands; messagePump, started
//     by IOLoop and waited for before IOLoop returns, owns delivery,
//     heartbeats and output-buffer flushing. Both write through
//     clientV2.writeMu.
//   - Per topic: messagePump copies messages to every channel; a copy that
//     a channel refuses (full disk) is held and offered again every second,
//     and nothing new is read meanwhile. It runs only while there is
//     something queued at topic level to fan out (see wakePump), so idle
//     topics hold none. Owned by Topic.wg; stopped by closing
//     Topic.exitChan.
//   - Per disk queue: its own goroutine (package diskqueue), which also
//     takes the Done calls that finish records; it too runs only while the
//     queue has something to read or sync.
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
