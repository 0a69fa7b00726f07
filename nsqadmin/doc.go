// Package nsqadmin is the nsqadmin web UI and JSON API as a library:
// New(opts) validates the options and binds the HTTP listener, Main
// serves, Exit shuts down. It aggregates the HTTP APIs of a cluster's
// nsqlookupd (lookupd mode) or of a fixed list of nsqd (nsqd mode) through
// internal/clusterinfo, runs admin actions (create, pause, unpause,
// empty, delete, tombstone), serves the embedded UI under a configurable
// base path, and keeps its own short history of the cluster's stats for
// graphs that need no Graphite (/api/history).
//
// # Goroutines and ownership
//
// Main starts up to three goroutines, owned by NSQAdmin.wg:
//
//   - The http.Server loop; net/http runs each request on its own
//     goroutine. Handlers only read the options and call clusterinfo,
//     the history and the notifier; they never block on a notification.
//   - The stats sampler (sampleLoop): one round at once, then one per
//     --stats-interval; it alone writes the history.
//   - The notification worker (notifier.run), only with
//     --notification-http-endpoint: it owns the delivery of queued admin
//     actions, one at a time; a full queue drops the action with a log
//     line and a failed delivery is logged.
//
// Exit closes the listener and the HTTP server, closes exitChan (the stop
// signal of the sampler and the worker; the worker first delivers what is
// queued) and waits for all of them.
//
// # State and locks
//
// The options live in an atomic.Pointer and are replaced whole, copy on
// write, by PUT /config/:opt; readers load them once per request.
// history.mu guards the history's rings; it is the only mutex and is
// never held while doing I/O.
package nsqadmin
