// Package nsqlookupd is the nsqlookupd discovery daemon as a library:
// New(opts) binds the TCP and HTTP listeners, Main serves them, Exit shuts
// down. nsqd instances hold a long-lived TCP connection speaking protocol
// V1 ("  V1": IDENTIFY, REGISTER, UNREGISTER, PING) and push their topics
// and channels into an in-memory registration DB; consumers and nsqadmin
// read it over the HTTP API (/lookup, /topics, /channels, /nodes, …) with
// the JSON shapes and errors of the reference nsqlookupd v1.3.0. Nothing
// is persisted.
//
// # Goroutines and ownership
//
//   - Main starts two server loops, owned by NSQLookupd.wg: the TCP accept
//     loop (protocol.TCPServer) and the http.Server. They stop when Exit
//     closes the TCP listener and the HTTP server; an error from either
//     ends Main.
//   - Per TCP connection: one goroutine, started and waited for by the
//     accept loop, reads commands and writes the replies (strict
//     request/response, so no write lock). It owns its client, including
//     the peerInfo it creates at IDENTIFY; the peerInfo is then shared,
//     read-only except for its atomic last-update time, by the DB entries
//     and the HTTP handlers. When the connection ends the goroutine removes
//     the peer's producer entries. tcpServer tracks open connections so
//     Exit can close them.
//   - net/http runs each HTTP request on its own goroutine; handlers only
//     call registrationDB methods.
//
// # Locks
//
// registrationDB.mu guards the registrations, both indexes and every
// producer's tombstone fields; each DB method takes it once and calls only
// *Locked helpers. tcpServer.mu guards the open-connection set. They are
// never held together.
package nsqlookupd
