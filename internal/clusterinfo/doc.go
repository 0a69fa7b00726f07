// Package clusterinfo queries a whole NSQ cluster over HTTP and aggregates
// the answers, for nsqadmin and the utilities (nsq_stat, nsq_to_file).
//
// Every query fans out to a list of nsqlookupd or nsqd HTTP addresses in
// parallel and returns what it could gather together with an error:
//
//   - nil when every upstream answered;
//   - a *PartialErr, listing the failed nodes, when some answered;
//   - any other error when none answered or there was none to ask
//     ("failed to query any nsqlookupd: …" / "failed to query any nsqd: …").
//
// Stats are merged per the reference's rules (sums, paused ORed, per-node
// entries kept), except that merging never mutates a node's own entry.
//
// The admin writes (create, delete, pause, unpause, empty, tombstone; see
// admin.go) POST to each lookupd and producer in turn and report failures
// the same way, a step that fails everywhere ending the write.
package clusterinfo
