// Command nsq_to_http consumes a topic and delivers every message to HTTP
// endpoints: as the body of a POST, or query-escaped into a GET URL
// template. A failed delivery (transport error, or a status other than 2xx
// for POST / 200 for GET) is returned to go-nsq, which requeues the message.
//
// Modes (--mode) pick the endpoint(s) of each message: "round-robin",
// "hostpool" (default; internal/hostpool's standard pool), "epsilon-greedy"
// (internal/hostpool's epsilon-greedy pool); any other value sends every
// message to every endpoint in turn, stopping at the first failure.
//
// GET templates have their single "%s" replaced literally, so other "%"
// sequences in the template (e.g. "%2F") are sent as written, where the
// reference would run them through printf.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}
