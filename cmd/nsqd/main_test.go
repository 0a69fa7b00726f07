package main

import (
	"bytes"
	"errors"
	"log"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
	"github.com/nsqgo/nsq/nsqd"
)

// fakeDaemon's Main blocks until Exit, then returns mainErr; with failNow it
// returns mainErr at once.
type fakeDaemon struct {
	exit    chan struct{}
	exits   int
	mainErr error
	failNow bool
}

func (d *fakeDaemon) Main() error {
	if !d.failNow {
		<-d.exit
	}
	return d.mainErr
}

func (d *fakeDaemon) Exit() {
	if d.exits++; d.exits == 1 && !d.failNow {
		close(d.exit)
	}
}

// harness runs the app in-process with buffers for its output.
type harness struct {
	app
	out, errOut, logs bytes.Buffer
	sigs              chan os.Signal
	opts              *nsqd.Options
}

func newHarness(d *fakeDaemon, newErr error) *harness {
	h := &harness{sigs: make(chan os.Signal, 1)}
	h.app = app{
		stdout:    &h.out,
		stderr:    &h.errOut,
		newLogger: func(prefix string) lg.Logger { return log.New(&h.logs, prefix, 0) },
		newDaemon: func(o *nsqd.Options) (daemon, error) {
			h.opts = o
			if newErr != nil {
				return nil, newErr
			}
			return d, nil
		},
		signals: h.sigs,
	}
	return h
}

func TestRunStopsOnSignal(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		d := &fakeDaemon{exit: make(chan struct{})}
		h := newHarness(d, nil)
		h.sigs <- sig
		equal(t, 0, h.run([]string{"--tcp-address=127.0.0.1:0"}))
		equal(t, 1, d.exits)
		equal(t, "127.0.0.1:0", h.opts.TCPAddress)
		if h.opts.Logger == nil {
			t.Fatal("no logger set")
		}
	}
}

func TestRunExitsOneWhenMainFails(t *testing.T) {
	d := &fakeDaemon{mainErr: errors.New("listener closed"), failNow: true}
	h := newHarness(d, nil)
	equal(t, 1, h.run(nil))
	equal(t, 1, d.exits)
	equal(t, "[nsqd] FATAL: listener closed\n", h.logs.String())
}

func TestRunExitsZeroWhenMainReturnsCleanly(t *testing.T) {
	d := &fakeDaemon{failNow: true}
	h := newHarness(d, nil)
	equal(t, 0, h.run(nil))
	equal(t, 1, d.exits)
}

func TestRunFatalWhenNewFails(t *testing.T) {
	h := newHarness(nil, errors.New("--max-deflate-level must be [1,9]"))
	equal(t, 1, h.run([]string{"--max-deflate-level=0", "--log-prefix=[x] "}))
	equal(t, "[x] FATAL: failed to instantiate nsqd - --max-deflate-level must be [1,9]\n", h.logs.String())
}

func TestRunFatalOnBadConfig(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 1, h.run([]string{writeConfig(t, "tls_required = \"no way\"\n")}))
	equal(t, "[nsqd] FATAL: failed parsing tls_required no way - want true, false or tcp-https, not \"no way\"\n", h.logs.String())
	if h.opts != nil {
		t.Fatal("daemon started despite a bad config")
	}
}

func TestRunVersion(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 0, h.run([]string{"--version"}))
	equal(t, version.String("nsqd")+"\n", h.out.String())
	equal(t, "", h.errOut.String())
}

func TestRunHelp(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 0, h.run([]string{"-h"}))
	if !strings.HasPrefix(h.errOut.String(), "Usage of nsqd:\n") || !strings.Contains(h.errOut.String(), "-tls-min-version") {
		t.Fatalf("usage: %q", h.errOut.String())
	}
}

func TestRunBadFlag(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 2, h.run([]string{"--no-such-flag"}))
	if !strings.HasPrefix(h.errOut.String(), "flag provided but not defined: -no-such-flag\nUsage of nsqd:\n") {
		t.Fatalf("stderr: %q", h.errOut.String())
	}
}

func TestRunBadPercentile(t *testing.T) {
	h := newHarness(nil, nil)
	equal(t, 1, h.run([]string{"--e2e-processing-latency-percentile=0.9,high"}))
	if !strings.HasSuffix(h.errOut.String(), " Could not parse: high\n") || strings.Contains(h.errOut.String(), "Usage") {
		t.Fatalf("stderr: %q", h.errOut.String())
	}
}
