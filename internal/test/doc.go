// Package test holds helpers for the daemons' black-box tests: a polling
// Eventually, a logger that writes to t.Log, a raw V2 protocol client that
// checks exact bytes, small HTTP helpers and TLS certificates generated at
// test time, and an in-process run of a daemon command. It must never
// import a daemon package.
package test
