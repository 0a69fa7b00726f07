// Package benchwire is the client side of nsqd's TCP protocol V2 as the load
// generators in bench/ need it: a buffered connection that writes commands
// without allocating, reads frames into a reused buffer, a pre-encoded MPUB
// whose bodies can be rewritten in place, and the result line the NSQ
// benchmarks print. It knows nothing about nsqd's internals: the tools drive
// a running daemon as a black box.
package benchwire
